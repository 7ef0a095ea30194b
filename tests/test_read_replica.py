"""Issue 19 item 7: `[database] read_url` — scoreboards, hot spots, briefings and exports read there;
steps and a case's own workspace always use the primary.

The routing is shown on each engine with a second database that is a copy of the county taken before
the primary moved on (so a figure read from the wrong one shows). On PostgreSQL, when the machine has
the server's programs and we may run them as the postgres user, a real streaming replica on a free
local port is used too, with its replay paused: what the primary commits meanwhile is missing from the
reports and present in the workspace, and a step never reaches the (read-only) replica.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

from models.ledger.copy import copy_database
from models.org.db import connect
from tests.cli_support import invoke
from tests.clock_support import County, at, county, write_config

MOMENT = at(2026, 11, 20, 9)
MONTH = "2026-11"
BOARD = ("report", "scoreboard", "--township", "--month", MONTH, "--json")
SPOTS = ("report", "hotspots", "--month", MONTH, "--min", "1", "--json")


def _json(result: Result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _with_replica(c: County, directory: Path, replica: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return write_config(directory, replace={'read_url = ""': f'read_url = "{replica}"'})


def _cases(c: County, n: int) -> list[int]:
    return [c.dispatched_case(MOMENT) for _ in range(n)]


def test_reports_read_the_read_database_and_steps_the_primary(tmp_path: Path, db_url: str, more_databases) -> None:  # type: ignore[no-untyped-def]
    c = county(tmp_path / "county", db_url)
    _cases(c, 2)
    replica = more_databases("replica")
    assert copy_database(c.config, db_url, replica, user="root").ok
    c.db = connect(db_url)
    newer = _cases(c, 3)[-1]  # committed on the primary after the "replica" was taken
    routed = _with_replica(c, tmp_path / "routed", replica)

    def run(config: Path, url: str, *args: str) -> Result:
        return invoke(config, url, args, clock=c.clock)

    for args in (BOARD, SPOTS):
        on_replica = _json(run(c.config_path, replica, *args))
        on_primary = _json(run(c.config_path, db_url, *args))
        assert on_replica != on_primary, args  # the figures tell the two databases apart
        assert _json(run(routed, db_url, *args)) == on_replica, args
    briefing = run(routed, db_url, "report", "briefing", "--month", MONTH, "--format", "csv")
    assert briefing.exit_code == 0 and briefing.output == run(c.config_path, replica, "report", "briefing", "--month",
                                                               MONTH, "--format", "csv").output
    # The case's own workspace and every step: the primary (the replica has no case `newer`).
    shown = _json(run(routed, db_url, "case", "show", str(newer), "--json"))
    assert shown["id"] == newer  # type: ignore[index]
    assert run(c.config_path, replica, "case", "show", str(newer)).exit_code == 1
    noted = run(routed, db_url, "case", "note", str(newer), "--text", "已到现场")
    assert noted.exit_code == 0, noted.output
    assert _json(run(c.config_path, db_url, "audit", "verify", "--json"))["ok"]  # type: ignore[index]
    exported = run(routed, db_url, "audit", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "jsonl")
    assert exported.exit_code == 0
    assert exported.output == run(c.config_path, replica, "audit", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "jsonl").output


# --- a real streaming replica -------------------------------------------------------------------
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, text=True,
                          timeout=60)


def _replica_reason() -> str | None:
    if not os.environ.get("CHUISHAO_TEST_PG"):
        return "no PostgreSQL server for the suite (CHUISHAO_TEST_PG unset)"
    if not (PG_BIN / "initdb").exists() or not shutil.which("runuser"):
        return f"no PostgreSQL server programs in {PG_BIN} (initdb, pg_basebackup, pg_ctl) or no runuser"
    if os.geteuid() != 0:
        return "starting a throwaway cluster needs root (to run the server programs as the postgres user)"
    return None


@pytest.fixture
def pair() -> Iterator[tuple[str, str]]:
    """A throwaway primary and its streaming replica on free local ports (URLs), stopped afterwards."""
    reason = _replica_reason()
    if reason:
        pytest.skip(reason)
    # Not under tmp_path: pytest's directories are private to root, the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="chuishao-replica-"))
    shutil.chown(root, "postgres")
    primary, standby = root / "primary", root / "standby"
    p_port, s_port = _free_port(), _free_port()
    started: list[Path] = []
    try:
        _as_postgres(str(PG_BIN / "initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres",
                     "--no-sync", "-E", "UTF8", "--locale", "C")
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(primary), "-w", "-l", str(root / "primary.log"), "-o",
                     f"-p {p_port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c wal_level=replica",
                     "start")
        started.append(primary)
        _as_postgres(str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(p_port), "-U", "postgres",
                     "-D", str(standby), "-R", "-X", "stream", "--no-sync")
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(standby), "-w", "-l", str(root / "standby.log"), "-o",
                     f"-p {s_port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        started.append(standby)
        yield (f"postgresql://postgres@127.0.0.1:{p_port}/postgres",
               f"postgresql://postgres@127.0.0.1:{s_port}/postgres")
    finally:
        from models.store.schema import database_proxy

        if database_proxy.obj is not None:
            database_proxy.obj.close()
        for cluster in reversed(started):
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(cluster), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


def _replayed(replica: str, primary: str) -> None:
    """Wait until the replica has replayed everything the primary has committed."""
    import psycopg

    with psycopg.connect(primary, autocommit=True) as p:
        lsn = p.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]
    with psycopg.connect(replica, autocommit=True) as r:
        for _ in range(200):
            if r.execute("SELECT pg_last_wal_replay_lsn() >= %s", (lsn,)).fetchone()[0]:  # type: ignore[index]
                return
            time.sleep(0.05)
    raise AssertionError("the replica did not catch up in 10 s")


def test_a_real_streaming_replica(pair: tuple[str, str], tmp_path: Path) -> None:
    import psycopg

    primary, replica = pair
    c = county(tmp_path / "county", primary)
    _cases(c, 2)
    _replayed(replica, primary)
    with psycopg.connect(replica, autocommit=True) as r:
        r.execute("SELECT pg_wal_replay_pause()")
        newer = _cases(c, 3)[-1]  # committed on the primary, not yet replayed
        routed = _with_replica(c, tmp_path / "routed", replica)
        on_replica = _json(invoke(c.config_path, replica, BOARD, clock=c.clock))
        assert _json(invoke(routed, primary, BOARD, clock=c.clock)) == on_replica
        assert _json(invoke(c.config_path, primary, BOARD, clock=c.clock)) != on_replica
        shown = _json(invoke(routed, primary, ("case", "show", str(newer), "--json"), clock=c.clock))
        assert shown["id"] == newer  # type: ignore[index]
        noted = invoke(routed, primary, ("case", "note", str(newer), "--text", "已到现场"), clock=c.clock)
        assert noted.exit_code == 0, noted.output  # a write sent to the replica would fail (read-only)
        r.execute("SELECT pg_wal_replay_resume()")
    _replayed(replica, primary)
    assert _json(invoke(routed, primary, BOARD, clock=c.clock)) == _json(invoke(c.config_path, primary, BOARD,
                                                                                 clock=c.clock))
