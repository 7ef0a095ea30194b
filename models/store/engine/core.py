"""Connections, write transactions, ids of inserted rows, bulk writes, statistics and backup: the
parts of the engine layer every other module of models/ calls for what the query builder cannot say."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import peewee

from models.errors import UsageError

# SQLite waits up to this long for another writer; measured: 10 ms lost half the transactions to
# "locked" with 4 writers, 5 s lost none (see DEPENDENCIES.md). 15 s covers a slow disk too.
BUSY_TIMEOUT_MS = 15000

SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("busy_timeout", BUSY_TIMEOUT_MS),
    ("foreign_keys", 1),
    ("synchronous", "normal"),
    ("cache_size", -32000),
)


def sqlite_path(url: str) -> Path | None:
    """The file behind a sqlite:/// URL (None for other engines or :memory:)."""
    parsed = urlparse(url)
    if parsed.scheme != "sqlite":
        return None
    raw = url[len("sqlite:///"):] if url.startswith("sqlite:///") else parsed.path
    if raw in ("", ":memory:"):
        return None
    return Path(raw)


def open_database(url: str) -> peewee.Database:
    """A peewee database for a URL, not yet connected.

    Pragmas are given separately: playhouse.db_url passes URL query strings to sqlite3.connect(),
    which fails on them.
    """
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = sqlite_path(url)
        target = ":memory:" if path is None else str(path)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        db: peewee.Database = peewee.SqliteDatabase(target, pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                                                    timeout=BUSY_TIMEOUT_MS / 1000)
        # another process can open the same file; an in-memory database is this process's alone
        db.chuishao_url = None if path is None else url  # type: ignore[attr-defined]
        return db
    if parsed.scheme in ("postgres", "postgresql"):
        try:
            import psycopg  # noqa: F401  (peewee picks its driver at import; we check it here)
        except ImportError:
            raise UsageError("store.needs_psycopg", database=shown(url)) from None
        if not parsed.hostname and not parsed.path.strip("/"):
            raise UsageError("store.pg_needs_name", database=shown(url))
        conninfo = "postgresql://" + url.split("://", 1)[1]
        # JIT off (unless the URL sets its own options): the department scoreboard's one statement over a
        # year of assignments ran 0.4 s and then spent 3.1 s compiling itself (EXPLAIN ANALYZE, 100k cases).
        extra = {} if "options=" in url else {"options": "-c jit=off"}
        db = peewee.PostgresqlDatabase(conninfo, prefer_psycopg3=True, **extra)
        db.chuishao_url = url  # type: ignore[attr-defined]
        return db
    raise UsageError("store.unknown_engine", database=shown(url))


def url_of(db: peewee.Database) -> str | None:
    """The URL another process opens this database by (`open_database`'s), or None: an in-memory
    SQLite database, or one not opened here."""
    return getattr(_bound(db), "chuishao_url", None)


def shown(url: str) -> str:
    """The URL as messages may show it: without a password."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
    return urlunparse(parsed._replace(netloc=netloc))


def connect(db: peewee.Database, url: str) -> None:
    """Connect, or one clear UsageError (unreachable server, unknown database, refused login)."""
    try:
        db.connect(reuse_if_open=True)
    except (peewee.OperationalError, peewee.InterfaceError) as exc:
        first = (str(exc).strip().splitlines() or ["no reason given"])[0]
        raise UsageError("store.cannot_connect", database=shown(url), problem=first) from None


def _bound(db: peewee.Database) -> peewee.Database:
    """The database itself behind the schema's proxy (models' _meta.database)."""
    return db.obj if isinstance(db, peewee.DatabaseProxy) else db


def is_sqlite(db: peewee.Database) -> bool:
    return isinstance(_bound(db), peewee.SqliteDatabase)


def is_postgres(db: peewee.Database) -> bool:
    return isinstance(_bound(db), peewee.PostgresqlDatabase)


def engine_name(db: peewee.Database) -> str:
    return "postgresql" if is_postgres(db) else "sqlite"


# The one application-wide write lock on PostgreSQL (pg_advisory_xact_lock's key: "吹哨" in UTF-8).
PG_WRITE_LOCK = 0xE590B9E593A8


def write_transaction(db: peewee.Database) -> AbstractContextManager[object]:
    """A transaction that takes the write lock at its start.

    On SQLite a deferred transaction that reads then writes can fail with "database is locked"
    without waiting; BEGIN IMMEDIATE waits for the lock (busy_timeout) before reading anything.
    On PostgreSQL the transaction first takes a transaction-scoped advisory lock, so writers run one
    after another exactly as on SQLite: the audit chain's head (the last event's hash) is read and
    extended by one writer at a time (no forks), and the checks a step makes before writing (source
    ids, optimistic versions) cannot interleave with another writer's. Under READ COMMITTED every
    statement after the lock sees everything committed before it. Readers never wait for it.
    Nested calls become savepoints.
    """
    if db.transaction_depth() > 0:
        return db.atomic()
    if is_sqlite(db):
        return db.atomic("IMMEDIATE")
    return _pg_write(db)


@contextmanager
def _pg_write(db: peewee.Database) -> Iterator[object]:
    with db.atomic() as txn:
        db.execute_sql(f"SET LOCAL lock_timeout = {BUSY_TIMEOUT_MS}")
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (PG_WRITE_LOCK,))
        yield txn


def is_busy_error(exc: Exception) -> bool:
    """Did the engine give up waiting for another writer (SQLite "locked"/"busy", PostgreSQL lock timeout)?"""
    text = str(exc).lower()
    return "locked" in text or "busy" in text or "lock timeout" in text


def returning_id(db: peewee.Database, sql: str) -> str:
    """An INSERT statement that gives the new row's id back on every engine (see inserted_id).

    peewee's own INSERT for PostgreSQL already ends in RETURNING the primary key."""
    return f'{sql} RETURNING "id"' if is_postgres(db) and " RETURNING " not in sql else sql


def inserted_id(db: peewee.Database, cursor: object) -> int:
    """The id of the row a returning_id() INSERT just wrote (psycopg's lastrowid is an OID, not the id)."""
    if is_postgres(db):
        return int(cursor.fetchone()[0])  # type: ignore[attr-defined]
    return int(cursor.lastrowid)  # type: ignore[attr-defined]


def ids_taken(db: peewee.Database, table: str, last_id: int) -> None:
    """Rows were inserted with explicit ids up to `last_id`: later INSERTs without an id must not reuse
    them. SQLite's rowid follows MAX(id) by itself; a PostgreSQL SERIAL sequence must be moved on."""
    if is_postgres(db):
        db.execute_sql("SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                       "GREATEST(%s, (SELECT last_value FROM " + _sequence(table) + ")))",
                       (f'"{table}"', last_id))


def _sequence(table: str) -> str:
    return f'"{table}_id_seq"'


def filter_only(db: peewee.Database, column: peewee.Field) -> peewee.Node:
    """`column` for a condition the planner must test row by row, never start from.

    `id IN (a department's cases)` makes SQLite visit each of those cases (75k, ~100 ms, for the
    busiest department at a million) and sort them; `+id IN (…)` reads the list once (~25 ms) and
    walks the queue's own index, testing each row against it. SQLite's unary plus keeps a column
    out of index choice; other engines get the column unchanged.
    """
    return peewee.NodeList((peewee.SQL("+"), column), glue="") if is_sqlite(db) else column


def filtered_walks(db: peewee.Database) -> bool:
    """Whether a large department's page should walk the queue's index once per state, testing each
    case against the department's list (SQLite: 25-120 ms against 165-195 ms read and sorted), or be
    one statement the planner joins (PostgreSQL: each walk hash-joins the 75k-case list again; the
    busiest department's "all" page took 664 ms walked per state, 80 ms as one statement)."""
    return is_sqlite(db)


def drive_from(db: peewee.Database, column: peewee.Node, subquery: peewee.Node) -> peewee.Node:
    """`column IN (subquery)`, written so that the engine starts from the subquery's (few) rows.

    SQLite does by itself. PostgreSQL's planner misjudges a small department's page on a million
    cases: it guessed 2,656 overdue cases (there were 111,161), read them all and hash-joined the
    department's 3,089 assignments (927 ms, EXPLAIN ANALYZE). `= ANY(ARRAY(…))` reads the list once and
    looks each case up by id (80 ms)."""
    if is_postgres(db):
        return peewee.NodeList((column, peewee.SQL("= ANY(ARRAY"), subquery, peewee.SQL(")")))
    return peewee.Expression(column, peewee.OP.IN, subquery)


def execute_many(db: peewee.Database, sql: str, rows: list[tuple[object, ...]]) -> None:
    """One statement over many parameter rows (bulk intake); `sql` uses the database's own param."""
    if rows:
        db.cursor().executemany(sql, rows)


# Below this many rows a statement per row costs less than creating and filling a staging table.
COPY_MIN_ROWS = 50


def uses_copy(db: peewee.Database, count: int) -> bool:
    """Whether `count` rows go through COPY into a staging table (PostgreSQL, enough rows)."""
    return is_postgres(db) and count >= COPY_MIN_ROWS


def insert_rows(db: peewee.Database, table: str, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    """Insert many new rows (given every listed column, ids included) into `table` (bulk intake).

    SQLite: one prepared INSERT over the rows (executemany). PostgreSQL: the server's bulk path —
    COPY (psycopg 3) into a staging table of the same columns, then one set-based INSERT … SELECT,
    so the rows cross the connection as one stream instead of one round trip each.
    """
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    if uses_copy(db, len(rows)):
        stage = copy_to_stage(db, table, columns, rows)
        db.execute_sql(f'INSERT INTO "{table}" ({names}) SELECT {names} FROM "{stage}"')
        return
    marks = ", ".join(db.param for _ in columns)
    db.cursor().executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def copy_to_stage(db: peewee.Database, table: str, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    """COPY rows into this session's staging table for `table` (created on first use with the
    table's column types, emptied at every commit and before use); returns its name.

    Emptied by DELETE, not TRUNCATE: a transaction stages a few hundred rows at a time, and
    TRUNCATE gives the table new files each time (1.1 s of 30k rows' import, four tables, against
    a DELETE of the rows staged last)."""
    stage = f"stage_{table}"
    names = ", ".join(f'"{c}"' for c in columns)
    db.execute_sql(f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" ON COMMIT DELETE ROWS AS '
                   f'SELECT {names} FROM "{table}" WITH NO DATA')
    db.execute_sql(f'DELETE FROM "{stage}"')
    cursor = db.cursor()
    with cursor.copy(f'COPY "{stage}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
    return stage


def refresh_statistics(db: peewee.Database) -> None:
    """Give the query planner fresh table statistics.

    Without them SQLite plans a township-scoped queue on a million cases at ~550 ms a page instead
    of ~20 ms; `chuishao init` (run after upgrades and big imports) calls this.
    """
    if is_postgres(db) and db.transaction_depth() == 0:
        # And the visibility map: after a bulk load no page is marked all-visible, so an index-only scan
        # still reads every row's page. A small department's first queue page on a million cases
        # (benchmarks/queue_bench.py) read its 3,089 assignments from 6,226 heap pages (37 ms of a
        # 149 ms statement, 316 ms a page); after VACUUM the (department, active, case) index alone
        # answers it in 0.3 ms and the page takes 118 ms. VACUUM cannot run inside a transaction.
        db.execute_sql("VACUUM (ANALYZE)")
        return
    db.execute_sql("ANALYZE")  # SQLite, or PostgreSQL inside a transaction


# A long import commits a batch every few hundred rows; at SQLite's default (1,000 pages) nearly every
# commit also checkpoints, copying the same hot index pages back to the database file again and again.
BULK_CHECKPOINT_PAGES = 16000
# ... and the page cache: 13 indexes on a million cases take far more than the 32 MB kept for daily
# work, and every batch would otherwise read back the index pages the previous one evicted.
BULK_CACHE_KIB = 262144


@contextmanager
def bulk_writes(db: peewee.Database) -> Iterator[None]:
    """For the length of a bulk write (many committed batches): checkpoint the WAL rarely, then once.

    Every batch still commits on its own (durable and visible at once); only the copying of committed
    pages into the main file is deferred, to one checkpoint at the end (or the next writer's).
    """
    if not is_sqlite(db):
        yield
        return
    (before,) = db.execute_sql("PRAGMA wal_autocheckpoint").fetchone()
    (cache,) = db.execute_sql("PRAGMA cache_size").fetchone()
    db.execute_sql(f"PRAGMA wal_autocheckpoint = {max(int(before), BULK_CHECKPOINT_PAGES)}")
    if int(cache) < 0 and -int(cache) < BULK_CACHE_KIB:  # negative: KiB; never shrink a larger one
        db.execute_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        db.execute_sql(f"PRAGMA wal_autocheckpoint = {int(before)}")
        db.execute_sql(f"PRAGMA cache_size = {int(cache)}")
        if db.transaction_depth() == 0:
            db.execute_sql("PRAGMA wal_checkpoint(PASSIVE)")


SERVER_BACKUP = ("this database is on a PostgreSQL server: chuishao backs up only SQLite files. Use the "
                 "server's own tools: pg_dump --format=custom --file=county.dump URL, and to restore "
                 "pg_restore --clean --if-exists --dbname=URL county.dump (nothing was written)")


def backup_to(db: peewee.Database, target: Path) -> None:
    """Online, consistent copy of the live database (SQLite's backup API) while others write."""
    if not is_sqlite(db):
        raise UsageError("store.server_backup")
    source = db.connection()
    dest = sqlite3.connect(str(target))
    try:
        source.backup(dest)
    finally:
        dest.close()


