"""Digests of audited rows: what an event says the rows it wrote contain.

Every event carries, inside its hashed fields, the digests of the audited rows it created or
changed (`Event.digests`: {"report:12": "…", "case:5": "…"}). `audit verify` recomputes each
audited row's digest from its current content and compares it with the last event that wrote it,
so a direct edit shows even when the event log itself is left alone (models/ledger/contents.py).
Audited: a case's decision fields and the case it was split from, its reports, assignments,
evaluations, extensions, pauses, supervision orders, ladder steps, joint-meeting decisions and the
merge records into it; operators, accountability records, joint meetings and settings. Not the
notification outbox: see README (audit) for why.

A case step's event carries the case row and every audited row of that case as the step left them
(`case_rows`): a step's writes to its case's rows all happen before its one event, and a row
written by several events must match the last one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import peewee as pw

from models.store import prepared
from models.store.events import canonical
from models.store.schema import (
    Accountability,
    Assignment,
    Case,
    Evaluation,
    Extension,
    LadderStep,
    Meeting,
    MeetingDecision,
    MergeRecord,
    Operator,
    Pause,
    Report,
    Setting,
    SupervisionOrder,
)
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
    return tuple(f.name for f in model._meta.sorted_fields if f is not model._meta.primary_key)


# table → (model, the columns whose content the digest covers). A case's child rows are every
# column but the id (the case they belong to included: a report moved to another case shows).
# "case_parent" is the case row's link to the case it was split from (CASE_COLUMNS predate it, and
# a digest's columns never change: earlier events would no longer match); only split cases have one.
AUDITED: dict[str, tuple[type[pw.Model], tuple[str, ...]]] = {
    "case": (Case, CASE_COLUMNS),
    "report": (Report, _columns(Report)),
    "assignment": (Assignment, _columns(Assignment)),
    "evaluation": (Evaluation, _columns(Evaluation)),
    "extension": (Extension, _columns(Extension)),
    "pause": (Pause, _columns(Pause)),
    "operator": (Operator, _columns(Operator)),
    # Since schema 12 (migration 12 records the rows that were already there, see `baseline`):
    "supervision_order": (SupervisionOrder, _columns(SupervisionOrder)),
    "ladder_step": (LadderStep, _columns(LadderStep)),
    "meeting_decision": (MeetingDecision, _columns(MeetingDecision)),
    "merge_record": (MergeRecord, _columns(MergeRecord)),
    "case_parent": (Case, ("parent",)),
    "accountability": (Accountability, _columns(Accountability)),
    "meeting": (Meeting, _columns(Meeting)),
    "setting": (Setting, _columns(Setting)),
}
# The tables schema 12 added to the audit, whose rows from before it migration 12 records.
SINCE_12 = ("supervision_order", "ladder_step", "meeting_decision", "merge_record", "case_parent",
            "accountability", "meeting", "setting")
# A case's rows, by the column that names the case: every event of a step on that case carries them
# all as the step left them. A merge record belongs to its target (a merge and an unmerge end with
# the target's step); the rest to their case.
CHILD_TABLES: dict[str, str] = {"report": "case", "assignment": "case", "evaluation": "case",
                                "extension": "case", "pause": "case", "supervision_order": "case",
                                "ladder_step": "case", "meeting_decision": "case", "merge_record": "target"}
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


# The rows of a table the audit covers, when not all of them.
# Settings named notify.* are the notification sender's own position (the deadline sweep's watermark),
# delivery state like the outbox, written at every sweep without an operator's act: not audited.
_ONLY: dict[str, Any] = {"case_parent": Case.parent.is_null(False),
                         "setting": pw.fn.SUBSTR(Setting.key, 1, 7) != "notify."}


def case_of(table: str, row_id: Any, values: Sequence[Any]) -> int | None:
    """The case a row belongs to (for naming it in a report), or None: `values` in AUDITED order."""
    if table in ("case", "case_parent"):
        return int(row_id)
    column = CHILD_TABLES.get(table)
    return values[AUDITED[table][1].index(column)] if column else None


def _plain_digest(values: Sequence[Any]) -> str:
    """The digest of values that hold no boolean (a tuple encodes like a list)."""
    return hashlib.sha256(canonical(values).encode("utf-8")).hexdigest()[:32]


def digest(values: Sequence[Any]) -> str:
    """The digest of one row's audited values in column order (booleans as 0/1, so a value read
    back from either engine gives the digest its writer computed)."""
    if bool in set(map(type, values)):  # rare (PostgreSQL's booleans): the test at C speed first
        values = [int(v) if isinstance(v, bool) else v for v in values]
    return _plain_digest(values)


def _row_digester(table: str) -> Callable[[Sequence[Any]], str]:
    """digest(_audited(table, values)) for a row of `table` read by a raw cursor in AUDITED order,
    without testing every value: only a BooleanField column comes back as a boolean (PostgreSQL;
    SQLite gives 0/1), so only those are turned into 0/1. `audit verify` digests every row of a
    county with it."""
    model, columns = AUDITED[table]
    bools = tuple(i for i, c in enumerate(columns) if isinstance(model._meta.fields[c], pw.BooleanField))
    if not bools and table != "report":
        return _plain_digest

    def row_digest(values: Sequence[Any]) -> str:
        out = list(_audited(table, values))
        for i in bools:
            if out[i] is not None:
                out[i] = int(out[i])
        return _plain_digest(out)
    return row_digest


def row_digest(table: str, row: Mapping[str, Any]) -> str:
    """The digest of a row given as a mapping of column name → value."""
    return digest(_audited(table, [row[c] for c in AUDITED[table][1]]))


def case_digest(snapshot: Mapping[str, Any]) -> str:
    """The case row's digest from the snapshot a step records (casebase.snapshot)."""
    return digest([snapshot[c] for c in CASE_COLUMNS])


def new_case(case_id: int, snapshot: Mapping[str, Any], report_id: int, report: Mapping[str, Any],
             parent: int | None) -> dict[str, str]:
    """The digests of a new case's intake event: the case, its first report, and the case it was
    split from (if any)."""
    out = {f"case:{case_id}": case_digest(snapshot), f"report:{report_id}": row_digest("report", report)}
    if parent is not None:
        out[f"case_parent:{case_id}"] = digest([parent])
    return out


def operator_digests(op: Operator) -> dict[str, str]:
    return {f"operator:{op.id}": row_digest("operator", {c: getattr(op, c) for c in AUDITED["operator"][1]})}


def _from_text(field: pw.Field) -> Callable[[Any], Any]:
    """The value a column held, from its text (the case-rows query reads every column as text)."""
    if isinstance(field, pw.BooleanField):
        return lambda text: None if text is None else int(text in ("1", "true", "t"))
    if isinstance(field, (pw.IntegerField, pw.ForeignKeyField)):
        return lambda text: None if text is None else int(text)
    return lambda text: text


_WIDTH = max(len(AUDITED[t][1]) for t in CHILD_TABLES)
_CHILDREN = tuple(CHILD_TABLES)
_READERS = {t: [_from_text(AUDITED[t][0]._meta.fields[c]) for c in AUDITED[t][1]] for t in _CHILDREN}


def _case_rows_query() -> pw.Query:
    """One UNION ALL over every child table of one case: (table number, id, its columns as text,
    padded with NULLs to the widest). Text, because the engines would not unite an integer column of
    one table with a text column of another; `_READERS` gives each value back its type."""
    parts = []
    for n, table in enumerate(_CHILDREN):
        model, columns = AUDITED[table]
        values = [pw.Cast(model._meta.fields[c], "TEXT") for c in columns]
        values += [pw.Cast(pw.SQL("NULL"), "TEXT")] * (_WIDTH - len(values))
        parts.append(model.select(pw.SQL(str(n)), model._meta.primary_key, *values)
                     .where(model._meta.fields[CHILD_TABLES[table]] == 0))
    query = parts[0]
    for part in parts[1:]:
        query = query + part  # UNION ALL
    return query


def case_rows(db: pw.Database, case_id: int, snapshot: Mapping[str, Any]) -> dict[str, str]:
    """The digests a case step's event carries: the case row (from the step's snapshot) and every
    audited row of the case as it stands now, read in one query."""
    out = {f"case:{case_id}": case_digest(snapshot)}
    for row in prepared.execute(db, "case_rows", _case_rows_query, (case_id,) * len(_CHILDREN)):
        table = _CHILDREN[row[0]]
        readers = _READERS[table]
        out[f"{table}:{row[1]}"] = digest(_audited(table, [read(v) for read, v in
                                                           zip(readers, row[2:2 + len(readers)])]))
    return out


def of_rows(db: pw.Database, table: str, ids: Sequence[Any]) -> dict[str, str]:
    """The digests of some rows of a table as they stand now (an event that wrote them carries these)."""
    model, columns = AUDITED[table]
    key = model._meta.primary_key
    query = model.select(key, *[model._meta.fields[c] for c in columns]).where(key.in_(list(ids)))
    return {f"{table}:{row[0]}": digest(_audited(table, row[1:])) for row in db.execute(query).fetchall()}


def current(db: pw.Database, table: str, batch: int = 5000) -> Iterator[tuple[Any, int | None, str]]:
    """(id, case id or None, digest of the current content) of every audited row of a table, in id
    order, streamed in batches."""
    model, columns = AUDITED[table]
    key = model._meta.primary_key
    fields = [model._meta.fields[c] for c in columns]
    only = _ONLY.get(table)
    row_digest = _row_digester(table)
    own = table in ("case", "case_parent")  # case_of, with the case column's place found once
    at = columns.index(CHILD_TABLES[table]) + 1 if table in CHILD_TABLES else None
    last = None
    while True:  # a raw cursor: peewee's per-value conversion would cost more than the digests
        query = model.select(key, *fields)
        if only is not None:
            query = query.where(only)
        if last is not None:
            query = query.where(key > last)
        chunk = db.execute(query.order_by(key).limit(batch)).fetchall()
        if not chunk:
            return
        for row in chunk:
            yield row[0], (int(row[0]) if own else None if at is None else row[at]), row_digest(row[1:])
        last = chunk[-1][0]


def baseline(db: pw.Database, tables: Sequence[str], batch: int = 5000) -> Iterator[dict[str, str]]:
    """The digests of every row of some tables as they stand, in batches: what migration 12 records
    of the rows written before their events carried them."""
    out: dict[str, str] = {}
    for table in tables:
        for row_id, _, value in current(db, table):
            out[f"{table}:{row_id}"] = value
            if len(out) >= batch:
                yield out
                out = {}
    if out:
        yield out
