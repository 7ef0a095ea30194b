"""`audit export --output` and `backup` write a new file whole or not at all: an existing file, a
missing directory, a path through a file, a full disk each end in one line and exit 2, and leave
nothing behind under any name."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.cli_support import ROOT

EXPORT = ("audit", "export", "--from", "2000-01-01", "--to", "2100-01-01")
DEMO = ("demo", "--cases", "40", "--seed", "3", "--now", "2026-11-20T00:00")


def one_line_refusal(done: Result, *words: str) -> None:
    assert done.exit_code == 2, done.output
    lines = done.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in done.output, done.output
    assert all(w in lines[0] for w in words), lines[0]


@pytest.mark.parametrize("command", [(*EXPORT, "--output"), pytest.param(("backup",), marks=pytest.mark.sqlite_only(
    "backup copies the SQLite file; on PostgreSQL it names pg_dump instead (tests/test_engines.py)"))])
def test_bad_targets_are_one_line_and_leave_nothing(command: tuple[str, ...], cli_run: Callable[..., Result],
                                                    tmp_path: Path, db_url: str) -> None:
    if command == ("backup",) and db_url.startswith("postgres"):
        pytest.skip("backup writes SQLite files only; on PostgreSQL it names pg_dump (tests/test_engines.py)")
    assert cli_run("init").exit_code == 0
    existing = tmp_path / "taken.out"
    existing.write_text("keep me", encoding="utf-8")
    a_file = tmp_path / "plain.txt"
    a_file.write_text("", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    one_line_refusal(cli_run(*command, str(existing)), "already exists")
    one_line_refusal(cli_run(*command, str(tmp_path / "missing" / "x.out")), "no such directory")
    one_line_refusal(cli_run(*command, str(a_file / "x.out")), "no such directory")
    assert existing.read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def limited(limit: int) -> Callable[[], None]:
    def apply() -> None:  # a disk that fills up at `limit` bytes per file, for this process only
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("command", [(*EXPORT, "--output"), pytest.param(("backup",), marks=pytest.mark.sqlite_only(
    "backup copies the SQLite file; on PostgreSQL it names pg_dump instead (tests/test_engines.py)"))])
def test_a_full_disk_is_one_line_and_leaves_nothing(command: tuple[str, ...], cli_run: Callable[..., Result],
                                                    db_path: Path, tmp_path: Path) -> None:
    assert cli_run(*DEMO).exit_code == 0
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "county.out"
    done = subprocess.run([sys.executable, "-m", "console", "--config", str(ROOT / "chuishao.toml"),
                           "--db", f"sqlite:///{db_path}", *command, str(target)],
                          cwd=ROOT, capture_output=True, text=True, check=False, preexec_fn=limited(64 * 1024))
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot write {target}: "), done.stderr
    assert "nothing was written" in lines[0]
    assert list(out_dir.iterdir()) == []
