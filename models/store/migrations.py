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
from models.text.textnorm import Places, address_key
from models.worktime.timeutil import now_utc, to_epoch

Migration = Callable[..., None]

# version → the step that brings a database from version-1 to version.
MIGRATIONS: dict[int, Migration] = {}
# versions whose step needs the county's place names (`places`: the canonical address key)
NEEDS_PLACES: set[int] = set()

CURRENT_VERSION = 12
ADDRESS_BATCH = 20_000  # reports read (and keys written) per statement by migration 10


def migration(version: int, *, places: bool = False) -> Callable[[Migration], Migration]:
    def register(func: Migration) -> Migration:
        MIGRATIONS[version] = func
        if places:
            NEEDS_PLACES.add(version)
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


@migration(10, places=True)
def _canonical_address_keys(db: pw.Database, places: Places) -> None:
    """v10: every report's `address_key` recomputed as the canonical key (textnorm.address_key), so
    东关社区5号楼 and 城关镇东关社区五号楼 find each other as duplicates. Read in id order, ADDRESS_BATCH
    rows a statement, each distinct address keyed once, and only the keys that change written. The
    reports' digests do not cover the key itself (models/store/rowdigest.py), so `audit verify` holds."""
    from models.store.schema import Report

    quote = db.quote[0] + "report" + db.quote[1]
    update = f"UPDATE {quote} SET address_key = {db.param} WHERE id = {db.param}"
    last = 0
    while True:
        rows = db.execute(Report.select(Report.id, Report.address, Report.address_key)
                          .where((Report.id > last) & Report.address.is_null(False))
                          .order_by(Report.id).limit(ADDRESS_BATCH)).fetchall()
        if not rows:
            return
        changed = []
        for rid, address, old in rows:
            key = address_key(address, places)  # each distinct address keyed once (Places.keys)
            if key != old:
                changed.append((key, rid))
        engine.execute_many(db, update, changed)
        last = rows[-1][0]


@migration(11)
def _notification_reads_and_clock_indexes(db: pw.Database) -> None:
    """v11: who read which notification and when (the console's unread list), and indexes on the
    assignment deadlines, so the sender's sweep finds a sign-for or arrival deadline near or just
    passed on a case whose other clock is already late."""
    from models.store.schema import Assignment, NotificationRead

    db.create_tables([Assignment, NotificationRead], safe=True)  # safe: creates only the missing indexes


@migration(12)
def _audit_every_table(db: pw.Database) -> None:
    """v12: events carry the digests of supervision orders, ladder steps, meeting decisions, merge
    records, split links, accountability records, meetings and settings too (models/store/rowdigest.py).
    The rows already there are recorded as they stand by "audit_baseline" events (a few thousand
    rows each), by the real uid's login, so `audit verify` checks them from now on and can call any
    row no event wrote an added one. A direct edit made before this upgrade is taken as it stands."""
    import os
    import pwd

    from models.store import events, rowdigest

    if not db.table_exists("event"):
        return
    actor = pwd.getpwuid(os.getuid()).pw_name
    at = to_epoch(now_utc())
    for digests in rowdigest.baseline(db, rowdigest.SINCE_12):
        events.append(db, actor, "audit_baseline", None, at, after={"schema": 12, "rows": len(digests)},
                      digests=digests)


def schema_version(db: pw.Database) -> int:
    """The database's schema version; 0 for an empty database."""
    if not db.table_exists("schema_version"):
        return 0
    row = SchemaVersion.select(pw.fn.MAX(SchemaVersion.version)).scalar()
    return int(row or 0)


def migrate(db: pw.Database, places: Places | None = None) -> tuple[int, int]:
    """Create or upgrade the schema; returns (version before, version after). `places`: the county's
    place names (Config.places), needed by the steps that recompute address keys."""
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
    if places is None and NEEDS_PLACES.intersection(range(before + 1, CURRENT_VERSION + 1)):
        from models.errors import UsageError

        raise UsageError("store.upgrade_needs_config", version=before, current=CURRENT_VERSION, command="chuishao init")
    for version in range(before + 1, CURRENT_VERSION + 1):
        with engine.write_transaction(db):
            if version in NEEDS_PLACES:
                MIGRATIONS[version](db, places)
            else:
                MIGRATIONS[version](db)
            SchemaVersion.create(version=version, applied_at=to_epoch(now_utc()))
    return before, CURRENT_VERSION


def recreate(db: pw.Database) -> None:
    """Drop every table and create the current schema: `demo --force` replacing a training database."""
    with engine.write_transaction(db):
        engine.drop_search_index(db)
        db.drop_tables(ALL_MODELS, safe=True)
    migrate(db)
