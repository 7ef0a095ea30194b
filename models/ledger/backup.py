"""Backup and restore of the SQLite database file, while others keep working.

Both go through SQLite's online backup API, never a file copy: a copy of a WAL database taken
mid-write can miss committed transactions still in the -wal file or tear a page; the API copies a
consistent snapshot under a read lock, and in WAL mode readers never block writers. This module is
SQLite-only by nature (a PostgreSQL deployment uses pg_dump), so its file-level work lives here
rather than in the engine package's portable seam.

"Live" (restore refuses without --force): after chuishao closes its own connection, the database's
`-wal` file still exists. SQLite deletes the WAL when the last connection closes — and a WAL left by
a killed process is recovered and removed by that same open-and-close — so a remaining WAL means
another process has the database open right now: a console over SSH, a script, a cron job.
"""

from __future__ import annotations

import gc
import os
import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import peewee as pw

from models.errors import DomainError, UsageError, ValidationError
from models.ledger.audit import ChainReport, verify_chain
from models.ledger.outfile import cannot_write, check_new, partial_name
from models.org.context import Context
from models.org.db import connect
from models.org.permissions import require_role
from models.store import engine
from models.store.events import record
from models.store.migrations import CURRENT_VERSION, schema_version
from models.store.schema import SchemaVersion
from models.worktime.timeutil import now_utc


@dataclass
class Inspection:
    """What a database file holds, checked read-only."""

    path: str
    schema: int
    cases: int
    events: int
    head: str  # the event chain's last hash: note it down, pass it to `audit verify --anchor` later
    bytes: int
    chain_ok: bool
    chain_problem: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _read_only(path: Path) -> pw.SqliteDatabase:
    return pw.SqliteDatabase(path.resolve().as_uri() + "?mode=ro", uri=True)


def inspect_file(path: Path) -> tuple[Inspection, ChainReport]:
    """Check that a file is a sound chuishao database: SQLite, schema_version table, quick_check, chain."""
    if not path.is_file():
        raise UsageError("ledger.no_file", path=path)
    db = _read_only(path)
    try:
        try:
            db.connect()
            if not db.table_exists("schema_version"):
                raise ValidationError("ledger.not_ours", path=path)
        except pw.DatabaseError as exc:
            raise ValidationError("ledger.not_a_database", path=path, problem=exc) from None
        check = db.execute_sql("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise ValidationError("ledger.damaged", path=path, problem=check)
        # Bound to this file explicitly: the schema's models are bound to the live database.
        version = int(SchemaVersion.select(pw.fn.MAX(SchemaVersion.version)).bind(db).scalar() or 0)
        if version > CURRENT_VERSION:
            raise ValidationError("ledger.newer_schema", path=path, version=version, ours=CURRENT_VERSION)
        chain = verify_chain(db)
        cases = db.execute_sql(f"SELECT COUNT(*) FROM {db.quote[0]}case{db.quote[1]}").fetchone()[0]
        found = Inspection(str(path), version, int(cases), chain.checked, chain.head, path.stat().st_size,
                           chain.ok, chain.detail)
        return found, chain
    finally:
        db.close()


def backup(ctx: Context, target: Path) -> Inspection:
    """Write a consistent copy of the live database to a new file (admin), checked afterwards.

    The copy is written under a temporary name and renamed only once complete and checked, so a
    file under the given name is always a whole backup. It is a single file (journal mode DELETE),
    with the database file's permission bits: readable exactly by whoever can read the database.
    """
    require_role(ctx, "backup")
    if not engine.is_sqlite(ctx.db):
        raise UsageError("store.server_backup")
    check_new(target)
    partial = partial_name(target)
    try:
        try:
            engine.backup_to(ctx.db, partial)
        except (OSError, pw.OperationalError, sqlite3.Error) as error:  # unwritable directory, full disk
            raise cannot_write(target, error) from None
        single = pw.SqliteDatabase(str(partial))
        single.execute_sql("PRAGMA journal_mode=DELETE")
        single.close()
        source = database_file(ctx.db)
        if source is not None:
            os.chmod(partial, source.stat().st_mode & 0o777)
        found, _ = inspect_file(partial)
        check_new(target)  # taken meanwhile?
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    found.path = str(target)
    return found


def database_file(db: pw.Database) -> Path | None:
    """The SQLite file behind `db` (None for memory or a server engine)."""
    name = getattr(db, "database", None)
    if not engine.is_sqlite(db) or not name or name == ":memory:":
        return None
    return Path(str(name))


def safety_copy(target: Path, why: str) -> Path:
    """Keep the current content of the database file `target` as TARGET.WHY-TIMESTAMP beside it,
    through the backup API, as private as the database and no more (before a restore or a demo)."""
    safety = target.with_name(f"{target.name}.{why}-{now_utc().strftime('%Y%m%dT%H%M%SZ')}")
    current = engine.open_database(f"sqlite:///{target}")
    try:
        engine.backup_to(current, safety)
    finally:
        current.close()
    os.chmod(safety, target.stat().st_mode & 0o777)
    return safety


def in_use(path: Path) -> DomainError | None:
    """Why the database at `path` counts as live (see the module docstring), or None."""
    wal = Path(f"{path}-wal")
    if wal.exists():
        return DomainError("ledger.in_use", path=path, wal=wal.name)
    return None


@dataclass
class Restored:
    """The outcome of a restore."""

    target: str
    source: Inspection
    safety_copy: str | None
    chain_ok: bool
    chain_problem: str | None
    schema_note: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def restore(db: pw.Database, source: Path, *, force: bool, identify: Callable[[], Context]) -> Restored:
    """Replace the database's content with a backup's.

    Order: check the backup (a sound chuishao database with an intact chain) → check the operator
    is an admin of the database being replaced (skipped when it is empty: nobody could log in) →
    close our own connection and refuse if another process has the file open (unless `force`) →
    keep a safety copy of the current content → copy the backup in through the backup API (the
    file keeps its inode, owner, group and mode, so every SSH user can still write it) → verify the
    result and record a "restore" event in the restored chain.
    """
    if not engine.is_sqlite(db):
        raise UsageError("store.server_backup")
    target = database_file(db)
    if target is None:
        raise UsageError("ledger.restore_sqlite_only")
    if source.exists() and target.exists() and source.resolve() == target.resolve():
        raise UsageError("ledger.restore_from_itself", path=source)
    found, chain = inspect_file(source)
    if not chain.ok and not force:
        raise DomainError("ledger.restore_broken_chain", path=source, problem=chain.detail)
    ctx: Context | None = None
    if target.exists() and schema_version(db) > 0:
        ctx = identify()
        require_role(ctx, "backup")
    db.close()
    # sqlite3_close_v2 keeps a closed connection as a "zombie", WAL and all, until each of its
    # statements is finalized; statements held by cursors in reference cycles go only with a
    # collection. Without it, our own leftovers would look like "another process".
    gc.collect()
    reason = in_use(target)
    if reason and not force:
        raise reason
    safety = safety_copy(target, "before-restore") if target.exists() and target.stat().st_size > 0 else None
    source_db = _read_only(source)
    try:
        destination = engine.open_database(f"sqlite:///{target}")
        try:
            source_db.connection().backup(destination.connection())
        finally:
            destination.close()
    finally:
        source_db.close()
    restored = connect(f"sqlite:///{target}")
    after = verify_chain(restored)
    if ctx is not None and after.ok:
        later = Context(ctx.config, restored, ctx.operator, ctx.actor)
        with later.write():
            record(later, "restore", None, after={"from": str(source), "backup_head": found.head,
                                                  "safety_copy": str(safety) if safety else None})
    note = (f"the backup has schema {found.schema}; run `chuishao init` to upgrade it to {CURRENT_VERSION}"
            if found.schema < CURRENT_VERSION else None)
    return Restored(str(target), found, str(safety) if safety else None, after.ok, after.detail, note)
