"""The tamper-evident audit trail: verify the event chain, export events for the inspection office.

Every event stores `prev_hash` (its predecessor's hash) and `hash = sha256(prev_hash + its own
fields)` (models/store/events.py). `verify_chain` walks the log in id order and recomputes each hash, so
changing one byte of one event, deleting an event from the middle, or rewriting an event *and* its
hash all show, at the first event where the chain no longer holds:

- hash mismatch: the event's fields no longer give its recorded hash (the event was edited);
- prev_hash mismatch: the event does not chain to its predecessor's hash (the predecessor was
  rewritten together with its hash, or events were reordered);
- gap: an id is missing (an event was deleted). Event ids have no gaps otherwise: SQLite gives a
  rowid table max(id)+1, and a rolled-back step leaves no row.

Deleting the *newest* events leaves a shorter but valid chain; an anchor catches that: the head hash
printed by an earlier `audit verify` or `chuishao backup`, passed as `--anchor`, must still be there.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from itertools import groupby
from operator import itemgetter
from typing import IO, Any, NamedTuple

import peewee as pw

from models.errors import UsageError
from models.ledger import contents
from models.org.context import Context
from models.org.permissions import for_viewer, require_role, sees_personal_data
from models.store.events import event_digest, hashed_fields, record
from models.store.schema import Event, Note
from models.text.labels import label
from models.text.textnorm import terminal_safe_json
from models.worktime.timeutil import local_iso, parse_iso, to_epoch

MAX_LISTED = 20


class EventRow(NamedTuple):
    """One stored event as read for verification (attribute names as `hashed_fields` expects)."""

    id: int
    case: int | None
    at: int
    operator: str
    on_behalf_of: str | None
    action: str
    state_before: str | None
    state_after: str | None
    before: str
    after: str
    digests: str
    prev_hash: str
    hash: str


@dataclass
class ChainReport:
    """The outcome of walking the chain: `ok`, and if not, the first broken event and why."""

    ok: bool = True
    checked: int = 0
    last_id: int | None = None
    head: str = ""
    broken_id: int | None = None
    problem: str | None = None  # "hash mismatch" | "prev_hash mismatch" | "gap" | "anchor not found" | "content mismatch"
    detail: str | None = None
    broken: list[dict[str, Any]] = field(default_factory=list)  # every problem, the first MAX_LISTED
    rows: int = 0  # audited rows compared with the events that last wrote them

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def add(self, event_id: int | None, problem: str, detail: str, **row: Any) -> None:
        """One problem; a row's (`table`, `row`, `case`) named too when it is about an audited row."""
        if self.ok:
            self.ok, self.broken_id, self.problem, self.detail = False, event_id, problem, detail
        if len(self.broken) < MAX_LISTED:
            self.broken.append({"id": event_id, "problem": problem, "detail": detail, **row})


def _rows(db: pw.Database, batch: int = 2000) -> Iterator[EventRow]:
    """Every event in id order, streamed in batches (a county's log runs to millions of rows)."""
    # A backup inspected before `init` upgrades it may predate schema 8's digests column: none then.
    digests = Event.digests if "digests" in {c.name for c in db.get_columns("event")} else pw.Value("")
    columns = [Event.id, Event.case, Event.at, Event.operator, Event.on_behalf_of, Event.action,
               Event.state_before, Event.state_after, Event.before, Event.after, digests, Event.prev_hash, Event.hash]
    last = 0
    while True:
        # A raw cursor: every column is an integer or text, and peewee's per-value conversion was
        # most of the walk's time.
        chunk = db.execute(Event.select(*columns).where(Event.id > last).order_by(Event.id).limit(batch)).fetchall()
        if not chunk:
            return
        for values in chunk:
            yield EventRow(*values)
        last = chunk[-1][0]


def _text_digest(text: str | None) -> bytes:
    return hashlib.sha256((text or "").encode("utf-8")).digest()


def _grouped(rows: Iterator[tuple[int, int, str]], note_text: bool) -> Iterator[tuple[int, list[tuple[int, bytes]]]]:
    """(case, [(id, text digest)…]) from rows (case, id, text or event payload) sorted by case."""
    for case_id, group in groupby(rows, key=itemgetter(0)):
        yield case_id, [(row_id, _text_digest(text if note_text else json.loads(text).get("text")))
                        for _, row_id, text in group]


def _check_notes(db: pw.Database, report: ChainReport) -> None:
    """Notes against the note events that wrote them (each note event's hashed `after` holds the
    text): a note edited, added or deleted in the table directly, past the event log, is named.
    Both sides are streamed in case order, so memory holds one case at a time."""
    notes = _grouped(Note.select(Note.case, Note.id, Note.text).order_by(Note.case, Note.id)
                     .tuples().bind(db).iterator(), note_text=True)
    logged = _grouped(Event.select(Event.case, Event.id, Event.after)
                      .where((Event.action == "note") & Event.case.is_null(False))
                      .order_by(Event.case, Event.id).tuples().bind(db).iterator(), note_text=False)
    note, event = next(notes, None), next(logged, None)
    while note is not None or event is not None:
        case_id = min(pair[0] for pair in (note, event) if pair is not None)
        rows = note[1] if note is not None and note[0] == case_id else []
        events = event[1] if event is not None and event[0] == case_id else []
        _compare_notes(case_id, rows, events, report)
        if rows:
            note = next(notes, None)
        if events:
            event = next(logged, None)


def _compare_notes(case_id: int, notes: list[tuple[int, bytes]], events: list[tuple[int, bytes]],
                   report: ChainReport) -> None:
    unmatched = Counter(d for _, d in notes) - Counter(d for _, d in events)
    missing = Counter(d for _, d in events) - Counter(d for _, d in notes)
    for note_id, digest in notes:
        if unmatched[digest] > 0:
            unmatched[digest] -= 1
            report.add(None, "content mismatch", f"note {note_id} of case {case_id} matches no note event: "
                                                 f"it was edited or added in the table directly")
    for event_id, digest in events:
        if missing[digest] > 0:
            missing[digest] -= 1
            report.add(event_id, "content mismatch", f"event {event_id} recorded a note on case {case_id} "
                                                     f"that is no longer there: it was deleted or edited")


def _short(digest: str) -> str:
    return digest[:12] + "…" if digest else "(none)"


def verify_chain(db: pw.Database, anchor: str | None = None) -> ChainReport:
    """Walk the whole event log, recomputing every hash; report the first broken event.

    Needs no operator (restore checks a database nobody has logged into yet); `verify` is the
    permission-checked entry point.
    """
    report = ChainReport()
    prev_id, prev_hash = 0, ""
    anchor_seen = anchor is None
    written = contents.Written()
    for row in _rows(db):
        report.checked += 1
        written.add(row)
        if row.id != prev_id + 1:
            missing = (f"event {prev_id + 1}" if row.id == prev_id + 2
                       else f"events {prev_id + 1}–{row.id - 1}")
            report.add(row.id, "gap", f"event {row.id} follows event {prev_id or '(start)'}: {missing} "
                                      f"missing (deleted)")
        elif row.prev_hash != prev_hash:
            report.add(row.id, "prev_hash mismatch",
                       f"event {row.id} chains to {_short(row.prev_hash)} but event {prev_id or '(start)'} "
                       f"has hash {_short(prev_hash)}: the earlier event was rewritten with a new hash, "
                       f"or events were reordered")
        if event_digest(row.prev_hash, hashed_fields(row)) != row.hash:  # type: ignore[arg-type]
            report.add(row.id, "hash mismatch",
                       f"event {row.id} ({row.action}, case {row.case}, by {row.operator}) no longer "
                       f"matches its recorded hash: it was changed after it was written")
        if not anchor_seen and row.hash == anchor:
            anchor_seen = True
        prev_id, prev_hash = row.id, row.hash
    report.last_id = prev_id or None
    report.head = prev_hash
    _check_notes(db, report)
    report.rows = contents.check(db, written, report)
    if not anchor_seen:
        report.add(None, "anchor not found",
                   f"no event has hash {_short(anchor or '')}: events recorded up to that anchor were "
                   f"deleted or rewritten")
    return report


def verify(ctx: Context, anchor: str | None = None) -> ChainReport:
    """`chuishao audit verify`: the chain check, for supervisors and admins."""
    require_role(ctx, "audit")
    return verify_chain(ctx.db, anchor)


# --- export --------------------------------------------------------------------------------

EXPORT_COLUMNS = ("id", "case_id", "at", "operator", "on_behalf_of", "action", "action_label",
                  "state_before", "state_after", "before", "after", "prev_hash", "hash", "masked")


def parse_range(start: str, end: str, ctx: Context) -> tuple[int, int]:
    """[from, to) in epoch seconds. A bare date as --to means the whole of that day."""
    tz = ctx.config.tz
    lower = to_epoch(parse_iso(start, tz, "--from"))
    upper_moment = parse_iso(end, tz, "--to")
    if len(end.strip()) == 10:  # 2026-11-30: through the end of that day
        upper_moment += timedelta(days=1)
    upper = to_epoch(upper_moment)
    if upper <= lower:
        raise UsageError("time.to_before_from", start=start, end=end)
    return lower, upper


def export_rows(ctx: Context, start: int, end: int) -> Iterator[dict[str, Any]]:
    """Events with start <= at < end, oldest first, as the inspection office receives them.

    Personal data in before/after is masked for roles that may not see it; a masked row says so,
    since its hash covers the original values (verify on the server with `audit verify`).
    """
    require_role(ctx, "audit")
    tz, full = ctx.config.tz, sees_personal_data(ctx)
    query = (Event.select().where((Event.at >= start) & (Event.at < end)).order_by(Event.id))
    for e in query.iterator():
        before, after = json.loads(e.before), json.loads(e.after)
        shown_before, shown_after = ((before, after) if full
                                     else (for_viewer(ctx, before), for_viewer(ctx, after)))
        yield {"id": e.id, "case_id": e.case, "at": local_iso(e.at, tz), "operator": e.operator,
               "on_behalf_of": e.on_behalf_of, "action": e.action, "action_label": label("action", e.action),
               "state_before": e.state_before, "state_after": e.state_after, "before": shown_before,
               "after": shown_after, "prev_hash": e.prev_hash, "hash": e.hash,
               "masked": (shown_before, shown_after) != (before, after)}


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """One JSON object per line; returns how many."""
    count = 0
    for row in rows:
        out.write(terminal_safe_json(json.dumps(row, ensure_ascii=False, sort_keys=False)) + "\n")
        count += 1
    return count


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """A header and one line per event; before/after as JSON text. Returns how many."""
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow([json.dumps(row[c], ensure_ascii=False) if c in ("before", "after") else
                         ("" if row[c] is None else row[c]) for c in EXPORT_COLUMNS])
        count += 1
    return count


WRITERS = {"jsonl": write_jsonl, "csv": write_csv}


def export(ctx: Context, start: int, end: int, fmt: str, out: IO[str]) -> int:
    """Write the events of [start, end) in a format; the export itself is recorded as an event."""
    if fmt not in WRITERS:
        raise UsageError("ledger.bad_format", format=fmt, known=", ".join(WRITERS))
    count = WRITERS[fmt](export_rows(ctx, start, end), out)
    with ctx.write():
        tz = ctx.config.tz
        record(ctx, "audit_export", None,
               after={"from": local_iso(start, tz), "to": local_iso(end, tz), "events": count, "format": fmt})
    return count
