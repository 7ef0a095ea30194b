"""Supervisors' acts and the supervision board: orders (督办), answers, accountability records (追责).

Orders and accountability are the supervision group's (role action "supervise"); the department an
order names answers it. `board` is what the console's supervision screen and `supervise list` show;
`department_counts` gives the scoreboard its supervision and accountability figures per department.
"""

from __future__ import annotations

import json
from typing import Any

import peewee as pw

from models.cases.casebase import get_case, load_for, require_text, save, snapshot
from models.cases.queries import assignments_by_case
from models.cases.views import case_row
from models.errors import DomainError, InvalidState, NotFound, PermissionDenied, ValidationError
from models.org.context import Context
from models.org.permissions import masked, may, require_case, require_role, scope_filter
from models.store import events
from models.store.schema import Accountability, Case, SupervisionOrder
from models.store.states import FINAL_STATES, OPEN_STATES
from models.supervision.supervision import flags_of
from models.text.messages import Ref
from models.worktime.timeutil import local_iso

LEVELS = ("normal", "key", "listed")  # 一般督办 / 重点督办 / 挂牌督办
LEVEL_NAMES = {"一般": "normal", "一般督办": "normal", "重点": "key", "重点督办": "key", "挂牌": "listed",
               "挂牌督办": "listed"}


def order_row(ctx: Context, order: SupervisionOrder) -> dict[str, Any]:
    """One order, reminder or notice as JSON."""
    tz = ctx.config.tz
    return masked(ctx, "supervision_order", {
        "id": order.id, "case_id": order.case_id, "kind": order.kind, "level": order.level or None,
        "department": order.department, "instruction": order.instruction,
        "deadline": local_iso(order.deadline, tz), "issued_by": order.issued_by,
        "issued_at": local_iso(order.issued_at, tz), "status": order.status,
        "answered_at": local_iso(order.answered_at, tz), "answer": order.answer})


def order_refusal(ctx: Context, case: Case) -> DomainError | None:
    """Why this operator may not issue a 督办令 on this loaded case now, or None: the checks
    issue_order makes (role, scope, a case not yet final), so the console offers the key exactly
    when the order would be taken."""
    try:
        require_case(ctx, case, "supervise")
    except DomainError as exc:
        return exc
    if case.state in FINAL_STATES:
        return InvalidState("supervision.case_closed", case=case.id, state=Ref("state", case.state))
    return None


def issue_order(ctx: Context, case_id: int, *, instruction: str, level: str = "normal",
                deadline: int | None = None, department: str | None = None,
                expected_version: int | None = None) -> SupervisionOrder:
    """督办: a supervisor orders the responsible department (default: the lead) to act by a deadline."""
    require_text(instruction, "order_instruction")
    level_id = LEVEL_NAMES.get(level.strip(), level.strip())
    if level_id not in LEVELS:
        raise ValidationError("supervision.bad_level", level=level, ids=", ".join(LEVELS))
    dept = ctx.config.department(department).id if department else None
    with ctx.write():
        case = load_for(ctx, case_id, "supervise", expected_version)
        refusal = order_refusal(ctx, case)
        if refusal is not None:
            raise refusal
        now = ctx.now()
        if deadline is not None and deadline <= now:
            raise ValidationError("supervision.deadline_past", case=case.id, deadline=local_iso(deadline, ctx.config.tz))
        before = snapshot(case)
        order = SupervisionOrder.create(case=case.id, kind="order", level=level_id, department=dept or case.lead,
                                        instruction=instruction, deadline=deadline, issued_by=ctx.actor,
                                        issued_at=now)
        save(ctx, case, before, "supervise", extra_after={"order_id": order.id, "level": level_id,
                                                          "department": order.department,
                                                          "instruction": instruction,
                                                          "deadline": local_iso(deadline, ctx.config.tz)})
        return order


def answer_order(ctx: Context, order_id: int, *, answer: str) -> SupervisionOrder:
    """督办反馈: the department named by an order (or an admin) reports what it did."""
    require_text(answer, "order_answer")
    with ctx.write():
        order = SupervisionOrder.get_or_none(SupervisionOrder.id == order_id)
        if order is None:
            raise NotFound("supervision.no_order", order=order_id)
        case = get_case(order.case_id)
        require_case(ctx, case, "note")
        op = ctx.operator
        if op.role not in ("department", "admin") or (op.role == "department" and op.department != order.department):
            if order.department:
                raise PermissionDenied("perm.order_answered_by_department", order=order.id, case=case.id,
                                       department=Ref("department", order.department))
            raise PermissionDenied("perm.order_answered_by_office", order=order.id, case=case.id)
        if order.status != "open":
            raise InvalidState("supervision.order_not_open", order=order.id, case=case.id,
                               status=Ref("order_status", order.status))
        before = snapshot(case)
        order.status, order.answer, order.answered_at = "answered", answer, ctx.now()
        order.save()
        save(ctx, case, before, "supervise_answer", extra_after={"order_id": order.id, "answer": answer})
        return order


def record_accountability(ctx: Context, *, reason: str, department: str | None = None,
                          person: str | None = None, cases: list[int] | None = None) -> Accountability:
    """追责: a record against a department or a person, linked to the cases it concerns.

    One event per linked case (so it shows in each case's history), or one case-less event.
    """
    require_role(ctx, "supervise")
    require_text(reason, "accountability_reason")
    if not department and not (person and person.strip()):
        raise ValidationError("supervision.accountability_whom")
    dept = ctx.config.department(department).id if department else None
    case_ids = list(dict.fromkeys(cases or []))
    with ctx.write():
        linked = [get_case(cid) for cid in case_ids]
        for case in linked:
            require_case(ctx, case)
        now = ctx.now()
        row = Accountability.create(department=dept, person=(person or "").strip() or None, reason=reason,
                                    cases=json.dumps(case_ids), recorded_by=ctx.actor, recorded_at=now)
        after = {"accountability_id": row.id, "department": dept, "person": row.person, "reason": reason,
                 "cases": case_ids}
        for case in linked:
            events.record(ctx, "accountability", case.id, state_before=case.state, state_after=case.state,
                          after=after, at=now)
        if not linked:
            events.record(ctx, "accountability", None, after=after, at=now)
        return row


def accountability_row(ctx: Context, row: Accountability) -> dict[str, Any]:
    return masked(ctx, "accountability", {
        "id": row.id, "department": row.department, "person": row.person, "reason": row.reason,
        "cases": json.loads(row.cases or "[]"), "recorded_by": row.recorded_by,
        "recorded_at": local_iso(row.recorded_at, ctx.config.tz)})


def accountability_records(ctx: Context, department: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Accountability records, newest first (supervisors, dispatchers and admins see all)."""
    if not may(ctx, "read_accountability"):
        raise PermissionDenied("perm.list_accountability", operator=ctx.operator.name,
                               role=Ref("role", ctx.operator.role))
    query = Accountability.select().order_by(Accountability.id.desc()).limit(limit)
    if department:
        query = query.where(Accountability.department == ctx.config.department(department).id)
    return [accountability_row(ctx, r) for r in query]


def orders(ctx: Context, case_id: int | None = None, *, open_only: bool = False,
           kinds: tuple[str, ...] = (), limit: int = 200) -> list[dict[str, Any]]:
    """Orders, reminders and notices (newest first), on cases in the operator's scope."""
    query = SupervisionOrder.select().join(Case, on=(SupervisionOrder.case == Case.id))
    query = scope_filter(ctx, query)
    if case_id is not None:
        require_case(ctx, get_case(case_id))
        query = query.where(SupervisionOrder.case == case_id)
    if open_only:
        query = query.where(SupervisionOrder.status == "open")
    if kinds:
        query = query.where(SupervisionOrder.kind.in_(list(kinds)))
    return [order_row(ctx, o) for o in query.order_by(SupervisionOrder.id.desc()).limit(limit)]


def board(ctx: Context, *, flag: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """督办台: open cases that are must-supervise or overdue, most overdue first, with their orders.

    Each row is `views.case_row` plus "flags", "overdue_seconds", "reminded_at", "noticed_at" and
    "orders" (that case's orders, reminders and notices, newest first).
    """
    now = ctx.now()
    late = Case.next_due.is_null(False) & (Case.next_due < now)
    condition = (Case.must_supervise != "") | late
    if flag:
        condition = Case.must_supervise.contains(flag)
    query = (scope_filter(ctx, Case.select()).where(Case.state.in_(sorted(OPEN_STATES)) & condition)
             .order_by(pw.fn.COALESCE(Case.next_due, 2**62), Case.id).limit(limit))
    cases = list(query)
    ids = [c.id for c in cases]
    by_case = assignments_by_case(ids)
    linked: dict[int, list[dict[str, Any]]] = {cid: [] for cid in ids}
    if ids:
        for o in SupervisionOrder.select().where(SupervisionOrder.case.in_(ids)).order_by(SupervisionOrder.id.desc()):
            linked[o.case_id].append(order_row(ctx, o))
    rows = []
    tz = ctx.config.tz
    for case in cases:
        row = case_row(ctx, case, by_case[case.id])
        row.update({"flags": flags_of(case),
                    "overdue_seconds": now - int(case.next_due) if case.next_due is not None
                    and case.next_due < now else 0,
                    "reminded_at": local_iso(case.reminded_at, tz), "noticed_at": local_iso(case.noticed_at, tz),
                    "orders": linked[case.id]})
        rows.append(row)
    return rows


def flag_counts(ctx: Context) -> dict[str, int]:
    """How many open cases in scope carry each must-supervise flag, and how many are overdue now."""
    def counted(condition: Any) -> Any:
        return pw.fn.SUM(pw.Case(None, [(condition, 1)], 0))

    flags = ("repeat", "overdue", "stalled", "pingpong")
    columns = [counted(Case.must_supervise.contains(flag)).alias(flag) for flag in flags]
    columns.append(counted(Case.next_due.is_null(False) & (Case.next_due < ctx.now())).alias("overdue_now"))
    # One pass over the open cases instead of one per figure.
    row = scope_filter(ctx, Case.select(*columns)).where(Case.state.in_(sorted(OPEN_STATES))).dicts().get()
    return {key: int(row[key] or 0) for key in (*flags, "overdue_now")}


def department_counts(ctx: Context, since: int | None = None, until: int | None = None) -> dict[str, dict[str, int]]:
    """Per department: reminders, notices and orders issued to it, and accountability records against it,
    in [since, until) (epoch seconds; None = unbounded). Departments with nothing are left out."""
    out: dict[str, dict[str, int]] = {}

    def bucket(dept: str) -> dict[str, int]:
        return out.setdefault(dept, {"reminder": 0, "notice": 0, "order": 0, "accountability": 0})

    orders_q = SupervisionOrder.select(SupervisionOrder.department, SupervisionOrder.kind,
                                       pw.fn.COUNT(SupervisionOrder.id).alias("n")).where(
        SupervisionOrder.department.is_null(False))
    if since is not None:
        orders_q = orders_q.where(SupervisionOrder.issued_at >= since)
    if until is not None:
        orders_q = orders_q.where(SupervisionOrder.issued_at < until)
    for row in orders_q.group_by(SupervisionOrder.department, SupervisionOrder.kind).dicts():
        bucket(row["department"])[row["kind"]] = int(row["n"])
    acc_q = Accountability.select(Accountability.department, pw.fn.COUNT(Accountability.id).alias("n")).where(
        Accountability.department.is_null(False))
    if since is not None:
        acc_q = acc_q.where(Accountability.recorded_at >= since)
    if until is not None:
        acc_q = acc_q.where(Accountability.recorded_at < until)
    for row in acc_q.group_by(Accountability.department).dicts():
        bucket(row["department"])["accountability"] = int(row["n"])
    return out
