"""The audited tables against the events that wrote them: a row edited, added or deleted directly.

Every event since schema 7 carries the digests of the audited rows it created or changed
(models/store/rowdigest.py), inside its hashed fields. Walking the chain, `Written` keeps for each
row the digest of the last event that wrote it; `check` then recomputes every audited row's digest
from its current content and names each row that differs (edited), that no event wrote (added —
only when the chain has carried digests from its first event, otherwise such a row may predate
them), and that an event wrote but is gone (deleted).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, NamedTuple

import peewee as pw

from models.store.rowdigest import AUDITED, current

if TYPE_CHECKING:
    from models.ledger.audit import ChainReport, EventRow


class Writer(NamedTuple):
    digest: str
    event: int
    action: str
    case: int | None


class Written:
    """The last digest recorded for each audited row, filled while the chain is walked."""

    def __init__(self) -> None:
        self.rows: dict[str, Writer] = {}
        self.complete: bool | None = None  # did the first event already carry digests?

    def add(self, event: EventRow) -> None:
        if self.complete is None:
            self.complete = bool(event.digests)
        if len(event.digests) > 2:  # "" (before schema 7) and "{}" (wrote no audited row) carry nothing
            for key, value in json.loads(event.digests).items():
                self.rows[key] = Writer(value, event.id, event.action, event.case)


def _by(writer: Writer) -> str:
    return f"event {writer.event} ({writer.action})"


def check(db: pw.Database, written: Written, report: ChainReport) -> int:
    """Compare every audited row with its last writer; returns how many rows were compared."""
    compared = 0
    rows = written.rows
    for table in AUDITED:
        for row_id, case_id, value in current(db, table):
            compared += 1
            writer = rows.pop(f"{table}:{row_id}", None)
            of = f" of case {case_id}" if case_id is not None and table != "case" else ""
            if writer is None:
                if written.complete:
                    report.add(None, "content mismatch",
                               f"{table} {row_id}{of} was written by no event: it was added in the table directly",
                               table=table, row=row_id, case=case_id)
            elif writer.digest != value:
                report.add(writer.event, "content mismatch",
                           f"{table} {row_id}{of} differs from what {_by(writer)} recorded: it was edited "
                           f"in the table directly", table=table, row=row_id, case=case_id)
    for key, writer in rows.items():
        table, row_id = key.split(":", 1)
        of = f" of case {writer.case}" if writer.case is not None and table != "case" else ""
        report.add(writer.event, "content mismatch",
                   f"{table} {row_id}{of}, last written by {_by(writer)}, is no longer there: it was "
                   f"deleted in the table directly", table=table, row=int(row_id), case=writer.case)
    return compared
