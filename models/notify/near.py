"""Deadline notices: a running clock whose due moment is near (within its priority's lead time), and
one whose due moment has just passed — written by the sender's own pass, as soon as it happens, not
only when the supervision ladder reminds the next working day.

`[notify.lead_time]` gives the lead per priority (10 minutes before an urgent sign-for by default).
Each notice is keyed by the clock itself — `near:` / `passed:` + `<case>:<clock>:<department>:<due>` —
so a sweep run any number of times (or by two senders) writes it once; a new deadline (an extension, a
re-dispatch) is a new key. The notice goes to the clock's department, the lead for the resolve clock
(the township for a local case), or the office for its own dispatch clock.

Each clock is looked at on its own: a case whose sign-for clock is already late still gets the near
notice for its arrival or resolve deadline. Candidates come from indexes: the case's `next_due` in the
window, and, for cases already late, the assignment deadlines (`ack_due`, `arrive_due`, migration 11)
and the case's own deadlines among its late cases. Passed deadlines are looked for since the previous
pass (Setting `notify.deadlines_swept`), so a sender that was stopped catches up; a first pass looks
back `FIRST_LOOKBACK`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from models.clocks.clocks import Clock, case_assignments, clocks_of
from models.org.context import Context
from models.store import outbox
from models.store.schema import Assignment, Case, Setting
from models.store.states import FINAL_STATES

if TYPE_CHECKING:
    from models.notify.settings import Settings

WATERMARK = "notify.deadlines_swept"
FIRST_LOOKBACK = 24 * 3600  # a sender's very first pass announces deadlines passed in the last day only


def _swept_until(now: int) -> int:
    row = Setting.get_or_none(Setting.key == WATERMARK)
    if row is None:
        return now - FIRST_LOOKBACK
    return min(now, int(json.loads(row.value)))


def candidates(low: int, high: int) -> list[Case]:
    """Open, running cases with at least one deadline in (low, high] — whatever their other clocks."""
    def within(field: Any) -> Any:
        return field.is_null(False) & (field > low) & (field <= high)

    running = Case.paused_since.is_null() & Case.state.not_in(FINAL_STATES) & Case.next_due.is_null(False)
    ids = {i for (i,) in Case.select(Case.id).where(running & within(Case.next_due)).tuples()}
    late = running & (Case.next_due <= low)  # another clock is earlier: look at each of its deadlines
    ids.update(i for (i,) in Case.select(Case.id).where(
        late & (within(Case.resolve_due) | within(Case.dispatch_due))).tuples())
    by_assignment = {i for (i,) in Assignment.select(Assignment.case).where(
        Assignment.active & (within(Assignment.ack_due) | within(Assignment.arrive_due))).tuples()}
    if by_assignment - ids:
        ids.update(i for (i,) in Case.select(Case.id).where(late & Case.id.in_(sorted(by_assignment - ids))).tuples())
    return list(Case.select().where(Case.id.in_(sorted(ids))).order_by(Case.id)) if ids else []


def recipient(case: Case, clock: Clock) -> tuple[outbox.Notice, str]:
    """Who answers for this clock (the kind is filled in by the caller), and the department id or ''."""
    department = clock.assignment.department if clock.assignment is not None else (
        case.lead if clock.name == "resolve" else None)
    if department:
        return outbox.Notice("", outbox.DEPARTMENT, department), department
    if clock.name == "resolve" and case.township:
        return outbox.Notice("", outbox.TOWNSHIP, case.township), ""
    return outbox.Notice("", outbox.OFFICE, ""), ""


def sweep(ctx: Context, settings: Settings) -> int:
    """Write the deadline-near and deadline-passed notices now due; returns how many were written."""
    now = ctx.now()
    since = _swept_until(now)
    longest = max(settings.lead_time.values(), default=0)
    written = 0
    for case in candidates(since, now + longest):
        lead = settings.lead_time.get(case.priority, 0)
        for clock in clocks_of(case, case_assignments(case)):
            if not clock.running or clock.due is None:
                continue
            due = int(clock.due)
            if now < due <= now + lead:
                kind, prefix = "deadline_near", "near"
            elif since < due <= now:
                kind, prefix = "deadline_passed", "passed"
            else:
                continue
            who, department = recipient(case, clock)
            notice = outbox.Notice(kind, who.recipient_kind, who.recipient)
            with ctx.write():
                written += outbox.write(ctx, f"{prefix}:{case.id}:{clock.name}:{department}:{due}", notice, case,
                                        {"clock": clock.name, "due": due})
    with ctx.write():
        row = Setting.get_or_none(Setting.key == WATERMARK)
        if row is None:
            Setting.create(key=WATERMARK, value=json.dumps(now), updated_at=now)
        elif int(json.loads(row.value)) < now:
            Setting.update(value=json.dumps(now), updated_at=now).where(Setting.key == WATERMARK).execute()
    return written
