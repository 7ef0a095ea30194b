"""The notification outbox's writer: who must act after a step, written in the step's own transaction.

A step that rolls back takes its rows with it (nobody is told of what did not happen); a committed
step's rows are there for the sender (models/notify/), however late it runs. Only ids and moments are
stored; the text is rendered at delivery with the recipient's masking. Each row's `key` is stable:
`<kind>:<event id>:<recipient>` for a step, or a sweep's own key (deadline notices), and a row whose
key exists is not written twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from models.store import prepared
from models.store.events import canonical
from models.store.schema import Outbox

if TYPE_CHECKING:  # the step's context, read as data (clock, db); store sits below org
    from models.org.context import Context
    from models.store.schema import Case, Event

OFFICE = "office"
DEPARTMENT = "department"
TOWNSHIP = "township"


@dataclass(frozen=True)
class Notice:
    kind: str
    recipient_kind: str
    recipient: str


def _departments(*groups: Any) -> list[str]:
    out: list[str] = []
    for group in groups:
        for dept in ([group] if isinstance(group, str) else group or []):
            if dept and dept not in out:
                out.append(dept)
    return out


def _responsible(case: Case, department: str | None) -> Notice | None:
    """The department named, else the lead, else the township of a local case."""
    if department or case.lead:
        return Notice("", DEPARTMENT, department or case.lead)
    return Notice("", TOWNSHIP, case.township) if case.township else None


def notices_for(case: Case, action: str, after: dict[str, Any]) -> list[Notice]:
    """Who must act after this step, and on what (empty for steps nobody must answer)."""
    if action == "dispatch":
        return [Notice("dispatch", DEPARTMENT, d) for d in _departments(after.get("lead"), after.get("cooperating"))]
    if action == "meeting" or (action == "review_return" and after.get("decision") == "redispatch"):
        return [Notice("redispatch", DEPARTMENT, d) for d in _departments(after.get("lead"), after.get("cooperating"))]
    if action == "review_return":
        return [Notice("uphold", DEPARTMENT, d) for d in _departments(after.get("returned"))]
    if action == "return":
        return [Notice("return_review", OFFICE, "")]
    if action == "extend":
        return [Notice("extension_review", OFFICE, "")]
    if action in ("remind", "notice") and not after.get("department"):
        return [Notice(action, OFFICE, "")]  # the dispatch office's own clock
    if action in ("remind", "notice", "supervise", "reopen"):
        who = _responsible(case, after.get("department"))
        if who is None:
            return [Notice(action, OFFICE, "")]
        return [Notice(action, who.recipient_kind, who.recipient)]
    return []


def write(ctx: Context, key: str, notice: Notice, case: Case | None, payload: dict[str, Any],
          event_id: int | None = None, *, known_new: bool = False) -> bool:
    """Add one row unless its key is already there; call inside the step's write transaction.
    `known_new`: the key names a new event, so no row can have it yet (a step's own rows)."""
    if not known_new and prepared.execute(ctx.db, "outbox_key", lambda: Outbox.select(Outbox.id).where(
            Outbox.key == "").limit(1), (key, 1)).fetchone() is not None:
        return False
    now = ctx.now()
    prepared.insert(Outbox(key=key, case=case.id if case is not None else None, event=event_id, kind=notice.kind,
                           recipient_kind=notice.recipient_kind, recipient=notice.recipient,
                           urgent=bool(case is not None and case.priority == "urgent"),
                           payload=canonical(payload), created_at=now, state="pending", attempts=0, next_at=now,
                           channels_done="[]"))
    return True


def after_step(ctx: Context, case: Case, event: Event, after: dict[str, Any]) -> int:
    """The step's notifications, keyed by its event (new, so no lookup); returns how many were written."""
    written = 0
    for notice in notices_for(case, event.action, after):
        payload = {k: after[k] for k in PAYLOAD_KEYS if after.get(k) is not None}
        written += write(ctx, f"{notice.kind}:{event.id}:{notice.recipient or OFFICE}", notice, case, payload,
                         event.id, known_new=True)
    return written


PAYLOAD_KEYS = ("department", "due", "deadline", "reason", "level", "new_due", "clock")
