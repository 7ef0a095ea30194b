"""Schema versions and the path from each to the next.

`migrate(db)` creates a new database at the current version or upgrades an old one step by step,
each step in its own transaction. It is idempotent: running it on a current database does nothing.
A migration never drops data; columns are added with defaults, tables created.
"""

from __future__ import annotations

from collections.abc import Callable

import peewee as pw

from models import engine
from models.schema import ALL_MODELS, SchemaVersion
from models.timeutil import now_utc, to_epoch

Migration = Callable[[pw.Database], None]

# version → the step that brings a database from version-1 to version.
MIGRATIONS: dict[int, Migration] = {}

CURRENT_VERSION = 1


def migration(version: int) -> Callable[[Migration], Migration]:
    def register(func: Migration) -> Migration:
        MIGRATIONS[version] = func
        return func
    return register


def schema_version(db: pw.Database) -> int:
    """The database's schema version; 0 for an empty database."""
    if not db.table_exists("schema_version"):
        return 0
    row = SchemaVersion.select(pw.fn.MAX(SchemaVersion.version)).scalar()
    return int(row or 0)


def migrate(db: pw.Database) -> tuple[int, int]:
    """Create or upgrade the schema; returns (version before, version after)."""
    before = schema_version(db)
    if before > CURRENT_VERSION:
        from models.errors import UsageError

        raise UsageError(f"database schema version {before} is newer than this chuishao "
                         f"({CURRENT_VERSION}); upgrade chuishao")
    if before == 0:
        with engine.write_transaction(db):
            db.create_tables(ALL_MODELS, safe=True)
            engine.create_search_index(db)
            SchemaVersion.create(version=CURRENT_VERSION, applied_at=to_epoch(now_utc()))
        return before, CURRENT_VERSION
    for version in range(before + 1, CURRENT_VERSION + 1):
        with engine.write_transaction(db):
            MIGRATIONS[version](db)
            SchemaVersion.create(version=version, applied_at=to_epoch(now_utc()))
    return before, CURRENT_VERSION
