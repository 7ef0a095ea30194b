"""Issue 16 item 9 (first part): re-triage with a reason, old values kept in the history, clocks
recomputed from the new rules. Times given in UTC ("01:00" = 09:00 office time)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import Result

from models.cases import lifecycle
from models.cases.retriage import retriage
from models.errors import InvalidState, PermissionDenied, ValidationError
from models.intake.intake import NewReport, intake
from models.org.config import Config
from models.org.context import Context
from models.store.schema import Assignment, Case, Event
from tests.clock_support import epoch
from tests.report_support import at


def _dispatched(ctx_for: Callable[..., Context]) -> int:
    """Received Mon 11-02 09:00, triaged general 09:30, dispatched to 住建 10:00. General clocks:
    sign-for 4 office hours from dispatch → 10:00-12:00 + 13:30-15:30 → 15:30; arrival 2 working
    days → Wed 11-04 10:00; resolve 7 days from receipt → Mon 11-09 09:00."""
    admin = ctx_for()
    case, _ = intake(at(admin, "2026-11-02T01:00"), NewReport(channel="hotline_12345", text="南关社区老旧楼房外墙脱落",
                                                                township="chengguan", received_at=1793581200))
    lifecycle.triage(at(admin, "2026-11-02T01:30"), case.id, category="城乡建设/城乡规划/违章建筑", township="chengguan",
                     priority="general", decision="whistle", duty_item="CS-001", village="南关社区")
    lifecycle.dispatch(at(admin, "2026-11-02T02:00"), case.id, lead="zhujian")
    return int(case.id)


def test_retriage_to_urgent_recomputes_the_clocks_and_keeps_the_old_values(ctx_for: Callable[..., Context]) -> None:
    case_id = _dispatched(ctx_for)
    lead = Assignment.get((Assignment.case == case_id) & (Assignment.role == "lead"))
    assert (lead.ack_due, lead.arrive_due) == (epoch(2026, 11, 2, 15, 30), epoch(2026, 11, 4, 10))
    assert Case.get_by_id(case_id).resolve_due == epoch(2026, 11, 9, 9)
    # 10:20 the caller adds that someone is trapped: urgent. Urgent clocks: sign-for 15m and arrival
    # 30m from dispatch (10:00) → 10:15 and 10:30; resolve 2h from receipt (09:00) → 11:00.
    retriage(at(ctx_for("liuyang"), "2026-11-02T02:20"), case_id, priority="urgent", reason="来电补充：有人被困")
    lead = Assignment.get_by_id(lead.id)
    assert (lead.ack_due, lead.arrive_due) == (epoch(2026, 11, 2, 10, 15), epoch(2026, 11, 2, 10, 30))
    case = Case.get_by_id(case_id)
    assert (case.priority, case.resolve_due) == ("urgent", epoch(2026, 11, 2, 11))
    event = Event.select().where((Event.case == case_id) & (Event.action == "retriage")).get()
    before, after = json.loads(event.before), json.loads(event.after)
    assert before["priority"] == "general" and after["priority"] == "urgent"
    assert after["reason"] == "来电补充：有人被困" and event.on_behalf_of == "liuyang"  # root acting as liuyang


def test_retriage_is_the_dispatch_offices_and_needs_a_triaged_case(ctx_for: Callable[..., Context]) -> None:
    case_id = _dispatched(ctx_for)
    with pytest.raises(PermissionDenied):
        retriage(at(ctx_for("yangfan"), "2026-11-02T02:20"), case_id, priority="urgent", reason="有人被困")
    fresh, _ = intake(at(ctx_for(), "2026-11-02T03:00"), NewReport(channel="hotline_12345", text="北关社区井盖缺失",
                                                                     township="chengguan", received_at=1793588400))
    with pytest.raises(InvalidState, match="triage it first"):
        retriage(at(ctx_for("liuyang"), "2026-11-02T03:10"), fresh.id, priority="urgent", reason="有人受伤")


# --- issue 16 item 9, the rest: the decision, 退回乡镇, the triage-time warning ---------------------

XZ_CATEGORY = "城乡建设/城市建设和市政管理/环境卫生"  # 乡镇履职清单 XZ-001 (scope "township"): 农村生活垃圾


def _new(ctx_for: Callable[..., Context], text: str = "东关社区垃圾清运不及时", received: int = 1793581200) -> int:
    """A report received Mon 11-02 09:00 office time (1793581200) in 城关镇."""
    case, _ = intake(at(ctx_for(), "2026-11-02T01:00"), NewReport(channel="hotline_12345", text=text,
                                                                    township="chengguan", received_at=received))
    return int(case.id)


def test_retriage_changes_the_decision_both_ways_with_the_clocks_of_the_rules(ctx_for: Callable[..., Context]) -> None:
    case_id = _new(ctx_for)
    lifecycle.triage(at(ctx_for("liuyang"), "2026-11-02T01:30"), case_id, category=XZ_CATEGORY, township="chengguan",
                     priority="general", decision="local", duty_item="XZ-001")
    # 14:00 the office learns the bins belong to a county contractor: a whistle. The general dispatch
    # clock is 24h from receipt (Mon 09:00) → Tue 11-03 09:00, now running; resolve 7d from receipt
    # → Mon 11-09 09:00 (unchanged).
    case = retriage(at(ctx_for("liuyang"), "2026-11-02T06:00"), case_id, decision="whistle", reason="垃圾转运属县环卫合同")
    assert (case.state, case.decision) == ("whistled", "whistle")
    assert (case.dispatch_due, case.resolve_due, case.next_due) == (
        epoch(2026, 11, 3, 9), epoch(2026, 11, 9, 9), epoch(2026, 11, 3, 9))
    # 15:00, before anyone dispatched it: back to local. No dispatch clock runs for a local case; the
    # next due is the resolve clock's, Mon 11-09 09:00.
    case = retriage(at(ctx_for("liuyang"), "2026-11-02T07:00"), case_id, decision="local", reason="核实仍属镇保洁范围")
    assert (case.state, case.decision, case.next_due) == ("local", "local", epoch(2026, 11, 9, 9))
    changes = [(json.loads(e.before)["decision"], json.loads(e.after)["decision"], json.loads(e.after)["reason"])
               for e in Event.select().where((Event.case == case_id) & (Event.action == "retriage")).order_by(Event.id)]
    assert changes == [("local", "whistle", "垃圾转运属县环卫合同"), ("whistle", "local", "核实仍属镇保洁范围")]


def test_a_dispatched_whistle_cannot_be_made_local_by_retriage(ctx_for: Callable[..., Context]) -> None:
    case_id = _dispatched(ctx_for)
    with pytest.raises(InvalidState, match="only a whistle not yet dispatched can become local"):
        retriage(at(ctx_for("liuyang"), "2026-11-02T02:20"), case_id, decision="local", reason="镇里能办")
    assert Case.get_by_id(case_id).decision == "whistle"


def _own_duty_whistle(ctx_for: Callable[..., Context]) -> int:
    """城关镇 (lixia) whistles its own XZ-001 at 09:30 — the triage is accepted, with a warning."""
    case_id = _new(ctx_for)
    lifecycle.triage(at(ctx_for("lixia"), "2026-11-02T01:30"), case_id, category=XZ_CATEGORY, township="chengguan",
                     priority="general", decision="whistle", duty_item="XZ-001")
    return case_id


def test_a_whistle_of_the_townships_own_duty_is_warned_not_refused(ctx_for: Callable[..., Context]) -> None:
    from models.cases.rules import own_duty_warning

    case_id = _own_duty_whistle(ctx_for)
    ctx = ctx_for("lixia")
    assert Case.get_by_id(case_id).state == "whistled"
    warning = own_duty_warning(ctx, "whistle", "chengguan", "XZ-001")
    assert warning is not None and warning.code == "case.whistle_own_duty"
    assert "城关镇" in warning.render("zh", lambda kind, ident: ctx.config.townships[ident].name)
    assert own_duty_warning(ctx, "local", "chengguan", "XZ-001") is None  # handling it itself is right
    assert own_duty_warning(ctx, "whistle", "chengguan", "CS-001") is None  # a whistle-scope item


def test_send_back_returns_the_whistle_as_local_and_counts_on_the_township_board(
        ctx_for: Callable[..., Context], config: Config) -> None:
    from models.cases.retriage import send_back
    from models.reports.explain import explain_township
    from models.reports.scoreboard import township_scoreboard
    from models.worktime import period as periods

    sent = _own_duty_whistle(ctx_for)
    other = _new(ctx_for, "东关社区老旧楼房外墙脱落", 1793581200 + 600)  # received 09:10
    lifecycle.triage(at(ctx_for("lixia"), "2026-11-02T01:40"), other, category="城乡建设/城乡规划/违章建筑",
                     township="chengguan", priority="general", decision="whistle", duty_item="CS-001")
    with pytest.raises(PermissionDenied):  # the township cannot take its own whistle back this way
        send_back(at(ctx_for("lixia"), "2026-11-02T02:00"), sent, reason="自己撤回")
    with pytest.raises(ValidationError, match="not a duty-list item of the township's own"):
        send_back(at(ctx_for("liuyang"), "2026-11-02T02:00"), other, reason="属镇职责")
    case = send_back(at(ctx_for("liuyang"), "2026-11-02T02:00"), sent, reason="属乡镇履职清单 XZ-001")
    # Local again, per the rules of a local triage: no dispatch clock running, resolve 7d from receipt
    # (Mon 11-02 09:00) → Mon 11-09 09:00.
    assert (case.state, case.decision, case.next_due) == ("local", "local", epoch(2026, 11, 9, 9))
    event = Event.get((Event.case == sent) & (Event.action == "send_back"))
    assert (event.state_before, event.state_after, event.on_behalf_of) == ("whistled", "local", "liuyang")
    assert json.loads(event.after)["reason"] == "属乡镇履职清单 XZ-001"
    with pytest.raises(InvalidState, match="only a whistle waiting for dispatch can be sent back"):
        send_back(at(ctx_for("liuyang"), "2026-11-02T02:10"), sent, reason="再退一次")
    # 城关镇's November, by hand: raised 2; whistles it raised = 1 still whistled (other) + 1 sent back
    # = 2; sent back 1 → wrong-whistle rate 1 / 2 = 0.5. The sent-back case is now local (local 1).
    period = periods.month("2026-11", config.tz)
    ctx = at(ctx_for(), "2026-11-20T00:00")
    town = next(t for t in township_scoreboard(ctx, period) if t.township == "chengguan")
    assert (town.figures["raised"].num, town.figures["local"].num, town.figures["whistled"].num) == (2, 1, 1)
    assert (town.figures["sent_back"].num, town.figures["wrong_whistle_rate"].as_dict()) == (
        1, {"num": 1, "den": 2, "rate": 0.5})
    assert "sent_back" in town.flags
    rows = explain_township(ctx, "chengguan", period)["figures"]["wrong_whistle_rate"]["cases"]
    assert [(r["case_id"], r["counted"], [e["action"] for e in r["events"]]) for r in rows] == [
        (sent, True, ["triage", "send_back"]), (other, False, ["triage"])]
    # A period that ended before the send-back does not count it (figures as of the period's end).
    october = periods.month("2026-10", config.tz)
    assert all(t.figures["sent_back"].num == 0 for t in township_scoreboard(ctx, october))


def test_cli_warns_at_triage_and_sends_back(ctx_for: Callable[..., Context], cli_run: Callable[..., Result]) -> None:
    case_id = _new(ctx_for)
    result = cli_run("--as", "lixia", "case", "triage", str(case_id), "--category", XZ_CATEGORY, "--township",
                     "chengguan", "--priority", "general", "--decision", "whistle", "--duty-item", "XZ-001", "--json")
    assert result.exit_code == 0, result.output
    assert "warning: the whistle cites XZ-001" in result.stderr
    assert json.loads(result.stdout)["state"] == "whistled"
    refused = cli_run("--as", "yangfan", "case", "send-back", str(case_id), "--reason", "属镇职责")
    assert refused.exit_code == 1 and "no permission" in refused.output
    done = cli_run("--as", "liuyang", "case", "send-back", str(case_id), "--reason", "属乡镇履职清单 XZ-001")
    assert done.exit_code == 0, done.output
    assert f"case {case_id}: send back → local" in done.stdout
    board = json.loads(cli_run("report", "scoreboard", "--township", "--month", "2026-11", "--json").stdout)
    town = next(t for t in board["townships"] if t["township"] == "chengguan")
    assert (town["sent_back"], town["rates"]["wrong_whistle_rate"]) == (1, {"num": 1, "den": 1, "rate": 1.0})
    back = cli_run("--as", "liuyang", "case", "retriage", str(case_id), "--decision", "whistle", "--reason", "改由县里办")
    assert back.exit_code == 0 and "retriage → whistled" in back.stdout
