"""The finer rules of a step beyond role and state (states.ALLOWED, permissions.ROLE_ACTIONS): who
among the departments, which assignment, which evaluations, which deadline.

Each rule is a function that answers "why not, or None" from what is already loaded. The operations
(lifecycle, department, pausing) raise its answer; models/cases/allowed.py asks the same functions
for every step, so what the console offers and what the operations refuse cannot differ.
"""

from __future__ import annotations

from collections.abc import Sequence

from models.clocks.clocks import clock_now
from models.errors import DomainError, InvalidState, NotFound, PermissionDenied, ValidationError
from models.org.context import Context
from models.store.schema import Assignment, Case, Extension
from models.store.states import A_ACKNOWLEDGED, LOCAL, PENDING
from models.text.messages import Ref
from models.worktime.durations import format_timedelta
from models.worktime.timeutil import local_iso

# department step → the assignment states it may start from, and what a refusal says otherwise
ASSIGNMENT_NEEDS: dict[str, tuple[tuple[str, ...], str]] = {
    "acknowledge": ((PENDING,), "case.assignment_not_pending"),
    "arrive": ((A_ACKNOWLEDGED,), "case.assignment_sign_first"),
    "return": ((PENDING, A_ACKNOWLEDGED), "case.assignment_on_site"),
}


def assignment_refusal(case: Case, assignment: Assignment, step: str) -> InvalidState | None:
    """Why this department's assignment cannot take the step (sign-for, arrival, return) now."""
    needs, why = ASSIGNMENT_NEEDS[step]
    if assignment.state not in needs:
        return InvalidState(why, case=case.id, department=Ref("department", assignment.department),
                            assignment=Ref("assignment_state", assignment.state))
    return None


def department_step_refusal(ctx: Context, case: Case, step: str,
                            assignments: Sequence[Assignment]) -> DomainError | None:
    """For the console: may this operator take a department step at all? A department operator acts
    on its own assignment; a dispatcher or admin on any active one (they choose which in the dialog)."""
    active = [a for a in assignments if a.active]
    if not active:
        return NotFound("case.no_lead", case=case.id)
    op = ctx.operator
    if op.role == "department":
        mine = [a for a in active if a.department == op.department]
        if not mine:
            return NotFound("case.no_assignment_for", case=case.id, department=Ref("department", op.department))
        return assignment_refusal(case, mine[0], step)
    refusals = [assignment_refusal(case, a, step) for a in active]
    return None if any(r is None for r in refusals) else refusals[0]


def review_refusal(case: Case, assignments: Sequence[Assignment]) -> InvalidState | None:
    if not any(a.active and a.state == "returned" for a in assignments):
        return InvalidState("case.no_return_waiting", case=case.id)
    return None


def lead_assignment(case: Case) -> Assignment | None:
    return (Assignment.select().where((Assignment.case == case.id) & (Assignment.role == "lead")
                                      & (Assignment.active == True))
            .order_by(Assignment.id.desc()).first())


def resolve_refusal(ctx: Context, case: Case) -> DomainError | None:
    """Who resolves: the township a local case, the lead department a whistled one (or the office);
    where the priority says so ([priorities.*] resolve_requires_arrival), only after the lead's 报到."""
    op = ctx.operator
    if case.state == LOCAL:
        if op.role == "department":
            return PermissionDenied("perm.local_case_township", case=case.id)
    elif op.role == "township":
        return PermissionDenied("perm.whistled_lead_resolves", case=case.id)
    elif op.role == "department" and op.department != case.lead:
        return PermissionDenied("perm.only_lead_resolves", lead=Ref("department", case.lead), case=case.id)
    if case.state != LOCAL and ctx.config.priorities[case.priority or "general"].resolve_requires_arrival:
        lead = lead_assignment(case)
        if lead is None or lead.arrived_at is None:
            return InvalidState("case.arrive_before_resolve", case=case.id, priority=Ref("priority", case.priority),
                                lead=Ref("department", case.lead))
    return None


def whistled_refusal(ctx: Context, case: Case, step: str) -> PermissionDenied | None:
    """A township reopens and closes only its local cases; whistled ones are the office's."""
    if ctx.operator.role == "township" and case.decision != "local":
        code = {"reopen": "perm.whistled_office_reopens", "close": "perm.whistled_office_closes"}[step]
        return PermissionDenied(code, case=case.id)
    return None


def extension_refusal(ctx: Context, case: Case, waiting: Extension | None) -> DomainError | None:
    """Whether the lead may ask for an extension now: its own case, a running resolve clock, before
    the deadline, under the limit, and no request already waiting."""
    op = ctx.operator
    if op.role == "department" and op.department != case.lead:
        return PermissionDenied("perm.only_lead_extends", lead=Ref("department", case.lead), case=case.id)
    if op.role == "township" and case.decision != "local":
        return PermissionDenied("perm.whistled_lead_extends", case=case.id, lead=Ref("department", case.lead))
    if case.resolve_due is None:
        return InvalidState("case.no_resolve_deadline", case=case.id, state=Ref("state", case.state))
    old_due = int(case.resolve_due)
    now = clock_now(case, ctx.now())
    if now >= old_due:
        return InvalidState("case.extension_too_late", case=case.id, state=Ref("state", case.state),
                            due=local_iso(old_due, ctx.config.tz), late=format_timedelta(now - old_due))
    limit = int(ctx.config.section("supervision")["max_extensions"])
    if case.extension_count >= limit:
        return ValidationError("case.extension_limit", case=case.id, count=case.extension_count, limit=limit)
    if waiting is not None:
        return InvalidState("case.extension_waiting", case=case.id, request=waiting.id)
    return None
