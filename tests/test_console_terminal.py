"""Bare `chuishao` with no terminal (ssh -T, ForceCommand under scp/sftp, a pipe) refuses at once."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = str(Path(sys.executable).parent / "chuishao")  # the installed entry point, not the module
# A console left running on EOF never ends by itself, so any bound catches it; the bound is generous
# because this machine is shared (how fast it exits, ~0.4 s, is measured by hand, not asserted).
LIMIT = 30.0


def run_bare(stdout: int) -> subprocess.CompletedProcess[str]:
    # subprocess.run's timeout raises if the process is still running after LIMIT seconds
    return subprocess.run([COMMAND, "--db", "sqlite:////nonexistent/never-opened.db"], check=False, cwd=ROOT,
                          stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE, text=True,
                          timeout=LIMIT)


def test_no_terminal_at_all_exits_2_with_one_line() -> None:
    done = run_bare(subprocess.PIPE)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "needs a terminal" in lines[0] and "stdin and stdout" in lines[0]


def test_stdin_from_dev_null_on_a_terminal_exits_2_with_one_line() -> None:
    leader, follower = pty.openpty()  # stdout is a real terminal; only stdin is missing
    try:
        done = run_bare(follower)
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "stdin is not a terminal" in lines[0]


def test_batch_subcommands_work_without_a_terminal() -> None:
    done = subprocess.run([COMMAND, "org", "townships", "--json"], check=False, cwd=ROOT, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "chengguan" in done.stdout
