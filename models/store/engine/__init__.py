"""Everything that differs between database engines, in this one package.

SQLite is the embedded default; PostgreSQL (psycopg 3) serves a city's many writers. Code elsewhere in
models/ uses peewee's portable query builder and calls `models.store.engine` for the rest: connecting
(pragmas), write transactions (SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory write lock), ids of
inserted rows, bulk writes (COPY on PostgreSQL), backup (core); the full-text index behind queue search
(search); the roles and row-level security PostgreSQL enforces (roles). Nothing outside this package
writes engine-specific SQL.
"""

from models.store.engine.core import (  # noqa: F401 (the package's interface)
    BULK_CACHE_KIB,
    BULK_CHECKPOINT_PAGES,
    BUSY_TIMEOUT_MS,
    COPY_MIN_ROWS,
    PG_WRITE_LOCK,
    SERVER_BACKUP,
    SQLITE_PRAGMAS,
    backup_to,
    bulk_writes,
    connect,
    copy_to_stage,
    drive_from,
    engine_name,
    execute_many,
    filter_only,
    filtered_walks,
    ids_taken,
    insert_rows,
    inserted_id,
    is_busy_error,
    is_postgres,
    is_sqlite,
    open_database,
    refresh_statistics,
    returning_id,
    shown,
    sqlite_path,
    url_of,
    uses_copy,
    write_transaction,
)
from models.store.engine.roles import (  # noqa: F401 (the package's interface)
    APP_ROLE,
    DEPARTMENT_CASES_FN,
    HEADS_FN,
    current_schema,
    grant_statements,
    ident,
    literal,
    me_sql,
    owner_heads,
    restricted_login,
    scope_group,
)
from models.store.engine.search import (  # noqa: F401 (the package's interface)
    all_indexed,
    create_search_index,
    drop_search_index,
    index_case_text,
    index_many,
    indexed_text,
    match_newest,
    newest_indexed,
    search_match_sql,
    tsquery,
)
