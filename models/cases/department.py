"""The departments' steps on their own assignments: acknowledge (签收), return (退单), arrive (报到),
and the dispatch office's review of a return (re-dispatch or uphold)."""

from __future__ import annotations

from models.cases.casebase import load_for, require_text, save, snapshot
from models.cases.lifecycle import create_assignments
from models.cases.rules import assignment_refusal, review_refusal
from models.clocks.clocks import deadline
from models.errors import NotFound, ValidationError
from models.org.context import Context
from models.org.permissions import acting_department
from models.store import prepared
from models.store.schema import Assignment, Case
from models.store.states import (
    A_ACKNOWLEDGED,
    A_ON_SITE,
    A_RETURNED,
    ACKNOWLEDGED,
    DISPATCHED,
    ON_SITE,
    PENDING,
    RETURNED,
    WITHDRAWN,
)
from models.text.messages import Ref

LEAD_STATE = {PENDING: DISPATCHED, A_ACKNOWLEDGED: ACKNOWLEDGED, A_ON_SITE: ON_SITE, A_RETURNED: RETURNED}


def all_assignments(case: Case) -> list[Assignment]:
    return prepared.select_models(Assignment, "assignments_of_case", lambda: Assignment.select().where(
        Assignment.case == 0).order_by(Assignment.id), (case.id,))


def active_assignments(case: Case) -> list[Assignment]:
    return [a for a in all_assignments(case) if a.active]


def _assignment_for(ctx: Context, case: Case, dept: str | None) -> tuple[Assignment, list[Assignment]]:
    """The assignment a department step acts on, and all of the case's assignments (loaded once)."""
    dept = acting_department(ctx, dept and ctx.config.department(dept).id)
    everything = all_assignments(case)
    active = [a for a in everything if a.active]
    if dept is None:
        lead = [a for a in active if a.role == "lead"]
        if not lead:
            raise NotFound("case.no_lead", case=case.id)
        return lead[0], everything
    mine = [a for a in active if a.department == dept]
    if not mine:
        raise NotFound("case.no_assignment_for", case=case.id, department=Ref("department", dept))
    return mine[0], everything


def _follow_lead(case: Case, assignments: list[Assignment]) -> None:
    """The case's state mirrors its lead assignment while departments work on it."""
    lead = next((a for a in assignments if a.active and a.role == "lead"), None)
    if lead is not None:
        case.state = LEAD_STATE.get(lead.state, case.state)


def _advance(ctx: Context, case_id: int, action: str, department: str | None, expected_version: int | None,
             *, becomes: str, stamp: str) -> Case:
    """Move one department's assignment a step on (sign-for or arrival) and stop that clock."""
    with ctx.write():
        case = load_for(ctx, case_id, action, expected_version)
        assignment, everything = _assignment_for(ctx, case, department)
        if (refused := assignment_refusal(case, assignment, action)) is not None:
            raise refused
        before = snapshot(case)
        now = ctx.now()
        assignment.state = becomes
        setattr(assignment, stamp, now)
        assignment.save()
        if action == "acknowledge" and assignment.role == "lead":
            case.acknowledged_at = now
        _follow_lead(case, everything)
        case.last_progress_at = now
        return save(ctx, case, before, action, assignments=everything,
                    extra_after={"department": assignment.department, "role": assignment.role})


def acknowledge(ctx: Context, case_id: int, *, department: str | None = None,
                expected_version: int | None = None) -> Case:
    """签收: a department accepts its assignment; its acknowledge clock stops."""
    return _advance(ctx, case_id, "acknowledge", department, expected_version, becomes=A_ACKNOWLEDGED,
                    stamp="acknowledged_at")


def arrive(ctx: Context, case_id: int, *, department: str | None = None,
           expected_version: int | None = None) -> Case:
    """报到: the department's staff report on site; its arrive clock stops."""
    return _advance(ctx, case_id, "arrive", department, expected_version, becomes=A_ON_SITE,
                    stamp="arrived_at")


def return_case(ctx: Context, case_id: int, *, reason: str, department: str | None = None,
                expected_version: int | None = None) -> Case:
    """退单: "not ours", with a reason; the dispatch office reviews it."""
    require_text(reason, "return_reason")
    with ctx.write():
        case = load_for(ctx, case_id, "return", expected_version)
        assignment, everything = _assignment_for(ctx, case, department)
        if (refused := assignment_refusal(case, assignment, "return")) is not None:
            raise refused
        before = snapshot(case)
        now = ctx.now()
        assignment.state, assignment.returned_at, assignment.return_reason = A_RETURNED, now, reason
        assignment.return_count += 1
        assignment.save()
        case.return_count += 1
        _follow_lead(case, everything)
        return save(ctx, case, before, "return", assignments=everything,
                    extra_after={"department": assignment.department, "role": assignment.role, "reason": reason})


def review_return(ctx: Context, case_id: int, *, uphold: bool = False, lead: str | None = None,
                  cooperating: list[str] | None = None, note: str | None = None,
                  expected_version: int | None = None) -> Case:
    """The dispatch office reviews returns: uphold (the department must take it) or re-dispatch."""
    if uphold == (lead is not None):
        raise ValidationError("case.review_how")
    config = ctx.config
    lead_id = config.department(lead).id if lead else None
    coop_ids = list(dict.fromkeys(config.department(d).id for d in cooperating or []))
    with ctx.write():
        case = load_for(ctx, case_id, "review_return", expected_version)
        returned = [a for a in active_assignments(case) if a.state == A_RETURNED]
        if (refused := review_refusal(case, returned)) is not None:
            raise refused
        before = snapshot(case)
        now = ctx.now()
        if uphold:
            for a in returned:
                a.state, a.dispatched_at = PENDING, now  # the sign-for clock starts again
                a.ack_due, _ = deadline(ctx, case, "acknowledge", a)
                a.arrive_due, _ = deadline(ctx, case, "arrive", a)
                a.save()
        else:
            assert lead_id is not None
            redispatch(ctx, case, lead_id, coop_ids, now)
        everything = all_assignments(case)
        _follow_lead(case, everything)
        return save(ctx, case, before, "review_return", assignments=everything,
                    extra_after={"decision": "uphold" if uphold else "redispatch", "lead": case.lead,
                                 "cooperating": coop_ids, "note": note,
                                 "returned": [a.department for a in returned]})


def redispatch(ctx: Context, case: Case, lead_id: str, coop_ids: list[str], now: int) -> list[Assignment]:
    """Make the case's active assignments exactly this lead and these cooperating departments.

    Assignments that stay (same department, same role, not returned) keep their state and clocks;
    the others are withdrawn (a returned one keeps its state: the record of the return); new ones
    start pending with fresh clocks. Sets case.lead and the case state; returns all assignments.
    Used by the review of a return and by a joint meeting's decision.
    """
    keep = {lead_id, *coop_ids}
    for a in active_assignments(case):
        if a.state == A_RETURNED or a.department not in keep or (
                a.department == lead_id and a.role != "lead") or (
                a.department in coop_ids and a.role != "cooperating"):
            a.active = False
            if a.state != A_RETURNED:
                a.state = WITHDRAWN
            a.save()
    present = {a.department for a in active_assignments(case)}
    create_assignments(ctx, case, lead_id if lead_id not in present else None,
                       [d for d in coop_ids if d not in present], now)
    case.lead = lead_id
    everything = all_assignments(case)
    _follow_lead(case, everything)
    return everything
