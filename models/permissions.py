"""Roles and scopes, enforced here for every query and operation (console, CLI and exports alike).

A case outside the operator's scope is refused with "no permission" (not "not found"): case ids
are not secret inside one county, and telling a township clerk why is kinder than pretending.
"""

from __future__ import annotations

import peewee as pw

from models import prepared
from models.context import Context
from models.errors import PermissionDenied
from models.schema import Assignment, Case

# action → roles allowed. Scope (own township / own department) is checked separately.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "intake": frozenset({"dispatcher", "township", "admin"}),
    "triage": frozenset({"dispatcher", "township", "admin"}),
    "dispatch": frozenset({"dispatcher", "admin"}),
    "review_return": frozenset({"dispatcher", "admin"}),
    "acknowledge": frozenset({"department", "admin"}),
    "return": frozenset({"department", "admin"}),
    "arrive": frozenset({"department", "admin"}),
    "resolve": frozenset({"department", "township", "dispatcher", "admin"}),
    "note": frozenset({"dispatcher", "township", "department", "supervisor", "admin"}),
    "evaluate": frozenset({"dispatcher", "township", "admin"}),
    "reopen": frozenset({"dispatcher", "township", "admin"}),
    "close": frozenset({"dispatcher", "township", "admin"}),
    "merge": frozenset({"dispatcher", "admin"}),
    "split": frozenset({"dispatcher", "admin"}),
    "pause": frozenset({"dispatcher", "admin"}),
    "extend": frozenset({"department", "admin"}),
    "decide_extension": frozenset({"dispatcher", "admin"}),
    "supervise": frozenset({"supervisor", "admin"}),
    "meeting": frozenset({"dispatcher", "admin"}),
    "suggest_train": frozenset({"dispatcher", "admin"}),
    "manage_operators": frozenset({"admin"}),
    "backup": frozenset({"admin"}),
}


def require_role(ctx: Context, action: str) -> None:
    """Refuse an action the operator's role may never take."""
    role = ctx.operator.role
    if role not in ROLE_ACTIONS.get(action, frozenset({"admin"})):
        raise PermissionDenied(f"no permission: {ctx.operator.name} ({role}) may not {action.replace('_', ' ')}")


def scope_filter(ctx: Context, query: pw.ModelSelect) -> pw.ModelSelect:
    """Restrict a Case query to the cases the operator may see."""
    op = ctx.operator
    if op.role == "township":
        return query.where(Case.township == op.township)
    if op.role == "department":
        mine = Assignment.select(Assignment.case).where(Assignment.department == op.department)
        return query.where(Case.id.in_(mine))
    return query


def can_see(ctx: Context, case: Case) -> bool:
    op = ctx.operator
    if op.role == "township":
        return bool(case.township == op.township)
    if op.role == "department":
        cursor = prepared.execute(ctx.db, "assignment_exists", lambda: Assignment.select(Assignment.id).where(
            (Assignment.case == 0) & (Assignment.department == "")).limit(1), (case.id, op.department, 1))
        return cursor.fetchone() is not None
    return True


def require_case(ctx: Context, case: Case, action: str | None = None) -> None:
    """Refuse if the case is outside the operator's scope (and, with an action, the role may not)."""
    if action is not None:
        require_role(ctx, action)
    if not can_see(ctx, case):
        raise PermissionDenied(f"no permission: case {case.id} is outside {ctx.operator.name}'s scope")


def acting_department(ctx: Context, requested: str | None) -> str | None:
    """The department a department-step acts for: a department operator's own, or --dept for admins."""
    op = ctx.operator
    if op.role == "department":
        if requested and requested != op.department:
            raise PermissionDenied(f"no permission: {op.name} acts for {op.department}, not {requested}")
        return str(op.department)
    return requested


def sees_personal_data(ctx: Context) -> bool:
    """Citizens' phone numbers and names are shown in full only to roles that call them back."""
    return ctx.operator.role in ("dispatcher", "admin")


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * len(digits)


def mask_name(name: str | None) -> str | None:
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)
