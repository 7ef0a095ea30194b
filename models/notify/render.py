"""The Chinese text of a notification, as its recipient may read it.

Departments and townships are named by display name, never by id. Citizen text (the case title, a
return's reason) is plain data in a plain-text message, masked through the one masking function for
every recipient but the dispatch office — a department's channel never carries what its console
would mask.
"""

from __future__ import annotations

import json
from typing import Any

from models.org.context import Context
from models.org.permissions import masked_for_role
from models.store.outbox import DEPARTMENT, OFFICE, TOWNSHIP
from models.store.schema import Case, Outbox
from models.text.labels import label
from models.worktime.timeutil import local_short

# The role whose console the recipient reads: what it would mask, the message masks.
READER_ROLE = {OFFICE: "dispatcher", DEPARTMENT: "department", TOWNSHIP: "township"}


def recipient_name(ctx: Context, kind: str, ident: str) -> str:
    if kind == DEPARTMENT and ident in ctx.config.departments:
        return ctx.config.departments[ident].name
    if kind == TOWNSHIP and ident in ctx.config.townships:
        return ctx.config.townships[ident].name
    return str(ctx.config.section("office")["name"])


def line(ctx: Context, row: Outbox, case: Case | None) -> str:
    """One notification as one line: 【kind】第N号「title」 and what it asks, with its moment."""
    payload: dict[str, Any] = json.loads(row.payload or "{}")
    role = READER_ROLE.get(row.recipient_kind, "department")
    title = masked_for_role(role, "case", {"title": case.title})["title"] if case is not None else ""
    parts = [f"【{label('notify_kind', row.kind)}】"]
    if row.case is not None:
        parts.append(f"第{row.case}号「{title}」")
    if payload.get("clock"):
        parts.append(f"{label('clock', payload['clock'])}")
    for key, word in (("due", "时限"), ("deadline", "限期"), ("new_due", "申请延至")):
        if payload.get(key):
            value = payload[key]
            parts.append(f"{word} {local_short(value, ctx.config.tz) if isinstance(value, int) else value}")
    if payload.get("department") and row.recipient_kind == OFFICE:
        parts.append(f"部门：{recipient_name(ctx, DEPARTMENT, payload['department'])}")
    if payload.get("reason"):
        reason = masked_for_role(role, "assignment", {"return_reason": payload["reason"]})["return_reason"]
        parts.append(f"理由：{reason}")
    return " ".join(parts)


def message(ctx: Context, rows: list[Outbox]) -> str:
    """The text sent: one row's line, or a digest of several (held through quiet hours)."""
    cases = {c.id: c for c in Case.select().where(Case.id.in_([r.case for r in rows if r.case is not None]))}
    head = rows[0]
    to = recipient_name(ctx, head.recipient_kind, head.recipient)
    lines = [line(ctx, r, cases.get(r.case)) for r in rows]
    if len(rows) == 1:
        return f"{to}：{lines[0]}"
    return f"{to}：{label('notify_kind', 'digest')}，共{len(rows)}条\n" + "\n".join(
        f"{i}. {text}" for i, text in enumerate(lines, 1))
