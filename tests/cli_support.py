"""The suite's one notion of "now", and the real CLI invoked at it.

No test reads the wall clock: every command runs at a moment the test chose (TODAY unless it says
otherwise), handed to the CLI in code the way a caller embeds it; no option or environment variable
can set a command's clock, so this is not something a user can do from a shell.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner, Result

ROOT = Path(__file__).resolve().parent.parent
SH = ZoneInfo("Asia/Shanghai")
# Friday 2026-11-27 10:00 in the office's zone: a working day inside the calendar package's data,
# a week after the demo county is built (`demo --now 2026-11-20T00:00`).
TODAY = datetime(2026, 11, 27, 10, 0, tzinfo=SH)


class Clock:
    """A stopped clock a test moves by hand: `clock.set(moment)`, `clock.advance(hours=2)`."""

    def __init__(self, moment: datetime = TODAY) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("naive datetime: give the test clock a zone")
        self.moment = moment

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment


def invoke(config: Path, db: Path | str, args: Sequence[str], *, clock: Clock | None = None,
           env: dict[str, str] | None = None) -> Result:
    """The real click CLI on `db` (an SQLite file, or any database URL) with `config`, acting at
    `clock` (TODAY by default)."""
    from commands.common import State
    from console.cli import cli

    return CliRunner(env=env).invoke(cli, ["--config", str(config), "--db", db if isinstance(db, str) and "://" in db else f"sqlite:///{db}", *args],
                                     obj=State(clock=clock or Clock()))
