"""Roles and scopes, enforced here for every query and operation (console, CLI and exports alike).

A case outside the operator's scope is refused with "no permission" (not "not found"): case ids
are not secret inside one county, and telling a township clerk why is kinder than pretending.
Every models/ function that hands out case data goes through `scope_filter` (lists) or
`require_case` (one case); every write goes through `require_role` (directly or via `load_for`).
"""

from __future__ import annotations

import re
from typing import Any

import peewee as pw

from models.errors import PermissionDenied
from models.org.context import Context
from models.store import prepared
from models.store.schema import Assignment, Case, Operator

ROLES = ("dispatcher", "township", "department", "supervisor", "admin")

# action → roles allowed. Scope (own township / own department) is checked separately.
# Supervisors (督办组: 组织部、社会工作部、纪委监委) read everything but act only through supervision
# steps: a note from them would count as the department's progress, so they have none.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "intake": frozenset({"dispatcher", "township", "admin"}),
    "triage": frozenset({"dispatcher", "township", "admin"}),
    "dispatch": frozenset({"dispatcher", "admin"}),
    "review_return": frozenset({"dispatcher", "admin"}),
    "acknowledge": frozenset({"department", "admin"}),
    "return": frozenset({"department", "admin"}),
    "arrive": frozenset({"department", "admin"}),
    "resolve": frozenset({"department", "township", "dispatcher", "admin"}),
    "note": frozenset({"dispatcher", "township", "department", "admin"}),
    "evaluate": frozenset({"dispatcher", "township", "admin"}),
    "reopen": frozenset({"dispatcher", "township", "admin"}),
    "close": frozenset({"dispatcher", "township", "admin"}),
    "merge": frozenset({"dispatcher", "admin"}),
    "split": frozenset({"dispatcher", "admin"}),
    "pause": frozenset({"dispatcher", "admin"}),
    "extend": frozenset({"department", "township", "admin"}),  # a township: its own local cases
    "decide_extension": frozenset({"dispatcher", "admin"}),
    "supervise": frozenset({"supervisor", "admin"}),
    "meeting": frozenset({"dispatcher", "admin"}),
    "suggest_train": frozenset({"dispatcher", "admin"}),
    "manage_operators": frozenset({"admin"}),
    "backup": frozenset({"admin"}),
    # Verifying and exporting the event log: the discipline inspection office sits with the supervisors.
    "audit": frozenset({"supervisor", "admin"}),
}


def require_active(ctx: Context) -> None:
    """Refuse at once if the operator (or the admin acting for them) was disabled meanwhile.

    A console session lives for hours; the flag is re-read on every scoped read and every step,
    so disabling someone takes effect on their next keypress, not their next login. Operators
    that were never stored (ad-hoc contexts in scripts) are not "disabled".
    """
    names = (ctx.operator.name, ctx.actor)
    row = prepared.execute(ctx.db, "operator_disabled", lambda: Operator.select(Operator.name).where(
        (Operator.active == False) & Operator.name.in_(["", ""])).limit(1), (False, *names, 1)).fetchone()
    if row is not None:
        raise PermissionDenied(f"no permission: operator '{row[0]}' is disabled")


def require_role(ctx: Context, action: str) -> None:
    """Refuse an action the operator's role may never take (or a disabled operator, any action)."""
    require_active(ctx)
    role = ctx.operator.role
    if role not in ROLE_ACTIONS.get(action, frozenset({"admin"})):
        raise PermissionDenied(f"no permission: {ctx.operator.name} ({role}) "
                               f"may not {action.replace('_', ' ')}")


def may(ctx: Context, action: str) -> bool:
    """Whether the operator's role allows an action (for greying out keys; no database access)."""
    return ctx.operator.role in ROLE_ACTIONS.get(action, frozenset({"admin"}))


def scope_filter(ctx: Context, query: pw.ModelSelect, case_id: pw.Node = Case.id) -> pw.ModelSelect:
    """Restrict a Case query to the cases the operator may see.

    A department sees every case it has (or had) an assignment on: a return or a withdrawal does
    not hide the case's later history from the department that worked on it. `case_id` is what
    is tested against the department's cases (see `department_cases`).
    """
    require_active(ctx)
    op = ctx.operator
    if op.role == "township":
        return query.where(Case.township == op.township)
    if op.role == "department":
        return query.where(department_cases(op.department, case_id))
    return query


def department_cases(department: str, case_id: pw.Node = Case.id) -> pw.Expression:
    """The condition "a case the department has (or had) an assignment on", tested on `case_id`
    (Case.id, or engine.filter_only(db, Case.id) for a query that walks another index)."""
    mine = Assignment.select(Assignment.case).where(Assignment.department == department)
    return pw.Expression(case_id, pw.OP.IN, mine)


def can_see(ctx: Context, case: Case) -> bool:
    """Whether a case is inside the operator's scope (same rule as `scope_filter`)."""
    op = ctx.operator
    if op.role == "township":
        return bool(case.township == op.township)
    if op.role == "department":
        cursor = prepared.execute(ctx.db, "assignment_exists", lambda: Assignment.select(Assignment.id).where(
            (Assignment.case == 0) & (Assignment.department == "")).limit(1), (case.id, op.department, 1))
        return cursor.fetchone() is not None
    return True


def scope_words(ctx: Context) -> str:
    """The operator's scope in words, for refusals."""
    op = ctx.operator
    if op.role == "township":
        return f"{op.name}'s scope (township {op.township})"
    if op.role == "department":
        return f"{op.name}'s scope (cases assigned to {op.department})"
    return f"{op.name}'s scope"


def require_case(ctx: Context, case: Case, action: str | None = None) -> None:
    """Refuse if the case is outside the operator's scope (and, with an action, the role may not)."""
    if action is not None:
        require_role(ctx, action)
    else:
        require_active(ctx)
    if not can_see(ctx, case):
        raise PermissionDenied(f"no permission: case {case.id} is outside {scope_words(ctx)}")


def acting_department(ctx: Context, requested: str | None) -> str | None:
    """The department a department-step acts for: a department operator's own, or --dept for admins."""
    op = ctx.operator
    if op.role == "department":
        if requested and requested != op.department:
            raise PermissionDenied(f"no permission: {op.name} acts for {op.department}, not {requested}")
        return str(op.department)
    return requested


# --- personal data ----------------------------------------------------------------------------

def sees_personal_data(ctx: Context) -> bool:
    """Citizens' phone numbers and names are shown in full only to roles that call them back."""
    return ctx.operator.role in ("dispatcher", "admin")


def mask_phone(phone: str | None) -> str | None:
    """138****5678: the first three and the last four digits stay, so a caller can still be matched."""
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * len(digits)


def mask_name(name: str | None) -> str | None:
    """张** : the family name stays."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)


# Phone numbers typed into free text (a hotline transcript: "我姓王，电话13812345678"): mainland
# mobiles, optionally split by spaces or hyphens, and landlines with an area code.
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-)\d{3,4}(\d{4})(?!\d)")
PERSONAL_KEYS = frozenset({"phone", "citizen_name"})


def mask_text(text: str | None) -> str | None:
    """Free text with the phone numbers in it masked the same way as the phone field."""
    if not text:
        return text
    return _LANDLINE.sub(r"\1****\2", _MOBILE.sub(r"\1****\2", text))


def mask_value(key: str, value: Any) -> Any:
    """One field of an event's before/after, masked by name (phone, citizen_name) or as text."""
    if key == "phone" and isinstance(value, str):
        return mask_phone(value)
    if key == "citizen_name" and isinstance(value, str):
        return mask_name(value)
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_value(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(key, v) for v in value]
    return value


def for_viewer(ctx: Context, values: dict[str, Any]) -> dict[str, Any]:
    """An event's before/after as this operator may see it (masked unless dispatcher or admin)."""
    if sees_personal_data(ctx):
        return values
    return {k: mask_value(k, v) for k, v in values.items()}


def text_for_viewer(ctx: Context, text: str | None) -> str | None:
    """Citizen free text (titles, report text) as this operator may see it."""
    return text if sees_personal_data(ctx) else mask_text(text)
