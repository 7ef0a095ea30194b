"""Deadlines of a case and its assignments, computed from the clock rules and the work calendar.

Due moments are stored on the rows (case.dispatch_due, case.resolve_due, assignment.ack_due,
assignment.arrive_due) and the earliest still-running one on case.next_due, so the queue sorts by
deadline with an index. Each step that starts or stops a clock calls `refresh_next_due`.
"""

from __future__ import annotations

from models import prepared
from models.context import Context
from models.durations import parse_duration
from models.schema import Assignment, Case
from models.states import (A_ACKNOWLEDGED, LOCAL, NEW, PENDING, RESOLVED, RETURNED, WHISTLED,
                           DEPARTMENT_STATES)
from models.timeutil import from_epoch, to_epoch


def start_of(case: Case, start: str, assignment: Assignment | None = None) -> int | None:
    """The moment a rule counts from: received, triaged, dispatched or acknowledged."""
    if start == "received":
        return int(case.received_at)
    if start == "triaged":
        return case.triaged_at
    if start == "dispatched":
        return assignment.dispatched_at if assignment is not None else case.dispatched_at
    if start == "acknowledged":
        return assignment.acknowledged_at if assignment is not None else case.acknowledged_at
    return None


def deadline(ctx: Context, case: Case, clock: str, assignment: Assignment | None = None,
             start_override: int | None = None) -> tuple[int | None, bool]:
    """(due epoch, confirmed) for one clock of a case, or (None, True) when it has not started."""
    rule = ctx.config.clock_rule(case.priority or "general", clock, case.category)
    if rule is None:
        return None, True
    start = start_override if start_override is not None else start_of(case, rule.start, assignment)
    if start is None:
        return None, True
    moment = from_epoch(start)
    assert moment is not None
    result = ctx.calendar.add(moment, parse_duration(rule.limit), next_working_day=rule.next_working_day)
    return to_epoch(result.due), bool(result.confirmed)


def running_dues(case: Case, assignments: list[Assignment]) -> list[int]:
    """The due moments of clocks still running on this case."""
    dues: list[int] = []
    if case.state in (NEW, WHISTLED, RETURNED) and case.dispatch_due:
        dues.append(int(case.dispatch_due))
    if case.state in DEPARTMENT_STATES:
        for a in assignments:
            if not a.active:
                continue
            if a.state == PENDING and a.ack_due:
                dues.append(int(a.ack_due))
            if a.state in (PENDING, A_ACKNOWLEDGED) and a.arrive_due:
                dues.append(int(a.arrive_due))
    if case.state in (LOCAL, *DEPARTMENT_STATES, NEW, WHISTLED) and case.resolve_due:
        dues.append(int(case.resolve_due))
    return dues


def refresh_next_due(case: Case, assignments: list[Assignment] | None = None) -> None:
    """Set case.next_due to the earliest running clock (None when none runs or the case is paused).

    Pass the case's assignments when the caller has them, to save a query.
    """
    if case.state in (RESOLVED,) or case.paused_since:
        case.next_due = None
        return
    if assignments is None:
        assignments = prepared.select_models(Assignment, "assignments_of_case", lambda: Assignment.select().where(
            Assignment.case == 0).order_by(Assignment.id), (case.id,)) if case.id else []
    dues = running_dues(case, assignments)
    case.next_due = min(dues) if dues else None
