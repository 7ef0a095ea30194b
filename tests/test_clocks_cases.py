"""A case's clocks end to end: holidays and 调休, unconfirmed years, pause/resume, extensions,
`case list --overdue/--due-within`, the closed loop and time in limbo."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from models.cases import department, lifecycle, pausing
from models.clocks.clocks import clock_rows
from models.errors import InvalidState, PermissionDenied, ValidationError
from models.reports import limbo
from models.store.schema import Event, Extension
from models.worktime.timeutil import local_iso, to_epoch
from tests.clock_support import SH, at, county, epoch


def _by_clock(rows: list[dict], clock: str, department: str | None = None) -> dict:
    return next(r for r in rows if r["clock"] == clock and r["department"] == department)


def _actions(case_id: int) -> list[str]:
    return [e.action for e in Event.select().where(Event.case == case_id).order_by(Event.id)]


# -- acceptance: the calendar ------------------------------------------------------------------


def test_five_working_days_from_30_september_skip_national_day_and_count_saturday_10_october(
        tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url, general_resolve='"5wd"')
    case_id = c.new_case(at(2026, 9, 30, 10))
    # 10-08 (1), 10-09 (2), Sat 10-10 make-up workday (3), 10-12 (4), 10-13 (5); without the
    # make-up Saturday it would be 10-14, without the holiday 10-08.
    assert c.case(case_id).resolve_due == epoch(2026, 10, 13, 10)
    result = c.run("case", "clocks", str(case_id), "--json")
    assert result.exit_code == 0, result.output
    resolve = _by_clock(json.loads(result.output), "resolve")
    assert resolve["due"] == "2026-10-13T10:00:00+08:00"
    assert resolve["rule"] == {"limit": "5wd", "from": "received", "next_working_day": False}
    assert resolve["start"] == "2026-09-30T10:00:00+08:00"
    assert resolve["confirmed"] is True and resolve["warning"] is None


def test_december_case_is_due_in_unconfirmed_january_until_2027_is_entered(
        tmp_path: Path, db_url: str, more_databases: Callable[[str], str]) -> None:
    (tmp_path / "a").mkdir()
    first = county(tmp_path / "a", db_url, general_resolve='"7wd"')
    case_id = first.new_case(at(2026, 12, 28, 10))
    # Weekends only for 2027: 12-29, 12-30, 12-31, Fri 01-01, 01-04, 01-05, 01-06.
    assert first.case(case_id).resolve_due == epoch(2027, 1, 6, 10)
    assert first.case(case_id).due_confirmed is False
    result = first.run("case", "clocks", str(case_id), "--json")
    assert result.exit_code == 0, result.output
    resolve = _by_clock(json.loads(result.output), "resolve")
    assert resolve["confirmed"] is False and resolve["unconfirmed_years"] == [2027]
    assert "[calendar.years.2027]" in resolve["warning"] and "chuishao.toml" in resolve["warning"]
    table = first.run("case", "clocks", str(case_id))
    assert table.exit_code == 0 and "warning: holiday data for 2027" in table.output

    (tmp_path / "b").mkdir()
    entered = county(tmp_path / "b", more_databases("b"), general_resolve='"7wd"',
                     extra='[calendar.years.2027]\nholidays = ["2027-01-01"]\nworkdays = []\n')
    case_id = entered.new_case(at(2026, 12, 28, 10))
    assert entered.case(case_id).resolve_due == epoch(2027, 1, 7, 10)  # New Year's Day is off now
    assert entered.case(case_id).due_confirmed is True
    rows = clock_rows(entered.ctx("liuyang", at(2026, 12, 28, 11)), entered.case(case_id))
    assert _by_clock(rows, "resolve")["confirmed"] is True


def test_clocks_of_every_assignment_stop_when_their_step_happens(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    case_id = c.dispatched_case(at(2026, 11, 2, 9), at(2026, 11, 2, 10), coop=("gongshui",))
    department.acknowledge(c.ctx("yangfan", at(2026, 11, 2, 11)), case_id)
    rows = clock_rows(c.ctx("liuyang", at(2026, 11, 2, 15)), c.case(case_id))
    assert [(r["clock"], r["department"]) for r in rows] == [
        ("dispatch", None), ("acknowledge", "zhujian"), ("arrive", "zhujian"), ("acknowledge", "gongshui"),
        ("arrive", "gongshui"), ("resolve", None)]
    lead_ack = _by_clock(rows, "acknowledge", "zhujian")
    assert lead_ack["status"] == "stopped" and lead_ack["stopped_at"] == "2026-11-02T11:00:00+08:00"
    assert lead_ack["on_time"] is True and lead_ack["remaining"] is None
    coop_ack = _by_clock(rows, "acknowledge", "gongshui")  # 4wh from 10:00 → 15:30
    assert coop_ack["status"] == "running" and coop_ack["due"] == "2026-11-02T15:30:00+08:00"
    assert coop_ack["remaining_seconds"] == 1800 and coop_ack["remaining"] == "30m"
    late = clock_rows(c.ctx("liuyang", at(2026, 11, 2, 16, 30)), c.case(case_id))
    assert _by_clock(late, "acknowledge", "gongshui")["overdue_seconds"] == 3600
    assert _by_clock(late, "acknowledge", "gongshui")["remaining"] == "-1h 00m"
    assert _by_clock(late, "dispatch")["status"] == "stopped"


# -- pause and resume --------------------------------------------------------------------------


def test_pause_moves_every_running_due_by_the_paused_working_time(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url, general_resolve='"5wd"')
    case_id = c.dispatched_case(at(2026, 9, 30, 10), at(2026, 9, 30, 11))
    arrive_before = _by_clock(clock_rows(c.ctx(None, at(2026, 9, 30, 12)), c.case(case_id)), "arrive", "zhujian")
    assert arrive_before["due"] == "2026-10-09T11:00:00+08:00"
    with pytest.raises(PermissionDenied):
        pausing.pause(c.ctx("yangfan", at(2026, 10, 9, 10)), case_id, reason="等待")
    pausing.pause(c.ctx("liuyang", at(2026, 10, 9, 10)), case_id, reason="等待群众返乡")
    assert c.case(case_id).next_due is None  # a paused case is never overdue in the queue
    frozen = clock_rows(c.ctx("liuyang", at(2026, 10, 20, 10)), c.case(case_id))
    assert _by_clock(frozen, "resolve")["paused"] is True
    assert _by_clock(frozen, "resolve")["remaining_seconds"] == epoch(2026, 10, 13, 10) - epoch(2026, 10, 9, 10)
    with pytest.raises(InvalidState, match="already paused"):
        pausing.pause(c.ctx("liuyang", at(2026, 10, 9, 11)), case_id, reason="again")
    # Fri 10:00-17:30 (6 h) + make-up Sat 10-10 (7 h) + Mon 09:00-10:00 (1 h) = 14 office hours.
    pausing.resume(c.ctx("liuyang", at(2026, 10, 12, 10)), case_id)
    case = c.case(case_id)
    assert case.resolve_due == epoch(2026, 10, 15, 10) and case.paused_since is None
    assert case.paused_seconds == 3 * 86400
    # The arrive clock had 1 office hour left when paused (Fri 10:00 → 11:00): 1 hour after resuming.
    assert _by_clock(clock_rows(c.ctx(None, at(2026, 10, 12, 10)), case), "arrive", "zhujian")["due"] == \
        "2026-10-12T11:00:00+08:00"
    assert _actions(case_id)[-2:] == ["pause", "resume"]
    resume_event = Event.select().where(Event.case == case_id).order_by(Event.id.desc()).first()
    assert json.loads(resume_event.after)["shifted"]["resolve"]["seconds"] == 14 * 3600
    with pytest.raises(InvalidState, match="not paused"):
        pausing.resume(c.ctx("liuyang", at(2026, 10, 12, 11)), case_id)


def test_a_clock_computed_after_a_pause_is_credited_the_pause(tmp_path: Path, db_url: str) -> None:
    # Dispatch recomputes the resolve clock from "received"; the pause before it must still count.
    c = county(tmp_path, db_url, general_resolve='"5wd"')
    case_id = c.new_case(at(2026, 11, 2, 10))
    c.whistle(case_id, at(2026, 11, 2, 10))
    pausing.pause(c.ctx("liuyang", at(2026, 11, 2, 10)), case_id, reason="核实地址")
    pausing.resume(c.ctx("liuyang", at(2026, 11, 3, 10)), case_id)  # one working day (7 h)
    assert c.case(case_id).resolve_due == epoch(2026, 11, 10, 10)
    c.dispatch(case_id, at(2026, 11, 3, 11))  # dispatch recomputes resolve from "received"
    assert c.case(case_id).resolve_due == epoch(2026, 11, 10, 10)


# -- extensions --------------------------------------------------------------------------------


def test_extension_before_the_deadline_approved_moves_the_resolve_due(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url, general_resolve='"5wd"')
    case_id = c.dispatched_case(at(2026, 11, 2, 10), coop=("gongshui",))
    department.acknowledge(c.ctx("yangfan", at(2026, 11, 2, 11)), case_id)
    with pytest.raises(PermissionDenied, match="only the lead"):
        pausing.request_extension(c.ctx("xuming", at(2026, 11, 5, 10)), case_id, by="3wd", reason="配合单位")
    row = pausing.request_extension(c.ctx("yangfan", at(2026, 11, 5, 10)), case_id, by="3wd", reason="需协调产权单位")
    assert row.old_due == epoch(2026, 11, 9, 10) and row.new_due == epoch(2026, 11, 12, 10)
    with pytest.raises(InvalidState, match="already has extension request"):
        pausing.request_extension(c.ctx("yangfan", at(2026, 11, 5, 11)), case_id, by="1wd", reason="x")
    pausing.decide_extension(c.ctx("liuyang", at(2026, 11, 6, 10)), case_id, approve=True, note="同意")
    case = c.case(case_id)
    assert case.resolve_due == epoch(2026, 11, 12, 10) and case.extension_count == 1
    assert Extension.get_by_id(row.id).status == "approved"
    pausing.request_extension(c.ctx("yangfan", at(2026, 11, 10, 10)), case_id, until=epoch(2026, 11, 20, 17),
                              reason="再延")
    pausing.decide_extension(c.ctx("liuyang", at(2026, 11, 10, 11)), case_id, approve=False, note="理由不足")
    assert c.case(case_id).resolve_due == epoch(2026, 11, 12, 10)
    assert _actions(case_id)[-4:] == ["extend", "extension_approve", "extend", "extension_refuse"]
    pausing.request_extension(c.ctx("yangfan", at(2026, 11, 11, 10)), case_id, by="1wd", reason="三延")
    pausing.decide_extension(c.ctx("liuyang", at(2026, 11, 11, 11)), case_id, approve=True)
    with pytest.raises(ValidationError, match="max_extensions = 2"):
        pausing.request_extension(c.ctx("yangfan", at(2026, 11, 12, 9)), case_id, by="1wd", reason="四延")


def test_an_extension_requested_after_the_deadline_is_refused_clearly(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    case_id = c.dispatched_case(c.now - timedelta(days=20))  # resolve 7d: long past
    department.acknowledge(c.ctx("yangfan", c.now), case_id)
    due = local_iso(c.case(case_id).resolve_due, SH)
    result = c.run("--as", "yangfan", "case", "extend", str(case_id), "--by", "3wd", "--reason", "来不及")
    assert result.exit_code == 1
    assert f"case {case_id} is acknowledged: extension refused — the resolve deadline {due} passed" in result.output
    assert "must be requested before the deadline" in result.output and "Traceback" not in result.output
    assert Extension.select().count() == 0


# -- case list ---------------------------------------------------------------------------------


def test_case_list_overdue_and_due_within(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    now = c.now
    late = c.new_case(now - timedelta(days=3))  # dispatch clock (24 h) overdue
    fresh = c.new_case(now)  # dispatch due in 24 h
    overdue = c.run("case", "list", "--overdue", "--json")
    assert overdue.exit_code == 0, overdue.output
    assert [r["id"] for r in json.loads(overdue.output)] == [late]
    soon = json.loads(c.run("case", "list", "--due-within", "2d", "--json").output)
    assert {r["id"] for r in soon} == {late, fresh} and all(r["next_due"] for r in soon)
    assert [r["id"] for r in json.loads(c.run("case", "list", "--due-within", "30m", "--json").output)] == [late]
    bad = c.run("case", "list", "--due-within", "soon")
    assert bad.exit_code == 2 and "not understood" in bad.output


# -- the closed loop ---------------------------------------------------------------------------


def _resolved(c, received: datetime) -> int:  # type: ignore[no-untyped-def]
    case_id = c.dispatched_case(received)
    department.acknowledge(c.ctx("yangfan", received + timedelta(hours=1)), case_id)
    department.arrive(c.ctx("yangfan", received + timedelta(hours=2)), case_id)
    lifecycle.resolve(c.ctx("yangfan", received + timedelta(hours=3)), case_id, result="已修复路灯")
    return case_id


def test_closed_loop_unreachable_citizen_unsatisfied_reopen_and_close(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url, general_resolve='"5wd"')
    t = at(2026, 11, 2, 9)
    quiet = _resolved(c, t)
    desk = c.ctx("liuyang", t + timedelta(days=1))
    for attempt in range(2):
        lifecycle.evaluate(desk, quiet, source="citizen", rating=None, unreachable=True)
        with pytest.raises(ValidationError, match=f"{attempt + 1} recorded"):
            lifecycle.close(desk, quiet)
    lifecycle.evaluate(desk, quiet, source="citizen", rating=None, unreachable=True)
    assert lifecycle.close(desk, quiet).state == "closed"

    unhappy = _resolved(c, t)
    lifecycle.evaluate(desk, unhappy, source="citizen", rating="unsatisfied", comment="灯还是不亮")
    with pytest.raises(ValidationError, match="unsatisfied"):
        lifecycle.close(desk, unhappy)
    reopened_at = t + timedelta(days=2)
    case = lifecycle.reopen(c.ctx("liuyang", reopened_at), unhappy, reason="群众反映未解决")
    assert case.reopen_count == 1 and case.state == "on_site"
    assert case.resolve_due == epoch(2026, 11, 11, 9)  # 5wd from the reopen (Wed 11-04 09:00)
    resolve = _by_clock(clock_rows(c.ctx("liuyang", reopened_at), case), "resolve")
    assert resolve["status"] == "running" and resolve["start"] == "2026-11-04T09:00:00+08:00"
    lifecycle.resolve(c.ctx("yangfan", reopened_at + timedelta(hours=4)), unhappy, result="更换线路")
    lifecycle.evaluate(desk, unhappy, source="citizen", rating="satisfied")
    assert lifecycle.close(desk, unhappy).closed_at is not None


def test_close_waits_for_every_configured_evaluation_source(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url, replace={'close_requires = ["citizen"]': 'close_requires = ["citizen", "township", '
                                                                  '"third_party"]'})
    t = at(2026, 11, 2, 9)
    case_id = _resolved(c, t)
    desk = c.ctx("liuyang", t + timedelta(days=1))
    lifecycle.evaluate(desk, case_id, source="citizen", rating="satisfied")
    with pytest.raises(ValidationError, match="township evaluation"):
        lifecycle.close(desk, case_id)
    lifecycle.evaluate(c.ctx("lixia", t + timedelta(days=1)), case_id, source="township", rating="satisfied")
    with pytest.raises(ValidationError, match="third party evaluation"):
        lifecycle.close(desk, case_id)
    lifecycle.evaluate(desk, case_id, source="third_party", rating="basically_satisfied")
    assert lifecycle.close(desk, case_id).state == "closed"


# -- time in limbo -----------------------------------------------------------------------------


def test_time_in_limbo_unassigned_sign_for_and_bouncing(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    t = at(2026, 11, 2, 9)
    case_id = c.new_case(t)
    c.whistle(case_id, t + timedelta(minutes=30))
    c.dispatch(case_id, t + timedelta(hours=2), coop=("gongshui",))
    department.return_case(c.ctx("yangfan", t + timedelta(hours=3)), case_id, reason="属供水管网")
    lifecycle.note(c.ctx("liuyang", t + timedelta(hours=3, minutes=10)), case_id, text="核实中")
    department.review_return(c.ctx("liuyang", t + timedelta(hours=3, minutes=30)), case_id, lead="gongdian")
    now = t + timedelta(hours=5)
    ctx = c.ctx("liuyang", now)
    values = limbo.limbo_by_case(ctx, [case_id])[case_id]
    assert values["unassigned"] == 2 * 3600
    assert values["bouncing"] == 30 * 60
    assert values["sign_for"] == 3600 + 90 * 60  # zhujian 1 h, then gongdian still pending 1.5 h
    assert values["total"] == sum(values[k] for k in ("unassigned", "sign_for", "bouncing"))
    assert limbo.case_limbo(ctx, case_id)["text"]["bouncing"] == "30m"
    by_department = limbo.department_limbo(ctx)
    assert by_department["zhujian"] == {"sign_for_seconds": 3600, "sign_for_intervals": 1,
                                        "bouncing_seconds": 1800, "returns": 1}
    assert by_department["gongdian"]["sign_for_seconds"] == 90 * 60
    assert limbo.department_limbo(ctx, since=to_epoch(t + timedelta(hours=3, minutes=20)))["gongdian"][
        "sign_for_intervals"] == 1
    assert "zhujian" not in limbo.department_limbo(ctx, since=to_epoch(t + timedelta(hours=4)))


def test_entering_2027_later_recomputes_open_cases_on_the_next_sweep(tmp_path: Path, db_url: str) -> None:
    from models.supervision import supervision
    from tests.clock_support import County, write_config

    c = county(tmp_path, db_url, general_resolve='"7wd"')
    case_id = c.new_case(at(2026, 12, 28, 10))
    extended = c.dispatched_case(at(2026, 12, 28, 10))
    department.acknowledge(c.ctx("yangfan", at(2026, 12, 28, 11)), extended)
    pausing.request_extension(c.ctx("yangfan", at(2026, 12, 29, 10)), extended, until=epoch(2027, 1, 20, 17, 30),
                              reason="节后施工")
    pausing.decide_extension(c.ctx("liuyang", at(2026, 12, 29, 11)), extended, approve=True)
    # Nothing known about 2027 yet: the plain case stays as it is; the extended one's remaining rule
    # clocks (arrive) are confirmed, its resolve deadline is the approved date, so it is confirmed now.
    assert supervision.sweep(c.ctx("liuyang", at(2026, 12, 29, 12))).recomputed == [extended]
    assert c.case(case_id).due_confirmed is False and c.case(extended).due_confirmed is True
    # The office enters the State Council's 2027 notice: 01-01 is a holiday.
    entered = write_config(tmp_path, general_resolve='"7wd"',
                           extra='[calendar.years.2027]\nholidays = ["2027-01-01"]\nworkdays = []\n')
    later = County(c.db_url, entered)
    result = supervision.sweep(later.ctx("liuyang", at(2026, 12, 30, 9)))
    assert case_id in result.recomputed
    case = later.case(case_id)
    assert case.resolve_due == epoch(2027, 1, 7, 10) and case.due_confirmed is True
    (event,) = Event.select().where((Event.case == case_id) & (Event.action == "recompute"))
    assert json.loads(event.after)["moved"]["resolve"] == ["2027-01-06T10:00:00+08:00", "2027-01-07T10:00:00+08:00"]
    assert later.case(extended).resolve_due == epoch(2027, 1, 20, 17, 30)  # an approved extension stays
    assert supervision.sweep(later.ctx("liuyang", at(2026, 12, 30, 10))).recomputed == []
