"""Schema versions and the path from each to the next.

`migrate(db)` creates a new database at the current version or upgrades an old one step by step,
each step in its own transaction. It is idempotent: running it on a current database does nothing.
A migration never drops data; columns are added with defaults, tables created.
"""

from __future__ import annotations

from collections.abc import Callable

import peewee as pw

from models.store import engine
from models.store.schema import ALL_MODELS, SchemaVersion
from models.worktime.timeutil import now_utc, to_epoch

Migration = Callable[[pw.Database], None]

# version → the step that brings a database from version-1 to version.
MIGRATIONS: dict[int, Migration] = {}

CURRENT_VERSION = 9


def migration(version: int) -> Callable[[Migration], Migration]:
    def register(func: Migration) -> Migration:
        MIGRATIONS[version] = func
        return func
    return register


@migration(2)
def _supervision_and_merges(db: pw.Database) -> None:
    """v2: supervision orders, accountability, joint meetings, merge records; repeat and escalation
    columns on cases; the search index rebuilt for every case (v1 dumps may lack it)."""
    from models.store.schema import (
        Accountability,
        Meeting,
        MeetingDecision,
        MergeRecord,
        Report,
        SupervisionOrder,
    )

    db.create_tables([SupervisionOrder, Accountability, Meeting, MeetingDecision, MergeRecord], safe=True)
    existing = {c.name for c in db.get_columns("case")}
    table = f"{db.quote[0]}case{db.quote[1]}"
    # Plain ALTER TABLE ADD COLUMN (valid on SQLite and PostgreSQL): peewee's migrator rebuilds the
    # table on SQLite to add NOT NULL, which trips the foreign keys of reports and assignments.
    for name, kind in (("repeat_count", "INTEGER NOT NULL DEFAULT 0"), ("reminded_at", "INTEGER"),
                       ("noticed_at", "INTEGER")):
        if name not in existing:
            db.execute_sql(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
    engine.drop_search_index(db)  # rebuilt whole: phrase queries need FTS5's full detail
    engine.create_search_index(db)
    from models.text import search

    rows: dict[int, list[str]] = {}
    for report in Report.select(Report.case, Report.title, Report.text).order_by(Report.id):
        rows.setdefault(report.case_id, []).append(f"{report.title}\n{report.text}")
    engine.index_many(db, [(case_id, search.tokens("\n".join(texts))) for case_id, texts in rows.items()])


@migration(3)
def _queue_sort_indexes(db: pw.Database) -> None:
    """v3: indexes on the case columns the console's queue sorts by (channel, priority, report
    count); keyset pages on a million cases need an index on the sort column."""
    from models.store.schema import Case

    db.create_tables([Case], safe=True)  # safe: creates only the indexes that are missing


@migration(4)
def _scoreboard_indexes(db: pw.Database) -> None:
    """v4: covering indexes for the scoreboards (assignments by department and dispatch time, cases by
    lead and by township over time, evaluations by case and round), so a year of a million cases is
    read from indexes alone instead of a random table read per row."""
    from models.store.schema import Assignment, Case, Evaluation

    db.create_tables([Case, Assignment, Evaluation], safe=True)  # safe: creates only the missing indexes


@migration(5)
def _township_deadline_index(db: pw.Database) -> None:
    """v5: cases by (township, state, next_due) in place of (township, state): a township's overdue
    count and its queue by deadline read the index alone instead of a row per case. The old index
    is a prefix of the new one, so nothing that used it loses its plan."""
    from models.store.schema import Case

    db.create_tables([Case], safe=True)  # safe: creates only the missing index
    db.execute_sql('DROP INDEX IF EXISTS "case_township_state"')


@migration(6)
def _ladder_per_clock(db: pw.Database) -> None:
    """v6: the reminder → notice ladder per clock (department × deadline) in its own table, instead of
    once per case: a late sign-for and a later missed resolve deadline each get their own reminder
    before any notice. Case.reminded_at / noticed_at stay as the latest step on the case. Steps already
    written stay as they are (the orders and events record them); ladders start from this version on."""
    from models.store.schema import LadderStep

    db.create_tables([LadderStep], safe=True)


@migration(7)
def _evaluation_per_department(db: pw.Database) -> None:
    """v7: a township evaluation rates one department on the case (the lead or a cooperating one),
    each counted in that department's satisfaction. Existing evaluations keep department NULL: they
    rated the case, and count for its lead as before."""
    existing = {c.name for c in db.get_columns("evaluation")}
    if "department" not in existing:
        # Plain ALTER TABLE ADD COLUMN, valid on SQLite and PostgreSQL (see v2).
        db.execute_sql('ALTER TABLE "evaluation" ADD COLUMN department VARCHAR(255)')


@migration(8)
def _event_row_digests(db: pw.Database) -> None:
    """v8: events carry the digests of the audited rows they wrote (models/store/rowdigest.py), so
    `audit verify` sees a row edited in the table directly. Earlier events keep no digests and their
    hashes are unchanged; rows written before this version are checked from their next event on."""
    if "digests" not in {c.name for c in db.get_columns("event")}:
        db.execute_sql(f"ALTER TABLE {db.quote[0]}event{db.quote[1]} ADD COLUMN digests TEXT NOT NULL DEFAULT ''")


@migration(9)
def _notification_outbox(db: pw.Database) -> None:
    """v9: the notification outbox (issue 21): steps write who must be told in their own transaction;
    the sender delivers from it. Steps before this version notified nobody and are not back-filled."""
    from models.store.schema import Outbox

    db.create_tables([Outbox], safe=True)


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

        raise UsageError("store.newer_schema", version=before, ours=CURRENT_VERSION)
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


def recreate(db: pw.Database) -> None:
    """Drop every table and create the current schema: `demo --force` replacing a training database."""
    with engine.write_transaction(db):
        engine.drop_search_index(db)
        db.drop_tables(ALL_MODELS, safe=True)
    migrate(db)
