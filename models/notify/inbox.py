"""What the console shows of the outbox: what was sent about a case, and an operator's unread
notifications.

An operator reads for their scope (`settings.operator_scope`): a department's liaison the rows
addressed to the department, a township's clerk the township's, dispatchers and the other office
roles the office's. Reading is per operator — two liaisons of one department each have their own
unread list — and marking rows read records whose list it was, who pressed the key (the kernel's
operator, `ctx.actor`; an admin acting --as someone is named) and when (`NotificationRead`, migration 11). A case's list is read within the case's scope: the office sees
every recipient's row, a department or township only its own.
"""

from __future__ import annotations

import json
from typing import Any

from models.cases.queries import show
from models.notify import render
from models.notify.settings import operator_scope
from models.org.context import Context
from models.org.permissions import require_active
from models.store.outbox import OFFICE
from models.store.schema import Case, NotificationRead, Outbox
from models.text.labels import label
from models.worktime.timeutil import local_iso

UNREAD_SHOWN = 20


def _channel_types(ctx: Context) -> dict[str, str]:
    """Channel name → its type, from chuishao.toml alone (the secrets file is not read here); a channel
    no longer configured is listed as "removed" (its name is an id, never shown)."""
    return {str(c.get("name")): str(c.get("type")) for c in ctx.config.section("notify").get("channels", [])}


def entry(ctx: Context, row: Outbox, case: Case | None, types: dict[str, str]) -> dict[str, Any]:
    """One notification as the console lists it: to whom (by name), when, through what, and its state."""
    done = json.loads(row.channels_done or "[]")
    return {"id": row.id, "case": row.case, "kind": row.kind, "kind_label": label("notify_kind", row.kind),
            "recipient_kind": row.recipient_kind,
            "recipient": render.recipient_name(ctx, row.recipient_kind, row.recipient),
            "created_at": local_iso(row.created_at, ctx.config.tz), "state": row.state,
            "sent_at": local_iso(row.sent_at, ctx.config.tz), "attempts": row.attempts,
            "channels": [types.get(name, "removed") for name in done], "text": render.line(ctx, row, case)}


def _mine(ctx: Context) -> Any:
    kind, ident = operator_scope(ctx.operator)
    return (Outbox.recipient_kind == kind) & (Outbox.recipient == ident)


def for_case(ctx: Context, case_id: int) -> list[dict[str, Any]]:
    """What was sent about a case, oldest first, within the operator's scope (see the docstring)."""
    case = show(ctx, case_id)
    query = Outbox.select().where(Outbox.case == case_id).order_by(Outbox.id)
    if operator_scope(ctx.operator)[0] != OFFICE:
        query = query.where(_mine(ctx))
    types = _channel_types(ctx)
    return [entry(ctx, row, case, types) for row in query]


def _unread_query(ctx: Context) -> Any:
    read = NotificationRead.select(NotificationRead.outbox).where(NotificationRead.operator == ctx.operator.name)
    return Outbox.select().where(_mine(ctx) & Outbox.id.not_in(read))


def unread(ctx: Context, limit: int = UNREAD_SHOWN) -> tuple[int, list[dict[str, Any]]]:
    """How many notifications the operator has not read, and the newest `limit` of them."""
    require_active(ctx)
    query = _unread_query(ctx)
    rows = list(query.order_by(Outbox.id.desc()).limit(limit))
    cases = {c.id: c for c in Case.select().where(Case.id.in_([r.case for r in rows if r.case is not None]))}
    types = _channel_types(ctx)
    return query.count(), [entry(ctx, r, cases.get(r.case), types) for r in rows]


def mark_read(ctx: Context, ids: list[int]) -> int:
    """Record that the operator read these notifications (their own scope's only); returns how many
    were newly marked. Marking twice keeps the first moment."""
    require_active(ctx)
    now = ctx.now()
    with ctx.write():
        fresh = [i for (i,) in _unread_query(ctx).where(Outbox.id.in_(ids)).select(Outbox.id).tuples()]
        for ident in fresh:
            NotificationRead.create(outbox=ident, operator=ctx.operator.name, read_by=ctx.actor, read_at=now)
    return len(fresh)
