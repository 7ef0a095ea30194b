"""Issue 19 item 4: PostgreSQL enforces the rules itself (`chuishao db grants`).

Two real login roles on the test server — a township clerk's and a department liaison's, named after
their OS users as peer authentication would map them — created here and dropped afterwards. Through
plain SQL (what a shell user's psql sends) each sees exactly the cases the console shows that operator,
and those cases' reports, assignments and events only; the event log refuses UPDATE, DELETE and
TRUNCATE. The app itself still works connected as such a role, and refuses a role that is not the
operator's own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from models.cases import department, lifecycle, queries
from models.cases.queries import CaseQuery
from models.errors import PermissionDenied, UsageError
from models.intake.intake import NewReport, intake
from models.ledger.audit import verify_chain
from models.org import dbroles
from models.org.context import Context, resolve_identity
from models.org.db import connect
from models.org.operators import NewOperator, add_operator
from models.store import engine
from tests import pg_support
from tests.clock_support import County, at, county

MOMENT = at(2026, 11, 20, 9)
# Cluster-wide names: this process's id keeps two suites on one server apart.
TOWN_LOGIN = f"t19town{os.getpid()}"
DEPT_LOGIN = f"t19dept{os.getpid()}"


def _as(url: str, login: str) -> str:
    parsed = urlparse(url)
    return urlunparse(parsed._replace(netloc=f"{login}@{parsed.hostname}:{parsed.port or 5432}"))


def _psql(url: str, login: str):  # type: ignore[no-untyped-def]
    """A plain connection as `login`, as psql would open one (the test server trusts 127.0.0.1)."""
    import psycopg

    return psycopg.connect(_as(url, login), autocommit=True)


@pytest.fixture
def granted(tmp_path: Path, db_url: str) -> Iterator[County]:
    """A county with cases in two townships, one dispatched to zhujian, two operators with OS users,
    and the grants applied; the roles are dropped afterwards."""
    if not db_url.startswith("postgres"):
        pytest.skip("database roles and row-level security are PostgreSQL's (an SQLite file has none)")
    c = county(tmp_path, db_url)
    mine = c.dispatched_case(MOMENT)
    c.new_case(MOMENT)
    other, _ = intake(c.ctx("liuyang", MOMENT), NewReport(channel="grid", text="东城街道路灯不亮", township="dongcheng",
                                                          received_at=c.ctx("liuyang", MOMENT).now()))
    assert mine and other.township == "dongcheng"
    admin = c.ctx(None, MOMENT)
    add_operator(admin, NewOperator(name="clerk19", role="township", township="chengguan", os_user=TOWN_LOGIN))
    add_operator(admin, NewOperator(name="liaison19", role="department", department="zhujian", os_user=DEPT_LOGIN))
    assert dbroles.apply_grants(admin) > 20
    try:
        yield c
    finally:
        c.db.close()
        pg_support.drop_database(db_url)
        with pg_support._admin() as conn:
            for login in (TOWN_LOGIN, DEPT_LOGIN):
                conn.execute(f'DROP ROLE IF EXISTS "{login}"')


def _scope_ids(c: County, name: str) -> set[int]:
    ctx = c.ctx(name, MOMENT)
    return {case.id for case in queries.page_after(ctx, CaseQuery(view="all"), None, 1000).cases}


def test_each_role_sees_in_psql_what_the_console_shows(granted: County) -> None:
    c = granted
    for login, name in ((TOWN_LOGIN, "clerk19"), (DEPT_LOGIN, "liaison19")):
        expected = _scope_ids(c, name)
        everything = _scope_ids(c, None)  # type: ignore[arg-type]
        assert expected and expected < everything, name
        with _psql(c.db_url, login) as conn:
            seen = {r[0] for r in conn.execute('SELECT id FROM "case"')}
            assert seen == expected, login
            for table in ("report", "assignment", "event", "case_search"):
                ids = {r[0] for r in conn.execute(f"SELECT DISTINCT case_id FROM {table}")}
                assert ids and ids <= expected, (login, table)
            # The rows a dispatcher's psql would see are there, just not for this role.
            assert conn.execute("SELECT count(*) FROM operator").fetchone()[0] > 2
    with _psql(c.db_url, TOWN_LOGIN) as conn:
        assert {r[0] for r in conn.execute('SELECT DISTINCT township FROM "case"')} == {"chengguan"}


def test_the_event_log_refuses_update_delete_truncate_and_clerks_cannot_rewrite_who_they_are(
        granted: County) -> None:
    import psycopg

    with _psql(granted.db_url, TOWN_LOGIN) as conn:
        for statement in ("UPDATE event SET operator = 'x'", "DELETE FROM event", "TRUNCATE event",
                          'DELETE FROM "case"', "UPDATE note SET text = 'x'",
                          f"UPDATE operator SET township = 'dongcheng' WHERE os_user = '{TOWN_LOGIN}'"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    assert verify_chain(granted.db).ok


def test_the_app_works_connected_as_the_operators_own_role(granted: County) -> None:
    c = granted
    before = {case.id for case in queries.page_after(c.ctx("clerk19", MOMENT), CaseQuery(view="all"), None, 100).cases}
    case_id = max(_scope_ids(c, "liaison19"))
    try:
        db = connect(_as(c.db_url, TOWN_LOGIN))
        assert engine.restricted_login(db) == TOWN_LOGIN
        with pytest.raises(PermissionDenied) as refused:
            resolve_identity(c.config, db, user=DEPT_LOGIN)  # another operator's OS user on this role
        assert refused.value.code == "org.role_mismatch"
        ctx: Context = resolve_identity(c.config, db, user=TOWN_LOGIN, clock=lambda: MOMENT)
        assert {case.id for case in queries.page_after(ctx, CaseQuery(view="all"), None, 100).cases} == before
        new, _ = intake(ctx, NewReport(channel="grid", text="城关镇东关社区下水道堵塞", township="chengguan",
                                       received_at=ctx.now()))
        lifecycle.note(ctx, new.id, text="已联系社区")
        db.close()
        db = connect(_as(c.db_url, DEPT_LOGIN))
        ctx = resolve_identity(c.config, db, user=DEPT_LOGIN, clock=lambda: MOMENT)
        assert department.acknowledge(ctx, case_id).id == case_id
        db.close()
    finally:
        c.db = connect(c.db_url)
    report = verify_chain(c.db)
    assert report.ok, report
    assert _scope_ids(c, "clerk19") == before | {new.id}


def test_grants_are_postgresql_only(tmp_path: Path) -> None:
    c = county(tmp_path, f"sqlite:///{tmp_path / 'county.db'}")
    with pytest.raises(UsageError) as refused:
        dbroles.grant_sql(c.ctx(None, MOMENT))
    assert refused.value.code == "org.grants_postgres_only"
