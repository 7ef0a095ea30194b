"""Shared fixtures: a fresh database per test, the CLI runner, contexts for named operators."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from models.org.config import Config, load_config
from models.org.context import Context, resolve_identity
from models.org.db import connect
from models.org.setup import set_up
from tests.cli_support import Clock, invoke

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data" / "tipdm2020"


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(str(ROOT / "chuishao.toml"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "county.db"


@pytest.fixture
def clock() -> Clock:
    """This test's "now" (TODAY until the test moves it)."""
    return Clock()


@pytest.fixture
def cli_run(db_path: Path, clock: Clock) -> Callable[..., Result]:
    """Run the real click CLI against this test's database, at this test's clock."""
    def run(*args: str, db: Path | None = None, env: dict[str, str] | None = None) -> Result:
        return invoke(ROOT / "chuishao.toml", db or db_path, args, clock=clock, env=env)
    return run


@pytest.fixture
def ctx_for(config: Config, db_path: Path, clock: Clock) -> Callable[..., Context]:
    """A migrated database and a Context for any operator name (None = the OS user, the admin),
    acting at this test's clock."""
    db = connect(f"sqlite:///{db_path}")
    set_up(db, config, user="root", now=0)

    def make(name: str | None = None) -> Context:
        return resolve_identity(config, db, as_name=name, user="root", clock=clock)
    return make
