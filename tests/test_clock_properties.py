"""Properties of a case's clocks through the real operations (intake, pause, resume): the due moment
is monotone in the start, a pause adds exactly its working length, and a working-time due never
lands outside office hours — across National Day 2026, 调休 Saturdays and unconfirmed 2027."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.cases import pausing
from models.clocks.clocks import clock_rows
from models.org.config import load_config
from models.worktime.calendar import WorkCalendar
from models.worktime.timeutil import from_epoch
from tests import pg_support
from tests.clock_support import SH, County, write_config

RULES = ('"5wd"', '"4wh"', '{ limit = "3wd", from = "received", next_working_day = true }', '"30h"')
UNITS = {'"5wd"': "wd", '"4wh"': "wh", RULES[2]: "wd", '"30h"': "h"}

# Moments to the minute from mid-September 2026 to mid-January 2027 (National Day, New Year, 2027).
MOMENTS = st.integers(0, 125 * 24 * 60).map(lambda m: datetime(2026, 9, 15, tzinfo=SH) + timedelta(minutes=m))
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module", params=pg_support.ENGINES)
def counties(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, County]]:
    """One database per engine, one config per general resolve rule (each example makes new cases).

    The schema binds one database per process, so the rules share it: only the config differs.
    """
    url = pg_support.engine_database(request.param, tmp_path_factory.mktemp("db"))
    out = {}
    base: County | None = None
    for n, rule in enumerate(RULES):
        directory = tmp_path_factory.mktemp(f"rule{n}")
        path = write_config(directory, general_resolve=rule)
        if base is None:
            base = out[rule] = County(url, path)
        else:
            out[rule] = copy.copy(base)
            out[rule].config_path, out[rule].config = path, load_config(str(path))
    yield out
    pg_support.release(url)


def _due(county: County, case_id: int) -> datetime:
    moment = from_epoch(county.case(case_id).resolve_due)
    assert moment is not None
    return moment


def _on_office_time(calendar: WorkCalendar, moment: datetime) -> bool:
    local = moment.astimezone(SH)
    if not calendar.is_workday(local.date()):
        return False
    return any(opening <= local.time() <= end for opening, end in calendar.office_hours)


@PROPERTY
@given(rule=st.sampled_from(RULES), a=MOMENTS, b=MOMENTS)
def test_resolve_due_is_monotone_in_the_received_time(counties: dict[str, County], rule: str, a: datetime,
                                                      b: datetime) -> None:
    county = counties[rule]
    early, late = sorted((a, b))
    first, second = county.new_case(early), county.new_case(late)
    assert _due(county, first) <= _due(county, second)


@PROPERTY
@given(rule=st.sampled_from(RULES), received=MOMENTS, wait=st.integers(0, 20 * 24 * 60),
       length=st.integers(1, 12 * 24 * 60))
def test_a_pause_adds_exactly_its_working_length(counties: dict[str, County], rule: str, received: datetime,
                                                 wait: int, length: int) -> None:
    county = counties[rule]
    calendar = county.ctx("liuyang", received).calendar
    case_id = county.new_case(received)
    before = _due(county, case_id)
    paused = received + timedelta(minutes=wait)
    resumed = paused + timedelta(minutes=length)
    pausing.pause(county.ctx("liuyang", paused), case_id, reason="等待群众")
    pausing.resume(county.ctx("liuyang", resumed), case_id)
    after = _due(county, case_id)
    unit = UNITS[rule]
    if unit == "h":
        assert after - before == resumed - paused
    else:
        assert calendar.working_seconds_between(before, after) == calendar.working_seconds_between(paused, resumed)
        assert _on_office_time(calendar, after)
    rows = clock_rows(county.ctx("liuyang", resumed), county.case(case_id))
    resolve = next(r for r in rows if r["clock"] == "resolve")
    assert resolve["paused"] is False and resolve["due"] == after.astimezone(SH).isoformat()
    # Every year the clock crosses without holiday data is named (here only 2027 can be missing).
    crossed = range(received.year, after.astimezone(SH).year + 1)
    expected = [y for y in crossed if y > 2026] if unit != "h" else []
    assert resolve["unconfirmed_years"] == expected


@PROPERTY
@given(rule=st.sampled_from(RULES[:3]), received=MOMENTS, pauses=st.lists(
    st.tuples(st.integers(0, 3 * 24 * 60), st.integers(1, 4 * 24 * 60)), min_size=1, max_size=3))
def test_working_time_dues_never_land_outside_office_hours(counties: dict[str, County], rule: str,
                                                           received: datetime,
                                                           pauses: list[tuple[int, int]]) -> None:
    county = counties[rule]
    calendar = county.ctx("liuyang", received).calendar
    case_id = county.new_case(received)
    assert _on_office_time(calendar, _due(county, case_id))
    moment = received
    total = 0
    for gap, length in pauses:
        moment += timedelta(minutes=gap)
        pausing.pause(county.ctx("liuyang", moment), case_id, reason="等待")
        end = moment + timedelta(minutes=length)
        total += calendar.working_seconds_between(max(moment, received), end)
        pausing.resume(county.ctx("liuyang", end), case_id)
        moment = end
        assert _on_office_time(calendar, _due(county, case_id))
    assert county.case(case_id).paused_seconds == sum(length for _, length in pauses) * 60
    # Pauses add up: the due moved by exactly the sum of their working lengths.
    fresh = county.new_case(received)
    assert calendar.working_seconds_between(_due(county, fresh), _due(county, case_id)) == total


def test_office_time_helper_rejects_holidays_and_lunch() -> None:
    calendar = WorkCalendar.from_config({}, "Asia/Shanghai")
    assert not _on_office_time(calendar, datetime(2026, 10, 2, 10, tzinfo=SH))
    assert not _on_office_time(calendar, datetime(2026, 9, 30, 12, 30, tzinfo=SH))
    assert _on_office_time(calendar, datetime(2026, 10, 10, 17, 30, tzinfo=SH))  # make-up Saturday, period end
    assert not _on_office_time(calendar, datetime(2026, 10, 11, 10, tzinfo=SH))  # plain Sunday
