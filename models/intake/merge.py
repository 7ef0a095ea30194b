"""Merge, unmerge and split: several reports of one problem become one case, and back; one report
raising several problems becomes several cases.

Merge moves the sources' reports under the target (each keeps its channel, source id and home
case, so every channel can be answered); the sources become `merged`, pointing at the target, and
drop out of the working views. The target keeps the earliest received time, with its clocks
recomputed from it. A MergeRecord per source keeps what the merge changed, so `unmerge` puts the
source back exactly as it was and the target as it was, except where a later step changed the
target since (that step's value stays). Every merge, unmerge and split records events on every
case it touches. Nothing is deleted.
"""

from __future__ import annotations

import json
from typing import Any

from models.cases.casebase import get_case, load_for, save, snapshot
from models.clocks.clocks import deadline, rule_for
from models.errors import InvalidState, NotFound, ValidationError
from models.intake.intake import NewReport, prepare, register
from models.org.context import Context
from models.org.permissions import require_case, require_role
from models.store import engine
from models.store.schema import Case, Extension, MergeRecord, Report
from models.store.states import CLOSED, MERGED, REJECTED, SPLIT
from models.text import search
from models.text.messages import Ref

DAY = 86400


class NeedsConfirmation(ValidationError):
    """A merge the operator must confirm (across townships, into a closed case): the console asks,
    then calls again with force=True; the CLI says to add --force."""

# What a merge changes on the target (besides next_due, which save() derives).
TARGET_FIELDS = ("received_at", "dispatch_due", "resolve_due", "due_confirmed", "report_count", "repeat_count")


def report_ids_of(case_id: int) -> list[int]:
    return [rid for (rid,) in Report.select(Report.id).where(Report.case == case_id).order_by(Report.id).tuples()]


def reindex(ctx: Context, case_id: int) -> None:
    """Search text of a case = its reports' titles and texts (a merged-away case has none)."""
    texts = [f"{title}\n{text}" for title, text in
             Report.select(Report.title, Report.text).where(Report.case == case_id).order_by(Report.id).tuples()]
    engine.index_case_text(ctx.db, case_id, search.tokens("\n".join(texts)))


def repeats_within(received: list[int], window: int) -> int:
    """The most reports received within any `window` seconds (a sliding window over the times)."""
    times = sorted(received)
    best = start = 0
    for end, moment in enumerate(times):
        while moment - times[start] > window:
            start += 1
        best = max(best, end - start + 1)
    return best


def _recount(ctx: Context, case: Case) -> None:
    received = [int(r) for (r,) in Report.select(Report.received_at).where(Report.case == case.id).tuples()]
    window = int(ctx.config.section("supervision")["repeat_days"]) * DAY
    case.report_count = len(received)
    case.repeat_count = max(int(case.repeat_count or 0), repeats_within(received, window))


def _reclock(ctx: Context, case: Case) -> None:
    """Clocks counted from the received time, after it moved (an approved extension's due stays)."""
    extended = Extension.select().where((Extension.case == case.id) & (Extension.status == "approved")).exists()
    confirmed = bool(case.due_confirmed)
    for clock, attr in (("dispatch", "dispatch_due"), ("resolve", "resolve_due")):
        rule = rule_for(ctx, case, clock)
        if rule is None or rule.start != "received" or (clock == "resolve" and extended):
            continue
        due, ok = deadline(ctx, case, clock)
        setattr(case, attr, due)
        confirmed = confirmed and ok
    case.due_confirmed = confirmed


def _check_target(ctx: Context, target: Case, force: bool) -> None:
    require_case(ctx, target, "merge")
    if target.state == MERGED:
        raise InvalidState("merge.target_merged", case=target.id, into=target.merged_into_id)
    if target.state == SPLIT:
        raise InvalidState("merge.target_split", case=target.id)
    if target.state in (CLOSED, REJECTED) and not force:
        raise NeedsConfirmation("merge.target_confirm", case=target.id, state=Ref("state", target.state))


def merge(ctx: Context, target_id: int, source_ids: list[int], *, force: bool = False) -> Case:
    """Merge the sources into the target (one transaction; every source or none).

    Across townships or into a closed/rejected case only with `force` (the console asks first).
    """
    require_role(ctx, "merge")
    sources = list(dict.fromkeys(source_ids))
    if not sources:
        raise ValidationError("merge.no_sources")
    if target_id in sources:
        raise ValidationError("merge.into_itself", case=target_id)
    with ctx.write():
        target = get_case(target_id)
        _check_target(ctx, target, force)
        loaded = [load_for(ctx, sid, "merge") for sid in sources]
        for source in loaded:
            if source.township and target.township and source.township != target.township and not force:
                raise NeedsConfirmation("merge.across_townships", source=source.id, target=target.id,
                                        source_township=Ref("township", source.township),
                                        target_township=Ref("township", target.township))
        for source in loaded:
            _merge_one(ctx, target, source)
        return target


def _merge_one(ctx: Context, target: Case, source: Case) -> None:
    moved = report_ids_of(source.id)
    source_before = snapshot(source)
    Report.update(case=target.id).where(Report.id.in_(moved)).execute()
    source.state, source.merged_into, source.report_count = MERGED, target.id, 0
    save(ctx, source, source_before, "merge", extra_after={"into": target.id, "report_ids": moved})
    target_before = snapshot(target)
    if int(source.received_at) < int(target.received_at):
        target.received_at = source.received_at
        _reclock(ctx, target)
    _recount(ctx, target)
    target.repeat_count = max(int(target.repeat_count), int(source.repeat_count or 0))
    save(ctx, target, target_before, "merge", extra_after={"from": source.id, "report_ids": moved})
    MergeRecord.create(source=source.id, target=target.id, report_ids=json.dumps(moved),
                       source_before=json.dumps(source_before, ensure_ascii=False),
                       target_before=json.dumps({"case": target_before,
                                                 "merged": {f: getattr(target, f) for f in TARGET_FIELDS}},
                                                ensure_ascii=False),
                       merged_by=ctx.actor, merged_at=ctx.now())
    reindex(ctx, source.id)
    reindex(ctx, target.id)


def active_merge(source_id: int) -> MergeRecord | None:
    """The merge that made this case merged (not undone yet)."""
    return (MergeRecord.select().where((MergeRecord.source == source_id) & MergeRecord.undone_at.is_null())
            .order_by(MergeRecord.id.desc()).first())


def unmerge(ctx: Context, source_id: int) -> Case:
    """Undo the merge of this case: its reports and fields back, the target's as before the merge."""
    require_role(ctx, "merge")
    with ctx.write():
        source = get_case(source_id)
        require_case(ctx, source, "merge")
        if source.state != MERGED:
            raise InvalidState("case.not_merged", case=source.id, state=Ref("state", source.state))
        record = active_merge(source.id)
        if record is None:
            raise NotFound("merge.no_record", case=source.id)
        target = get_case(record.target_id)
        require_case(ctx, target, "merge")
        moved: list[int] = json.loads(record.report_ids)
        Report.update(case=source.id).where(Report.id.in_(moved) & (Report.case == target.id)).execute()
        before = snapshot(source)
        for name, value in json.loads(record.source_before).items():
            setattr(source, name, value)
        save(ctx, source, before, "unmerge", extra_after={"from": target.id, "report_ids": moved})
        record.undone_by, record.undone_at = ctx.actor, ctx.now()
        record.save()
        _restore_target(ctx, target, record)
        reindex(ctx, source.id)
        reindex(ctx, target.id)
        return source


def _restore_target(ctx: Context, target: Case, record: MergeRecord) -> None:
    """The target's merge-changed fields back to their values before the merge, where nothing else
    changed them since; with other merges into it still standing, recomputed from what it holds."""
    kept: dict[str, Any] = json.loads(record.target_before)
    was, merged = kept["case"], kept["merged"]
    others = list(MergeRecord.select().where((MergeRecord.target == target.id) & MergeRecord.undone_at.is_null()
                                             & (MergeRecord.id != record.id)).order_by(MergeRecord.id))
    before = snapshot(target)
    if not others:
        for name in TARGET_FIELDS:
            if name != "report_count" and getattr(target, name) == merged[name]:
                setattr(target, name, was[name])
    else:
        first_kept = json.loads(others[0].target_before)["case"]
        sources = [json.loads(o.source_before) for o in others]
        received = min([int(first_kept["received_at"])] + [int(src["received_at"]) for src in sources])
        if received != int(target.received_at) and target.received_at == merged["received_at"]:
            target.received_at = received
            _reclock(ctx, target)
        if target.repeat_count == merged["repeat_count"]:
            target.repeat_count = max([int(first_kept["repeat_count"] or 0)]
                                      + [int(src["repeat_count"] or 0) for src in sources])
            _recount(ctx, target)
    target.report_count = Report.select().where(Report.case == target.id).count()
    save(ctx, target, before, "unmerge", extra_after={"restored": record.source_id})


def split(ctx: Context, case_id: int, parts: list[str]) -> list[Case]:
    """Split a case whose report raises several problems into new cases, one per part.

    Each new case starts `new` with its own clocks (from the original report's received time),
    its parent the original, and a report carrying the part's text with the original report's
    channel, citizen and source id (suffixed #1, #2 … so each stays unique). The original keeps
    its own report and becomes `split`.
    """
    require_role(ctx, "split")
    texts = [p.strip() for p in parts if p and p.strip()]
    if len(texts) < 2:
        raise ValidationError("merge.split_two_parts", case=case_id)
    with ctx.write():
        case = load_for(ctx, case_id, "split")
        report = Report.select().where(Report.case == case.id).order_by(Report.id).first()
        if report is None:
            raise InvalidState("merge.split_no_report", case=case.id)
        now = ctx.now()
        items = [prepare(ctx, NewReport(
            channel=report.channel, text=text, phone=report.phone, address=report.address,
            township=case.township or report.township_hint,
            source_id=f"{report.source_id}#{n}" if report.source_id else None, received_at=report.received_at,
            citizen_name=report.citizen_name, category_hint=report.category_hint), now)
            for n, text in enumerate(texts, 1)]
        done = register(ctx, items, [[] for _ in items], now, action="split", parent=case.id,
                        extra_after=[{"split_from": case.id, "part": n} for n in range(1, len(items) + 1)])
        before = snapshot(case)
        case.state = SPLIT
        save(ctx, case, before, "split", extra_after={"children": [d.case_id for d in done]})
    return [get_case(d.case_id) for d in done]
