"""Issue 16 items 3 and 4: a score that measures performance, not caseload, and a period's figures
taken as of its end. Times are UTC ("01:00" = 09:00 office time); the general priority's clocks are
sign-for 4 office hours from dispatch, arrival 2 working days, resolve 7 days from receipt.
Deductions (chuishao.toml): upheld return 0.5, reopen 0.5, supervision order 1.0, accountability 2.0,
each per 100 of its base (points = deduction × 100 × count / base), the score held within 0..100.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from models.cases import department, lifecycle
from models.intake.intake import NewReport, intake
from models.org.config import Config
from models.org.context import Context
from models.reports.explain import explain
from models.reports.scoreboard import department_scoreboard
from models.worktime import period as periods
from tests.report_support import at, handled_case


def _iso(base: datetime, hours: float) -> str:
    return (base + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S")


def _case(ctx_for: Callable[..., Context], lead: str, day: int, n: int, *, returned: str | None = None) -> int:
    """A whistled case received 11-{day} 09:00 office time, dispatched 10:00 to `lead`, every step on
    time; with returned="upheld" the lead returns it 10:30 and the office upholds it 11:00 (the lead
    must take it); with returned="accepted" the office re-dispatches it to 供水 (gongshui) at 11:00."""
    base = datetime(2026, 11, day, 1, 0, tzinfo=UTC)
    admin = ctx_for()
    case, _ = intake(at(admin, _iso(base, 0)), NewReport(channel="hotline_12345", text=f"东关社区第{n}号楼违建问题{lead}",
                                                         township="chengguan", received_at=int(base.timestamp())))
    lifecycle.triage(at(admin, _iso(base, 0.5)), case.id, category="城乡建设/城乡规划/违章建筑", township="chengguan",
                     priority="general", decision="whistle", duty_item="CS-001", village="东关社区")
    lifecycle.dispatch(at(admin, _iso(base, 1)), case.id, lead=lead)
    who = lead
    if returned:
        department.return_case(at(admin, _iso(base, 1.5)), case.id, reason="非本单位职责", department=lead)
        if returned == "upheld":
            department.review_return(at(admin, _iso(base, 2)), case.id, uphold=True)
        else:
            department.review_return(at(admin, _iso(base, 2)), case.id, lead="gongshui")
            who = "gongshui"
    department.acknowledge(at(admin, _iso(base, 2.5)), case.id, department=who)
    department.arrive(at(admin, _iso(base, 3.5)), case.id, department=who)
    lifecycle.resolve(at(admin, _iso(base, 4.5)), case.id, result="已拆除")
    lifecycle.evaluate(at(admin, _iso(base, 5.5)), case.id, source="citizen", rating="satisfied")
    return int(case.id)


def test_same_performance_at_five_times_the_volume_scores_the_same(ctx_for: Callable[..., Context],
                                                                   config: Config) -> None:
    # 住建: 2 cases, 1 return upheld. 公安: 10 cases, 5 returns upheld. Every clock met, all satisfied:
    # weighted rates 100 for both. Upheld returns per assignment: 1/2 and 5/10, each
    # 0.5 × 100 × 0.5 = 25 points → both 75.0. Before issue 16 each return cost 1 point: 99 and 95.
    _case(ctx_for, "zhujian", 2, 1)
    _case(ctx_for, "zhujian", 3, 2, returned="upheld")
    for n in range(10):
        _case(ctx_for, "gongan", 2 + n % 5, 10 + n, returned="upheld" if n % 2 else None)
    boards = {b.department: b for b in department_scoreboard(at(ctx_for(), "2026-11-20T00:00"),
                                                             periods.month("2026-11", config.tz))}
    zhujian, gongan = boards["zhujian"], boards["gongan"]
    assert (zhujian.figures["upheld_returns"].num, zhujian.figures["upheld_returns"].den) == (1, 2)
    assert (gongan.figures["upheld_returns"].num, gongan.figures["upheld_returns"].den) == (5, 10)
    assert zhujian.deductions["return"] == gongan.deductions["return"] == 25.0
    assert zhujian.score == gongan.score == 75.0


def test_a_return_the_office_accepted_costs_the_department_nothing(ctx_for: Callable[..., Context],
                                                                   config: Config) -> None:
    # 住建 handles case 1 perfectly and returns case 2 at 10:30, before its sign-for due 14:00; the
    # office agrees and re-dispatches case 2 to 供水. 住建: return rate 1 of 2 (shown), upheld returns
    # 0 of 2; its in-time return is neither a response nor a miss: response 1 of 1. Score 100.0.
    # Before issue 16: response 1 of 2 (−0.2/1.0 × 50 = −10) and 1 point for the return → 89.0.
    _case(ctx_for, "zhujian", 2, 1)
    _case(ctx_for, "zhujian", 3, 2, returned="accepted")
    board = {b.department: b for b in department_scoreboard(at(ctx_for(), "2026-11-20T00:00"),
                                                            periods.month("2026-11", config.tz))}["zhujian"]
    assert (board.figures["returns"].num, board.figures["returns"].den) == (1, 2)
    assert board.figures["upheld_returns"].num == 0 and board.deductions["return"] == 0.0
    assert (board.figures["response"].num, board.figures["response"].den) == (1, 1)
    assert board.score == 100.0


def test_explain_shows_the_formula_and_the_arithmetic_of_the_score(ctx_for: Callable[..., Context],
                                                                   config: Config, cli_run) -> None:  # type: ignore[no-untyped-def]
    # 住建: 2 cases, 1 return upheld (as above): weighted 100.00, minus 0.5 × 100 × 1/2 = 25.00 → 75.0.
    _case(ctx_for, "zhujian", 2, 1)
    _case(ctx_for, "zhujian", 3, 2, returned="upheld")
    period = periods.month("2026-11", config.tz)
    ctx = at(ctx_for(), "2026-11-20T00:00")
    detail = explain(ctx, "zhujian", period)
    board = {b.department: b for b in department_scoreboard(ctx, period)}["zhujian"]
    parts = detail["score"]
    assert parts["weighted"] == 100.0 and parts["score"] == board.score == 75.0
    assert parts["deductions"]["return"] == {"figure": "upheld_returns", "num": 1, "den": 2, "per_100": 0.5,
                                             "points": 25.0}
    assert "0–100" in detail["formula"] and "百件" in detail["formula"]
    # The rows behind the deduction: the upheld return's case only.
    assert [r["case_id"] for r in detail["figures"]["upheld_returns"]["cases"] if r["counted"]] == [2]


def test_scores_stay_within_0_and_100(ctx_for: Callable[..., Context], config: Config) -> None:
    # 住建 1 case, its one return upheld: 0.5 × 100 × 1/1 = 50 points, weighted 100 → 50.0; then two
    # accountability records: 2.0 × 100 × 2/1 = 400 more → 100 − 450 is held at 0.0, not −350.
    from models.store.schema import Accountability

    _case(ctx_for, "zhujian", 2, 1, returned="upheld")
    period = periods.month("2026-11", config.tz)
    ctx = at(ctx_for(), "2026-11-20T00:00")
    assert {b.department: b for b in department_scoreboard(ctx, period)}["zhujian"].score == 50.0
    for day in (5, 6):
        Accountability.create(department="zhujian", reason="late", recorded_by="sunli",
                              recorded_at=int(datetime(2026, 11, day, 2, tzinfo=UTC).timestamp()), cases="[]")
    board = {b.department: b for b in department_scoreboard(ctx, period)}["zhujian"]
    assert board.deductions["accountability"] == 400.0 and board.score == 0.0


def test_resolving_a_november_case_in_december_leaves_november_as_published(ctx_for: Callable[..., Context],
                                                                              config: Config) -> None:
    # 住建 handles case 1 on time (received 11-02). Case 2: received Fri 11-20 09:00, dispatched 10:00,
    # signed for and on site the same morning; resolve due 7 days after receipt, 11-27 09:00; still
    # open when November ends. November as of 11-30 23:59:59: resolution 1 of 2, on-time 1 of 1,
    # overdue resolve 1 (case 2). Score: rates response 2/2, arrival 2/2, resolution 0.5, on-time 1,
    # satisfaction 1/1 → 100 × (0.2 + 0.1 + 0.2 × 0.5 + 0.2 + 0.3) / 1.0 = 90.0.
    handled_case(ctx_for)
    admin = ctx_for()
    case, _ = intake(at(admin, "2026-11-20T01:00"), NewReport(channel="hotline_12345", text="西关社区下水道堵塞",
                                                                township="chengguan",
                                                                received_at=int(datetime(2026, 11, 20, 1, tzinfo=UTC).timestamp())))
    lifecycle.triage(at(admin, "2026-11-20T01:30"), case.id, category="城乡建设/城乡规划/违章建筑", township="chengguan",
                     priority="general", decision="whistle", duty_item="CS-001", village="西关社区")
    lifecycle.dispatch(at(admin, "2026-11-20T02:00"), case.id, lead="zhujian")
    department.acknowledge(at(admin, "2026-11-20T02:10"), case.id, department="zhujian")
    department.arrive(at(admin, "2026-11-20T03:00"), case.id, department="zhujian")
    november = periods.month("2026-11", config.tz)

    def published(moment: str) -> dict:
        board = {b.department: b for b in department_scoreboard(at(ctx_for(), moment), november)}["zhujian"]
        return board.as_dict()

    on_dec_1 = published("2026-12-01T02:00")
    assert on_dec_1["rates"]["resolution"] == {"num": 1, "den": 2, "rate": 0.5}
    assert on_dec_1["overdue_clocks"]["resolve"] == 1 and on_dec_1["score"] == 90.0
    # 12-18 10:00: resolved 21 days late, then a satisfied callback. Before issue 16 November then
    # read resolution 2 of 2, on-time 1 of 2, satisfaction 2 of 2, overdue 0.
    lifecycle.resolve(at(admin, "2026-12-18T02:00"), case.id, result="已疏通")
    lifecycle.evaluate(at(admin, "2026-12-18T03:00"), case.id, source="citizen", rating="satisfied")
    assert published("2026-12-20T02:00") == on_dec_1
    assert explain(at(ctx_for(), "2026-12-20T02:00"), "zhujian", november)["score"]["score"] == 90.0


def test_a_local_case_resolved_in_december_leaves_the_townships_november(ctx_for: Callable[..., Context],
                                                                         config: Config) -> None:
    # 城关镇 raises one case on 11-20 and handles it locally; on 12-01 November reads resolved locally
    # 0 of 1. Resolving it on 12-18 (and the callback then) leaves November at 0 of 1, no rating.
    from models.reports.scoreboard import township_scoreboard

    admin = ctx_for()
    case, _ = intake(at(admin, "2026-11-20T01:00"), NewReport(channel="hotline_12345", text="东关社区楼道堆放杂物",
                                                                township="chengguan", received_at=1795136400))
    lifecycle.triage(at(admin, "2026-11-20T01:30"), case.id, category="城乡建设/城乡规划/违章建筑", township="chengguan",
                     priority="general", decision="local", village="东关社区")
    november = periods.month("2026-11", config.tz)

    def chengguan(moment: str) -> dict:
        return {t.township: t for t in township_scoreboard(at(ctx_for(), moment), november)}["chengguan"].as_dict()

    before = chengguan("2026-12-01T02:00")
    assert before["rates"]["resolved_locally"] == {"num": 0, "den": 1, "rate": 0.0}
    lifecycle.resolve(at(admin, "2026-12-18T02:00"), case.id, result="已清理")
    lifecycle.evaluate(at(admin, "2026-12-18T03:00"), case.id, source="citizen", rating="satisfied")
    assert chengguan("2026-12-20T02:00") == before
