"""The suite on both engines: SQLite always, PostgreSQL when CHUISHAO_TEST_PG names a server.

CHUISHAO_TEST_PG=postgresql://postgres@127.0.0.1:5432/postgres (a database the suite may connect to
as a role that may CREATE DATABASE). Each PostgreSQL test gets its own database, created from
template0 with C collation (the same byte order SQLite sorts text in) and dropped afterwards; names
carry the process id and a counter, so suites run side by side on one server never meet.
Without the variable the PostgreSQL half is skipped, with the reason.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

PG_SERVER = os.environ.get("CHUISHAO_TEST_PG", "").strip()
SKIP_REASON = ("PostgreSQL half skipped: set CHUISHAO_TEST_PG to a server URL, e.g. "
               "postgresql://postgres@127.0.0.1:5432/postgres (.ci/run sets it when pg_isready succeeds)")
SQLITE_FILE_REASON = "SQLite-file test (reads, copies or locks the database file itself): SQLite only"

# The console's Pilot tests on PostgreSQL: ~500 s of the suite's ~2,000 on this loaded 2-core machine
# (the whole two-engine run 33 min, over CI's 20). The models they drive run on PostgreSQL in the rest of
# the suite; CHUISHAO_TEST_PG_CONSOLE=1 runs them there too.
PG_CONSOLE = os.environ.get("CHUISHAO_TEST_PG_CONSOLE", "") == "1"
CONSOLE_REASON = ("Pilot console test: SQLite only in CI for time (the same operations run on PostgreSQL in "
                  "the model and CLI tests); set CHUISHAO_TEST_PG_CONSOLE=1 to run it on PostgreSQL")


def console_skipped(nodeid: str) -> bool:
    """A Pilot console test's PostgreSQL half, kept out of CI for time (see PG_CONSOLE)."""
    return not PG_CONSOLE and nodeid.startswith(("tests/test_console_", "tests/test_training_console"))


ENGINES = [pytest.param("sqlite", id="sqlite"),
           pytest.param("postgresql", id="postgresql", marks=pytest.mark.skipif(not PG_SERVER, reason=SKIP_REASON))]

_counter = itertools.count(1)


def _admin():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(PG_SERVER, autocommit=True)


def create_database() -> str:
    """A new empty database on the test server; returns its URL."""
    name = f"chuishao_t_{os.getpid()}_{next(_counter)}"
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' LC_COLLATE \'C\'')
    return urlunparse(urlparse(PG_SERVER)._replace(path=f"/{name}"))


def drop_database(url: str) -> None:
    """Drop a database create_database() made, closing whatever connections are still open to it."""
    name = urlparse(url).path.lstrip("/")
    assert name.startswith("chuishao_t_"), name
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def engine_database(engine: str, directory: Path) -> str:
    """A new empty database on `engine` ("sqlite": a file in `directory`) for a fixture wider than one
    test (a module's or the session's); give it back with release()."""
    if engine == "sqlite":
        return f"sqlite:///{directory / 'county.db'}"
    return create_database()


def release(url: str) -> None:
    """Drop a PostgreSQL database engine_database() made (an SQLite file stays with its tmp dir)."""
    if not url.startswith("postgres"):
        return
    from models.store.schema import database_proxy

    if database_proxy.obj is not None and not database_proxy.obj.is_closed():
        database_proxy.obj.close()
    drop_database(url)
