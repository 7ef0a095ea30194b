"""Scoreboards: the demo county's figures recomputed by hand from `case list/show --json`, --explain
listing exactly the rows behind each figure, scores from the configured weights, township flags."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from models.errors import PermissionDenied
from models.org.config import Config
from models.org.context import Context
from models.reports.scoreboard import department_scoreboard, explain, explain_township, township_scoreboard
from models.store.schema import Accountability, SupervisionOrder
from models.worktime import period as periods
from tests.cli_support import TODAY
from tests.report_support import WHOLE, admin_on, at, handled_case, run_cli


@pytest.fixture(scope="module")
def demo(demo_url: str) -> str:
    return demo_url


def _epoch(iso: str | None) -> int | None:
    return None if iso is None else int(datetime.fromisoformat(iso).timestamp())


def _by_hand(db: str, dept: str, start: int, end: int, now: int) -> dict[str, tuple[set[int], set[int]]]:
    """Response and resolution of one department, from the case JSON alone (numerator, denominator ids)."""
    listed = json.loads(run_cli(db, "case", "list", "--dept", dept, "--json").output)
    sets: dict[str, tuple[set[int], set[int]]] = {"response": (set(), set()), "resolution": (set(), set())}
    for row in listed:
        case = json.loads(run_cli(db, "case", "show", str(row["id"]), "--json").output)
        # Lead cases: first dispatched in the period, the department their current lead.
        if case["lead"] == dept and start <= (_epoch(case["dispatched_at"]) or 0) < end:
            sets["resolution"][1].add(case["id"])
            if case["resolved_at"] is not None:
                sets["resolution"][0].add(case["id"])
        for a in case["assignments"]:
            dispatched = _epoch(a["dispatched_at"])
            if a["department"] != dept or a["state"] == "withdrawn" or not start <= (dispatched or 0) < end:
                continue
            # Signed for or returned since the latest dispatch (an upheld return dispatches again).
            acked, due, returned = _epoch(a["acknowledged_at"]), _epoch(a["ack_due"]), _epoch(a["returned_at"])
            signed = acked is not None and acked >= dispatched
            # A return by the sign-for deadline is neither a response nor a miss (issue 16 item 3).
            in_time_return = returned is not None and returned >= dispatched and (due is None or returned <= due)
            if in_time_return:
                continue
            if signed or (returned is not None and returned >= dispatched) or (due is not None and due <= now):
                sets["response"][1].add(case["id"])
                if signed and (due is None or acked <= due):
                    sets["response"][0].add(case["id"])
    return sets


def test_cli_rates_equal_a_recount_from_case_json_and_explain_lists_those_cases(demo: str) -> None:
    result = run_cli(demo, "report", "scoreboard", *WHOLE, "--json")
    assert result.exit_code == 0, result.output
    board = json.loads(result.output)
    assert len(board["departments"]) == 39
    for row in board["departments"]:
        for rate in row["rates"].values():
            assert rate["rate"] is None or rate["rate"] == round(rate["num"] / rate["den"], 4)
    busiest = max(board["departments"], key=lambda d: d["assignments"])
    dept = busiest["department"]
    start, end = _epoch(board["period"]["from"]), _epoch(board["period"]["to"])
    assert start is not None and end is not None
    # The period ended 11-21 00:00, before TODAY: its figures are as of its last second (issue 16 item 4).
    recount = _by_hand(demo, dept, start, end, min(int(TODAY.timestamp()), end - 1))
    for key in ("response", "resolution"):
        num, den = recount[key]
        assert (busiest["rates"][key]["num"], busiest["rates"][key]["den"]) == (len(num), len(den)), key
    explained = json.loads(run_cli(demo, "report", "scoreboard", *WHOLE, "--explain", dept, "--json").output)
    for key in ("response", "resolution"):
        rows = explained["figures"][key]["cases"]
        assert {r["case_id"] for r in rows} == recount[key][1]
        assert {r["case_id"] for r in rows if r["counted"]} == recount[key][0]
    assert busiest["rates"]["response"]["den"] > 10  # the recount covered real work, not an empty row


def test_explain_totals_are_the_scoreboard_figures_for_every_department(config: Config, demo: str) -> None:
    ctx = at(admin_on(config, demo), "2026-11-27T00:00")  # one "now" for both: limbo grows with it
    period = periods.span(WHOLE[1], WHOLE[3], config.tz, ctx.now())
    for board in department_scoreboard(ctx, period):
        detail = explain(ctx, board.department, period)
        for key, figure in board.figures.items():
            assert (detail["figures"][key]["num"], detail["figures"][key]["den"]) == (figure.num, figure.den), key
        for source, rate in board.by_source.items():
            part = detail["figures"].get(f"satisfaction_{source}", {"num": 0, "den": 0})
            assert (part["num"], part["den"]) == (rate.num, rate.den)
    for town in township_scoreboard(ctx, period):
        detail = explain_township(ctx, town.township, period)
        for key, figure in town.figures.items():
            assert (detail["figures"][key]["num"], detail["figures"][key]["den"]) == (figure.num, figure.den), key


def test_scores_follow_the_configured_weights_and_deductions(ctx_for: Callable[..., Context], config: Config) -> None:
    good = handled_case(ctx_for)  # zhujian: every step on time, citizen satisfied
    handled_case(ctx_for, lead="gongshui", ack_after_h=30, rating="unsatisfied", received="2026-11-03T01:00")
    admin = ctx_for()
    SupervisionOrder.create(case=good, kind="order", department="zhujian", issued_by="sunli",
                            issued_at=_epoch("2026-11-05T10:00:00+08:00"))
    Accountability.create(department="zhujian", reason="late", recorded_by="sunli",
                          recorded_at=_epoch("2026-11-06T10:00:00+08:00"), cases=json.dumps([good]))
    period = periods.month("2026-11", config.tz)
    boards = {b.department: b for b in department_scoreboard(at(admin, "2026-11-20T00:00"), period)}
    zhujian, gongshui = boards["zhujian"], boards["gongshui"]
    # Deductions per 100 assignments (issue 16): 1 order of 1 assignment → 1.0 × 100 × 1/1 = 100;
    # 1 record → 2.0 × 100 × 1/1 = 200; 100 − 300 is held at 0.
    assert zhujian.deductions == {"return": 0.0, "reopen": 0.0, "supervision": 100.0, "accountability": 200.0}
    assert zhujian.score == 0.0 and zhujian.rank == 2
    # Signed for 30 h after dispatch (the general sign-for clock is shorter), satisfaction 0 of 1.
    assert gongshui.figures["response"].num == 0 and gongshui.figures["response"].den == 1
    assert gongshui.figures["satisfaction"].rate == 0.0 and "below_satisfaction_floor" in gongshui.flags
    w = config.section("scoring")["weights"]
    expected = (w["arrival"] + w["resolution"] + w["on_time"]) / sum(w.values()) * 100
    assert gongshui.score == round(expected, 1) and gongshui.rank == 1
    assert boards["shuiwu"].score is None and boards["shuiwu"].rank is None  # nothing assigned: no score


def test_township_whistling_its_own_duty_is_flagged(ctx_for: Callable[..., Context], config: Config) -> None:
    own = next(code for code, item in config.duty_items.items() if item.scope == "township")
    handled_case(ctx_for, township="chengguan", village="东关社区", duty_item=own)
    handled_case(ctx_for, township="qiaotou", village="桥头社区", duty_item="CS-001")
    period = periods.month("2026-11", config.tz)
    towns = {t.township: t for t in township_scoreboard(at(ctx_for(), "2026-11-20T00:00"), period)}
    assert towns["chengguan"].figures["own_duty_whistles"].num == 1
    assert "own_duty" in towns["chengguan"].flags and "too_high" in towns["chengguan"].flags
    assert "own_duty" not in towns["qiaotou"].flags
    assert towns["dongcheng"].figures["raised"].num == 0 and towns["dongcheng"].flags == []
    detail = explain_township(ctx_for(), "城关镇", period)
    assert [r["duty_item"] for r in detail["figures"]["own_duty_whistles"]["cases"] if r["counted"]] == [own]


def test_the_demo_flags_townships_that_whistle_their_own_duty(demo: str) -> None:
    result = run_cli(demo, "report", "scoreboard", "--township", *WHOLE, "--json")
    towns = json.loads(result.output)["townships"]
    flagged = [t for t in towns if t["rates"]["own_duty_whistles"]["num"]]
    assert flagged and all("own_duty" in t["flags"] for t in flagged)
    table = run_cli(demo, "report", "scoreboard", "--township", *WHOLE, columns=200)
    assert table.exit_code == 0 and "吹本职哨" in table.output


def test_explain_is_refused_outside_scope_and_bad_periods_exit_2(demo: str, config: Config) -> None:
    ctx = admin_on(config, demo, "yangfan")  # department operator of zhujian
    period = periods.month("2026-10", config.tz)
    assert explain(ctx, "zhujian", period)["department"] == "zhujian"
    with pytest.raises(PermissionDenied):
        explain(ctx, "gongshui", period)
    refused = run_cli(demo, "--as", "yangfan", "report", "scoreboard", "--explain", "gongshui", "--month", "2026-10")
    assert refused.exit_code == 1 and "no permission" in refused.output
    assert run_cli(demo, "report", "scoreboard", "--month", "2026-13").exit_code == 2
    both = run_cli(demo, "report", "scoreboard", "--month", "2026-10", "--from", "2026-10-01")
    assert both.exit_code == 2 and "either" in both.output


def test_periods_count_in_office_time(config: Config) -> None:
    tz = config.tz
    november = periods.month("2026-11", tz)
    assert november.end - november.start == 30 * 86400
    assert november.start == _epoch("2026-11-01T00:00:00+08:00")
    day = periods.span("2026-11-02", "2026-11-02", tz, 0)  # a bare --to date includes that day
    assert day.end - day.start == 86400
    assert periods.shift_month(november, 2, tz).label == "2027-01"
    assert periods.shift_month(november, -11, tz).label == "2025-12"


def test_text_table_shows_every_department(demo: str) -> None:
    result = run_cli(demo, "report", "scoreboard", *WHOLE, columns=250)
    assert result.exit_code == 0
    assert "住建" in result.output and "响应率" in result.output


@pytest.mark.sqlite_only("asserts on SQLite's EXPLAIN QUERY PLAN (which index a page walks)")
def test_migration_4_adds_the_covering_indexes_the_scoreboard_reads(ctx_for: Callable[..., Context],
                                                                   config: Config) -> None:
    import peewee as pw

    from models.reports.measures import assignment_base, department_measures, sums
    from models.store.migrations import CURRENT_VERSION, migrate, schema_version
    from models.store.schema import Assignment, Case, Evaluation, SchemaVersion

    db = ctx_for().db
    new = {name for model in (Case, Assignment, Evaluation) for name in _index_names(db, model)
           if "dispatched_at_state" in name or "received_at_state" in name or "round_outcome" in name
           or "dispatched_at_role" in name}
    assert len(new) == 4
    for name in new:  # back to a version 3 database
        db.execute_sql(f'DROP INDEX "{name}"')
    SchemaVersion.update(version=3).execute()  # a fresh database records only its current version
    assert schema_version(db) == 3 and migrate(db, config.places) == (3, CURRENT_VERSION)
    assert new <= {name for model in (Case, Assignment, Evaluation) for name in _index_names(db, model)}
    period = periods.month("2026-11", config.tz)
    query = Assignment.select(Assignment.department, *sums(department_measures(0))).where(
        assignment_base(period)).group_by(Assignment.department)
    sql, params = query.sql()
    plan = " ".join(str(row) for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "COVERING INDEX assignment_department_dispatched_at" in plan, plan
    # The lists of cases whose clocks run (overdue) come from indexes: no read of every case's row
    # (an OR inside one list did, 0.3-0.5 s on a million cases for every board, a month's too).
    scans = [row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params) if row[3].startswith("SCAN")]
    assert all("COVERING INDEX" in step for step in scans), plan
    assert isinstance(db, pw.SqliteDatabase)


def _index_names(db, model) -> set[str]:  # type: ignore[no-untyped-def]
    return {index.name for index in db.get_indexes(model._meta.table_name)}


def test_an_upheld_return_must_be_signed_for_again(ctx_for: Callable[..., Context], config: Config) -> None:
    from models.cases import department, lifecycle
    from models.intake.intake import NewReport, intake

    admin = ctx_for()
    case, _ = intake(at(admin, "2026-11-02T01:00"), NewReport(channel="hotline_12345", text="东关社区违建",
                                                              township="chengguan"))
    lifecycle.triage(at(admin, "2026-11-02T01:30"), case.id, category="城乡建设/城乡规划/违章建筑",
                     township="chengguan", priority="general", decision="whistle")
    lifecycle.dispatch(at(admin, "2026-11-02T02:00"), case.id, lead="zhujian")
    department.acknowledge(at(admin, "2026-11-02T02:06"), case.id, department="zhujian")
    department.return_case(at(admin, "2026-11-02T02:30"), case.id, reason="不属于本部门", department="zhujian")
    department.review_return(at(admin, "2026-11-02T03:00"), case.id, uphold=True)  # dispatched again, 11:00 local
    period = periods.month("2026-11", config.tz)

    def zhujian(now: str) -> dict[str, Any]:
        return next(b for b in department_scoreboard(at(admin, now), period) if b.department == "zhujian").figures

    soon = zhujian("2026-11-02T04:00")  # an hour later, inside the new sign-for time
    assert (soon["response"].num, soon["response"].den) == (0, 0)  # the old sign-for does not answer it
    assert soon["limbo"].num == 3600 and soon["returns"].num == 1
    late = zhujian("2026-11-03T00:00")  # past the new ack_due (16:30 local): not signed for in time
    assert (late["response"].num, late["response"].den) == (0, 1)
    assert late["overdue_sign_for"].num == 1 and late["overdue"].num >= 1


def test_a_cooperating_department_that_never_signs_for_a_case_resolved_later(ctx_for: Callable[..., Context],
                                                                             config: Config) -> None:
    # 供水 cooperates on 住建's case dispatched 11-02 10:00 local and never signs for it; 住建 resolves the
    # case 11-06 10:00. Its time in limbo runs from dispatch to the resolution (the case's row read in
    # one subquery); over a period ended 11-05, before the resolution, its sign-for clock was running
    # and overdue (the "resolved after the period's end" list of cases), and afterwards it is not.
    from models.cases import department, lifecycle
    from models.intake.intake import NewReport, intake
    from models.store.schema import Assignment
    from models.worktime.period import Period

    admin = ctx_for()
    case, _ = intake(at(admin, "2026-11-02T01:00"), NewReport(channel="hotline_12345", text="东关社区供水管道破裂",
                                                              township="chengguan"))
    lifecycle.triage(at(admin, "2026-11-02T01:30"), case.id, category="城乡建设/城乡规划/违章建筑",
                     township="chengguan", priority="general", decision="whistle")
    lifecycle.dispatch(at(admin, "2026-11-02T02:00"), case.id, lead="zhujian", cooperating=["gongshui"])
    department.acknowledge(at(admin, "2026-11-02T02:06"), case.id, department="zhujian")
    department.arrive(at(admin, "2026-11-02T03:00"), case.id, department="zhujian")
    lifecycle.resolve(at(admin, "2026-11-06T02:00"), case.id, result="已修复")
    waiting = Assignment.get((Assignment.case == case.id) & (Assignment.department == "gongshui"))
    resolved_at = int(datetime.fromisoformat("2026-11-06T02:00+00:00").timestamp())
    early_end = int(datetime.fromisoformat("2026-11-05T00:00+00:00").timestamp())
    assert waiting.acknowledged_at is None and waiting.ack_due is not None and waiting.ack_due < early_end

    def gongshui(period: Period) -> dict[str, Any]:
        return next(b for b in department_scoreboard(at(admin, "2026-11-20T00:00"), period)
                    if b.department == "gongshui").figures

    november = periods.month("2026-11", config.tz)
    after = gongshui(november)
    assert (after["limbo"].num, after["limbo"].den) == (resolved_at - waiting.dispatched_at, 1)
    assert (after["response"].num, after["response"].den) == (0, 1) and after["overdue_sign_for"].num == 0
    detail = explain(at(admin, "2026-11-20T00:00"), "gongshui", november)
    assert [r["value"] for r in detail["figures"]["limbo"]["cases"]] == [resolved_at - waiting.dispatched_at]
    before = gongshui(Period(early_end - 4 * 86400, early_end, "11-01..11-04"))
    assert (before["overdue_sign_for"].num, before["overdue_arrival"].num) == (1, 1)  # its arrive clock too
