"""The dispatch office's and township's steps: triage, dispatch, resolve, evaluate, reopen, close, note.

Each step: load (scope, role, state, stale-read check) → validate → change → save with one event,
all inside one write transaction. Department steps (acknowledge, return, arrive) are in
models/cases/department.py.
"""

from __future__ import annotations

from models.cases.casebase import load_for, refused, require_text, save, snapshot
from models.cases.rules import lead_assignment, resolve_refusal, whistled_refusal
from models.clocks.clocks import deadline
from models.errors import PermissionDenied, ValidationError
from models.org.context import Context
from models.store import events, prepared
from models.store.schema import Assignment, Case, Evaluation, Note
from models.store.states import (
    A_ON_SITE,
    ACKNOWLEDGED,
    CLOSED,
    DISPATCHED,
    LOCAL,
    ON_SITE,
    PENDING,
    REJECTED,
    RESOLVED,
    WHISTLED,
)
from models.text.messages import Ref, refs

DECISIONS = {"local": LOCAL, "whistle": WHISTLED, "reject": REJECTED}
SOURCES = ("citizen", "township", "third_party")
RATINGS = ("satisfied", "basically_satisfied", "unsatisfied")


def triage(ctx: Context, case_id: int, *, category: str, township: str, priority: str, decision: str,
           duty_item: str | None = None, reason: str | None = None, village: str | None = None,
           expected_version: int | None = None) -> Case:
    """Classify a new case once and decide: handle locally, whistle, or reject (with a reason)."""
    config = ctx.config
    if decision not in DECISIONS:
        raise ValidationError("case.bad_decision", decision=decision)
    path = config.category(category)
    town = config.township(township)
    prio = config.priority(priority)
    item = config.duty_item(duty_item) if duty_item else None
    if decision == "reject":
        require_text(reason, "reject_reason")
    if village and village not in town.villages:
        raise ValidationError("case.bad_village", village=village, township=town.name)
    with ctx.write():
        case = load_for(ctx, case_id, "triage", expected_version)
        if ctx.operator.role == "township" and town.id != ctx.operator.township:
            raise PermissionDenied("perm.triage_own_township", operator=ctx.operator.name,
                                   own=Ref("township", ctx.operator.township), township=Ref("township", town.id))
        before = snapshot(case)
        case.category, case.township, case.priority = path, town.id, prio.id
        case.village = village or case.village
        case.decision, case.duty_item, case.reason = decision, item.code if item else None, reason
        case.state = DECISIONS[decision]
        case.triaged_at = ctx.now()
        case.last_progress_at = case.triaged_at
        case.dispatch_due, confirmed_d = deadline(ctx, case, "dispatch")
        case.resolve_due, confirmed_r = deadline(ctx, case, "resolve")
        case.due_confirmed = confirmed_d and confirmed_r
        extra = {"duty_scope": item.scope} if item else {}
        return save(ctx, case, before, "triage", extra_after=extra)


def dispatch(ctx: Context, case_id: int, *, lead: str, cooperating: list[str] | None = None,
             expected_version: int | None = None) -> Case:
    """分哨: name one lead and zero or more cooperating departments, each with its own clocks."""
    config = ctx.config
    lead_id = config.department(lead).id
    coop_ids = list(dict.fromkeys(config.department(d).id for d in cooperating or []))
    if lead_id in coop_ids:
        raise ValidationError("case.lead_and_coop", department=Ref("department", lead_id))
    with ctx.write():
        case = load_for(ctx, case_id, "dispatch", expected_version)
        before = snapshot(case)
        now = ctx.now()
        case.dispatched_at = now
        case.state = DISPATCHED
        case.lead = lead_id
        create_assignments(ctx, case, lead_id, coop_ids, now)
        resolve_due, confirmed = deadline(ctx, case, "resolve")
        case.resolve_due = resolve_due
        case.due_confirmed = bool(case.due_confirmed and confirmed)
        case.last_progress_at = now
        return save(ctx, case, before, "dispatch", extra_after={"lead": lead_id, "cooperating": coop_ids})


def create_assignments(ctx: Context, case: Case, lead: str | None, cooperating: list[str], now: int) -> None:
    """New pending assignments with acknowledge and arrive clocks started now (lead None: keep the lead)."""
    pairs = ([(lead, "lead")] if lead else []) + [(d, "cooperating") for d in cooperating]
    for dept, role in pairs:
        assignment = Assignment(case=case.id, department=dept, role=role, state=PENDING, active=True,
                                dispatched_at=now, dispatched_by=ctx.actor)
        assignment.ack_due, _ = deadline(ctx, case, "acknowledge", assignment)
        assignment.arrive_due, _ = deadline(ctx, case, "arrive", assignment)
        prepared.insert(assignment)


def resolve(ctx: Context, case_id: int, *, result: str, expected_version: int | None = None) -> Case:
    """办结: the lead department (or the township, for a local case) reports the result."""
    require_text(result, "result")
    with ctx.write():
        case = load_for(ctx, case_id, "resolve", expected_version)
        if (refusal := resolve_refusal(ctx, case)) is not None:
            raise refusal
        before = snapshot(case)
        case.state = RESOLVED
        case.result = result
        case.resolved_at = ctx.now()
        case.last_progress_at = case.resolved_at
        return save(ctx, case, before, "resolve", extra_after={"result": result})


def evaluate(ctx: Context, case_id: int, *, source: str, rating: str | None, comment: str | None = None,
             unreachable: bool = False, expected_version: int | None = None,
             department: str | None = None) -> Case:
    """回访/评价: a citizen callback, a township or a third party rates the result.

    A township evaluation (基层评价) rates one department on the case: `department` (the lead or a
    cooperating department with an active assignment), the lead when omitted. It counts in that
    department's satisfaction; citizen and third-party evaluations rate the case, for its lead."""
    if source not in SOURCES:
        raise ValidationError("case.bad_source", source=source, ids=", ".join(SOURCES),
                              choices=refs("source", SOURCES))
    if unreachable:
        if source != "citizen":
            raise ValidationError("case.unreachable_citizen_only")
        rating = None
    elif rating not in RATINGS:
        raise ValidationError("case.bad_rating", rating=rating, ids=", ".join(RATINGS),
                              choices=refs("rating", RATINGS))
    role = ctx.operator.role
    if source == "township" and role not in ("township", "admin"):
        raise PermissionDenied("perm.township_eval_by_township")
    if source != "township" and role == "township":
        raise PermissionDenied("perm.township_records_township_eval")
    if department is not None and source != "township":
        raise ValidationError("case.dept_rating_township_only")
    rated_dept = ctx.config.department(department).id if department is not None else None
    with ctx.write():
        case = load_for(ctx, case_id, "evaluate", expected_version)
        if source == "township":
            rated_dept = _rated_department(case, rated_dept)
        before = snapshot(case)
        prepared.insert(Evaluation(case=case.id, source=source, rating=rating, comment=comment,
                                   outcome="unreachable" if unreachable else "rated", round=case.reopen_count,
                                   operator=ctx.actor, created_at=ctx.now(), department=rated_dept))
        extra = {"source": source, "rating": rating, "comment": comment,
                 "outcome": "unreachable" if unreachable else "rated"}
        if rated_dept is not None:
            extra["department"] = rated_dept
        return save(ctx, case, before, "evaluate", extra_after=extra)


def _rated_department(case: Case, department: str | None) -> str | None:
    """The department a township evaluation rates: the named one if it is on the case (an active
    assignment), else the lead; None for a local case, which no department handled."""
    on_case = {a.department for a in Assignment.select(Assignment.department)
               .where((Assignment.case == case.id) & (Assignment.active == True))}
    if department is None:
        return case.lead
    if department not in on_case:
        raise ValidationError("case.dept_not_on_case", department=Ref("department", department),
                              case=case.id, on_case=refs("department", sorted(on_case)))
    return department


def reopen(ctx: Context, case_id: int, *, reason: str, expected_version: int | None = None) -> Case:
    """重办: an unsatisfying result goes back to the lead (or the township) with a new resolve clock."""
    require_text(reason, "reopen_reason")
    with ctx.write():
        case = load_for(ctx, case_id, "reopen", expected_version)
        if (refusal := whistled_refusal(ctx, case, "reopen")) is not None:
            raise refusal
        before = snapshot(case)
        if case.decision == "local":
            case.state = LOCAL
        else:
            lead = lead_assignment(case)
            case.state = ON_SITE if lead is not None and lead.state == A_ON_SITE else ACKNOWLEDGED
        case.reopen_count += 1
        case.resolved_at = None
        now = ctx.now()
        case.resolve_due, confirmed = deadline(ctx, case, "resolve", start_override=now)
        case.due_confirmed = confirmed
        case.last_progress_at = now
        return save(ctx, case, before, "reopen", extra_after={"reason": reason})


UNSATISFIED = "case.close_unsatisfied"  # the one refusal a reason overrides


def close_allowed(ctx: Context, case: Case) -> ValidationError | None:
    """Why the case may not be closed yet (None when the evaluation rule is met)."""
    rule = ctx.config.section("evaluation")
    attempts = int(rule["callback_attempts"])
    current = list(Evaluation.select().where((Evaluation.case == case.id)
                                             & (Evaluation.round == case.reopen_count)))
    for source in rule["close_requires"]:
        if source == "citizen":
            rated = [e for e in current if e.source == "citizen" and e.outcome == "rated"]
            unreachable = [e for e in current if e.source == "citizen" and e.outcome == "unreachable"]
            if not rated and len(unreachable) < attempts:
                return ValidationError("case.close_needs_citizen", case=case.id, attempts=attempts,
                                       recorded=len(unreachable))
        elif not any(e.source == source for e in current):
            return ValidationError("case.close_needs_source", case=case.id, source=Ref("source", source))
    latest = max((e for e in current if e.outcome == "rated"), key=lambda e: e.id, default=None)
    if latest is not None and latest.rating == "unsatisfied":
        return ValidationError(UNSATISFIED, case=case.id)
    return None


def close(ctx: Context, case_id: int, *, reason: str | None = None, expected_version: int | None = None) -> Case:
    """归档: close the loop once the configured evaluations are in."""
    with ctx.write():
        case = load_for(ctx, case_id, "close", expected_version)
        if (refusal := whistled_refusal(ctx, case, "close")) is not None:
            raise refusal
        why_not = close_allowed(ctx, case)
        if why_not and not (reason and why_not.code == UNSATISFIED):
            raise why_not
        before = snapshot(case)
        case.state = CLOSED
        case.closed_at = ctx.now()
        return save(ctx, case, before, "close", extra_after={"reason": reason} if reason else None)


def note(ctx: Context, case_id: int, *, text: str, expected_version: int | None = None) -> Note:
    """办理进展: a progress note; counts as progress for the stall rule."""
    require_text(text, "note")
    with ctx.write():
        case = load_for(ctx, case_id, "note", expected_version)
        before = snapshot(case)
        now = ctx.now()
        created = Note(case=case.id, operator=ctx.actor, department=ctx.operator.department,
                       text=text, created_at=now)
        prepared.insert(created)
        case.last_progress_at = now
        save(ctx, case, before, "note", extra_after={"text": text})
        return created


__all__ = ["close", "dispatch", "evaluate", "events", "note", "refused", "reopen", "resolve", "triage"]
