"""Roles and scopes, enforced here for every query and operation (console, CLI and exports alike).

A case outside the operator's scope is refused with "no permission" (not "not found"): case ids
are not secret inside one county, and telling a township clerk why is kinder than pretending.
Every models/ function that hands out case data goes through `scope_filter` (lists) or
`require_case` (one case); every write goes through `require_role` (directly or via `load_for`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import peewee as pw

from models.errors import PermissionDenied
from models.org.context import Context
from models.store import prepared
from models.store.schema import Assignment, Case, Operator
from models.text.messages import Ref

ROLES = ("dispatcher", "township", "department", "supervisor", "admin")

# action → roles allowed. Scope (own township / own department) is checked separately.
# Supervisors (督办组: 组织部、社会工作部、纪委监委) read everything but act only through supervision
# steps: a note from them would count as the department's progress, so they have none.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "intake": frozenset({"dispatcher", "township", "admin"}),
    "triage": frozenset({"dispatcher", "township", "admin"}),
    "dispatch": frozenset({"dispatcher", "admin"}),
    "retriage": frozenset({"dispatcher", "admin"}),  # correct a triage, with a reason (issue 16 item 9)
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
    "read_accountability": frozenset({"supervisor", "dispatcher", "admin"}),
    # Running the notification sender, reading and retrying its outbox (models/notify/).
    "notify": frozenset({"dispatcher", "admin"}),
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
        raise PermissionDenied("perm.operator_disabled", operator=row[0])


def require_role(ctx: Context, action: str) -> None:
    """Refuse an action the operator's role may never take (or a disabled operator, any action)."""
    require_active(ctx)
    role = ctx.operator.role
    if role not in ROLE_ACTIONS.get(action, frozenset({"admin"})):
        raise PermissionDenied("perm.role_may_not", operator=ctx.operator.name, role=Ref("role", role),
                               step=Ref("step", action))


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


def outside_scope(ctx: Context, case: Case) -> PermissionDenied:
    """The refusal for a case outside the operator's scope, naming the scope."""
    op = ctx.operator
    if op.role == "township":
        return PermissionDenied("perm.outside_scope_township", case=case.id, operator=op.name,
                                township=Ref("township", op.township))
    if op.role == "department":
        return PermissionDenied("perm.outside_scope_department", case=case.id, operator=op.name,
                                department=Ref("department", op.department))
    return PermissionDenied("perm.outside_scope", case=case.id, operator=op.name)


def require_case(ctx: Context, case: Case, action: str | None = None) -> None:
    """Refuse if the case is outside the operator's scope (and, with an action, the role may not)."""
    if action is not None:
        require_role(ctx, action)
    else:
        require_active(ctx)
    if not can_see(ctx, case):
        raise outside_scope(ctx, case)


def acting_department(ctx: Context, requested: str | None) -> str | None:
    """The department a department-step acts for: a department operator's own, or --dept for admins."""
    op = ctx.operator
    if op.role == "department":
        if requested and requested != op.department:
            raise PermissionDenied("perm.acts_for_own_department", operator=op.name,
                                   own=Ref("department", op.department), requested=Ref("department", requested))
        return str(op.department)
    return requested


# --- personal data ----------------------------------------------------------------------------

def sees_personal_data(ctx: Context) -> bool:
    """Citizens' phone numbers and names are shown in full only to roles that call them back."""
    return ctx.operator.role in FULL_VIEW_ROLES


# Phone numbers as citizens and clerks type them: mainland mobiles (138 1234 5678, 138-1234-5678),
# landlines with an area code (0510-8888-9999, 0510 88889999, (0510)88889999, 010-12345678), either
# with a country code (+86, 0086-, (+86), 86 before a mobile), in full-width digits too. Matched on a
# copy with full-width forms folded one character for one, so offsets are those of the original.
_FOLD = str.maketrans({**{chr(0xFF10 + d): str(d) for d in range(10)}, "＋": "+", "（": "(", "）": ")",
                       "－": "-", "\u3000": " ", "‐": "-", "–": "-", "—": "-"})
_CC = r"(?:\(?(?:\+|00)\s?86\)?[ -]?|86[ -]?(?=1[3-9]))"
_AREA = r"(?:10|2\d|[3-9]\d{2})"  # without its leading 0: 010 and 02x are the three-digit codes
_SUBSCRIBER = r"\d{3,4}[ -]?\d{4}"
_PHONE = re.compile(
    r"(?<![\d+])(?:"
    rf"(?P<mobile>{_CC}?1[3-9]\d)(?P<mobile_rest>[ -]?\d{{4}}[ -]?\d{{4}})"
    rf"|(?P<local>\(0{_AREA}\)[ -]?|0{_AREA}[ -]?)(?P<local_rest>{_SUBSCRIBER})"
    rf"|(?P<intl>{_CC}\(?{_AREA}\)?[ -]?)(?P<intl_rest>{_SUBSCRIBER})"
    r")(?!\d)")


def _masked_number(original: str, folded: str, match: re.Match[str]) -> str:
    """What stays of one number: its country and area code or mobile prefix, ****, its last 4 digits."""
    kind = match.lastgroup.rsplit("_", 1)[0] if match.lastgroup else "mobile"
    keep_end = match.end(kind)
    rest = [i for i in range(keep_end, match.end()) if folded[i].isdigit()]
    return original[match.start():keep_end].rstrip() + "****" + "".join(original[i] for i in rest[-4:])


def mask_text(text: str | None) -> str | None:
    """The one masking of free text: every phone number in it becomes 138****5678 / 0510-****9999,
    whatever its format (see _PHONE); everything else exactly as typed."""
    if not text:
        return text
    folded = text.translate(_FOLD)
    out, last = [], 0
    for match in _PHONE.finditer(folded):
        out += [text[last:match.start()], _masked_number(text, folded, match)]
        last = match.end()
    return "".join(out) + text[last:] if out else text


def mask_phone(phone: str | None) -> str | None:
    """A phone field: masked like a number in text (138****5678), or, when it is not a number we
    recognise (a local 8888-9999), all but its last four characters (all of it when shorter than 8)."""
    if not phone:
        return phone
    masked = mask_text(phone)
    if masked != phone:
        return masked
    value = phone.strip()
    return "*" * (len(value) - 4) + value[-4:] if len(value) >= 8 else "*" * len(value)


def mask_name(name: str | None) -> str | None:
    """张** : the family name stays."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)


PERSONAL_KEYS = frozenset({"phone", "citizen_name"})


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


def mask_values(values: dict[str, Any]) -> dict[str, Any]:
    """An event's before/after: every string in it, phone and citizen_name by key."""
    return {k: mask_value(k, v) for k, v in values.items()}


# Every free-text and contact field that a role which does not call citizens back can see, by the
# record it belongs to, with how it is masked for them. Every path that shows one of these records —
# the console, `--json`, the CLI's tables, `audit export`, the briefing, duplicates — shapes it
# through `masked`; README's table is generated from this (`masking_table`), and
# tests/test_masking.py walks it field by field, role by role, path by path.
MASKED_FIELDS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "case": {"title": mask_text, "reason": mask_text, "result": mask_text},
    "report": {"title": mask_text, "text": mask_text, "address": mask_text, "citizen_name": mask_name,
               "phone": mask_phone},
    "assignment": {"return_reason": mask_text},
    "note": {"text": mask_text},
    "evaluation": {"comment": mask_text},
    "extension": {"reason": mask_text},
    "pause": {"reason": mask_text},
    "supervision_order": {"instruction": mask_text, "answer": mask_text},
    "accountability": {"reason": mask_text},
    "event": {"before": mask_values, "after": mask_values},
}
FULL_VIEW_ROLES = ("dispatcher", "admin")


def masked(ctx: Context, record: str, row: dict[str, Any]) -> dict[str, Any]:
    """A record's row as this operator may see it: MASKED_FIELDS[record] masked unless they call
    citizens back (dispatcher, admin)."""
    return masked_for_role(ctx.operator.role, record, row)


def masked_for_role(role: str, record: str, row: dict[str, Any]) -> dict[str, Any]:
    """`masked` for a reader known by role only: a notification's recipient (a department's or a
    township's channel reads what that role's console shows; the dispatch office's reads it all)."""
    if role in FULL_VIEW_ROLES:
        return row
    fields = MASKED_FIELDS[record]
    return {k: fields[k](v) if k in fields and v is not None else v for k, v in row.items()}


# Where operators see each record (every path shapes it through `masked`), and the action a path
# needs when not every role may take it. README's masking table is `masking_markdown()`.
SHOWN_ON: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("case", "report", "assignment", "note", "evaluation", "extension", "pause"),
                    ("console", "case show --json")),
    "event": ("console", "case show --json", "case history --json", "audit export"),
    "supervision_order": ("supervise orders --json",),
    "accountability": ("supervise accountability list --json",),
}
ALSO_SHOWN_ON = {"case.title": ("case list --json", "case duplicates --json")}
PATH_ACTIONS = {"audit export": "audit", "supervise accountability list --json": "read_accountability"}


def masking_table() -> list[dict[str, str]]:
    """Every field × path × role: "masked", "whole", or "—" (the role may not use that path)."""
    rows = []
    for record, fields in MASKED_FIELDS.items():
        for name in fields:
            key = f"{record}.{name}"
            for path in SHOWN_ON[record] + ALSO_SHOWN_ON.get(key, ()):
                action = PATH_ACTIONS.get(path)
                rows.append({"field": key, "path": path, **{
                    role: "—" if action and role not in ROLE_ACTIONS[action]
                    else "whole" if role in FULL_VIEW_ROLES else "masked" for role in ROLES}})
    return rows


def masking_markdown() -> str:
    """README's table of the masking rules, generated from MASKED_FIELDS, SHOWN_ON and the roles."""
    lines = ["| field | path | " + " | ".join(ROLES) + " |", "|---|---|" + "---|" * len(ROLES)]
    lines += [f"| {r['field']} | `{r['path']}` | " + " | ".join(r[role] for role in ROLES) + " |"
              for r in masking_table()]
    return "\n".join(lines) + "\n"


def for_viewer(ctx: Context, values: dict[str, Any]) -> dict[str, Any]:
    """An event's before/after as this operator may see it (masked unless dispatcher or admin)."""
    return values if sees_personal_data(ctx) else mask_values(values)


def text_for_viewer(ctx: Context, text: str | None) -> str | None:
    """Citizen free text (titles, report text) as this operator may see it."""
    return text if sees_personal_data(ctx) else mask_text(text)

