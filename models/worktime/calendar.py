"""Working time: deadlines right to the minute across holidays and 调休 make-up working weekends.

Which days are working days
    1. The office's own year tables (``[calendar.years.YYYY]`` in chuishao.toml): listed holidays are
       off, listed make-up workdays are on. A year with a table is *confirmed* by the office.
    2. Otherwise chinese_calendar for the years it knows (2004-2026 in 1.11.0), which follows the
       State Council notices, including 调休 Saturdays/Sundays.
    3. Otherwise plain Monday-Friday. Such dates are *unconfirmed*: a deadline that crosses them is
       flagged so the console can say "holiday data for 2027 not entered yet".
    A year table for a year the package knows only patches it (unlisted dates keep the package's
    answer); for an unknown year, unlisted dates fall back to Monday-Friday.

Office hours are wall-clock periods in the calendar's zone, e.g. 09:00-12:00 and 13:30-17:30, each
half-open [opening, end). All arithmetic runs in that zone and every result is an aware UTC
datetime. Working time has one-second resolution: sub-second parts of inputs are dropped, which
keeps working_seconds_between exactly additive.

What `add(start, Duration)` means, per unit
    m / h / d   Plain elapsed time (3d = 72 h, whatever the calendar says); always confirmed.
    wh          Only office-hours time on working days counts. A start outside office hours begins
                counting at the next opening. The due moment is the *earliest* moment with enough
                working time, so it lies inside a period or exactly at a period's end (2wh from
                10:00 is 12:00, not 13:30) - never on a non-working day.
    wd          "N working days later, same time": a start on a non-working day or outside office
                hours first moves to the next opening; due = the same wall-clock time (precisely:
                the same offset into the same office period, clamped to that period's end, which
                only matters on a DST-change day) on the Nth working day after that day.
    wd with next_working_day=True
                "Counted from the next working day" (e.g. complaints: 13 working days): day 1 is
                the first working day after the start's calendar date, whatever the start's time;
                due = the office end (end of the last period) of the Nth such day.
    Deadline.confirmed is True when every calendar day from the start's date to the due date lies
    in a confirmed year; unconfirmed_years lists the years that do not.

Pauses: `paused_length` measures a pause in the rule's currency (elapsed seconds for m/h/d,
office-hours seconds for wd/wh) and `shift` moves a due moment later by that much, so for working
units working_seconds_between(due, shift(due, n, unit)) == n.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar

from models.worktime.durations import NATURAL_UNITS, UNITS, Duration

DEFAULT_OFFICE_HOURS: tuple[str, ...] = ("09:00-12:00", "13:30-17:30")

# A run of this many consecutive days off can only be a broken year table; stop instead of spinning.
_MAX_DAYS_OFF = 400

_ONE_DAY = timedelta(days=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PERIOD_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*$")
_DATE_RE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")
_YEAR_KEYS = frozenset({"holidays", "workdays"})


class CalendarConfigError(ValueError):
    """A bad ``[calendar]`` table or constructor argument; the message names the entry and is fit to show."""


@dataclass(frozen=True)
class Deadline:
    """A computed due moment (aware, UTC) and whether its holiday data is office-confirmed."""

    due: datetime
    confirmed: bool
    unconfirmed_years: tuple[int, ...] = ()


def _epoch(moment: datetime) -> int:
    """Whole epoch seconds, floored; exact (no float) so integer working-time sums stay additive."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: clock arithmetic needs a zone")
    return (moment - _EPOCH) // timedelta(seconds=1)


def _from_epoch(seconds: int) -> datetime:
    return _EPOCH + timedelta(seconds=seconds)


class WorkCalendar:
    """Working days (statutory + office overrides) and office hours in one zone."""

    def __init__(
        self,
        tz: ZoneInfo,
        office_hours: list[tuple[time, time]],
        years: dict[int, tuple[set[date], set[date]]],
    ) -> None:
        self.tz = tz
        self.office_hours: tuple[tuple[time, time], ...] = _check_hours(office_hours)
        self._holidays: set[date] = set()
        self._workdays: set[date] = set()
        self._office_years: frozenset[int] = frozenset(int(y) for y in years)
        for year, (holidays, workdays) in years.items():
            for day in sorted(set(holidays) | set(workdays)):
                if day.year != int(year):
                    raise CalendarConfigError(
                        f"calendar.years.{year} lists {day.isoformat()}, which belongs to {day.year}; "
                        f"move it to the [calendar.years.{day.year}] table"
                    )
            both = set(holidays) & set(workdays)
            if both:
                listed = ", ".join(d.isoformat() for d in sorted(both))
                raise CalendarConfigError(f"calendar.years.{year}: {listed} is both a holiday and a workday")
            self._holidays |= set(holidays)
            self._workdays |= set(workdays)
        # Caches: a demo or an import computes thousands of deadlines over the same few hundred days.
        self._workday_cache: dict[date, bool] = {}
        self._package_years: dict[int, bool] = {}
        self._period_cache: dict[date, tuple[tuple[int, int], ...]] = {}

    @classmethod
    def from_config(cls, calendar_cfg: Mapping[str, Any] | None, tz_name: str) -> WorkCalendar:
        """Build from the ``[calendar]`` table of chuishao.toml and the office's zone name.

        Raises ValueError naming the offending entry (bad period, overlap, bad date, wrong year).
        """
        cfg: Mapping[str, Any] = {} if calendar_cfg is None else calendar_cfg
        if not isinstance(cfg, Mapping):
            raise CalendarConfigError("[calendar] must be a table")
        try:
            tz = ZoneInfo(str(tz_name))
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarConfigError(
                f"time zone {tz_name!r} is unknown; use an IANA name such as Asia/Shanghai"
            ) from None
        raw_hours = cfg.get("office_hours", list(DEFAULT_OFFICE_HOURS))
        if isinstance(raw_hours, str) or not isinstance(raw_hours, list | tuple):
            raise CalendarConfigError(
                'calendar.office_hours must be a list such as ["09:00-12:00", "13:30-17:30"]'
            )
        hours = [_parse_period(item, f"calendar.office_hours[{i}]") for i, item in enumerate(raw_hours)]
        raw_years = cfg.get("years", {})
        if not isinstance(raw_years, Mapping):
            raise CalendarConfigError(
                "calendar.years must be a table of year tables, e.g. [calendar.years.2027]"
            )
        years: dict[int, tuple[set[date], set[date]]] = {}
        for key, table in raw_years.items():
            year = _parse_year(key)
            if year in years:
                raise CalendarConfigError(f"calendar.years.{year} is given twice")
            if not isinstance(table, Mapping):
                raise CalendarConfigError(
                    f"calendar.years.{key} must be a table with holidays = [...] and workdays = [...]"
                )
            unknown = sorted(str(k) for k in table if k not in _YEAR_KEYS)
            if unknown:
                raise CalendarConfigError(
                    f"calendar.years.{key}: unknown key(s) {', '.join(unknown)}; use holidays and workdays"
                )
            lists = []
            for name in ("holidays", "workdays"):
                values = table.get(name, [])
                if isinstance(values, str) or not isinstance(values, list | tuple):
                    raise CalendarConfigError(
                        f"calendar.years.{key}.{name} must be a list of YYYY-MM-DD dates"
                    )
                lists.append(
                    {_parse_date(v, f"calendar.years.{key}.{name}[{i}]") for i, v in enumerate(values)}
                )
            years[year] = (lists[0], lists[1])
        return cls(tz, hours, years)

    # -- days ---------------------------------------------------------------------------------

    def _package_knows(self, year: int) -> bool:
        """Whether chinese_calendar has data for `year`; probed once per year."""
        known = self._package_years.get(year)
        if known is None:
            try:
                chinese_calendar.is_workday(date(year, 6, 1))
                known = True
            except Exception:  # noqa: BLE001 - NotImplementedError today; any failure means "no data"
                known = False
            self._package_years[year] = known
        return known

    def _day(self, d: date | datetime) -> date:
        # A datetime is a date subclass; take its date in *this* calendar's zone, not its own.
        if isinstance(d, datetime):
            return d.astimezone(self.tz).date() if d.tzinfo is not None else d.date()
        return d

    def is_workday(self, d: date) -> bool:
        """True if `d` is a working day: office tables, then chinese_calendar, then Monday-Friday."""
        d = self._day(d)
        cached = self._workday_cache.get(d)
        if cached is None:
            if d in self._holidays:
                cached = False
            elif d in self._workdays:
                cached = True
            elif self._package_knows(d.year):
                cached = bool(chinese_calendar.is_workday(d))
            else:
                cached = d.weekday() < 5
            self._workday_cache[d] = cached
        return cached

    def is_confirmed(self, d: date) -> bool:
        """True if `d`'s year has an office table or statutory data in chinese_calendar."""
        year = self._day(d).year
        return year in self._office_years or self._package_knows(year)

    def _working_days(self, start: date) -> Iterator[date]:
        """Working days from `start` (inclusive) onwards."""
        day, off = start, 0
        while True:
            if self.is_workday(day):
                off = 0
                yield day
            else:
                off += 1
                if off > _MAX_DAYS_OFF:
                    raise CalendarConfigError(
                        f"no working day in the {_MAX_DAYS_OFF} days before {day.isoformat()}; "
                        "check the holidays in the calendar year tables"
                    )
            day += _ONE_DAY

    def _nth_working_day_after(self, d: date, n: int) -> date:
        days = self._working_days(d + _ONE_DAY)
        for _ in range(n - 1):
            next(days)
        return next(days)

    def _periods(self, d: date) -> tuple[tuple[int, int], ...]:
        """Office periods of a working day as epoch-second pairs (empty on a day off)."""
        cached = self._period_cache.get(d)
        if cached is None:
            if not self.is_workday(d):
                cached = ()
            else:
                pairs = []
                for opening, end in self.office_hours:
                    ps = _epoch(datetime.combine(d, opening, tzinfo=self.tz))
                    pe = _epoch(datetime.combine(d, end, tzinfo=self.tz))
                    # A DST jump inside a period could invert it; a zero-length period is harmless.
                    pairs.append((ps, max(ps, pe)))
                cached = tuple(pairs)
            self._period_cache[d] = cached
        return cached

    def _local_date(self, seconds: int) -> date:
        return _from_epoch(seconds).astimezone(self.tz).date()

    # -- working-time arithmetic --------------------------------------------------------------

    def _opening(self, s: int) -> tuple[date, int, int]:
        """The first office moment at or after `s`: (its date, period index, seconds into period)."""
        for day in self._working_days(self._local_date(s)):
            for index, (ps, pe) in enumerate(self._periods(day)):
                if pe > s and pe > ps:
                    return day, index, max(0, s - ps)
        raise AssertionError("unreachable: _working_days is endless")

    def _advance(self, s: int, seconds: int) -> int:
        """Earliest moment at or after `s` with `seconds` (> 0) of working time since `s`."""
        remaining = seconds
        for day in self._working_days(self._local_date(s)):
            for ps, pe in self._periods(day):
                if pe <= s:
                    continue
                begin = max(ps, s)
                if remaining <= pe - begin:
                    return begin + remaining
                remaining -= pe - begin
        raise AssertionError("unreachable: _working_days is endless")

    def opening_at_or_after(self, seconds: int) -> int:
        """The first office moment at or after `seconds` (itself when the office is open then)."""
        day, index, offset = self._opening(seconds)
        return self._periods(day)[index][0] + offset

    def add(self, start: datetime, duration: Duration, *, next_working_day: bool = False) -> Deadline:
        """Due moment of a clock of `duration` started at `start` (see the module docstring)."""
        if duration.unit in NATURAL_UNITS:
            _epoch(start)  # refuses naive datetimes, which astimezone would silently read as host-local
            due_dt = start.astimezone(UTC) + timedelta(seconds=duration.natural_seconds)
            return Deadline(due_dt, True, ())
        s = _epoch(start)
        if duration.unit == "wh":
            due = self._advance(s, duration.amount * 3600)
        elif next_working_day:
            target = self._nth_working_day_after(self._local_date(s), duration.amount)
            due = self._periods(target)[-1][1]
        else:
            day, index, offset = self._opening(s)
            target = self._nth_working_day_after(day, duration.amount)
            ps, pe = self._periods(target)[index]
            due = min(ps + offset, pe)
        first_year, last_year = self._local_date(s).year, self._local_date(due).year
        missing = tuple(y for y in range(first_year, last_year + 1) if not self.is_confirmed(date(y, 1, 1)))
        return Deadline(_from_epoch(due), not missing, missing)

    def opening_of_working_day_after(self, moment: datetime, n: int) -> datetime:
        """The office opening of the `n`th working day after `moment`'s own day: "the working day after
        a deadline" for a deadline on a holiday (10-07) is 10-08, not the day after the next opening."""
        day = self._nth_working_day_after(self._local_date(_epoch(moment)), n)
        return _from_epoch(self._periods(day)[0][0])

    def working_seconds_between(self, a: datetime, b: datetime) -> int:
        """Office-hours seconds on working days in [a, b); 0 if b <= a."""
        sa, sb = _epoch(a), _epoch(b)
        if sb <= sa:
            return 0
        total = 0
        day, last = self._local_date(sa), self._local_date(sb)
        while day <= last:
            for ps, pe in self._periods(day):
                overlap = min(pe, sb) - max(ps, sa)
                if overlap > 0:
                    total += overlap
            day += _ONE_DAY
        return total

    def shift(self, due: datetime, seconds: int, unit: str) -> datetime:
        """Move `due` later by `seconds` of natural time (m/h/d) or office-hours time (wd/wh)."""
        if unit not in UNITS:
            raise ValueError(f"unit must be one of m, h, d, wd, wh, got {unit!r}")
        if seconds < 0:
            raise ValueError(f"shift only moves a deadline later, got {seconds} s")
        _epoch(due)  # refuses naive datetimes
        if unit in NATURAL_UNITS:
            return due.astimezone(UTC) + timedelta(seconds=seconds)
        if seconds == 0:
            return due.astimezone(UTC)
        return _from_epoch(self._advance(_epoch(due), seconds))

    def paused_length(self, pause_start: datetime, pause_end: datetime, unit: str) -> int:
        """Seconds a pause costs: elapsed seconds for m/h/d, office-hours seconds for wd/wh."""
        if unit not in UNITS:
            raise ValueError(f"unit must be one of m, h, d, wd, wh, got {unit!r}")
        if unit in NATURAL_UNITS:
            return max(0, _epoch(pause_end) - _epoch(pause_start))
        return self.working_seconds_between(pause_start, pause_end)


# -- validation helpers ---------------------------------------------------------------------------


def _check_hours(office_hours: list[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    """Sorted, non-empty, non-overlapping office periods, or ValueError."""
    if not office_hours:
        raise CalendarConfigError(
            "calendar.office_hours is empty; give at least one period such as 09:00-17:30"
        )
    periods = sorted((tuple(p) for p in office_hours), key=lambda p: p[0])
    for opening, end in periods:
        if not opening < end:
            raise CalendarConfigError(
                f"office hours {_hm(opening)}-{_hm(end)}: the end must be after the start"
            )
    for (o1, e1), (o2, e2) in pairwise(periods):
        if o2 < e1:
            raise CalendarConfigError(f"office hours {_hm(o1)}-{_hm(e1)} and {_hm(o2)}-{_hm(e2)} overlap")
    return tuple(periods)  # type: ignore[arg-type]


def _hm(t: time) -> str:
    return t.strftime("%H:%M")


def _parse_period(item: Any, where: str) -> tuple[time, time]:
    match = _PERIOD_RE.match(item) if isinstance(item, str) else None
    if match is None:
        raise CalendarConfigError(
            f"{where}: {item!r} is not a period; write it as HH:MM-HH:MM, e.g. 09:00-12:00"
        )
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise CalendarConfigError(f"{where}: {item!r} has an impossible time (hours 00-23, minutes 00-59)")
    opening, end = time(h1, m1), time(h2, m2)
    if not opening < end:
        raise CalendarConfigError(f"{where}: {item!r} ends before it starts")
    return opening, end


def _parse_year(key: Any) -> int:
    text = str(key).strip()
    if isinstance(key, bool) or not re.fullmatch(r"\d{4}", text):
        raise CalendarConfigError(f"calendar.years: {key!r} is not a year; use e.g. [calendar.years.2027]")
    return int(text)


def _parse_date(value: Any, where: str) -> date:
    # datetime is a date subclass; a TOML date-time in a holiday list is a mistake worth reporting.
    if isinstance(value, datetime):
        raise CalendarConfigError(
            f"{where}: {value.isoformat()} is a date-time; give the date only (YYYY-MM-DD)"
        )
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE_RE.match(value):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CalendarConfigError(f"{where}: {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2027-01-01")
