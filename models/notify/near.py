"""Deadline-near notices: a running clock whose due moment is within its priority's lead time.

`[notify.lead_time]` gives the lead per priority (10 minutes before an urgent sign-for by default).
Each notice is keyed by the clock itself — `near:<case>:<clock>:<department>:<due>` — so a sweep run
any number of times writes it once; a new deadline (an extension, a re-dispatch) is a new key.
The notice goes to the clock's department, the lead for the resolve clock (the township for a local
case), or the office for its own dispatch clock. Candidates come from the indexed `next_due`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from models.clocks.clocks import case_assignments, clocks_of
from models.org.context import Context
from models.store import outbox
from models.store.schema import Case
from models.store.states import FINAL_STATES

if TYPE_CHECKING:
    from models.notify.settings import Settings


def sweep(ctx: Context, settings: Settings) -> int:
    """Write the deadline-near notices now due; returns how many were written."""
    now = ctx.now()
    longest = max(settings.lead_time.values(), default=0)
    written = 0
    candidates = (Case.select().where(Case.next_due.is_null(False) & (Case.next_due > now)
                                      & (Case.next_due <= now + longest) & Case.paused_since.is_null()
                                      & Case.state.not_in(FINAL_STATES)).order_by(Case.id))
    for case in candidates:
        lead = settings.lead_time.get(case.priority, 0)
        for clock in clocks_of(case, case_assignments(case)):
            if not clock.running or clock.due is None or not now < int(clock.due) <= now + lead:
                continue
            department = clock.assignment.department if clock.assignment is not None else (
                case.lead if clock.name == "resolve" else None)
            if department:
                notice = outbox.Notice("deadline_near", outbox.DEPARTMENT, department)
            elif clock.name == "resolve" and case.township:
                notice = outbox.Notice("deadline_near", outbox.TOWNSHIP, case.township)
            else:
                notice = outbox.Notice("deadline_near", outbox.OFFICE, "")
            key = f"near:{case.id}:{clock.name}:{department or ''}:{int(clock.due)}"
            with ctx.write():
                written += outbox.write(ctx, key, notice, case, {"clock": clock.name, "due": int(clock.due)})
    return written
