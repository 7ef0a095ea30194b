"""A county month across National Day 2026 (issue 16): scripted intakes and steps at fixed times, with
the supervision events, must-supervise flags and scoreboard figures worked out by hand.

The 2026 calendar (State Council): 10-01 … 10-07 are holidays, Sat 10-10 is a make-up working day
(Sun 09-20 too). Office hours 09:00-12:00 and 13:30-17:30. General priority: sign-for 4wh and
arrival 2wd from dispatch, resolve 7d from receipt. [supervision]: reminder 1wd (the working day
after the deadline, at the office's opening), notice 5wd after the reminder's day, stall 5 (working)
days, 3 reports within 30 days make a repeat.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from models.cases import department, lifecycle
from models.cases.views import case_detail
from models.reports.explain import explain
from models.reports.hotspots import hotspots
from models.reports.scoreboard import department_scoreboard
from models.store.schema import Event, LadderStep
from models.supervision import supervision
from models.worktime import period as periods
from tests.clock_support import County, at, county, epoch


def _ladder(case_id: int) -> list[tuple[str, str, str | None, int]]:
    """(action, clock, department, at) of the case's reminders and notices, in order."""
    rows = Event.select().where((Event.case == case_id) & Event.action.in_(["remind", "notice"])).order_by(Event.id)
    return [(e.action, json.loads(e.after)["clock"], json.loads(e.after)["department"], int(e.at)) for e in rows]


def _sweep_at(c: County, *moments: datetime) -> list[supervision.SweepResult]:
    return [supervision.sweep(c.ctx("liuyang", moment)) for moment in moments]


def test_a_resolve_deadline_on_a_holiday_is_reminded_the_next_working_day_then_noticed(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    # Case A: received Wed 09-30 10:00 → resolve due 7 days later, Wed 10-07 10:00 (a holiday).
    a = c.dispatched_case(at(2026, 9, 30, 10), at(2026, 9, 30, 10, 30))
    department.acknowledge(c.ctx("yangfan", at(2026, 9, 30, 11)), a)
    department.arrive(c.ctx("yangfan", at(2026, 9, 30, 14)), a)
    assert c.case(a).resolve_due == epoch(2026, 10, 7, 10)
    _sweep_at(c, at(2026, 10, 7, 12), at(2026, 10, 8, 8, 59))
    assert _ladder(a) == []  # late since 10-07 10:00, but the working day after it is Thu 10-08
    _sweep_at(c, at(2026, 10, 8, 9))
    # The reminder falls on Thu 10-08 09:00 (it was Fri 10-09 before: 1wd added to 10-08's opening).
    assert _ladder(a) == [("remind", "resolve", "zhujian", epoch(2026, 10, 8, 9))]
    # Notice 5 working days after the reminder's day 10-08: Fri 10-09, Sat 10-10 (make-up day),
    # Mon 10-12, Tue 10-13, Wed 10-14 → Wed 10-14 09:00, once.
    _sweep_at(c, at(2026, 10, 9, 9), at(2026, 10, 13, 17), at(2026, 10, 14, 8, 59))
    assert len(_ladder(a)) == 1
    _sweep_at(c, at(2026, 10, 14, 9), at(2026, 10, 20, 9), at(2026, 10, 30, 9))
    assert _ladder(a) == [("remind", "resolve", "zhujian", epoch(2026, 10, 8, 9)),
                          ("notice", "resolve", "zhujian", epoch(2026, 10, 14, 9))]
    assert c.case(a).reminded_at == epoch(2026, 10, 8, 9) and c.case(a).noticed_at == epoch(2026, 10, 14, 9)


def test_no_progress_counts_working_days_and_the_flag_clears_when_progress_resumes(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    # On site since Wed 09-30 14:00 (the arrival is its last progress). Five working days after it:
    # Thu 10-08, Fri 10-09, Sat 10-10 (make-up day), Mon 10-12, Tue 10-13 → stalled from 10-13 14:00.
    a = c.dispatched_case(at(2026, 9, 30, 10), at(2026, 9, 30, 10, 30))
    department.acknowledge(c.ctx("yangfan", at(2026, 9, 30, 11)), a)
    department.arrive(c.ctx("yangfan", at(2026, 9, 30, 14)), a)
    holiday, = _sweep_at(c, at(2026, 10, 7, 12))  # seven calendar days, but 1.5 working hours
    assert holiday.flagged == {a: ["overdue"]}
    early, due = _sweep_at(c, at(2026, 10, 13, 13, 59), at(2026, 10, 13, 14))
    assert a not in early.flagged and due.flagged == {a: ["stalled"]}
    assert supervision.flags_of(c.case(a)) == ["overdue", "stalled"]
    lifecycle.note(c.ctx("yangfan", at(2026, 10, 14, 9)), a, text="已联系产权单位，下周施工")
    resumed, = _sweep_at(c, at(2026, 10, 14, 9, 30))
    assert resumed.cleared == {a: ["stalled"]} and supervision.flags_of(c.case(a)) == ["overdue"]
    (flag,) = [e for e in Event.select().where((Event.case == a) & (Event.action == "flag")).order_by(Event.id)
               if "cleared" in json.loads(e.after)]
    assert json.loads(flag.after)["cleared"] == ["stalled"]


def test_a_new_lead_is_reminded_for_its_own_deadlines_before_any_notice(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    # Case B: received and dispatched to 供电 Mon 10-12 09:00; sign-for due 4 office hours later:
    # 09:00-12:00 (3 h) + 13:30-14:30 (1 h) → 10-12 14:30. 供电 never signs for it.
    b = c.new_case(at(2026, 10, 12, 9))
    c.whistle(b, at(2026, 10, 12, 9))
    c.dispatch(b, at(2026, 10, 12, 9), lead="gongdian")
    _sweep_at(c, at(2026, 10, 12, 17), at(2026, 10, 13, 9))
    assert _ladder(b) == [("remind", "acknowledge", "gongdian", epoch(2026, 10, 13, 9))]
    # 供电 returns it; the office re-dispatches to 住建 Tue 10-13 10:30. 住建's sign-for is due
    # 10:30-12:00 (1.5 h) + 13:30-16:00 (2.5 h) → 10-13 16:00; its arrival 2 working days after
    # dispatch → Thu 10-15 10:30; the resolve clock stays 7 days from receipt → Mon 10-19 09:00.
    department.return_case(c.ctx(None, at(2026, 10, 13, 10)), b, reason="非本单位职责", department="gongdian")
    department.review_return(c.ctx("liuyang", at(2026, 10, 13, 10, 30)), b, lead="zhujian")
    # Sweeps at every working day's opening up to Thu 10-22, and at a few other moments.
    days = [(10, d) for d in (14, 15, 16, 19, 20, 21, 22)]
    _sweep_at(c, *[at(2026, m, d, 9) for m, d in days], at(2026, 10, 20, 15), at(2026, 10, 21, 8))
    # By hand, each of 住建's three deadlines climbs its own ladder:
    #   sign-for 10-13 16:00 → reminder Wed 10-14 09:00 → notice 5 working days after 10-14:
    #       10-15, 10-16, 10-19, 10-20, 10-21 → Wed 10-21 09:00;
    #   arrival 10-15 10:30 → reminder Fri 10-16 09:00 (its notice would be Fri 10-23);
    #   resolve 10-19 09:00 → reminder Tue 10-20 09:00 (its notice would be Tue 10-27).
    # Before issue 16 the case's single ladder noticed 住建 on Tue 10-20 09:00 (5wd after 供电's
    # reminder) although 住建 had not then been reminded for that deadline by the ladder itself.
    assert _ladder(b) == [
        ("remind", "acknowledge", "gongdian", epoch(2026, 10, 13, 9)),
        ("remind", "acknowledge", "zhujian", epoch(2026, 10, 14, 9)),
        ("remind", "arrive", "zhujian", epoch(2026, 10, 16, 9)),
        ("remind", "resolve", "zhujian", epoch(2026, 10, 20, 9)),
        ("notice", "acknowledge", "zhujian", epoch(2026, 10, 21, 9)),
    ]
    # Every notice follows a reminder of the same department and deadline.
    for step in LadderStep.select().where(LadderStep.noticed_at.is_null(False)):
        assert step.reminded_at is not None and step.reminded_at < step.noticed_at


def test_an_approved_extension_starts_a_new_ladder(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    # Received Mon 10-12 09:00 → resolve due Mon 10-19 09:00; reminder Tue 10-20 09:00.
    e = c.dispatched_case(at(2026, 10, 12, 9))
    department.acknowledge(c.ctx("yangfan", at(2026, 10, 12, 10)), e)
    department.arrive(c.ctx("yangfan", at(2026, 10, 12, 11)), e)
    _sweep_at(c, at(2026, 10, 20, 9))
    assert _ladder(e) == [("remind", "resolve", "zhujian", epoch(2026, 10, 20, 9))]
    # The same case history, but 住建 asks on Fri 10-16 (before the deadline) for 3 more working days.
    f = c.dispatched_case(at(2026, 10, 12, 9))
    department.acknowledge(c.ctx("yangfan", at(2026, 10, 12, 10)), f)
    department.arrive(c.ctx("yangfan", at(2026, 10, 12, 11)), f)
    from models.cases import pausing

    pausing.request_extension(c.ctx("yangfan", at(2026, 10, 16, 9)), f, by="3wd", reason="需协调产权单位")
    _sweep_at(c, at(2026, 10, 20, 9))  # still undecided: the old deadline 10-19 09:00 is reminded
    assert _ladder(f) == [("remind", "resolve", "zhujian", epoch(2026, 10, 20, 9))]
    pausing.decide_extension(c.ctx("liuyang", at(2026, 10, 20, 10)), f, approve=True)
    # New due: 3 working days after Mon 10-19 09:00 → Thu 10-22 09:00; its own reminder Fri 10-23
    # 09:00; its notice 5 working days after 10-23 (10-26 … 10-30) → Fri 10-30 09:00. The old
    # deadline's notice (Tue 10-27) never comes: that ladder ended with the approval.
    assert c.case(f).resolve_due == epoch(2026, 10, 22, 9)
    _sweep_at(c, at(2026, 10, 22, 17), at(2026, 10, 23, 9), at(2026, 10, 27, 9), at(2026, 10, 29, 17))
    assert _ladder(f) == [("remind", "resolve", "zhujian", epoch(2026, 10, 20, 9)),
                          ("remind", "resolve", "zhujian", epoch(2026, 10, 23, 9))]
    _sweep_at(c, at(2026, 10, 30, 9))
    assert _ladder(f)[-1] == ("notice", "resolve", "zhujian", epoch(2026, 10, 30, 9))


def test_a_case_resolved_before_cooperating_deadlines_scores_no_missed_sign_for(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    # Case C: Mon 10-19 09:00 to 住建 with 供电 and 燃气 cooperating; their sign-for is due 14:30.
    # 住建 signs for it at 09:10 and resolves it at 09:30, before either cooperating clock fell due.
    cid = c.dispatched_case(at(2026, 10, 19, 9), coop=("gongdian", "ranqi"))
    department.acknowledge(c.ctx("yangfan", at(2026, 10, 19, 9, 10)), cid)
    lifecycle.resolve(c.ctx("yangfan", at(2026, 10, 19, 9, 30)), cid, result="已修复")
    later = c.ctx("liuyang", at(2026, 10, 19, 15))  # after 14:30
    october = periods.month("2026-10", later.config.tz)
    boards = {b.department: b for b in department_scoreboard(later, october)}
    # 供电: 1 assignment; its sign-for clock never fell due (case resolved 09:30 < due 14:30), so the
    # response rate has nothing to count: 0 of 0 (it was 0 of 1, a missed sign-for, before).
    assert boards["gongdian"].figures["response"].as_dict() == {"num": 0, "den": 0, "rate": None}
    assert boards["gongdian"].figures["arrival"].den == 0
    # 住建 signed for it at 09:10, due 4 office hours after 09:00 → 14:30: on time, 1 of 1.
    assert boards["zhujian"].figures["response"].as_dict() == {"num": 1, "den": 1, "rate": 1.0}
    explained = explain(later, "gongdian", october)
    assert explained["figures"]["response"]["cases"] == []  # --explain lists no row behind 0 of 0
    # The workspace shows no countdown for them: their clocks stopped with the case.
    rows = {r["department"]: r for r in case_detail(later, c.case(cid))["assignments"]}
    assert not rows["gongdian"]["ack_running"] and not rows["ranqi"]["arrive_running"]
    # A case that stays open past 14:30 still counts a missed sign-for: 燃气 on case D.
    d = c.dispatched_case(at(2026, 10, 19, 9), coop=("ranqi",))
    assert c.case(d).state == "dispatched"
    boards = {b.department: b for b in department_scoreboard(c.ctx("liuyang", at(2026, 10, 19, 15)), october)}
    assert boards["ranqi"].figures["response"].as_dict() == {"num": 0, "den": 1, "rate": 0.0}


def test_three_reports_35_days_apart_end_to_end_are_not_a_repeat(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    text = "东关社区12号楼前路灯不亮，晚上出行不便"
    first = c.new_case(at(2026, 9, 1, 9), text=text, phone="13812345678")
    second = c.new_case(at(2026, 9, 21, 9), text=text, phone="13812345678")
    third = c.new_case(at(2026, 10, 6, 9), text=text, phone="13812345678")
    # 09-21's window (08-22 … 09-21) holds 09-01 and 09-21: 2. 10-06's window (09-06 … 10-06) holds
    # 09-21 and 10-06: 2 — 09-01 is 35 days before 10-06. Before, 10-06 added 09-21's own count (2)
    # to itself and reached 3 = a must-supervise repeat.
    assert [c.case(i).repeat_count for i in (first, second, third)] == [1, 2, 2]
    swept, = _sweep_at(c, at(2026, 10, 6, 10))
    assert all("repeat" not in flags for flags in swept.flagged.values())
    # A fourth report on 10-15: its window (09-15 … 10-15) holds 09-21, 10-06 and 10-15: 3, a repeat.
    fourth = c.new_case(at(2026, 10, 15, 9), text=text, phone="13812345678")
    assert c.case(fourth).repeat_count == 3
    assert "repeat" in _sweep_at(c, at(2026, 10, 15, 10))[0].flagged[fourth]


def test_the_month_problem_is_chosen_from_every_hot_spot_not_the_listed_ones(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    street_light = "城乡建设/城市建设和市政管理/城管执法"

    def local(day: int, village: str, text: str, category: str) -> None:
        case_id = c.new_case(at(2026, 10, day, 9), text=text)
        lifecycle.triage(c.ctx("liuyang", at(2026, 10, day, 9)), case_id, category=category, township="chengguan",
                         priority="general", decision="local", village=village)

    # One village with 3 cases of category X (the largest single hot spot) …
    for day in (12, 13, 14):
        local(day, "东关社区", f"东关社区占道经营第{day}次", street_light)
    # … and category Y in three villages with 2 cases each: 6 cases in 3 places.
    other = "城乡建设/城市建设和市政管理/环境卫生"
    for village in ("西关社区", "南关社区", "北关社区"):
        for day in (15, 16):
            local(day, village, f"{village}垃圾清运不及时第{day}次", other)
    report = hotspots(c.ctx("liuyang", at(2026, 10, 31, 17)), periods.month("2026-10", c.config.tz), limit=1)
    # The list is cut to the top hot spot (X at 东关社区, 3 cases); the candidate is Y (6 cases, 3 places).
    assert [(s.place, s.count) for s in report.spots] == [("东关社区", 3)]
    top = report.candidates[0]
    assert (top.category, top.count, len(top.spots)) == (other, 6, 3)
