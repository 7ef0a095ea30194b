"""Reporting periods: a half-open span [start, end) of UTC epoch seconds, named in the office's zone.

Scoreboards, hot spots and briefings take a Period, so `--month 2026-11`, `--from/--to` and the
console's month picker all mean the same seconds. Months and weeks begin at local midnight
(weeks on Monday), as a county office counts them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from models.errors import UsageError
from models.worktime.timeutil import from_epoch, parse_iso, to_epoch

WEEK = 7 * 24 * 3600
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_DATE_ONLY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")


@dataclass(frozen=True)
class Period:
    """A reporting period: start included, end excluded."""

    start: int
    end: int
    label: str

    def contains(self, moment: int | None) -> bool:
        return moment is not None and self.start <= moment < self.end

    def as_dict(self, tz: ZoneInfo) -> dict[str, str]:
        return {"from": _local(self.start, tz).isoformat(), "to": _local(self.end, tz).isoformat(),
                "label": self.label}


def _local(moment: int, tz: ZoneInfo) -> datetime:
    value = from_epoch(moment)
    assert value is not None
    return value.astimezone(tz)


def month(text: str, tz: ZoneInfo) -> Period:
    """The calendar month `YYYY-MM` in the office's zone."""
    match = _MONTH.match(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise UsageError("time.bad_month", text=text)
    year, number = int(match.group(1)), int(match.group(2))
    first = datetime(year, number, 1, tzinfo=tz)
    following = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=tz)
    return Period(to_epoch(first), to_epoch(following), f"{year:04d}-{number:02d}")


def month_of(moment: int, tz: ZoneInfo) -> Period:
    """The month containing a moment (the console opens on the current month)."""
    local = _local(moment, tz)
    return month(f"{local.year:04d}-{local.month:02d}", tz)


def span(start_text: str | None, end_text: str | None, tz: ZoneInfo, now: int, *,
         default_days: int = 30) -> Period:
    """A period from --from/--to (ISO 8601). A date-only --to includes that whole day.

    Missing --to means now; missing --from means `default_days` before the end.
    """
    end = to_epoch(parse_iso(end_text, tz, "--to")) if end_text else now
    if end_text and _DATE_ONLY.match(end_text):
        end += 24 * 3600
    start = to_epoch(parse_iso(start_text, tz, "--from")) if start_text else end - default_days * 24 * 3600
    if start >= end:
        raise UsageError("time.from_after_to", start=start_text or start, end=end_text or "now")
    label = f"{_local(start, tz):%Y-%m-%d} … {_local(end - 1, tz):%Y-%m-%d}"
    return Period(start, end, label)


def choose(month_text: str | None, start_text: str | None, end_text: str | None, tz: ZoneInfo,
           now: int) -> Period:
    """The period a report command asked for: --month, or --from/--to, else the current month."""
    if month_text and (start_text or end_text):
        raise UsageError("time.month_or_range")
    if month_text:
        return month(month_text, tz)
    if start_text or end_text:
        return span(start_text, end_text, tz, now)
    return month_of(now, tz)


def week_anchor(period: Period, tz: ZoneInfo) -> int:
    """Epoch of the local Monday 00:00 on or before the period's start: week 0 begins there."""
    local = _local(period.start, tz)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return to_epoch(monday)


def week_count(period: Period, tz: ZoneInfo) -> int:
    """How many (partial) weeks the period touches."""
    return (period.end - 1 - week_anchor(period, tz)) // WEEK + 1


def week_labels(period: Period, tz: ZoneInfo) -> list[str]:
    """The local date of each week's Monday, e.g. ['11-02', '11-09', …]."""
    anchor = week_anchor(period, tz)
    return [f"{_local(anchor + i * WEEK, tz):%m-%d}" for i in range(week_count(period, tz))]


def shift_month(period: Period, step: int, tz: ZoneInfo) -> Period:
    """The month `step` months from the period's (for a --from/--to span: from the month it ends in)."""
    anchor = period if _MONTH.match(period.label) else month_of(period.end - 1, tz)
    year, number = int(anchor.label[:4]), int(anchor.label[5:]) - 1 + step
    return month(f"{year + number // 12:04d}-{number % 12 + 1:02d}", tz)
