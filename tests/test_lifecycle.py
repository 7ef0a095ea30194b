"""Each lifecycle operation's allowed and refused paths, through models/ directly."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable

import pytest

from models.cases import department, lifecycle
from models.errors import Conflict, InvalidState, NotFound, PermissionDenied, ValidationError
from models.intake.intake import NewReport, intake, priority_from_text
from models.org.config import Config
from models.org.context import Context
from models.store.schema import Assignment, Case, Event, Report


def new_case(ctx: Context, text: str = "东关社区路灯坏了三天", **kw: object) -> int:
    case, _ = intake(ctx, NewReport(channel="hotline_12345", text=text, **kw))  # type: ignore[arg-type]
    return int(case.id)


def whistled(ctx: Context, **kw: object) -> int:
    case_id = new_case(ctx, **kw)
    lifecycle.triage(ctx, case_id, category="城管执法", township="chengguan", priority="general",
                     decision="whistle")
    return case_id


def dispatched(ctx: Context) -> int:
    case_id = whistled(ctx)
    lifecycle.dispatch(ctx, case_id, lead="zhujian", cooperating=["shengtai", "gongshui"])
    return case_id


def test_intake_opens_a_new_case_with_clocks(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    case_id = new_case(ctx, phone="138-1234-5678", source_id="A1", township="东关社区")
    case = Case.get_by_id(case_id)
    assert case.state == "new" and case.township == "chengguan" and case.village == "东关社区"
    assert case.dispatch_due and case.next_due == case.dispatch_due
    report = Report.get(Report.case == case_id)
    assert report.phone == "13812345678" and report.text == "东关社区路灯坏了三天"
    assert [e.action for e in Event.select().where(Event.case == case_id)] == ["intake"]


def test_intake_refuses_repeated_source_id_and_empty_text(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    new_case(ctx, source_id="X9")
    with pytest.raises(ValidationError, match="already registered"):
        new_case(ctx, source_id="X9")
    with pytest.raises(ValidationError, match="empty"):
        new_case(ctx, text="   ")
    with pytest.raises(ValidationError, match="unknown channel"):
        intake(ctx, NewReport(channel="fax", text="x"))


def test_urgent_words_give_urgent_priority(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    case = Case.get_by_id(new_case(ctx, text="三楼燃气泄漏，味道很大"))
    assert case.priority == "urgent"


def test_triage_local_whistle_reject(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    a, b, c = new_case(ctx), new_case(ctx), new_case(ctx)
    assert lifecycle.triage(ctx, a, category="城管执法", township="城关镇", priority="general",
                            decision="local", duty_item="XZ-001").state == "local"
    assert lifecycle.triage(ctx, b, category="城管执法", township="chengguan", priority="urgent",
                            decision="whistle").state == "whistled"
    with pytest.raises(ValidationError, match="reason"):
        lifecycle.triage(ctx, c, category="城管执法", township="chengguan", priority="general", decision="reject")
    assert lifecycle.triage(ctx, c, category="城管执法", township="chengguan", priority="general",
                            decision="reject", reason="不属于受理范围").state == "rejected"
    with pytest.raises(InvalidState, match=f"case {a} is local: cannot triage; steps allowed now"):
        lifecycle.triage(ctx, a, category="城管执法", township="chengguan", priority="general", decision="local")


def test_triage_validates_names(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    case_id = new_case(ctx)
    with pytest.raises(ValidationError, match="unknown category"):
        lifecycle.triage(ctx, case_id, category="不存在", township="chengguan", priority="general", decision="local")
    with pytest.raises(ValidationError, match="unknown township"):
        lifecycle.triage(ctx, case_id, category="城管执法", township="火星镇", priority="general", decision="local")
    with pytest.raises(ValidationError, match="unknown duty-list item"):
        lifecycle.triage(ctx, case_id, category="城管执法", township="chengguan", priority="general",
                         decision="local", duty_item="NOPE")
    with pytest.raises(NotFound, match="case 999 does not exist"):
        lifecycle.triage(ctx, 999, category="城管执法", township="chengguan", priority="general", decision="local")


def test_dispatch_creates_assignments_with_their_own_clocks(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    case_id = dispatched(ctx)
    rows = list(Assignment.select().where(Assignment.case == case_id).order_by(Assignment.id))
    assert [(a.department, a.role, a.state) for a in rows] == [
        ("zhujian", "lead", "pending"), ("shengtai", "cooperating", "pending"), ("gongshui", "cooperating", "pending")]
    assert all(a.ack_due and a.arrive_due for a in rows)
    with pytest.raises(ValidationError, match="both lead and cooperating"):
        lifecycle.dispatch(ctx, whistled(ctx), lead="zhujian", cooperating=["住建局"])
    with pytest.raises(InvalidState):
        lifecycle.dispatch(ctx, new_case(ctx), lead="zhujian")


def test_department_steps_follow_the_lead(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    case_id = dispatched(ctx)
    lead, coop = ctx_for("yangfan"), ctx_for("xuming")  # zhujian and gongshui liaisons
    with pytest.raises(InvalidState, match="sign for it"):
        department.arrive(lead, case_id)
    assert department.acknowledge(coop, case_id).state == "dispatched"  # a cooperating ack leaves the case
    assert department.acknowledge(lead, case_id).state == "acknowledged"
    with pytest.raises(InvalidState, match="not waiting for sign-for"):
        department.acknowledge(lead, case_id)
    assert department.arrive(lead, case_id).state == "on_site"
    with pytest.raises(PermissionDenied, match="acts for zhujian, not gongshui"):
        department.acknowledge(lead, case_id, department="gongshui")
    with pytest.raises(PermissionDenied, match="only the lead department"):
        lifecycle.resolve(coop, case_id, result="done")
    assert lifecycle.resolve(lead, case_id, result="已修复").state == "resolved"


def test_return_and_review(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    case_id = dispatched(ctx)
    lead = ctx_for("yangfan")
    with pytest.raises(ValidationError, match="reason"):
        department.return_case(lead, case_id, reason=" ")
    assert department.return_case(lead, case_id, reason="属供水管网").state == "returned"
    with pytest.raises(PermissionDenied):
        department.review_return(lead, case_id, uphold=True)
    case = department.review_return(ctx, case_id, lead="gongshui", cooperating=["shengtai"])
    assert case.state == "dispatched" and case.lead == "gongshui" and case.return_count == 1
    active = {(a.department, a.role) for a in Assignment.select().where((Assignment.case == case_id)
                                                                        & (Assignment.active == True))}
    assert active == {("gongshui", "lead"), ("shengtai", "cooperating")}
    with pytest.raises(InvalidState, match="no return waiting"):
        department.review_return(ctx, case_id, uphold=True)
    # uphold: the same department must take it back, its sign-for clock restarted
    water = ctx_for("xuming")
    department.return_case(water, case_id, reason="not ours")
    assert department.review_return(ctx, case_id, uphold=True).state == "dispatched"
    assert department.acknowledge(water, case_id).state == "acknowledged"


def test_close_needs_the_evaluation_rule_and_reopen_restarts(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    case_id = new_case(ctx)
    lifecycle.triage(ctx, case_id, category="城管执法", township="chengguan", priority="general", decision="local")
    lifecycle.resolve(ctx, case_id, result="村里已处理")
    with pytest.raises(ValidationError, match="needs a citizen evaluation"):
        lifecycle.close(ctx, case_id)
    lifecycle.evaluate(ctx, case_id, source="citizen", rating="unsatisfied", comment="没修好")
    with pytest.raises(ValidationError, match="unsatisfied"):
        lifecycle.close(ctx, case_id)
    case = lifecycle.reopen(ctx, case_id, reason="群众不满意")
    assert case.state == "local" and case.reopen_count == 1 and case.resolve_due
    lifecycle.resolve(ctx, case_id, result="再次处理")
    for _ in range(3):
        lifecycle.evaluate(ctx, case_id, source="citizen", rating=None, unreachable=True)
    assert lifecycle.close(ctx, case_id).state == "closed"
    with pytest.raises(InvalidState, match="the case is final"):
        lifecycle.note(ctx, case_id, text="late")


def test_evaluate_validates_source_and_role(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    case_id = new_case(ctx, township="chengguan")
    lifecycle.triage(ctx, case_id, category="城管执法", township="chengguan", priority="general", decision="local")
    lifecycle.resolve(ctx, case_id, result="ok")
    with pytest.raises(ValidationError, match="rating"):
        lifecycle.evaluate(ctx, case_id, source="citizen", rating="great")
    with pytest.raises(PermissionDenied):
        lifecycle.evaluate(ctx_for("lixia"), case_id, source="citizen", rating="satisfied")
    assert lifecycle.evaluate(ctx_for("lixia"), case_id, source="township", rating="satisfied").state == "resolved"


def test_township_operator_scope(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    other = new_case(ctx, township="qiaotou")
    clerk = ctx_for("lixia")  # chengguan
    with pytest.raises(PermissionDenied, match="outside"):
        lifecycle.note(clerk, other, text="x")
    mine = new_case(clerk, text="西关村垃圾没人清运")
    assert Case.get_by_id(mine).township == "chengguan"
    with pytest.raises(PermissionDenied, match="triages for chengguan only"):
        lifecycle.triage(clerk, mine, category="城管执法", township="qiaotou", priority="general", decision="local")
    with pytest.raises(PermissionDenied, match="may not dispatch"):
        lifecycle.dispatch(clerk, mine, lead="zhujian")


def test_stale_version_is_refused_with_who_changed_it(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    case_id = whistled(ctx)
    seen = Case.get_by_id(case_id).version
    lifecycle.note(ctx_for("liuyang"), case_id, text="已电话联系")
    with pytest.raises(Conflict, match=r"changed by root as liuyang \(note"):
        lifecycle.dispatch(ctx, case_id, lead="zhujian", expected_version=seen)
    assert Case.get_by_id(case_id).state == "whistled"


def test_every_step_is_one_event_with_before_and_after(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    case_id = dispatched(ctx)
    events = list(Event.select().where(Event.case == case_id).order_by(Event.id))
    assert [(e.action, e.state_before, e.state_after) for e in events] == [
        ("intake", None, "new"), ("triage", "new", "whistled"), ("dispatch", "whistled", "dispatched")]
    assert all(e.operator == "root" and len(e.hash) == 64 for e in events)
    assert events[1].prev_hash == events[0].hash
    assert Case.get_by_id(case_id).version == 3


def test_admin_acting_as_records_both(ctx_for: Callable[..., Context]) -> None:
    as_lixia = ctx_for("lixia")
    assert as_lixia.actor == "root" and as_lixia.operator.name == "lixia"
    case_id = new_case(as_lixia)
    event = Event.get(Event.case == case_id)
    assert (event.operator, event.on_behalf_of) == ("root", "lixia")


def test_signal_words_are_plain_substrings(config: Config) -> None:
    # priority_from_text matches its configured words with one compiled pattern: each word is a
    # plain substring (regex characters included), and an empty word matches nothing.
    words = ("a.b", "(漏水)", "燃气+", "", "停电|断电", "*")
    priorities = dict(config.priorities)
    priorities["urgent"] = dataclasses.replace(priorities["urgent"], urgent_keywords=words)
    priorities["utility"] = dataclasses.replace(priorities["utility"], urgent_keywords=("停水",))
    odd = dataclasses.replace(config, priorities=priorities)
    rng = random.Random(3)
    pieces = ["a.b", "axb", "(漏水)", "漏水", "燃气+", "燃气", "停电|断电", "停电", "*", "停水", "路灯", " "]
    for _ in range(500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))
        expected = ("urgent" if any(w and w in text for w in words) else "utility" if "停水" in text
                    else "general")
        assert priority_from_text(odd, text) == expected, text
