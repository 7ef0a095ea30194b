"""Working-time clocks: holidays, 调休 make-up weekends, years the package does not know, pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.worktime.calendar import CalendarConfigError, Deadline, WorkCalendar
from models.worktime.durations import Duration, parse_duration

SH = ZoneInfo("Asia/Shanghai")
HOURS = ["09:00-12:00", "13:30-17:30"]
DAY_SECONDS = 7 * 3600  # office seconds in one working day with HOURS
CAL = WorkCalendar.from_config({"office_hours": HOURS}, "Asia/Shanghai")


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """An Asia/Shanghai wall-clock moment."""
    return datetime(y, mo, d, h, mi, tzinfo=SH)


def local(moment: datetime) -> datetime:
    return moment.astimezone(SH)


# -- the statutory data we rely on -------------------------------------------------------------


def test_package_matches_the_2026_state_council_notice() -> None:
    # 国务院办公厅关于2026年部分节假日安排的通知 (published by Xinhua on 2025-11-04):
    # 春节 02-15..02-23 off, Sat 02-14 and Sat 02-28 working; 国庆节 10-01..10-07 off,
    # Sun 09-20 and Sat 10-10 working.
    for day in ("2026-02-14", "2026-02-28", "2026-09-20", "2026-10-10", "2026-09-30", "2026-10-08"):
        assert chinese_calendar.is_workday(date.fromisoformat(day)), day
    for offset in range(9):
        assert not chinese_calendar.is_workday(date(2026, 2, 15) + timedelta(days=offset))
    for offset in range(7):
        assert not chinese_calendar.is_workday(date(2026, 10, 1) + timedelta(days=offset))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


# -- the acceptance case: National Day 2026 ---------------------------------------------------


def test_five_working_days_across_national_day_same_time() -> None:
    # Wed 09-30 10:00 → working days 10-08 (1), 10-09 (2), Sat 10-10 make-up (3), 10-12 (4), 10-13 (5).
    deadline = CAL.add(at(2026, 9, 30, 10), parse_duration("5wd"))
    assert deadline == Deadline(datetime(2026, 10, 13, 2, 0, tzinfo=UTC), True, ())
    assert local(deadline.due) == at(2026, 10, 13, 10)
    # The make-up Saturday really counts: 3wd lands on it.
    assert local(CAL.add(at(2026, 9, 30, 10), Duration(3, "wd")).due) == at(2026, 10, 10, 10)


def test_five_working_days_across_national_day_from_next_working_day() -> None:
    # Day 1 is 10-08 (first working day after 09-30); the due moment is the office end of day 5.
    deadline = CAL.add(at(2026, 9, 30, 10), parse_duration("5wd"), next_working_day=True)
    assert deadline == Deadline(datetime(2026, 10, 13, 9, 30, tzinfo=UTC), True, ())
    assert local(deadline.due) == at(2026, 10, 13, 17, 30)
    # Received on the make-up Sunday 09-20 (a working day): day 1 is Mon 09-21.
    assert local(CAL.add(at(2026, 9, 20, 15), Duration(1, "wd"), next_working_day=True).due) == at(
        2026, 9, 21, 17, 30
    )


def test_start_on_a_holiday_or_outside_office_hours_moves_to_the_next_opening() -> None:
    one = Duration(1, "wd")
    assert local(CAL.add(at(2026, 10, 3, 14), one).due) == at(2026, 10, 9, 9)
    assert local(CAL.add(at(2026, 9, 30, 18), one).due) == at(2026, 10, 9, 9)
    assert local(CAL.add(at(2026, 9, 30, 12, 30), one).due) == at(2026, 10, 8, 13, 30)
    assert local(CAL.add(at(2026, 9, 30, 7), one).due) == at(2026, 10, 8, 9)


def test_a_start_exactly_at_a_period_end_is_outside_office_hours() -> None:
    # Periods are half-open: 12:00 and 17:30 are closed, so the clock starts at the next opening.
    one = Duration(1, "wd")
    assert local(CAL.add(at(2026, 9, 30, 12), one).due) == at(2026, 10, 8, 13, 30)
    assert local(CAL.add(at(2026, 9, 29, 17, 30), one).due) == at(2026, 10, 8, 9)
    assert local(CAL.add(at(2026, 9, 30, 11, 59), one).due) == at(2026, 10, 8, 11, 59)


def test_same_clock_time_clamps_to_the_period_end_on_a_dst_day() -> None:
    # Only a zone with DST can shorten a period: 01:00-04:00 New York lasts 2 h on 2026-03-08.
    ny = ZoneInfo("America/New_York")
    cal = WorkCalendar(ny, [(time(1), time(4))], {2026: (set(), {date(2026, 3, 8)})})
    due = cal.add(datetime(2026, 3, 6, 3, 30, tzinfo=ny), Duration(1, "wd")).due
    assert due.astimezone(ny) == datetime(2026, 3, 8, 4, 0, tzinfo=ny)


def test_working_hours_stop_at_period_ends_and_skip_the_holiday() -> None:
    assert local(CAL.add(at(2026, 9, 30, 10), Duration(2, "wh")).due) == at(2026, 9, 30, 12)
    assert local(CAL.add(at(2026, 9, 30, 11), Duration(2, "wh")).due) == at(2026, 9, 30, 14, 30)
    assert local(CAL.add(at(2026, 9, 30, 16, 30), Duration(2, "wh")).due) == at(2026, 10, 8, 10)
    assert local(CAL.add(at(2026, 10, 2, 10), Duration(3, "wh")).due) == at(2026, 10, 8, 12)


def test_natural_units_ignore_the_calendar() -> None:
    start = at(2026, 9, 30, 10)
    assert CAL.add(start, Duration(3, "d")) == Deadline(start.astimezone(UTC) + timedelta(hours=72), True, ())
    assert CAL.add(start, Duration(24, "h")).due == datetime(2026, 10, 1, 2, tzinfo=UTC)
    late = CAL.add(at(2026, 12, 30, 10), Duration(7, "d"))
    assert late.confirmed and late.unconfirmed_years == ()


def test_start_zone_does_not_matter() -> None:
    start = at(2026, 9, 30, 10)
    for unit in ("wd", "wh", "h"):
        assert CAL.add(start, Duration(5, unit)) == CAL.add(start.astimezone(UTC), Duration(5, unit))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        CAL.add(datetime(2026, 9, 30, 10), Duration(1, "wd"))
    with pytest.raises(ValueError, match="naive"):
        CAL.add(datetime(2026, 9, 30, 10), Duration(1, "h"))


# -- Spring Festival 2026 and its make-up Saturdays -------------------------------------------


def test_spring_festival_2026() -> None:
    assert CAL.is_workday(date(2026, 2, 14)) and CAL.is_workday(date(2026, 2, 28))
    assert not any(CAL.is_workday(date(2026, 2, 15) + timedelta(days=i)) for i in range(9))
    friday = at(2026, 2, 13, 10)
    assert local(CAL.add(friday, Duration(1, "wd")).due) == at(2026, 2, 14, 10)  # Sat 02-14 works
    assert local(CAL.add(friday, Duration(2, "wd")).due) == at(2026, 2, 24, 10)
    assert local(CAL.add(at(2026, 2, 27, 10), Duration(1, "wd")).due) == at(2026, 2, 28, 10)
    assert local(CAL.add(at(2026, 2, 27, 10), Duration(2, "wd")).due) == at(2026, 3, 2, 10)
    assert CAL.working_seconds_between(at(2026, 2, 13), at(2026, 2, 25)) == 3 * DAY_SECONDS


# -- years the package does not know ----------------------------------------------------------


def test_december_case_runs_into_unconfirmed_2027() -> None:
    start = at(2026, 12, 28, 10)
    # Fallback Mon-Fri: 12-29, 12-30, 12-31, Fri 01-01, 01-04, 01-05, 01-06.
    deadline = CAL.add(start, Duration(7, "wd"))
    assert local(deadline.due) == at(2027, 1, 6, 10)
    assert deadline.confirmed is False
    assert deadline.unconfirmed_years == (2027,)
    assert CAL.is_workday(date(2027, 1, 1)) and not CAL.is_confirmed(date(2027, 1, 1))
    assert CAL.is_confirmed(date(2026, 12, 31))


def test_office_year_table_confirms_2027_and_moves_the_due_date() -> None:
    cfg = {"office_hours": HOURS, "years": {"2027": {"holidays": ["2027-01-04"], "workdays": []}}}
    cal = WorkCalendar.from_config(cfg, "Asia/Shanghai")
    deadline = cal.add(at(2026, 12, 28, 10), Duration(7, "wd"))
    assert local(deadline.due) == at(2027, 1, 7, 10)
    assert deadline.confirmed is True and deadline.unconfirmed_years == ()
    assert not cal.is_workday(date(2027, 1, 4)) and cal.is_confirmed(date(2027, 6, 1))
    nwd = cal.add(at(2026, 12, 28, 10), Duration(7, "wd"), next_working_day=True)
    assert local(nwd.due) == at(2027, 1, 7, 17, 30) and nwd.confirmed


def test_year_table_patches_a_known_year_and_adds_make_up_days() -> None:
    years = {2026: ({date(2026, 9, 30)}, {date(2026, 10, 11)}), 2028: (set(), {date(2028, 1, 8)})}
    cal = WorkCalendar(SH, [(time(9), time(12))], years)
    assert not cal.is_workday(date(2026, 9, 30)) and cal.is_workday(date(2026, 10, 11))
    assert cal.is_workday(date(2026, 10, 10)) and not cal.is_workday(date(2026, 10, 5))  # package still
    assert cal.is_workday(date(2028, 1, 8)) and not cal.is_workday(date(2028, 1, 9))  # Sat / Sun
    assert cal.is_confirmed(date(2028, 1, 1)) and not cal.is_confirmed(date(2027, 1, 1))
    assert not cal.is_confirmed(date(1999, 1, 1)) and cal.is_workday(date(1999, 1, 4))


# -- configuration ----------------------------------------------------------------------------


def test_from_config_accepts_toml_shapes_and_defaults() -> None:
    cal = WorkCalendar.from_config({}, "Asia/Shanghai")
    assert cal.office_hours == ((time(9), time(12)), (time(13, 30), time(17, 30)))
    cfg = {"office_hours": ["13:30 - 17:30", "8:30-12:00"], "years": {2027: {"holidays": [date(2027, 1, 1)]}}}
    cal = WorkCalendar.from_config(cfg, "Asia/Shanghai")
    assert cal.office_hours[0] == (time(8, 30), time(12))
    assert not cal.is_workday(date(2027, 1, 1))


@pytest.mark.parametrize(
    ("cfg", "tz", "needle"),
    [
        ({"office_hours": ["12:00-09:00"]}, "Asia/Shanghai", "ends before it starts"),
        ({"office_hours": ["9-12"]}, "Asia/Shanghai", "HH:MM-HH:MM"),
        ({"office_hours": ["09:00-24:00"]}, "Asia/Shanghai", "impossible time"),
        ({"office_hours": ["09:00-12:00", "11:00-14:00"]}, "Asia/Shanghai", "overlap"),
        ({"office_hours": []}, "Asia/Shanghai", "empty"),
        ({"office_hours": "09:00-12:00"}, "Asia/Shanghai", "must be a list"),
        ({"years": {"2027": {"holidays": ["2027-02-30"]}}}, "Asia/Shanghai", "holidays[0]"),
        ({"years": {"2027": {"holidays": ["2027/01/01"]}}}, "Asia/Shanghai", "YYYY-MM-DD"),
        ({"years": {"2027": {"holidays": ["2026-12-31"]}}}, "Asia/Shanghai", "belongs to 2026"),
        ({"years": {"2027": {"holiday": ["2027-01-01"]}}}, "Asia/Shanghai", "unknown key"),
        ({"years": {"27": {}}}, "Asia/Shanghai", "not a year"),
        (
            {"years": {"2027": {"holidays": ["2027-01-02"], "workdays": ["2027-01-02"]}}},
            "Asia/Shanghai",
            "both",
        ),
        ({"years": {"2027": {"holidays": [datetime(2027, 1, 1, 9)]}}}, "Asia/Shanghai", "date-time"),
        ({}, "Mars/Olympus", "time zone"),
    ],
)
def test_from_config_rejects_bad_input_clearly(cfg: dict, tz: str, needle: str) -> None:
    with pytest.raises(ValueError) as caught:
        WorkCalendar.from_config(cfg, tz)
    assert isinstance(caught.value, CalendarConfigError)
    assert needle in str(caught.value)


# -- pauses -----------------------------------------------------------------------------------


def test_pause_across_the_holiday_costs_only_office_time() -> None:
    p0, p1 = at(2026, 9, 30, 17), at(2026, 10, 8, 10)
    assert CAL.paused_length(p0, p1, "wd") == 30 * 60 + 3600
    assert CAL.paused_length(p0, p1, "h") == int((p1 - p0).total_seconds())
    assert CAL.paused_length(p1, p0, "wh") == 0 and CAL.paused_length(p1, p0, "h") == 0
    due = CAL.add(at(2026, 9, 30, 10), Duration(5, "wd")).due
    assert local(CAL.shift(due, 5400, "wd")) == at(2026, 10, 13, 11, 30)
    assert local(CAL.shift(due, 3 * 3600, "wd")) == at(2026, 10, 13, 14, 30)
    assert CAL.shift(due, 5400, "h") == due + timedelta(seconds=5400)
    assert CAL.shift(due, 0, "wh") == due
    with pytest.raises(ValueError):
        CAL.shift(due, -1, "wd")
    with pytest.raises(ValueError):
        CAL.shift(due, 1, "weeks")


_OPEN = ((time(9), time(12)), (time(13, 30), time(17, 30)))


def _reference_15wd(start: datetime, next_working_day: bool) -> datetime:
    """The 15-working-day due moment worked out the slow way: walk the calendar one day at a time
    with the statutory package's own is_workday, apply HOURS by hand (no WorkCalendar code)."""
    moment = local(start)
    day, clock = moment.date(), moment.time()
    if next_working_day:
        due_clock = _OPEN[-1][1]  # the office end of the 15th working day after the start's date
    elif not chinese_calendar.is_workday(day) or clock >= _OPEN[-1][1]:
        day, due_clock = None, _OPEN[0][0]  # opens at 09:00 on the next working day
    elif clock < _OPEN[0][0]:
        due_clock = _OPEN[0][0]
    elif _OPEN[0][1] <= clock < _OPEN[1][0]:
        due_clock = _OPEN[1][0]  # the lunch break waits for the afternoon
    else:
        due_clock = clock
    if day is None:  # the clock opens on the next working day; the count starts after it
        day = moment.date() + timedelta(days=1)
        while not chinese_calendar.is_workday(day):
            day += timedelta(days=1)
    counted = 0
    while counted < 15:
        day += timedelta(days=1)
        counted += chinese_calendar.is_workday(day)
    return datetime.combine(day, due_clock, tzinfo=SH)


def test_three_thousand_fifteen_working_day_deadlines_match_a_day_by_day_count() -> None:
    # Starts every 97 minutes from 2026-01-05 09:00 for ~200 days: every time of day, weekends,
    # Spring Festival, Qingming, Labour Day, Dragon Boat and their make-up Saturdays/Sundays.
    # (How fast this is belongs to benchmarks/, not to a test.)
    start = at(2026, 1, 5, 9)
    for i in range(3000):
        moment, nwd = start + timedelta(minutes=97 * i), bool(i % 2)
        deadline = CAL.add(moment, Duration(15, "wd"), next_working_day=nwd)
        assert local(deadline.due) == _reference_15wd(moment, nwd), (moment, nwd)
        assert deadline.confirmed and deadline.unconfirmed_years == ()


# -- properties -------------------------------------------------------------------------------

_LO, _HI = datetime(2025, 12, 1), datetime(2027, 2, 28)
_EDGES = [time(0), time(8, 59, 59), time(9), time(11, 59, 59), time(12), time(13, 30), time(17, 30), time(23)]
_any_moment = st.datetimes(min_value=_LO, max_value=_HI, timezones=st.sampled_from([SH, UTC]))
_edge_moment = st.builds(
    lambda d, t: datetime.combine(d, t, tzinfo=SH),
    st.dates(min_value=_LO.date(), max_value=_HI.date()),
    st.sampled_from(_EDGES),
)
moments = st.one_of(_any_moment, _edge_moment)
durations = st.one_of(
    st.builds(Duration, st.integers(1, 15), st.just("wd")),
    st.builds(Duration, st.integers(1, 60), st.just("wh")),
    st.builds(Duration, st.integers(1, 600), st.sampled_from(["m", "h", "d"])),
)
_FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _on_office_time(moment: datetime) -> bool:
    """True if `moment` lies in a closed office period of a working day."""
    wall = local(moment)
    if not CAL.is_workday(wall.date()):
        return False
    return any(o <= wall.time() <= e for o, e in CAL.office_hours)


@_FAST
@given(moments, moments, durations, st.booleans())
def test_add_is_monotone_in_the_start(a: datetime, b: datetime, duration: Duration, nwd: bool) -> None:
    a, b = sorted((a, b))
    assert CAL.add(a, duration, next_working_day=nwd).due <= CAL.add(b, duration, next_working_day=nwd).due


@_FAST
@given(moments, durations, st.booleans())
def test_working_dues_land_on_office_time(start: datetime, duration: Duration, nwd: bool) -> None:
    deadline = CAL.add(start, duration, next_working_day=nwd)
    assert deadline.due.tzinfo is UTC and deadline.due >= start.replace(microsecond=0)
    years = range(local(start).year, local(deadline.due).year + 1)
    assert deadline.unconfirmed_years == tuple(y for y in years if y > 2026 and duration.is_working)
    assert deadline.confirmed == (deadline.unconfirmed_years == ())
    if not duration.is_working:
        return
    assert CAL.is_workday(local(deadline.due).date())
    assert _on_office_time(deadline.due)
    if duration.unit == "wh":
        assert CAL.working_seconds_between(start, deadline.due) == duration.amount * 3600
    elif nwd:
        assert local(deadline.due).time() == time(17, 30)
    else:
        # Same clock time N working days on: exactly N office days of working time in between.
        assert CAL.working_seconds_between(start, deadline.due) == duration.amount * DAY_SECONDS


@_FAST
@given(moments, moments, moments, st.sampled_from(["m", "h", "d", "wd", "wh"]))
def test_shift_adds_exactly_the_paused_time(due: datetime, p0: datetime, p1: datetime, unit: str) -> None:
    p0, p1 = sorted((p0, p1))
    cost = CAL.paused_length(p0, p1, unit)
    shifted = CAL.shift(due, cost, unit)
    assert shifted >= due.replace(microsecond=0)
    if unit in ("wd", "wh"):
        assert cost == CAL.working_seconds_between(p0, p1)
        assert CAL.working_seconds_between(due, shifted) == cost
    else:
        assert cost == int(p1.timestamp()) - int(p0.timestamp())
        assert shifted - due == timedelta(seconds=cost)


@_FAST
@given(moments, moments, moments)
def test_working_seconds_between_is_additive(a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted((a, b, c))
    ab, bc = CAL.working_seconds_between(a, b), CAL.working_seconds_between(b, c)
    assert CAL.working_seconds_between(a, c) == ab + bc
    assert CAL.working_seconds_between(c, a) == 0


@settings(max_examples=40, deadline=None)
@given(
    st.dates(min_value=date(2026, 9, 15), max_value=date(2027, 1, 10)),
    st.integers(0, 95),
    st.integers(1, 288),
)
def test_working_seconds_between_matches_a_minute_count(day: date, first: int, length: int) -> None:
    # Brute force over 15-minute steps (all office boundaries are on quarter hours).
    a = datetime.combine(day, time(0), tzinfo=SH) + timedelta(minutes=15 * first)
    b = a + timedelta(minutes=15 * length)
    steps = (a + timedelta(minutes=15 * i) for i in range(length))
    expected = sum(
        900 for s in steps if _on_office_time(s) and local(s).time() not in (time(12), time(17, 30))
    )
    assert CAL.working_seconds_between(a, b) == expected
