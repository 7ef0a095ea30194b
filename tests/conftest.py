"""Shared fixtures: a fresh database per test, the CLI runner, contexts for named operators.

`db_url` (and so `cli_run` and `ctx_for`) runs each test on SQLite and on PostgreSQL (tests/pg_support.py);
a test that asks for `db_path`, the SQLite file itself, runs on SQLite only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from models.org.config import Config, load_config
from models.org.context import Context, resolve_identity
from models.org.db import connect
from models.org.setup import set_up
from tests import pg_support
from tests.cli_support import Clock, invoke

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data" / "tipdm2020"


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(str(ROOT / "chuishao.toml"))


@pytest.fixture(scope="session", autouse=True)
def _shared_databases() -> Iterator[None]:
    """The session's shared read-only databases (the demo county per engine) are dropped at its end."""
    from tests import report_support

    yield
    report_support.drop_demo_counties()


@pytest.fixture(scope="module", params=pg_support.ENGINES)
def demo_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The shared demo county (tests/report_support.py) on each engine, built once per session."""
    from tests.report_support import demo_county

    return demo_county(tmp_path_factory, request.param)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """This test's SQLite database file (tests that use the file itself are SQLite-only)."""
    return tmp_path / "county.db"


@pytest.fixture(params=pg_support.ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """This test's database, once per engine: an SQLite file, or a new PostgreSQL database dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'county.db'}"
        return
    if "db_path" in request.fixturenames:
        pytest.skip(pg_support.SQLITE_FILE_REASON)
    only = request.node.get_closest_marker("sqlite_only")
    if only is not None:
        pytest.skip(f"SQLite only: {only.args[0]}")
    if pg_support.console_skipped(request.node.nodeid):
        pytest.skip(pg_support.CONSOLE_REASON)
    url = pg_support.create_database()
    try:
        yield url
    finally:
        from models.store.schema import database_proxy

        if database_proxy.obj is not None and not database_proxy.obj.is_closed():
            database_proxy.obj.close()  # this thread's connection; DROP ... WITH (FORCE) ends any other
        pg_support.drop_database(url)


@pytest.fixture
def more_databases(db_url: str, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """More empty databases on this test's engine (a second county): `make(name)` gives a URL;
    on PostgreSQL each is created and dropped as `db_url`'s is."""
    made: list[str] = []

    def make(name: str) -> str:
        if not db_url.startswith("postgres"):
            (tmp_path / name).mkdir(parents=True, exist_ok=True)
            return f"sqlite:///{tmp_path / name / 'county.db'}"
        made.append(pg_support.create_database())
        return made[-1]
    yield make
    for url in made:
        pg_support.drop_database(url)


@pytest.fixture
def clock() -> Clock:
    """This test's "now" (TODAY until the test moves it)."""
    return Clock()


@pytest.fixture
def cli_run(db_url: str, clock: Clock) -> Callable[..., Result]:
    """Run the real click CLI against this test's database, at this test's clock."""
    def run(*args: str, db: Path | str | None = None, env: dict[str, str] | None = None) -> Result:
        return invoke(ROOT / "chuishao.toml", db or db_url, args, clock=clock, env=env)
    return run


@pytest.fixture
def ctx_for(config: Config, db_url: str, clock: Clock) -> Callable[..., Context]:
    """A migrated database and a Context for any operator name (None = the OS user, the admin),
    acting at this test's clock."""
    db = connect(db_url)
    set_up(db, config, user="root", now=0)

    def make(name: str | None = None) -> Context:
        return resolve_identity(config, db, as_name=name, user="root", clock=clock)
    return make
