"""Digests of audited rows: what an event says the rows it wrote contain.

Every event carries, inside its hashed fields, the digests of the audited rows it created or
changed (`Event.digests`: {"report:12": "…", "case:5": "…"}). `audit verify` recomputes each
audited row's digest from its current content and compares it with the last event that wrote it,
so a direct edit to a report, a case's decision fields, an assignment, evaluation, extension, pause
or operator shows even when the event log itself is left alone (models/ledger/contents.py).

A case step's event carries the case row and every audited row of that case as the step left them
(`case_rows`): a step's writes to its case's rows all happen before its one event, and a row
written by several events must match the last one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import peewee as pw

from models.store import prepared
from models.store.events import canonical
from models.store.schema import Assignment, Case, Evaluation, Extension, Operator, Pause, Report
from models.text.textnorm import normalise_address

# The case columns an event compares before and after a step (casebase.TRACKED, in that order):
# every one of them is written only by a step that records an event.
CASE_COLUMNS = ("state", "title", "township", "village", "category", "priority", "decision", "duty_item",
                "reason", "lead", "result", "dispatch_due", "resolve_due", "next_due", "due_confirmed",
                "paused_since", "paused_seconds", "report_count", "return_count", "reopen_count",
                "extension_count", "must_supervise", "received_at", "triaged_at",
                "dispatched_at", "acknowledged_at", "resolved_at", "closed_at",
                "last_progress_at", "repeat_count", "reminded_at", "noticed_at", "merged_into")


def _columns(model: type[pw.Model]) -> tuple[str, ...]:
    return tuple(f.name for f in model._meta.sorted_fields if f.name != "id")


# table → (model, the columns whose content the digest covers). A case's child rows are every
# column but the id (the case they belong to included: a report moved to another case shows).
AUDITED: dict[str, tuple[type[pw.Model], tuple[str, ...]]] = {
    "case": (Case, CASE_COLUMNS),
    "report": (Report, _columns(Report)),
    "assignment": (Assignment, _columns(Assignment)),
    "evaluation": (Evaluation, _columns(Evaluation)),
    "extension": (Extension, _columns(Extension)),
    "pause": (Pause, _columns(Pause)),
    "operator": (Operator, _columns(Operator)),
}
CHILD_TABLES = ("report", "assignment", "evaluation", "extension", "pause")
# A report's address_key is derived from its address by rules that improve (schema 10 recomputed
# every key: models/store/migrations.py), like the search index. Its slot in the digest holds the
# address's key as every report carried it before schema 10 (textnorm.normalise_address), so the
# events written before still verify, a recomputed key is no tampering, and the address it comes
# from stays covered.
_REPORT_KEY = AUDITED["report"][1].index("address_key")
_REPORT_ADDRESS = AUDITED["report"][1].index("address")


def _audited(table: str, values: Sequence[Any]) -> Sequence[Any]:
    """A row's values as its digest covers them (see _REPORT_KEY)."""
    if table != "report":
        return values
    out = list(values)
    out[_REPORT_KEY] = normalise_address(out[_REPORT_ADDRESS])
    return out


def digest(values: Sequence[Any]) -> str:
    """The digest of one row's audited values in column order (booleans as 0/1, so a value read
    back from either engine gives the digest its writer computed)."""
    plain = [int(v) if isinstance(v, bool) else v for v in values]
    return hashlib.sha256(canonical(plain).encode("utf-8")).hexdigest()[:32]


def row_digest(table: str, row: Mapping[str, Any]) -> str:
    """The digest of a row given as a mapping of column name → value."""
    return digest(_audited(table, [row[c] for c in AUDITED[table][1]]))


def case_digest(snapshot: Mapping[str, Any]) -> str:
    """The case row's digest from the snapshot a step records (casebase.snapshot)."""
    return digest([snapshot[c] for c in CASE_COLUMNS])


def operator_digests(op: Operator) -> dict[str, str]:
    return {f"operator:{op.id}": row_digest("operator", {c: getattr(op, c) for c in AUDITED["operator"][1]})}


def case_rows(db: pw.Database, case_id: int, snapshot: Mapping[str, Any]) -> dict[str, str]:
    """The digests a case step's event carries: the case row (from the step's snapshot) and every
    audited row of the case as it stands now (one indexed read per table)."""
    out = {f"case:{case_id}": case_digest(snapshot)}
    for table in CHILD_TABLES:
        model, columns = AUDITED[table]
        cursor = prepared.execute(db, ("audited_rows", table), lambda model=model, columns=columns: (
            model.select(model._meta.primary_key, *[model._meta.fields[c] for c in columns])
            .where(model._meta.fields["case"] == 0)), (case_id,))
        for row in cursor:
            out[f"{table}:{row[0]}"] = digest(_audited(table, row[1:]))
    return out


def current(db: pw.Database, table: str, batch: int = 5000) -> Iterator[tuple[int, int | None, str]]:
    """(id, case id or None, digest of the current content) of every row of an audited table, in
    id order, streamed in batches."""
    model, columns = AUDITED[table]
    fields = [model._meta.fields[c] for c in columns]
    case_at = columns.index("case") if "case" in columns else None
    last = 0
    while True:  # a raw cursor: peewee's per-value conversion would cost more than the digests
        chunk = db.execute(model.select(model._meta.primary_key, *fields).where(model._meta.primary_key > last)
                           .order_by(model._meta.primary_key).limit(batch)).fetchall()
        if not chunk:
            return
        for row in chunk:
            values = row[1:]
            yield row[0], (values[case_at] if case_at is not None else (row[0] if table == "case" else None)), \
                digest(_audited(table, values))
        last = chunk[-1][0]
