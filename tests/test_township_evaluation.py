"""Issue 16 item 10 (last point): the township evaluates each department on the case (基层评价 covers
the lead and the cooperating departments), recorded per department and counted in each one's
satisfaction. Times are UTC ("01:00" = 09:00 office time); every step well inside its clock."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import Result

from models.cases import department, lifecycle
from models.errors import ValidationError
from models.intake.intake import NewReport, intake
from models.org.config import Config
from models.org.context import Context
from models.reports.explain import explain
from models.reports.scoreboard import department_scoreboard
from models.store.schema import Evaluation
from models.worktime import period as periods
from tests.report_support import at


def _joint_case(ctx_for: Callable[..., Context]) -> int:
    """Received Mon 11-02 09:00, 住建 (zhujian) lead with 供水 (gongshui) cooperating; both sign for
    and arrive; 住建 resolves it at 13:30."""
    admin = ctx_for()
    case, _ = intake(at(admin, "2026-11-02T01:00"), NewReport(channel="hotline_12345", text="东关社区供水管道破裂路面塌陷",
                                                                township="chengguan", received_at=1793581200))
    lifecycle.triage(at(admin, "2026-11-02T01:30"), case.id, category="城乡建设/城乡规划/违章建筑", township="chengguan",
                     priority="general", decision="whistle", duty_item="CS-001", village="东关社区")
    lifecycle.dispatch(at(admin, "2026-11-02T02:00"), case.id, lead="zhujian", cooperating=["gongshui"])
    for dept in ("zhujian", "gongshui"):
        department.acknowledge(at(admin, "2026-11-02T02:10"), case.id, department=dept)
        department.arrive(at(admin, "2026-11-02T03:00"), case.id, department=dept)
    lifecycle.resolve(at(admin, "2026-11-02T05:30"), case.id, result="已抢修")
    return int(case.id)


def test_the_township_rates_the_lead_and_the_cooperating_department_each_on_its_own(
        ctx_for: Callable[..., Context], config: Config) -> None:
    case_id = _joint_case(ctx_for)
    clerk = at(ctx_for("lixia"), "2026-11-03T01:00")  # 城关镇's township clerk
    lifecycle.evaluate(clerk, case_id, source="township", rating="satisfied")  # no --dept: the lead
    lifecycle.evaluate(clerk, case_id, source="township", rating="unsatisfied", department="县自来水公司")
    assert [(e.source, e.department, e.rating) for e in Evaluation.select().order_by(Evaluation.id)] == [
        ("township", "zhujian", "satisfied"), ("township", "gongshui", "unsatisfied")]
    # November as of 11-20: 住建 township satisfaction 1 of 1; 供水 0 of 1 (before: 0 of 0, the
    # township's rating of the case counted for the lead alone).
    period = periods.month("2026-11", config.tz)
    ctx = at(ctx_for(), "2026-11-20T00:00")
    boards = {b.department: b for b in department_scoreboard(ctx, period)}
    assert (boards["zhujian"].by_source["township"].num, boards["zhujian"].by_source["township"].den) == (1, 1)
    assert (boards["gongshui"].by_source["township"].num, boards["gongshui"].by_source["township"].den) == (0, 1)
    assert boards["gongshui"].figures["satisfaction"].rate == 0.0
    rows = explain(ctx, "gongshui", period)["figures"]["satisfaction"]["cases"]
    assert [(r["case_id"], r["source"], r["rating"], r["counted"]) for r in rows] == [
        (case_id, "township", "unsatisfied", False)]


def test_only_a_township_evaluation_names_a_department_on_the_case(ctx_for: Callable[..., Context]) -> None:
    case_id = _joint_case(ctx_for)
    admin = at(ctx_for(), "2026-11-03T01:00")
    with pytest.raises(ValidationError, match="only a township evaluation"):
        lifecycle.evaluate(admin, case_id, source="citizen", rating="satisfied", department="gongshui")
    with pytest.raises(ValidationError, match="no assignment on case"):
        lifecycle.evaluate(at(ctx_for("lixia"), "2026-11-03T01:00"), case_id, source="township",
                           rating="satisfied", department="gongan")
    assert Evaluation.select().count() == 0


def test_cli_case_evaluate_takes_the_department(ctx_for: Callable[..., Context],
                                                cli_run: Callable[..., Result]) -> None:
    case_id = _joint_case(ctx_for)
    result = cli_run("--as", "lixia", "case", "evaluate", str(case_id), "--source", "township", "--rating",
                     "basically_satisfied", "--dept", "gongshui", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(cli_run("case", "show", str(case_id), "--json").output)
    assert [(e["source"], e["department"], e["rating"]) for e in shown["evaluations"]] == [
        ("township", "gongshui", "basically_satisfied")]
