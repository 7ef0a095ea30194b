"""The training sandbox's identity and clock, read from the sandbox database itself.

A training database carries a Setting "training.sandbox" (the marker: exercise, trainee, the case
of each situation ref, where the trainee's own events begin) and "training.clock" (simulated time:
the simulated moment `sim` that corresponds to the real moment `wall`). The simulated clock runs
from there at the real pace, and `advance` moves it forward. A county database has neither, so
nothing here can give the county a simulated clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import peewee as pw

from models.errors import UsageError
from models.store.migrations import schema_version
from models.store.settings import read_setting, write_setting
from models.worktime.durations import parse_duration
from models.worktime.timeutil import from_epoch, to_epoch

MARKER = "training.sandbox"
CLOCK = "training.clock"
ATTEMPTS = "training.attempts"


def marker(db: pw.Database) -> dict[str, Any] | None:
    """The sandbox marker of this database, or None for any other database (the county's)."""
    if schema_version(db) == 0:
        return None
    value = read_setting(MARKER)
    return value if isinstance(value, dict) else None


def is_sandbox(db: pw.Database) -> bool:
    return marker(db) is not None


class SandboxClock:
    """The simulated clock: `sim` at real moment `wall`, running at the real pace from there."""

    def __init__(self, real: Callable[[], datetime], sim: int, wall: int) -> None:
        self.real, self.sim, self.wall = real, sim, wall

    def __call__(self) -> datetime:
        moment = from_epoch(self.sim + max(0, to_epoch(self.real()) - self.wall))
        assert moment is not None
        return moment


def sandbox_clock(db: pw.Database, real: Callable[[], datetime]) -> SandboxClock | None:
    """The clock every command and the console use on a sandbox; None for any other database."""
    if marker(db) is None:
        return None
    stored = read_setting(CLOCK) or {}
    return SandboxClock(real, int(stored["sim"]), int(stored["wall"]))


def set_clock(sim: int, wall: int) -> None:
    write_setting(CLOCK, {"sim": sim, "wall": wall}, wall)


def advance(db: pw.Database, clock: SandboxClock, by: str) -> datetime:
    """Move the sandbox's simulated time forward by a natural duration (`4h`, `1d`, `30m`)."""
    try:
        duration = parse_duration(by)
    except ValueError as exc:
        raise UsageError("training.bad_advance", by=by, problem=exc) from None
    if duration.is_working:
        raise UsageError("training.advance_elapsed", by=by)
    if marker(db) is None:
        raise UsageError("training.real_clock")
    now = to_epoch(clock())
    wall = to_epoch(clock.real())
    with db.atomic():
        set_clock(now + duration.natural_seconds, wall)
    clock.sim, clock.wall = now + duration.natural_seconds, wall
    return clock()
