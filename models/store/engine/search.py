"""The full-text index behind queue search, per engine."""

from __future__ import annotations

import re
from collections.abc import Iterator

import peewee

from models.store.engine.core import copy_to_stage, is_postgres, uses_copy

# --- full-text search -----------------------------------------------------------------------
# Text pre-split into overlapping CJK bigrams (see models/text/search.py): a 2-character word is one
# token, a 1-character word a prefix query, a longer word a phrase of bigrams. This is exact for every
# length, unlike trigram indexes (nothing below 3 characters; LIKE on SQLite 3.40's trigram table
# returns 0 rows; pg_trgm scans every row for a 2-character word, 437 ms over 262k reports).
# SQLite: an FTS5 table. PostgreSQL: the same tokens in a tsvector('simple') column with a GIN index
# (噪音 over 262k reports in 4.3 ms); queries arrive as FTS5 expressions and are translated here.

def create_search_index(db: peewee.Database) -> None:
    """Create the case search index if it is missing."""
    if is_postgres(db):
        db.execute_sql("CREATE TABLE IF NOT EXISTS case_search (case_id INTEGER PRIMARY KEY, body TEXT NOT NULL, "
                       "tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED)")
        db.execute_sql("CREATE INDEX IF NOT EXISTS case_search_tsv ON case_search USING gin (tsv)")
        return
    db.execute_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS case_search USING fts5("
        "body, tokenize = 'unicode61 remove_diacritics 0')"
    )


def drop_search_index(db: peewee.Database) -> None:
    db.execute_sql("DROP TABLE IF EXISTS case_search")


def _key(db: peewee.Database) -> str:
    return "case_id" if is_postgres(db) else "rowid"


def _upsert(db: peewee.Database) -> str:
    if is_postgres(db):
        return ("INSERT INTO case_search (case_id, body) VALUES (%s, %s) "
                "ON CONFLICT (case_id) DO UPDATE SET body = EXCLUDED.body")
    return "INSERT OR REPLACE INTO case_search (rowid, body) VALUES (?, ?)"


def index_case_text(db: peewee.Database, case_id: int, tokens: str) -> None:
    """Replace the indexed text of one case."""
    if is_postgres(db):
        db.execute_sql(_upsert(db), (case_id, tokens))
        return
    db.execute_sql("DELETE FROM case_search WHERE rowid = ?", (case_id,))
    db.execute_sql("INSERT INTO case_search (rowid, body) VALUES (?, ?)", (case_id, tokens))


def index_many(db: peewee.Database, rows: list[tuple[int, str]]) -> None:
    """Index many new cases at once (bulk intake, demo); on PostgreSQL through COPY (see insert_rows)."""
    if not rows:
        return
    if uses_copy(db, len(rows)):
        copy_to_stage(db, "case_search", ("case_id", "body"), rows)
        db.execute_sql('INSERT INTO case_search (case_id, body) SELECT case_id, body FROM "stage_case_search" '
                       "ON CONFLICT (case_id) DO UPDATE SET body = EXCLUDED.body")
        return
    db.cursor().executemany(_upsert(db), rows)


_FTS_TERM = re.compile(r'"([^"]*)"(\*?)|\b(AND|OR|NOT)\b')


def tsquery(match: str) -> str:
    """The PostgreSQL tsquery of an FTS5 expression as models/ writes them: quoted phrases of tokens
    (a trailing * makes the last a prefix), joined by AND / OR (same precedence in both)."""
    out: list[str] = []
    for phrase, star, operator in _FTS_TERM.findall(match):
        if operator:
            out.append({"AND": "&", "OR": "|", "NOT": "& !"}[operator])
            continue
        words = phrase.split()
        if star and words:
            words[-1] += ":*"
        out.append("(" + " <-> ".join(words) + ")" if words else "")
    return " ".join(x for x in out if x)


def search_match_sql(db: peewee.Database, match: str) -> tuple[str, tuple[object, ...]]:
    """SQL fragment (for `case.id IN (...)`) selecting the ids of cases matching an FTS query."""
    if is_postgres(db):
        return "SELECT case_id FROM case_search WHERE tsv @@ to_tsquery('simple', %s)", (tsquery(match),)
    return "SELECT rowid FROM case_search WHERE case_search MATCH ?", (match,)


def indexed_text(db: peewee.Database, case_ids: list[int]) -> dict[int, str]:
    """The indexed token text of these cases (duplicate scoring compares it without re-tokenising)."""
    out: dict[int, str] = {}
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start:start + 500]
        marks = ", ".join(db.param for _ in chunk)
        for rowid, body in db.execute_sql(f"SELECT {_key(db)}, body FROM case_search "
                                          f"WHERE {_key(db)} IN ({marks})", tuple(chunk)):
            out[int(rowid)] = str(body)
    return out


def match_newest(db: peewee.Database, match: str, limit: int) -> list[tuple[int, str]]:
    """The newest cases (highest ids) matching an FTS query, with their token text.

    FTS5 walks the doclists backwards and stops at `limit`, so the cost is bounded by the limit,
    not by how many cases in the whole database contain the terms.
    """
    if is_postgres(db):
        cursor = db.execute_sql("SELECT case_id, body FROM case_search WHERE tsv @@ to_tsquery('simple', %s) "
                                "ORDER BY case_id DESC LIMIT %s", (tsquery(match), limit))
    else:
        cursor = db.execute_sql("SELECT rowid, body FROM case_search WHERE case_search MATCH ? "
                                "ORDER BY rowid DESC LIMIT ?", (match, limit))
    return [(int(rowid), str(body)) for rowid, body in cursor]


def all_indexed(db: peewee.Database, batch: int) -> Iterator[list[tuple[int, str]]]:
    """Every indexed case's (id, token text) in id order, in batches (copying a database)."""
    last = 0
    while True:
        rows = [(int(i), str(body)) for i, body in db.execute_sql(
            f"SELECT {_key(db)}, body FROM case_search WHERE {_key(db)} > {db.param} ORDER BY {_key(db)} "
            f"LIMIT {db.param}", (last, batch))]
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def newest_indexed(db: peewee.Database, limit: int) -> list[str]:
    """The token text of the newest indexed cases (a sample for term frequencies)."""
    cursor = db.execute_sql(f"SELECT body FROM case_search ORDER BY {_key(db)} DESC LIMIT {db.param}", (limit,))
    return [str(body) for (body,) in cursor]


