"""The audited tables against the events that wrote them: a row edited, added or deleted directly.

Every event since schema 8 carries the digests of the audited rows it created or changed
(models/store/rowdigest.py), inside its hashed fields. Walking the chain, `Written` keeps for each
row the digest of the last event that wrote it; `check` then recomputes every audited row's digest
from its current content and names each row that differs (edited), that no event wrote (added —
only when the chain has carried digests from its first event, otherwise such a row may predate
them), and that an event wrote but is gone (deleted).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import peewee as pw

from models.store.rowdigest import AUDITED, CHILD_TABLES, current
from models.store.schema import Event

if TYPE_CHECKING:
    from models.ledger.audit import ChainReport, EventRow


class Written:
    """The last digest recorded for each audited row ("table:id"), and the event that recorded it,
    filled while the chain is walked (two plain dicts, updated in C: a county has millions)."""

    def __init__(self) -> None:
        self.digests: dict[str, str] = {}
        self.by: dict[str, int] = {}
        self.complete: bool | None = None  # did the first event already carry digests?

    def add(self, event: EventRow) -> None:
        if self.complete is None:
            self.complete = bool(event.digests)
        if len(event.digests) > 2:  # "" (before schema 8) and "{}" (wrote no audited row) carry nothing
            loaded = json.loads(event.digests)
            self.digests.update(loaded)
            self.by.update(dict.fromkeys(loaded, event.id))


def _row_id(text: str) -> int | str:
    """A row's id from its digest key: a number, or a setting's name."""
    return int(text) if text.isdigit() else text


def _by(db: pw.Database, event_id: int) -> tuple[str, int | None]:
    """'event N (action)' and the event's case, for naming a row's last writer."""
    action, case_id = db.execute(Event.select(Event.action, Event.case).where(Event.id == event_id)).fetchone()
    return f"event {event_id} ({action})", case_id


def check(db: pw.Database, written: Written, report: ChainReport) -> int:
    """Compare every audited row with its last writer; returns how many rows were compared."""
    compared = 0
    digests, by = written.digests, written.by
    for table in AUDITED:
        for row_id, case_id, value in current(db, table):
            compared += 1
            key = f"{table}:{row_id}"
            recorded = digests.pop(key, None)
            of = f" of case {case_id}" if case_id is not None and table not in ("case", "case_parent") else ""
            if recorded is None:
                if written.complete:
                    report.add(None, "content mismatch",
                               f"{table} {row_id}{of} was written by no event: it was added in the table directly",
                               table=table, row=row_id, case=case_id)
            elif recorded != value:
                writer, _ = _by(db, by[key])
                report.add(by[key], "content mismatch",
                           f"{table} {row_id}{of} differs from what {writer} recorded: it was edited "
                           f"in the table directly", table=table, row=row_id, case=case_id)
    for key in digests:
        table, text = key.split(":", 1)
        row_id = _row_id(text)
        writer, event_case = _by(db, by[key])
        case_id = event_case if table in CHILD_TABLES or table in ("case", "case_parent") else None
        of = f" of case {case_id}" if case_id is not None and table not in ("case", "case_parent") else ""
        report.add(by[key], "content mismatch",
                   f"{table} {row_id}{of}, last written by {writer}, is no longer there: it was "
                   f"deleted in the table directly", table=table, row=row_id, case=case_id)
    return compared
