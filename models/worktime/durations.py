"""Rule durations ("24h", "5wd") and the compact countdown text shown in the queue and the CLI.

A duration is a whole number and a unit. Natural units (m, h, d) are plain elapsed time; working
units (wd, wh) are counted by `models.worktime.calendar.WorkCalendar`, which knows the office hours, the
statutory holidays and the 调休 make-up working days.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from models.errors import UsageError

NATURAL_UNITS: frozenset[str] = frozenset({"m", "h", "d"})
WORKING_UNITS: frozenset[str] = frozenset({"wd", "wh"})
UNITS: frozenset[str] = NATURAL_UNITS | WORKING_UNITS

# A ceiling keeps a typo such as "50000wd" from scanning a century of calendar days (and natural
# amounts from overflowing datetime); no real rule is anywhere near it.
MAX_AMOUNT = 9999

# Friendly spellings people type in chuishao.toml or the CLI; each maps to one canonical unit so
# that str(parse_duration(x)) is always the canonical form.
_ALIASES: dict[str, str] = {
    "m": "m",
    "min": "m",
    "mins": "m",
    "h": "h",
    "d": "d",
    "wd": "wd",
    "wh": "wh",
}

_DURATION_RE = re.compile(r"^\s*(\d+)\s*([a-z]+)\s*$", re.IGNORECASE | re.ASCII)



@dataclass(frozen=True)
class Duration:
    """A rule's clock length: `amount` whole units of `unit` (m, h, d, wd, wh)."""

    amount: int
    unit: str

    def __post_init__(self) -> None:
        # bool is an int subclass; Duration(True, "h") is a bug, never a rule.
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError(f"duration amount must be a whole number, got {self.amount!r}")
        if not 1 <= self.amount <= MAX_AMOUNT:
            raise ValueError(f"duration amount must be between 1 and {MAX_AMOUNT}, got {self.amount}")
        if self.unit not in UNITS:
            raise ValueError(f"duration unit must be one of m, h, d, wd, wh, got {self.unit!r}")

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    @property
    def is_working(self) -> bool:
        """True for working days / working hours, which only run on the office's working time."""
        return self.unit in WORKING_UNITS

    @property
    def natural_seconds(self) -> int:
        """Length in elapsed seconds for m/h/d; working units have no fixed length and raise."""
        if self.unit == "m":
            return self.amount * 60
        if self.unit == "h":
            return self.amount * 3600
        if self.unit == "d":
            return self.amount * 86400
        raise ValueError(f"{self} is counted in working time; use WorkCalendar.add")


class DurationError(UsageError, ValueError):
    """A duration a user typed that is not one (exit 2 on the CLI; a ValueError to config checks)."""


def parse_duration(text: str) -> Duration:
    """Parse "30m", "2h", "3d", "5wd", "4wh" (also "90min", "5 wd", "５ｗｄ", any case, outer spaces).

    Raises DurationError (a ValueError and a UsageError) with a message fit to show users as-is: it
    repeats what was given and lists the accepted forms.
    """
    # Non-text (a bare TOML number such as `result = 5`) gets the same friendly message.
    # NFKC turns full-width input from Chinese IMEs ("５ｗｄ") into ASCII; other scripts' digits are refused.
    match = _DURATION_RE.match(unicodedata.normalize("NFKC", text)) if isinstance(text, str) else None
    unit = _ALIASES.get(match.group(2).lower()) if match else None
    if match is None or unit is None:
        raise DurationError("time.bad_duration", text=repr(text))
    amount = int(match.group(1))
    if not 1 <= amount <= MAX_AMOUNT:
        raise DurationError("time.duration_range", text=repr(text), most=MAX_AMOUNT)
    return Duration(amount, unit)


def format_timedelta(seconds: int) -> str:
    """Compact countdown: "3d 4h", "2h 05m", "45m"; overdue values get a leading "-" ("-1d 2h").

    Truncates toward zero, so a case 30 s overdue shows "-0m": the sign must never hide lateness.
    """
    seconds = int(seconds)
    sign = "-" if seconds < 0 else ""
    rest = abs(seconds)
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        # Minutes are noise once a clock runs in days; keep the column short.
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    return f"{sign}{minutes}m"
