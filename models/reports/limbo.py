"""Time in limbo: how long a case waited with nobody working on it (a case nobody signs for never
starts a clock, so the clocks alone hide it).

Per case, three kinds, in seconds (still growing while the case waits):
    unassigned  a whistled case, from received until first dispatched (or now);
    sign_for    every interval the case waited for its lead department to sign for it (case state
                "dispatched", which mirrors a pending lead), summed over re-dispatches;
    bouncing    every interval between a lead's return and the dispatch office's review (state
                "returned").
sign_for and bouncing come from the event log: each event's state_after holds until the case's next
event (a window function, LEAD, over the events of each case: portable SQL). Per department, a
sign_for interval counts against the lead assigned at its start, a bouncing interval against the
lead that returned the case.
"""

from __future__ import annotations

from typing import Any

import peewee as pw

from models.cases.casebase import get_case
from models.org.context import Context
from models.org.permissions import require_case, scope_filter
from models.store.schema import Assignment, Case, Event
from models.store.states import DISPATCHED, FINAL_STATES, RETURNED
from models.worktime.durations import format_timedelta

KINDS = ("unassigned", "sign_for", "bouncing")
_STATE_KIND = {DISPATCHED: "sign_for", RETURNED: "bouncing"}


def _windows(case_ids: pw.Node | list[int] | None) -> pw.CTE:
    """Each state-carrying event with the moment of the case's next one (NULL for the latest)."""
    next_at = pw.fn.LEAD(Event.at).over(partition_by=[Event.case], order_by=[Event.id])
    previous = pw.fn.LAG(Event.state_after).over(partition_by=[Event.case], order_by=[Event.id])
    query = Event.select(Event.case.alias("cid"), Event.at.alias("began"), Event.state_after.alias("state"),
                         next_at.alias("ended"), previous.alias("prev")).where(Event.case.is_null(False) & Event.state_after.is_null(False))
    if case_ids is not None:
        query = query.where(Event.case.in_(case_ids))
    return query.cte("limbo_windows")


def _scoped_ids(ctx: Context, case_ids: list[int] | None) -> pw.Node | list[int]:
    if case_ids is not None:
        return case_ids
    return scope_filter(ctx, Case.select(Case.id))


def limbo_by_case(ctx: Context, case_ids: list[int] | None = None) -> dict[int, dict[str, int]]:
    """Seconds in limbo per case: {"unassigned", "sign_for", "bouncing", "total"}.

    `case_ids` None means every case in the operator's scope; cases with no limbo at all are left out.
    """
    now = ctx.now()
    ids = _scoped_ids(ctx, case_ids)
    out: dict[int, dict[str, int]] = {}

    def bucket(case_id: int) -> dict[str, int]:
        return out.setdefault(case_id, {kind: 0 for kind in (*KINDS, "total")})

    w = _windows(ids)
    length = pw.fn.SUM(pw.fn.COALESCE(w.c.ended, now) - w.c.began)
    query = (w.select_from(w.c.cid, w.c.state, length.alias("seconds"))
             .where(w.c.state.in_(list(_STATE_KIND))).group_by(w.c.cid, w.c.state))
    for row in query.dicts():
        if row["seconds"]:
            bucket(int(row["cid"]))[_STATE_KIND[row["state"]]] += int(row["seconds"])
    whistled = Case.select(Case.id, Case.received_at, Case.dispatched_at, Case.state, Case.updated_at).where(
        (Case.decision == "whistle") & Case.id.in_(ids))
    for case_id, received_at, dispatched_at, state, updated_at in whistled.tuples():
        if dispatched_at is not None:
            end = int(dispatched_at)
        else:
            end = int(updated_at) if state in FINAL_STATES else now  # merged/rejected: it stopped there
        if end > received_at:
            bucket(case_id)["unassigned"] = end - int(received_at)
    for values in out.values():
        values["total"] = sum(values[kind] for kind in KINDS)
    return out


def case_limbo(ctx: Context, case_id: int) -> dict[str, Any]:
    """One case's limbo for the workspace: seconds and compact text per kind."""
    require_case(ctx, get_case(case_id))
    values = limbo_by_case(ctx, [case_id]).get(case_id, {kind: 0 for kind in (*KINDS, "total")})
    return {**values, "text": {kind: format_timedelta(values[kind]) for kind in (*KINDS, "total")}}


def department_limbo(ctx: Context, since: int | None = None, until: int | None = None) -> dict[str, dict[str, int]]:
    """Per department: sign_for_seconds / sign_for_intervals (waiting for it to sign for a case it
    leads) and bouncing_seconds / returns (a case it returned waiting for review), for intervals that
    began in [since, until) (epoch seconds; None = unbounded), over the cases in scope."""
    now = ctx.now()
    w = _windows(_scoped_ids(ctx, None))
    lead = Assignment.alias("lead_at_start")
    current = (lead.select(lead.department).where((lead.case == w.c.cid) & (lead.role == "lead")
                                                  & (lead.dispatched_at <= w.c.began))
               .order_by(lead.dispatched_at.desc(), lead.id.desc()).limit(1))
    # An upheld return restarts its assignment's dispatched_at; earlier windows fall back to the first lead.
    first = lead.select(lead.department).where((lead.case == w.c.cid) & (lead.role == "lead")).order_by(
        lead.id).limit(1)
    back = Assignment.alias("returned_by")
    returner = (back.select(back.department).where((back.case == w.c.cid) & (back.role == "lead")
                                                   & (back.returned_at <= w.c.began))
                .order_by(back.returned_at.desc(), back.id.desc()).limit(1))
    dept = pw.Case(w.c.state, [(DISPATCHED, pw.fn.COALESCE(current, first))], returner)
    query = w.select_from(dept.alias("department"), w.c.state,
                          pw.fn.SUM(pw.fn.COALESCE(w.c.ended, now) - w.c.began).alias("seconds"),
                          # A window that follows one in the same state (a note meanwhile) continues it.
                          pw.fn.SUM(pw.Case(None, [(pw.fn.COALESCE(w.c.prev, "") != w.c.state, 1)], 0))
                          .alias("intervals"))
    query = query.where(w.c.state.in_(list(_STATE_KIND)))
    if since is not None:
        query = query.where(w.c.began >= since)
    if until is not None:
        query = query.where(w.c.began < until)
    out: dict[str, dict[str, int]] = {}
    for row in query.group_by(pw.SQL("department"), w.c.state).dicts():
        if row["department"] is None:
            continue
        values = out.setdefault(row["department"], {"sign_for_seconds": 0, "sign_for_intervals": 0,
                                                    "bouncing_seconds": 0, "returns": 0})
        if row["state"] == DISPATCHED:
            values["sign_for_seconds"] += int(row["seconds"] or 0)
            values["sign_for_intervals"] += int(row["intervals"] or 0)
        else:
            values["bouncing_seconds"] += int(row["seconds"] or 0)
            values["returns"] += int(row["intervals"] or 0)
    return out

