"""Stopping and moving the clocks: pause / resume (挂起) and extensions (延期), with their approvals.

Pause and resume are the dispatch office's (role action "pause"). While a case is paused its clocks
read the pause's start (the queue shows no next deadline); on resume every running due moves later
by exactly the pause's length in that clock's own unit (office time for wd/wh rules, elapsed time
for m/h/d), and only by the part of the pause after the clock started.

An extension is requested by the lead department before the resolve deadline and decided by the
dispatch office ("decide_extension"); at most [supervision] max_extensions approved per case.
"""

from __future__ import annotations

from models.cases.casebase import get_case, load_for, require_text, save, snapshot, stale
from models.cases.rules import extension_refusal
from models.clocks.clocks import (
    case_assignments,
    clock_start,
    clocks_of,
    refresh_next_due,
    rule_for,
    unit_of,
)
from models.errors import InvalidState, UsageError, ValidationError
from models.org.context import Context
from models.org.permissions import require_case
from models.store.schema import Case, Extension, Pause
from models.store.states import ALLOWED
from models.text.messages import Ref
from models.worktime.durations import parse_duration
from models.worktime.timeutil import from_epoch, local_iso, local_short, to_epoch


def _when(ctx: Context, moment: int | None) -> str:
    return local_short(moment, ctx.config.tz) or "-"


def pause(ctx: Context, case_id: int, *, reason: str, expected_version: int | None = None) -> Case:
    """挂起: stop the case's clocks for a stated reason (awaiting the citizen, weather …)."""
    require_text(reason, "pause_reason")
    with ctx.write():
        case = load_for(ctx, case_id, "pause", expected_version)
        if case.paused_since:
            raise InvalidState("case.already_paused", case=case.id, state=Ref("state", case.state),
                               since=_when(ctx, case.paused_since))
        before = snapshot(case)
        now = ctx.now()
        row = Pause.create(case=case.id, reason=reason, started_at=now, started_by=ctx.actor)
        case.paused_since = now
        return save(ctx, case, before, "pause", extra_after={"pause_id": row.id, "reason": reason})


def resume(ctx: Context, case_id: int, *, expected_version: int | None = None) -> Case:
    """恢复: restart the clocks; every running due moves later by the paused working length."""
    with ctx.write():
        case = get_case(case_id)
        require_case(ctx, case, "pause")  # resuming is the same authority as pausing, in any state
        if expected_version is not None and case.version != expected_version:
            raise stale(ctx, case)
        if not case.paused_since:
            raise InvalidState("case.not_paused", case=case.id, state=Ref("state", case.state))
        open_pause = (Pause.select().where((Pause.case == case.id) & Pause.ended_at.is_null())
                      .order_by(Pause.id.desc()).first())
        before = snapshot(case)
        now = ctx.now()
        began = int(case.paused_since)
        assignments = case_assignments(case)
        shifted = {}
        for clock in clocks_of(case, assignments):
            if not clock.running or clock.due is None:
                continue
            rule = rule_for(ctx, case, clock.name)
            unit = unit_of(rule)
            start = clock_start(ctx, case, clock, rule)
            # A clock that started during the pause only loses the part after its start.
            first = from_epoch(max(began, start if start is not None else began))
            last = from_epoch(now)
            assert first is not None and last is not None
            length = ctx.calendar.paused_length(first, last, unit) if last > first else 0
            due = from_epoch(int(clock.due))
            assert due is not None
            new_due = to_epoch(ctx.calendar.shift(due, length, unit))
            key = clock.name if clock.assignment is None else f"{clock.name}:{clock.assignment.department}"
            shifted[key] = {"from": local_iso(clock.due, ctx.config.tz),
                            "to": local_iso(new_due, ctx.config.tz), "seconds": length, "unit": unit}
            if clock.assignment is None:
                setattr(case, f"{clock.name}_due", new_due)
            else:
                setattr(clock.assignment, "ack_due" if clock.name == "acknowledge" else "arrive_due", new_due)
                clock.assignment.save()
        if open_pause is not None:
            open_pause.ended_at, open_pause.ended_by = now, ctx.actor
            open_pause.save()
        case.paused_since = None
        case.paused_seconds = int(case.paused_seconds or 0) + max(0, now - began)
        return save(ctx, case, before, "resume", assignments=assignments,
                    extra_after={"pause_id": open_pause.id if open_pause is not None else None,
                                 "paused_seconds": max(0, now - began), "shifted": shifted})


def pending_extension(case: Case) -> Extension | None:
    """The extension request waiting for the dispatch office's decision, if any."""
    return (Extension.select().where((Extension.case == case.id) & (Extension.status == "pending"))
            .order_by(Extension.id.desc()).first())


def request_extension(ctx: Context, case_id: int, *, reason: str, until: int | None = None,
                      by: str | None = None, expected_version: int | None = None) -> Extension:
    """延期申请: the lead asks for a later resolve deadline, before the current one has passed.

    Give either `until` (epoch seconds) or `by` (a duration such as "3wd", added to the deadline).
    """
    require_text(reason, "extension_reason")
    if (until is None) == (by is None):
        raise UsageError("case.extend_until_or_by")
    step = parse_duration(by) if by is not None else None
    with ctx.write():
        case = load_for(ctx, case_id, "extend", expected_version)
        if (refused := extension_refusal(ctx, case, pending_extension(case))) is not None:
            raise refused
        old_due = int(case.resolve_due)
        if step is not None:
            start = from_epoch(old_due)
            assert start is not None
            new_due = to_epoch(ctx.calendar.add(start, step).due)
        else:
            assert until is not None
            new_due = int(until)
        if new_due <= old_due:
            raise ValidationError("case.extension_not_later", case=case.id,
                                  new_due=local_iso(new_due, ctx.config.tz), old_due=local_iso(old_due, ctx.config.tz))
        before = snapshot(case)
        row = Extension.create(case=case.id, department=case.lead, requested_by=ctx.actor,
                               requested_at=ctx.now(), old_due=old_due, new_due=new_due, reason=reason)
        save(ctx, case, before, "extend",
             extra_after={"extension_id": row.id, "reason": reason, "old_due": local_iso(old_due, ctx.config.tz),
                          "new_due": local_iso(new_due, ctx.config.tz)})
        return row


def decide_extension(ctx: Context, case_id: int, *, approve: bool, note: str | None = None,
                     expected_version: int | None = None) -> Case:
    """The dispatch office approves (the resolve deadline moves) or refuses the waiting request."""
    with ctx.write():
        case = load_for(ctx, case_id, "decide_extension", expected_version)
        row = pending_extension(case)
        if row is None:
            raise InvalidState("case.no_extension_waiting", case=case.id, state=Ref("state", case.state))
        if approve and case.state not in ALLOWED["extend"]:
            raise InvalidState("case.extension_clock_stopped", case=case.id, state=Ref("state", case.state))
        before = snapshot(case)
        now = ctx.now()
        row.status = "approved" if approve else "refused"
        row.decided_by, row.decided_at, row.decision_note = ctx.actor, now, note
        row.save()
        extra = {"extension_id": row.id, "note": note}
        if approve:
            # A pause resumed since the request may already have moved the deadline further.
            case.resolve_due = max(int(row.new_due), int(case.resolve_due or 0))
            case.extension_count += 1
            refresh_next_due(case)
            if case.next_due is None or case.next_due > now:
                case.reminded_at = case.noticed_at = None  # a new deadline starts a new escalation ladder
            extra["new_due"] = local_iso(case.resolve_due, ctx.config.tz)
        return save(ctx, case, before, "extension_approve" if approve else "extension_refuse", extra_after=extra)
