"""Backup while others write; restore refuses over a database in use, keeps a safety copy, verifies."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import Result

from models.ledger.backup import inspect_file

ROOT = Path(__file__).resolve().parent.parent

# A second operator's process: opens the database through chuishao and keeps writing notes.
WRITER = """
import sys
from models.org.config import load_config
from models.org.db import connect
from models.org.context import resolve_identity
from models.cases import lifecycle
ctx = resolve_identity(load_config(sys.argv[1]), connect("sqlite:///" + sys.argv[2]), user="root")
for n in range(int(sys.argv[3])):
    lifecycle.note(ctx, 1, text=f"note {n}")
    if n == 0:
        print("writing", flush=True)
    if n == int(sys.argv[3]) - 1:
        print("done", flush=True)
        sys.stdin.readline()  # keep the connection open until told
"""


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


@contextmanager
def other_process(db: Path, notes: int) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(ROOT / "chuishao.toml"), str(db), str(notes)],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def count(db: Path, statement: str) -> int:
    con = sqlite3.connect(db)
    try:
        return int(con.execute(statement).fetchone()[0])
    finally:
        con.close()


@pytest.fixture
def county(cli_run: Callable[..., Result], db_path: Path) -> Path:
    ok(cli_run("init"))
    ok(cli_run("intake", "add", "--channel", "grid", "--text", "西关村路灯不亮"))
    db_path.chmod(0o640)
    return db_path


def test_backup_while_another_process_writes(cli_run: Callable[..., Result], county: Path,
                                             tmp_path: Path) -> None:
    target = tmp_path / "backup.db"
    with other_process(county, 400):
        made = json.loads(ok(cli_run("backup", str(target), "--json")))
    found, chain = inspect_file(target)
    # `init` recorded 18 set-up events first (17 configured operators seeded, root made the first
    # admin: issue 15 item 3); the case's events follow them.
    setup = 18
    assert chain.ok and found.events == made["events"] and setup + 2 <= found.events <= setup + 402
    # consistent: the case's version counts exactly the events the copy holds for it
    assert count(target, "SELECT version FROM \"case\" WHERE id = 1") == found.events - setup
    assert count(target, "SELECT COUNT(*) FROM note") == found.events - setup - 1
    assert not Path(f"{target}-wal").exists() and oct(target.stat().st_mode & 0o777) == oct(0o640)
    again = cli_run("backup", str(target))
    assert again.exit_code == 2 and "already exists" in again.output


def test_restore_refuses_a_live_database_unless_forced(cli_run: Callable[..., Result], county: Path,
                                                       tmp_path: Path) -> None:
    backup = tmp_path / "backup.db"
    ok(cli_run("backup", str(backup)))
    ok(cli_run("intake", "add", "--channel", "grid", "--text", "备份之后的新案件"))
    inode, mode = county.stat().st_ino, county.stat().st_mode
    with other_process(county, 3) as proc:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "done"
        refused = cli_run("restore", str(backup))
        assert refused.exit_code == 1 and "is in use" in refused.output and "--force" in refused.output
        assert count(county, "SELECT COUNT(*) FROM \"case\"") == 2  # untouched
        forced = json.loads(ok(cli_run("restore", str(backup), "--force", "--json")))
    assert forced["chain_ok"] and forced["source"]["cases"] == 1
    assert count(county, "SELECT COUNT(*) FROM \"case\"") == 1
    assert (county.stat().st_ino, county.stat().st_mode) == (inode, mode)  # same file: group and mode kept
    safety = Path(forced["safety_copy"])
    assert inspect_file(safety)[0].cases == 2  # what was replaced is kept
    verified = json.loads(ok(cli_run("audit", "verify", "--json")))
    assert verified["ok"] and verified["checked"] == forced["source"]["events"] + 1  # + the restore event


def test_restore_when_nobody_has_it_open(cli_run: Callable[..., Result], county: Path,
                                         tmp_path: Path) -> None:
    backup = tmp_path / "backup.db"
    ok(cli_run("backup", str(backup)))
    ok(cli_run("intake", "add", "--channel", "grid", "--text", "备份之后的新案件"))
    assert "restored" in ok(cli_run("restore", str(backup)))
    assert count(county, "SELECT COUNT(*) FROM \"case\"") == 1
    fresh = tmp_path / "elsewhere" / "county.db"  # disaster recovery: the database is gone
    assert "audit chain intact" in ok(cli_run("restore", str(backup), db=fresh))
    assert count(fresh, "SELECT COUNT(*) FROM \"case\"") == 1


def test_restore_checks_the_file_and_the_operator(cli_run: Callable[..., Result], county: Path,
                                                  tmp_path: Path) -> None:
    stranger = tmp_path / "other.db"
    con = sqlite3.connect(stranger)
    con.execute("CREATE TABLE t (x)")
    con.close()
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all " * 100, encoding="utf-8")
    for path, code, message in ((stranger, 1, "not chuishao's (no schema_version table)"),
                                (text, 1, "is not a chuishao database"),
                                (tmp_path / "missing.db", 2, "no such file"),
                                (county, 2, "is the database itself")):
        result = cli_run("restore", str(path))
        assert result.exit_code == code and message in result.output, result.output
    backup = tmp_path / "backup.db"
    ok(cli_run("backup", str(backup)))
    for args in (("--as", "liuyang", "restore", str(backup)),
                 ("--as", "liuyang", "backup", str(tmp_path / "b2.db"))):
        refused = cli_run(*args)
        assert refused.exit_code == 1 and "may not backup" in refused.output
    # Nothing recorded: set-up's 18 events (issue 15 item 3) and the intake's one, as before.
    assert count(county, "SELECT COUNT(*) FROM event") == 18 + 1
