"""Everything that differs between database engines, in one small module.

SQLite is the embedded default; PostgreSQL (psycopg 3) serves a city's many writers. Code elsewhere in
models/ uses peewee's portable query builder and calls these functions for the rest: connecting
(pragmas), write transactions (SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory write lock), ids of
inserted rows, the full-text index behind queue search, and backup.
"""

from __future__ import annotations

import re
import sqlite3
import weakref
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
        return peewee.SqliteDatabase(target, pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                                     timeout=BUSY_TIMEOUT_MS / 1000)
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
        return peewee.PostgresqlDatabase(conninfo, prefer_psycopg3=True, **extra)
    raise UsageError("store.unknown_engine", database=shown(url))


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
    if is_postgres(db) and len(rows) >= COPY_MIN_ROWS:
        _copy_to_stage(db, "case_search", ("case_id", "body"), rows)
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


def insert_rows(db: peewee.Database, table: str, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    """Insert many new rows (given every listed column, ids included) into `table` (bulk intake).

    SQLite: one prepared INSERT over the rows (executemany). PostgreSQL: the server's bulk path —
    COPY (psycopg 3) into a staging table of the same columns, then one set-based INSERT … SELECT,
    so the rows cross the connection as one stream instead of one round trip each.
    """
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    if is_postgres(db) and len(rows) >= COPY_MIN_ROWS:
        stage = _copy_to_stage(db, table, columns, rows)
        db.execute_sql(f'INSERT INTO "{table}" ({names}) SELECT {names} FROM "{stage}"')
        return
    marks = ", ".join(db.param for _ in columns)
    db.cursor().executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def _copy_to_stage(db: peewee.Database, table: str, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    """COPY rows into this session's staging table for `table` (created on first use with the
    table's column types, emptied at every commit, truncated before use); returns its name."""
    stage = f"stage_{table}"
    names = ", ".join(f'"{c}"' for c in columns)
    db.execute_sql(f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" ON COMMIT DELETE ROWS AS '
                   f'SELECT {names} FROM "{table}" WITH NO DATA')
    db.execute_sql(f'TRUNCATE "{stage}"')
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


# --- roles the database enforces (PostgreSQL) --------------------------------------------------
# `chuishao db grants` (models/org/dbroles.py) derives which rows each role may see from the console's
# scope rule; the statements that carry it out are PostgreSQL's, written here.

APP_ROLE = "chuishao_app"  # holds the table privileges every operator's login role inherits


def scope_group(role: str) -> str:
    """The group role an operator's login role joins for its row-level security policies."""
    return f"chuishao_{role}"


def ident(name: str) -> str:
    """A quoted PostgreSQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A quoted PostgreSQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def me_sql(column: str, role: str) -> str:
    """The logged-in role's operator's `column`, when that operator is active and has `role` (NULL
    otherwise: a disabled operator, or one whose role changed since the grants, sees nothing)."""
    return (f"(SELECT {ident(column)} FROM operator WHERE os_user = session_user AND active "
            f"AND role = {literal(role)})")


DEPARTMENT_CASES_FN = "chuishao_department_cases"
HEADS_FN = "chuishao_heads"


def grant_statements(schema: str, tables: list[str], append_only: set[str], read_only: set[str],
                     admin_writes: set[str],
                     policies: dict[str, dict[str, str]], department_ids_sql: str,
                     logins: list[tuple[str, str | None]], roles: tuple[str, ...]) -> list[str]:
    """The SQL that makes PostgreSQL enforce the rules, in order (idempotent: safe to apply again).

    tables: every table; append_only: INSERT and SELECT only; read_only: SELECT only; no table is
    granted DELETE or TRUNCATE (nothing is ever deleted); admin_writes: SELECT only, INSERT and UPDATE
    for the admins' group (who is who: a clerk must not move themselves to another township). policies: table -> {role: USING condition}
    for the tables under row-level security (a table missing a role shows that role nothing).
    department_ids_sql: the department's case ids as the tables' owner reads them (a function, so the
    policies on `case` and `assignment` do not call each other). logins: (os_user, role or None for a
    disabled operator)."""
    out = [f"-- chuishao: the database enforces the rules (schema {schema})"]
    for group in (APP_ROLE, *(scope_group(r) for r in roles)):
        out.append(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {literal(group)}) "
                   f"THEN CREATE ROLE {ident(group)} NOLOGIN; END IF; END $$")
    q = ident(schema)
    out += [f"GRANT USAGE ON SCHEMA {q} TO {APP_ROLE}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {q} FROM {APP_ROLE}",
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {q} TO {APP_ROLE}"]
    for table in tables:
        rights = ("SELECT" if table in read_only | admin_writes else "SELECT, INSERT" if table in append_only
                  else "SELECT, INSERT, UPDATE")
        out.append(f"GRANT {rights} ON {q}.{ident(table)} TO {APP_ROLE}")
        if table in admin_writes:
            out.append(f"GRANT INSERT, UPDATE ON {q}.{ident(table)} TO {ident(scope_group('admin'))}")
    out += [
        (f"CREATE OR REPLACE FUNCTION {q}.{DEPARTMENT_CASES_FN}() RETURNS SETOF integer LANGUAGE sql STABLE "
         f"SECURITY DEFINER SET search_path = {q}, pg_temp AS $fn$ {department_ids_sql} $fn$"),
        # The writer's look at the newest ids and the chain's head, which the policies would hide.
        (f"CREATE OR REPLACE FUNCTION {q}.{HEADS_FN}() RETURNS TABLE (event_id integer, event_hash varchar, "
         f"case_id integer, report_id integer) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {q}, pg_temp "
         f"AS $fn$ SELECT e.id, e.hash, (SELECT max(id) FROM \"case\"), (SELECT max(id) FROM report) "
         f"FROM (SELECT 1) one LEFT JOIN (SELECT id, hash FROM event ORDER BY id DESC LIMIT 1) e ON true $fn$")]
    for fn in (DEPARTMENT_CASES_FN, HEADS_FN):
        out += [f"REVOKE ALL ON FUNCTION {q}.{fn}() FROM PUBLIC",
                f"GRANT EXECUTE ON FUNCTION {q}.{fn}() TO {APP_ROLE}"]
    for table, by_role in policies.items():
        t = f"{q}.{ident(table)}"
        out.append(f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY")
        for role in roles:
            name = ident(f"chuishao_{role}")
            out.append(f"DROP POLICY IF EXISTS {name} ON {t}")
            if role in by_role:
                # What a role reads, updates and inserts stays inside its scope.
                out.append(f"CREATE POLICY {name} ON {t} FOR ALL TO {ident(scope_group(role))} "
                           f"USING ({by_role[role]})")
    for login, role in logins:
        who = ident(login)
        out.append(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {literal(login)}) "
                   f"THEN CREATE ROLE {who}; END IF; END $$")
        out.append(f"ALTER ROLE {who} {'LOGIN' if role else 'NOLOGIN'}")
        for other in roles:
            if other != role:
                out.append(f"REVOKE {ident(scope_group(other))} FROM {who}")
        out.append(f"GRANT {APP_ROLE}, {ident(scope_group(role))} TO {who}" if role
                   else f"REVOKE {APP_ROLE} FROM {who}")
    return out


def current_schema(db: peewee.Database) -> str:
    return str(db.execute_sql("SELECT current_schema()").fetchone()[0])


def restricted_login(db: peewee.Database) -> str | None:
    """The login role of this connection when it is an operator's role under the rules (a member of
    APP_ROLE), else None (SQLite, or the tables' owner / an administrator's role)."""
    if not is_postgres(db):
        return None
    row = db.execute_sql(
        "SELECT session_user, EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = %s AND u.rolname = session_user)",
        (APP_ROLE,)).fetchone()
    return str(row[0]) if row[1] else None


_HEADS: weakref.WeakKeyDictionary[peewee.Database, bool] = weakref.WeakKeyDictionary()


def owner_heads(db: peewee.Database) -> tuple[int, str, int, int] | None:
    """The last event's id and hash and the last case and report ids, as the tables' owner sees them,
    through the function `db grants` made (row-level security may hide other cases' rows from this
    role, and a writer numbers after the newest of all); None where there is no such function (every
    role reading the tables sees every row)."""
    if not is_postgres(db):
        return None
    key = _bound(db)
    if key not in _HEADS:
        (found,) = db.execute_sql("SELECT to_regprocedure(%s) IS NOT NULL", (f"{HEADS_FN}()",)).fetchone()
        _HEADS[key] = bool(found)
    if not _HEADS[key]:
        return None
    event_id, event_hash, case_id, report_id = db.execute_sql(f"SELECT * FROM {HEADS_FN}()").fetchone()
    return int(event_id or 0), str(event_hash or ""), int(case_id or 0), int(report_id or 0)
