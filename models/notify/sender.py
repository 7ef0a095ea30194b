"""The sender: delivers pending outbox rows, at least once, never inside an operator's step.

One pass (`run_once`) writes the deadline-near notices now due (models/notify/near.py), then takes
the pending rows whose `next_at` has come, groups them per recipient, and sends each group through
every channel of that recipient it has not reached yet:
- a row goes out as itself; non-urgent rows written outside working time are held while the office
  is closed (`[notify] quiet_hours`) and go out at its opening as one digest per recipient;
- each success is recorded at once (`channels_done`), so a sender killed mid-batch re-sends only
  what it had not recorded — with the same idempotency key (the row's key; a digest's key is derived
  from its rows' keys), which the receiver can use to drop the repeat;
- a failure counts an attempt and waits `backoff_seconds` × 2^(attempts-1) (capped by
  `max_backoff_seconds`); after `max_attempts` the row is dead (the dead-letter list) until
  `notify retry` puts it back.
A recipient with no channel configured is marked `unrouted` (nothing to send it through).

Two senders on one database (a second `notify run` by mistake, or a standby) never deliver the same
row both: each group is claimed before it is sent, in a write transaction (serialised on both engines:
SQLite's BEGIN IMMEDIATE, PostgreSQL's writer lock), by moving its `next_at` past a lease long enough
for every channel to time out. The other sender re-reads the rows under the same lock and skips those
claimed. A sender killed while holding a claim leaves it to expire; the row then goes out again with
its key (at least once).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from models.notify import channels, near, render
from models.notify.settings import Channel, Settings, load, recipients_of
from models.org.context import Context
from models.org.permissions import require_role
from models.store.schema import Outbox

PENDING, SENT, DEAD, UNROUTED = "pending", "sent", "dead", "unrouted"
STATES = (PENDING, SENT, DEAD, UNROUTED)
BATCH = 500

Send = Callable[..., None]


@dataclass
class PassResult:
    near: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    held: int = 0
    unrouted: int = 0
    digests: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"near": self.near, "sent": self.sent, "failed": self.failed, "dead": self.dead,
                "held": self.held, "unrouted": self.unrouted, "digests": self.digests, "errors": self.errors}


def open_now(ctx: Context, moment: int) -> bool:
    return ctx.calendar.opening_at_or_after(moment) == moment


def _routes(ctx: Context, settings: Settings) -> dict[tuple[str, str], list[Channel]]:
    out: dict[tuple[str, str], list[Channel]] = {}
    for channel in settings.channels:
        for pair in recipients_of(ctx, channel):
            out.setdefault(pair, []).append(channel)
    return out


def digest_key(rows: list[Outbox]) -> str:
    return "digest:" + hashlib.sha256("\n".join(sorted(r.key for r in rows)).encode()).hexdigest()[:24]


def run_once(ctx: Context, settings: Settings | None = None, send: Send = channels.send) -> PassResult:
    """One pass of the sender (see the module docstring)."""
    require_role(ctx, "notify")
    settings = settings or load(ctx)
    result = PassResult(near=near.sweep(ctx, settings))
    now = ctx.now()
    is_open = open_now(ctx, now)
    routes = _routes(ctx, settings)
    rows = list(Outbox.select().where((Outbox.state == PENDING) & (Outbox.next_at <= now))
                .order_by(Outbox.id).limit(BATCH))
    groups: dict[tuple[str, str, str], list[Outbox]] = {}
    for row in rows:
        quiet = settings.quiet_hours and not row.urgent and not open_now(ctx, int(row.created_at))
        if quiet and not is_open:
            result.held += 1
            continue
        pair = (row.recipient_kind, row.recipient)
        group = f"digest:{pair}" if quiet else row.key
        groups.setdefault((*pair, group), []).append(row)
    for (kind, ident, _), found in groups.items():
        targets = routes.get((kind, ident), [])
        group = claim(ctx, found, now, lease_seconds(settings, targets))
        if not group:
            continue  # another sender holds them
        if not targets:
            _finish(ctx, group, UNROUTED, now, "no channel configured for this recipient")
            result.unrouted += len(group)
            continue
        key = group[0].key if len(group) == 1 else digest_key(group)
        result.digests += len(group) > 1
        _deliver(ctx, settings, send, group, key, targets, result)
    return result


LEASE_MARGIN = 60


def lease_seconds(settings: Settings, targets: list[Channel]) -> int:
    """How long a claim holds: every send may wait its timeout at each of its (at most 4) network
    steps — SMTP's connect, STARTTLS, login, data — plus a margin."""
    sends = sum(max(1, len(c.spec.get("phones", []))) if c.type == "sms" else 1 for c in targets)
    return LEASE_MARGIN + int(4 * settings.timeout_seconds * max(1, sends))


def claim(ctx: Context, rows: list[Outbox], now: int, lease: int) -> list[Outbox]:
    """Those of `rows` still pending and due, re-read and leased to this sender (see the docstring)."""
    ids = [r.id for r in rows]
    with ctx.write():
        fresh = list(Outbox.select().where(Outbox.id.in_(ids) & (Outbox.state == PENDING) & (Outbox.next_at <= now))
                     .order_by(Outbox.id))
        if fresh:
            Outbox.update(next_at=now + lease).where(Outbox.id.in_([r.id for r in fresh])).execute()
    for row in fresh:
        row.next_at = now + lease
    return fresh


def _deliver(ctx: Context, settings: Settings, send: Send, group: list[Outbox], key: str,
             targets: list[Channel], result: PassResult) -> None:
    text = render.message(ctx, group)
    done = set(json.loads(group[0].channels_done or "[]"))
    for channel in targets:
        if channel.name in done:
            continue
        try:
            send(channel, text, key, timeout=settings.timeout_seconds, now_ms=ctx.now() * 1000)
        except channels.DeliveryFailed as exc:
            _failed(ctx, settings, group, str(exc), result)
            return
        done.add(channel.name)
        with ctx.write():  # recorded at once: a kill after this re-sends nothing already recorded
            for row in group:
                row.channels_done = json.dumps(sorted(done))
                row.save()
    _finish(ctx, group, SENT, ctx.now(), None)
    result.sent += len(group)


def _failed(ctx: Context, settings: Settings, group: list[Outbox], error: str, result: PassResult) -> None:
    now = ctx.now()
    with ctx.write():
        for row in group:
            row.attempts += 1
            row.last_error = error
            if row.attempts >= settings.max_attempts:
                row.state = DEAD
                result.dead += 1
            else:
                row.next_at = now + settings.backoff(row.attempts)
                result.failed += 1
            row.save()
    result.errors.append(error)


def _finish(ctx: Context, group: list[Outbox], state: str, now: int, error: str | None) -> None:
    with ctx.write():
        for row in group:
            row.state, row.sent_at, row.last_error = state, now if state == SENT else None, error
            row.save()
