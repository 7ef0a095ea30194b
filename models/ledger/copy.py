"""`chuishao db copy`: move a county to another database (SQLite → a city's PostgreSQL server) whole.

Every table's rows are copied with their ids (so case numbers, events and the hash chain are the same
rows), the search index with them, and the target's id sequences are moved past the copied ids. The
target must be empty (no table of ours with a row in it): copying never merges two counties. After the
copy the row counts of every table and the audit chain (verified on the target, its head equal to the
source's) are checked; any difference is reported and the command fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

import peewee as pw

from models.errors import InvalidState, UsageError
from models.ledger.audit import verify_chain
from models.org.config import Config
from models.org.context import resolve_identity
from models.org.permissions import require_role
from models.store import engine
from models.store.migrations import CURRENT_VERSION, migrate, schema_version
from models.store.schema import ALL_MODELS, Event

BATCH = 1000  # search-index rows per statement
PARAMS = 30000  # parameters per INSERT: under SQLite's limit (32,766) and PostgreSQL's (65,535)


@dataclass
class CopyResult:
    source: str
    target: str
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied
    indexed: int = 0
    chain_checked: int = 0
    head: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "target": self.target, "rows": self.rows, "indexed": self.indexed,
                "chain_checked": self.chain_checked, "head": self.head, "ok": self.ok, "problems": self.problems}


def _counts(db: pw.Database) -> dict[str, int]:
    return {m._meta.table_name: m.select().bind(db).count() for m in ALL_MODELS
            if db.table_exists(m._meta.table_name)}


def _rows(db: pw.Database, model: type[pw.Model]) -> Iterator[list[tuple[object, ...]]]:
    """The model's rows in primary-key order, as Python values (booleans as booleans), in batches."""
    rows = model.select().order_by(model._meta.primary_key).tuples().bind(db).iterator()
    size = max(1, PARAMS // len(model._meta.sorted_fields))
    while batch := list(islice(rows, size)):
        yield batch


def _head(db: pw.Database) -> str:
    last = Event.select(Event.hash).order_by(Event.id.desc()).limit(1).tuples().bind(db)
    return next((str(h) for (h,) in last), "")


def copy_database(config: Config, source_url: str, target_url: str, user: str | None = None) -> CopyResult:
    """Copy everything from `source_url` into the empty database at `target_url`; the caller must be an
    admin of the source. Raises UsageError for an unusable source or a non-empty target."""
    if source_url == target_url:
        raise UsageError("ledger.copy_same")
    source = engine.open_database(source_url)
    engine.connect(source, source_url)
    target = engine.open_database(target_url)
    engine.connect(target, target_url)
    with source.bind_ctx(ALL_MODELS):
        version = schema_version(source)
        if version == 0:
            raise UsageError("ledger.copy_not_ours", database=engine.shown(source_url))
        if version != CURRENT_VERSION:
            raise UsageError("ledger.copy_old_schema", database=engine.shown(source_url), version=version,
                             command=f"chuishao --db {engine.shown(source_url)} init")
        require_role(resolve_identity(config, source, None, user=user), "db_copy")
    taken = {table: n for table, n in _counts(target).items() if n}
    if taken:
        raise InvalidState("ledger.copy_not_empty", database=engine.shown(target_url),
                           rows=", ".join(f"{t}: {n}" for t, n in sorted(taken.items())))
    result = CopyResult(engine.shown(source_url), engine.shown(target_url))
    with target.bind_ctx(ALL_MODELS):
        migrate(target)
    with engine.write_transaction(target):
        for model in ALL_MODELS:
            model.delete().bind(target).execute()  # what migrate itself wrote (the schema version row)
            fields = model._meta.sorted_fields
            copied, last = 0, 0
            for batch in _rows(source, model):
                model.insert_many(batch, fields=fields).bind(target).execute()
                copied += len(batch)
                last = batch[-1][0]  # type: ignore[assignment]
            result.rows[model._meta.table_name] = copied
            if isinstance(model._meta.primary_key, pw.AutoField) and copied:
                engine.ids_taken(target, model._meta.table_name, int(last))  # type: ignore[call-overload]
        for chunk in engine.all_indexed(source, BATCH):
            engine.index_many(target, chunk)
            result.indexed += len(chunk)
    _check(source, target, result)
    return result


def _check(source: pw.Database, target: pw.Database, result: CopyResult) -> None:
    before, after = _counts(source), _counts(target)
    for table, n in before.items():
        if after.get(table) != n:
            result.problems.append(f"{table}: {n} rows in the source, {after.get(table)} in the target")
    chain = verify_chain(target)
    result.chain_checked = chain.checked
    if not chain.ok:
        result.problems.append(f"audit chain on the target: event {chain.broken_id}: {chain.problem} ({chain.detail})")
    result.head = _head(target)
    if result.head != _head(source):
        result.problems.append("audit chain head differs from the source's")
