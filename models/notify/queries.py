"""What the CLI lists about the outbox: counts by state, rows, and putting dead letters back."""

from __future__ import annotations

import json
from typing import Any

import peewee as pw

from models.errors import NotFound
from models.notify import render
from models.org.context import Context
from models.org.permissions import require_role
from models.store.schema import Case, Outbox
from models.text.labels import label
from models.worktime.timeutil import local_iso


def status(ctx: Context) -> dict[str, int]:
    require_role(ctx, "notify")
    counts = dict(Outbox.select(Outbox.state, pw.fn.COUNT(Outbox.id)).group_by(Outbox.state).tuples())
    return {state: int(counts.get(state, 0)) for state in ("pending", "sent", "dead", "unrouted")}


def row_dict(ctx: Context, row: Outbox, case: Case | None) -> dict[str, Any]:
    return {"id": row.id, "key": row.key, "case": row.case, "kind": row.kind, "kind_label": label("notify_kind", row.kind),
            "recipient": render.recipient_name(ctx, row.recipient_kind, row.recipient),
            "recipient_kind": row.recipient_kind, "recipient_id": row.recipient, "urgent": bool(row.urgent),
            "state": row.state, "attempts": row.attempts, "created_at": local_iso(row.created_at, ctx.config.tz),
            "next_at": local_iso(row.next_at, ctx.config.tz), "sent_at": local_iso(row.sent_at, ctx.config.tz),
            "channels_done": json.loads(row.channels_done or "[]"), "last_error": row.last_error,
            "text": render.line(ctx, row, case)}


def rows(ctx: Context, *, state: str | None = None, case_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
    require_role(ctx, "notify")
    query = Outbox.select().order_by(Outbox.id.desc()).limit(limit)
    if state:
        query = query.where(Outbox.state == state)
    if case_id is not None:
        query = query.where(Outbox.case == case_id)
    found = list(query)
    cases = {c.id: c for c in Case.select().where(Case.id.in_([r.case for r in found if r.case is not None]))}
    return [row_dict(ctx, r, cases.get(r.case)) for r in found]


def retry(ctx: Context, ids: list[int] | None = None) -> int:
    """Put dead rows (these, or all) back to pending with their attempts reset; returns how many."""
    require_role(ctx, "notify")
    with ctx.write():
        query = Outbox.select().where(Outbox.state == "dead")
        if ids:
            query = query.where(Outbox.id.in_(ids))
            found = {r.id for r in query}
            missing = sorted(set(ids) - found)
            if missing:
                raise NotFound("notify.no_dead", ids=", ".join(map(str, missing)))
        count = (Outbox.update(state="pending", attempts=0, next_at=ctx.now(), last_error=None)
                 .where(Outbox.id.in_([r.id for r in query])).execute())
    return int(count)
