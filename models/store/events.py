"""The append-only event log: one event per step, hash-chained so tampering shows.

Each event's hash covers its own fields and the previous event's hash; it is written inside the
step's write transaction (BEGIN IMMEDIATE on SQLite, an advisory write lock on PostgreSQL), so the chain has no forks even with many writers.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import peewee as pw

from models.store import engine, prepared
from models.store.schema import Event

if TYPE_CHECKING:  # the step's context, read as data (actor, clock); store sits below org
    from models.org.context import Context

# Built once: json.dumps with options constructs a new encoder per call (an import encodes two per row).
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical(value: Any) -> str:
    """The one JSON text of a value that events store and hash (sorted keys, no spaces, UTF-8)."""
    return _CANONICAL.encode(value)


def event_digest(prev_hash: str, fields: dict[str, Any]) -> str:
    """The hash of one event given its predecessor's hash (also used by `audit verify`)."""
    return chained_digest(prev_hash, canonical(fields))


def chained_digest(prev_hash: str, hashed: str) -> str:
    """The hash of one event from its predecessor's hash and the canonical text of its hashed fields."""
    return hashlib.sha256((prev_hash + "\n" + hashed).encode("utf-8")).hexdigest()


_STRING = json.encoder.encode_basestring  # what _CANONICAL writes a str with (ensure_ascii=False)


def _scalar(value: Any) -> str:
    return "null" if value is None else _STRING(value) if isinstance(value, str) else canonical(value)


class HashedText:
    """The canonical text of `hashed_fields` for many events of one step that differ only in their
    case, `after` and `digests` (an import's intake events): the fields every event shares are
    encoded once, and each event's `after` and `digests` texts — already JSON — are put in as
    strings, never decoded and encoded again. Equal to canonical(hashed_fields(event)) by
    construction: the keys in sorted order, the same string encoder, no spaces."""

    def __init__(self, *, at: int, operator: str, on_behalf_of: str | None, action: str,
                 state_before: str | None, state_after: str | None, before: str) -> None:
        self.head = '{"action":' + _scalar(action) + ',"after":'
        self.middle = ',"at":' + _scalar(at) + ',"before":' + _scalar(before) + ',"case":'
        self.tail = (',"on_behalf_of":' + _scalar(on_behalf_of) + ',"operator":' + _scalar(operator)
                     + ',"state_after":' + _scalar(state_after) + ',"state_before":' + _scalar(state_before) + "}")

    def __call__(self, case: int | None, after: str, digests: str) -> str:
        """`digests` non-empty (an event without digests hashes without the key: use canonical)."""
        return (self.head + _STRING(after) + self.middle + _scalar(case) + ',"digests":' + _STRING(digests)
                + self.tail)


def hashed_fields(event: Event) -> dict[str, Any]:
    """The fields an event's hash covers. `digests` (the audited rows the event wrote, see
    models/store/rowdigest.py) joined them in schema 8: an event written before has none, and its
    hash stays what it was."""
    fields = {"case": event.case, "at": event.at, "operator": event.operator,
              "on_behalf_of": event.on_behalf_of, "action": event.action,
              "state_before": event.state_before, "state_after": event.state_after,
              "before": event.before, "after": event.after}
    if event.digests:
        fields["digests"] = event.digests
    return fields


EVENT_COLUMNS = ("case", "at", "operator", "on_behalf_of", "action", "state_before", "state_after",
                 "before", "after", "digests", "prev_hash", "hash")


# Event ids are given by the writer holding the write lock (the head's id + 1), not by the engine's
# counter: a PostgreSQL sequence skips the values of rolled-back inserts, and `audit verify` reads a
# gap in the ids as deleted events. Under the write lock the ids are gapless on every engine.
INSERT_COLUMNS = ("id", *EVENT_COLUMNS)


def head(db: pw.Database) -> tuple[int, str]:
    """The chain's head: the last event's id and hash ((0, "") for an empty log). Read it under the
    write lock, which serialises every writer on every engine (engine.write_transaction)."""
    heads = engine.owner_heads(db)
    if heads is not None:  # row-level security may hide other cases' events from this role
        return heads[0], heads[1]
    row = prepared.execute(db, "event_head",
                           lambda: Event.select(Event.id, Event.hash).order_by(Event.id.desc()).limit(1),
                           (1,)).fetchone()
    return (int(row[0]), str(row[1])) if row else (0, "")


def last_hash(db: pw.Database) -> str:
    return head(db)[1]


def insert_sql(db: pw.Database) -> str:
    """The INSERT of one event with its id (executed once per event, or for many at once)."""
    return prepared.sql_for(db, "event_insert", lambda: Event.insert(**{c: "" for c in INSERT_COLUMNS}))


def record(ctx: Context, action: str, case_id: int | None, *, state_before: str | None = None,
           state_after: str | None = None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None, at: int | None = None,
           digests: dict[str, str] | None = None) -> Event:
    """Append one event; call inside the operation's write transaction. `digests`: the audited rows
    the step created or changed, "table:id" → rowdigest.digest of the row as the step left it."""
    return append(ctx.db, ctx.actor, action, case_id, ctx.now() if at is None else at,
                  on_behalf_of=ctx.on_behalf_of, state_before=state_before, state_after=state_after,
                  before=before, after=after, digests=digests)


def append(db: pw.Database, actor: str, action: str, case_id: int | None, at: int, *,
           on_behalf_of: str | None = None, state_before: str | None = None, state_after: str | None = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           digests: dict[str, str] | None = None) -> Event:
    """Append one event without an acting context (setting a database up, before anyone can log in);
    call inside a write transaction."""
    event = Event(case=case_id, at=at, operator=actor, on_behalf_of=on_behalf_of, action=action,
                  state_before=state_before, state_after=state_after, before=canonical(before or {}),
                  after=canonical(after or {}), digests=canonical(digests or {}))
    last_id, event.prev_hash = head(db)
    event.id = last_id + 1
    event.hash = event_digest(event.prev_hash, hashed_fields(event))
    db.execute_sql(insert_sql(db), tuple(getattr(event, c) for c in INSERT_COLUMNS))
    return event
