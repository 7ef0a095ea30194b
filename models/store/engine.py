"""Everything that differs between database engines, in one small module.

SQLite is the embedded default; PostgreSQL comes later. Code elsewhere in models/ uses peewee's
portable query builder and calls these functions for the rest: connecting (pragmas), write
transactions (SQLite's BEGIN IMMEDIATE), the full-text index behind queue search, and backup.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from urllib.parse import urlparse

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
        return peewee.SqliteDatabase(target, pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                                     timeout=BUSY_TIMEOUT_MS / 1000)
    if parsed.scheme in ("postgres", "postgresql"):
        raise UsageError(f"database '{url}': PostgreSQL support is not built yet; use sqlite:///PATH")
    raise UsageError(f"database '{url}': unknown engine; expected sqlite:///PATH")


def is_sqlite(db: peewee.Database) -> bool:
    return isinstance(db, peewee.SqliteDatabase)


def write_transaction(db: peewee.Database) -> AbstractContextManager[object]:
    """A transaction that takes the write lock at its start.

    On SQLite a deferred transaction that reads then writes can fail with "database is locked"
    without waiting; BEGIN IMMEDIATE waits for the lock (busy_timeout) before reading anything.
    Nested calls become savepoints.
    """
    if is_sqlite(db) and db.transaction_depth() == 0:
        return db.atomic("IMMEDIATE")
    return db.atomic()


# --- full-text search -----------------------------------------------------------------------
# FTS5 over text we pre-split into overlapping CJK bigrams (see models/text/search.py): a 2-character
# word is one token, a 1-character word a prefix query, a longer word a phrase of bigrams. This is
# exact for every length, unlike the trigram tokenizer (nothing below 3 characters, and LIKE on a
# trigram table returns 0 rows on SQLite 3.40).

def create_search_index(db: peewee.Database) -> None:
    """Create the case search index if it is missing."""
    db.execute_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS case_search USING fts5("
        "body, tokenize = 'unicode61 remove_diacritics 0')"
    )


def drop_search_index(db: peewee.Database) -> None:
    db.execute_sql("DROP TABLE IF EXISTS case_search")


def index_case_text(db: peewee.Database, case_id: int, tokens: str) -> None:
    """Replace the indexed text of one case."""
    db.execute_sql("DELETE FROM case_search WHERE rowid = ?", (case_id,))
    db.execute_sql("INSERT INTO case_search (rowid, body) VALUES (?, ?)", (case_id, tokens))


def index_many(db: peewee.Database, rows: list[tuple[int, str]]) -> None:
    """Index many new cases at once (bulk intake, demo)."""
    cursor = db.cursor()
    cursor.executemany("INSERT OR REPLACE INTO case_search (rowid, body) VALUES (?, ?)", rows)


def search_match_sql(match: str) -> tuple[str, tuple[object, ...]]:
    """SQL fragment (for `case.id IN (...)`) selecting the ids of cases matching an FTS query."""
    return "SELECT rowid FROM case_search WHERE case_search MATCH ?", (match,)


def indexed_text(db: peewee.Database, case_ids: list[int]) -> dict[int, str]:
    """The indexed token text of these cases (duplicate scoring compares it without re-tokenising)."""
    out: dict[int, str] = {}
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        for rowid, body in db.execute_sql(f"SELECT rowid, body FROM case_search WHERE rowid IN ({marks})",
                                          tuple(chunk)):
            out[int(rowid)] = str(body)
    return out


def match_newest(db: peewee.Database, match: str, limit: int) -> list[tuple[int, str]]:
    """The newest cases (highest ids) matching an FTS query, with their token text.

    FTS5 walks the doclists backwards and stops at `limit`, so the cost is bounded by the limit,
    not by how many cases in the whole database contain the terms.
    """
    cursor = db.execute_sql("SELECT rowid, body FROM case_search WHERE case_search MATCH ? "
                            "ORDER BY rowid DESC LIMIT ?", (match, limit))
    return [(int(rowid), str(body)) for rowid, body in cursor]


def newest_indexed(db: peewee.Database, limit: int) -> list[str]:
    """The token text of the newest indexed cases (a sample for term frequencies)."""
    cursor = db.execute_sql("SELECT body FROM case_search ORDER BY rowid DESC LIMIT ?", (limit,))
    return [str(body) for (body,) in cursor]


def filter_only(db: peewee.Database, column: peewee.Field) -> peewee.Node:
    """`column` for a condition the planner must test row by row, never start from.

    `id IN (a department's cases)` makes SQLite visit each of those cases (75k, ~100 ms, for the
    busiest department at a million) and sort them; `+id IN (…)` reads the list once (~25 ms) and
    walks the queue's own index, testing each row against it. SQLite's unary plus keeps a column
    out of index choice; other engines get the column unchanged.
    """
    return peewee.NodeList((peewee.SQL("+"), column), glue="") if is_sqlite(db) else column


def execute_many(db: peewee.Database, sql: str, rows: list[tuple[object, ...]]) -> None:
    """One statement over many parameter rows (bulk intake); `sql` uses the database's own param."""
    if rows:
        db.cursor().executemany(sql, rows)


def refresh_statistics(db: peewee.Database) -> None:
    """Give the query planner fresh table statistics.

    Without them SQLite plans a township-scoped queue on a million cases at ~550 ms a page instead
    of ~20 ms; `chuishao init` (run after upgrades and big imports) calls this.
    """
    db.execute_sql("ANALYZE")  # the same statement on SQLite and PostgreSQL


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


def backup_to(db: peewee.Database, target: Path) -> None:
    """Online, consistent copy of the live database (SQLite's backup API) while others write."""
    if not is_sqlite(db):
        raise UsageError("backup: only SQLite databases can be backed up by chuishao itself")
    source = db.connection()
    dest = sqlite3.connect(str(target))
    try:
        source.backup(dest)
    finally:
        dest.close()
