"""Loading a case for a step and saving it back: scope, state and stale-read checks in one place."""

from __future__ import annotations

from typing import Any

import peewee as pw

from models.clocks.clocks import refresh_next_due
from models.errors import Conflict, InvalidState, NotFound, ValidationError
from models.org.context import Context
from models.org.permissions import require_case
from models.store import events, outbox, prepared, rowdigest
from models.store.schema import Assignment, Case, Event
from models.store.states import ALLOWED, steps_allowed
from models.text.messages import Ref, refs
from models.text.textnorm import MAX_TEXT_CHARS, too_long
from models.worktime.timeutil import local_short

TRACKED = ("state", "title", "township", "village", "category", "priority", "decision", "duty_item",
           "reason", "lead", "result", "dispatch_due", "resolve_due", "next_due", "due_confirmed",
           "paused_since", "paused_seconds", "report_count", "return_count", "reopen_count",
           "extension_count", "must_supervise", "merged_into", "received_at", "triaged_at",
           "dispatched_at", "acknowledged_at", "resolved_at", "closed_at",
           # Written by steps too; save() writes only tracked columns, so an untracked one is lost.
           "last_progress_at", "repeat_count", "reminded_at", "noticed_at")


def snapshot(case: Case) -> dict[str, Any]:
    """The fields the event log compares before and after a step."""
    out = {name: getattr(case, name) for name in TRACKED if name != "merged_into"}
    out["merged_into"] = case.merged_into_id
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def get_case(case_id: int) -> Case:
    found = prepared.select_models(Case, "case_by_id", lambda: Case.select().where(Case.id == 0), (case_id,))
    case = found[0] if found else None
    if case is None:
        raise NotFound("case.not_found", case=case_id)
    return case


def load_for(ctx: Context, case_id: int, action: str, expected_version: int | None = None) -> Case:
    """The case, after checking scope, role, state and (if given) that it is unchanged since read."""
    case = get_case(case_id)
    require_case(ctx, case, action)
    if expected_version is not None and case.version != expected_version:
        raise stale(ctx, case)
    if action in ALLOWED and case.state not in ALLOWED[action]:
        raise refused(case, action)
    return case


def refused(case: Case, action: str) -> InvalidState:
    allowed = steps_allowed(case.state)
    where = {"case": case.id, "state": Ref("state", case.state), "step": Ref("step", action)}
    if not allowed:
        return InvalidState("case.step_final", **where)
    return InvalidState("case.step_not_now", **where, allowed=refs("step", allowed))


def stale(ctx: Context, case: Case) -> Conflict:
    """The refusal for a step based on a stale read: who changed the case, when, and how."""
    last = Event.select().where(Event.case == case.id).order_by(Event.id.desc()).first()
    if not last:
        return Conflict("case.stale", case=case.id)
    by = {"case": case.id, "operator": last.operator, "step": Ref("step", last.action),
          "at": local_short(last.at, ctx.config.tz)}
    if last.on_behalf_of:
        return Conflict("case.stale_by_for", **by, on_behalf=last.on_behalf_of)
    return Conflict("case.stale_by", **by)


def save(ctx: Context, case: Case, before: dict[str, Any], action: str,
         extra_before: dict[str, Any] | None = None, extra_after: dict[str, Any] | None = None,
         assignments: list[Assignment] | None = None) -> Case:
    """Write the case if nobody changed it meanwhile, and record the step's one event.

    Only the changed columns are written (peewee's SQL building is the cost of a step, not SQLite).
    """
    refresh_next_due(case, assignments)
    now = ctx.now()
    after = snapshot(case)
    changed_before, changed_after = diff(before, after)
    values: dict[str, Any] = {("merged_into" if k == "merged_into" else k): v for k, v in changed_after.items()}
    changed_before.update(extra_before or {})
    changed_after.update(extra_after or {})
    columns = tuple(sorted(values))
    params = [values[c] for c in columns] + [now, ctx.actor, case.id, case.version]
    cursor = ctx.db.execute_sql(_update_sql(ctx.db, columns), tuple(params))
    if cursor.rowcount != 1:
        raise stale(ctx, case)
    case.version += 1
    case.updated_at = now
    case.updated_by = ctx.actor
    # The event carries the digests of the case row and of its reports, assignments, evaluations,
    # extensions and pauses as this step leaves them (`audit verify` compares the tables with them).
    event = events.record(ctx, action, case.id, state_before=before["state"], state_after=case.state,
                          before=changed_before, after=changed_after, at=now,
                          digests=rowdigest.case_rows(ctx.db, case.id, after))
    outbox.after_step(ctx, case, event, changed_after)  # who must act on it, in this same transaction
    return case


def _update_sql(db: pw.Database, columns: tuple[str, ...]) -> str:
    """UPDATE of the given case columns guarded by the version the step read (cached per shape)."""
    def build() -> str:
        p = db.param

        def q(name: str) -> str:
            return f"{db.quote[0]}{name}{db.quote[1]}"
        sets = ", ".join(f"{q(Case._meta.fields[c].column_name)} = {p}" for c in columns)
        return (f"UPDATE {q('case')} SET {sets}{', ' if sets else ''}{q('updated_at')} = {p}, "
                f"{q('updated_by')} = {p}, {q('version')} = {q('version')} + 1 "
                f"WHERE {q('id')} = {p} AND {q('version')} = {p}")
    return prepared.text_for(db, ("case_update", columns), build)


def require_text(value: str | None, what: str) -> str:
    if value is None or not value.strip():
        raise ValidationError("case.text_empty", what=Ref("field", what))
    if too_long(value, what):
        raise ValidationError("case.text_too_long", what=Ref("field", what), length=len(value),
                              limit=MAX_TEXT_CHARS)
    return value
