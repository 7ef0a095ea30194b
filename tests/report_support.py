"""Shared by the scoreboard, hot-spot, briefing and screen tests: one demo county per test session
(built once, read only), the CLI against any database, and a small scripted county where every
moment is chosen so the expected figures can be written down by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result

from models.cases import department, lifecycle
from models.intake.intake import NewReport, intake
from models.org.config import Config
from models.org.context import Context, os_user, resolve_identity
from models.org.db import connect
from tests import pg_support
from tests.cli_support import Clock, invoke

ROOT = Path(__file__).resolve().parent.parent
DEMO_ARGS = ("demo", "--cases", "150", "--seed", "3", "--now", "2026-11-20T00:00")
# The whole demo county: its cases are received over the 150 days before 2026-11-20.
WHOLE = ("--from", "2026-05-01", "--to", "2026-11-21")
_DEMO: dict[str, str] = {}  # engine -> the demo county's URL


def run_cli(db: str, *args: str, columns: int = 80) -> Result:
    """The real CLI on a database URL (or an SQLite file's path)."""
    return invoke(ROOT / "chuishao.toml", db, args, env={"COLUMNS": str(columns)})


def demo_county(factory: pytest.TempPathFactory, engine: str = "sqlite") -> str:
    """The demo county's database URL on `engine`, built on first use in this session (read only);
    a PostgreSQL one is dropped when the session ends (drop_demo_counties)."""
    if engine not in _DEMO:
        url = pg_support.engine_database(engine, factory.mktemp("demo"))
        result = run_cli(url, *DEMO_ARGS)
        assert result.exit_code == 0, result.output
        _DEMO[engine] = url
    return _DEMO[engine]


def drop_demo_counties() -> None:
    while _DEMO:
        pg_support.release(_DEMO.popitem()[1])


def admin_on(config: Config, url: str, name: str | None = None) -> Context:
    """A Context on an existing database (binding the schema to it) as its admin or a named operator."""
    db = connect(url)
    return resolve_identity(config, db, as_name=name, user=os_user(), clock=Clock())


def at(ctx: Context, text: str) -> Context:
    """The same operator with the clock stopped at a UTC moment, e.g. "2026-11-02T01:00"."""
    moment = datetime.fromisoformat(text).replace(tzinfo=UTC)
    return replace(ctx, clock=lambda: moment)


def handled_case(ctx_for, *, township: str = "chengguan", village: str | None = "东关社区",  # type: ignore[no-untyped-def]
                 duty_item: str | None = "CS-001", lead: str = "zhujian", received: str = "2026-11-02T01:00",
                 ack_after_h: float = 0.1, rating: str | None = "satisfied", text: str = "东关社区违建问题") -> int:
    """A whistled case taken through dispatch, sign-for, arrival, resolution and a citizen callback.

    Times are UTC hours after `received`: dispatched +1 h, signed for ack_after_h later, then arrived,
    resolved and evaluated an hour apart (well inside a general case's arrive and resolve clocks).
    """
    base = datetime.fromisoformat(received).replace(tzinfo=UTC).timestamp()

    def moment(hours: float) -> str:
        return datetime.fromtimestamp(base + hours * 3600, UTC).strftime("%Y-%m-%dT%H:%M:%S")

    admin = ctx_for()
    case, _ = intake(at(admin, moment(0)), NewReport(channel="hotline_12345", text=text,
                                                     township=township, received_at=int(base)))
    lifecycle.triage(at(admin, moment(0.5)), case.id, category="城乡建设/城乡规划/违章建筑", township=township,
                     priority="general", decision="whistle", duty_item=duty_item, village=village)
    lifecycle.dispatch(at(admin, moment(1)), case.id, lead=lead)
    department.acknowledge(at(admin, moment(1 + ack_after_h)), case.id, department=lead)
    signed = 1 + ack_after_h
    department.arrive(at(admin, moment(signed + 1)), case.id, department=lead)
    lifecycle.resolve(at(admin, moment(signed + 2)), case.id, result="已拆除")
    if rating:
        lifecycle.evaluate(at(admin, moment(signed + 3)), case.id, source="citizen", rating=rating)
    return int(case.id)
