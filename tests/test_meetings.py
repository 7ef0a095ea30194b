"""联席会议: the agenda, parsing decisions, and applying them to cases as dispatches with events."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from models.cases import department
from models.errors import InvalidState, PermissionDenied, UsageError, ValidationError
from models.store.schema import Assignment, Case, Event, Meeting, MeetingDecision
from models.supervision import meetings, supervision
from tests.clock_support import at, county, epoch


def _active(case_id: int) -> list[tuple[str, str, str]]:
    return [(a.department, a.role, a.state) for a in
            Assignment.select().where((Assignment.case == case_id) & Assignment.active).order_by(Assignment.id)]


def test_parse_decision_forms(tmp_path: Path, db_url: str) -> None:
    ctx = county(tmp_path, db_url).ctx("liuyang", at(2026, 11, 27, 10))
    full = meetings.parse_decision(ctx, "12:zhujian:shichang,gongshui:联合整治占道经营:2026-12-10T15:00")
    assert (full.case_id, full.lead, full.cooperating, full.plan) == (12, "zhujian", ["shichang", "gongshui"],
                                                                     "联合整治占道经营")
    assert full.deadline == epoch(2026, 12, 10, 15)
    short = meetings.parse_decision(ctx, "7:住建局:先行修复:2026-12-10")
    assert short.cooperating == [] and short.plan == "先行修复"
    assert short.deadline == epoch(2026, 12, 10, 17, 30)  # a date means the end of office hours
    colon = meetings.parse_decision(ctx, "7:zhujian::方案: 分两步:")
    assert colon.plan == "方案: 分两步" and colon.deadline is None and colon.cooperating == []
    for bad in ("zhujian:plan:2026-12-10", "7:plan", "x:zhujian:plan:2026-12-10"):
        with pytest.raises(UsageError):
            meetings.parse_decision(ctx, bad)


def test_agenda_proposes_multi_department_returned_and_must_supervise_cases(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    t = at(2026, 11, 2, 9)
    simple = c.dispatched_case(t)
    multi = c.dispatched_case(t, coop=("gongshui",))
    returned = c.dispatched_case(t)
    department.return_case(c.ctx("yangfan", t + timedelta(hours=1)), returned, reason="非本局职责")
    late = c.new_case(t - timedelta(days=10))
    c.whistle(late, t - timedelta(days=10))
    ctx = c.ctx("liuyang", t + timedelta(hours=2))
    supervision.sweep(ctx)
    rows = {r["id"]: r["reasons"] for r in meetings.agenda(ctx)}
    assert simple not in rows
    assert rows[multi] == ["multi_department"]
    assert rows[returned] == ["returned"]
    assert "must_supervise" in rows[late]
    with pytest.raises(PermissionDenied):
        meetings.agenda(c.ctx("yangfan", t))


def test_record_applies_each_decision_as_a_dispatch_with_its_own_event(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    t = at(2026, 11, 2, 9)
    whistled = c.new_case(t)
    c.whistle(whistled, t)
    returned = c.dispatched_case(t)
    department.return_case(c.ctx("yangfan", t + timedelta(hours=1)), returned, reason="属供水管网")
    working = c.dispatched_case(t, coop=("gongshui",))
    department.acknowledge(c.ctx("yangfan", t + timedelta(hours=1)), working)
    held = t + timedelta(days=1)
    decisions = [
        meetings.Decision(whistled, "chengguan_zf", ["zhujian"], "联合执法", epoch(2026, 11, 10, 17, 30)),
        meetings.Decision(returned, "gongshui", [], "供水公司维修", epoch(2026, 11, 6, 17, 30)),
        meetings.Decision(working, "zhujian", ["shichang"], "住建牵头，市场监管配合", epoch(2026, 11, 20, 17, 30)),
    ]
    meeting, cases = meetings.record(c.ctx("liuyang", held), held_at=epoch(2026, 11, 3, 9), title="11月联席会",
                                     attendees=["zhujian", "chengguan_zf", "gongshui", "shichang"],
                                     decisions=decisions)
    assert [x.state for x in cases] == ["dispatched", "dispatched", "acknowledged"]
    assert _active(whistled) == [("chengguan_zf", "lead", "pending"), ("zhujian", "cooperating", "pending")]
    assert c.case(whistled).dispatched_at == epoch(2026, 11, 3, 9) and c.case(whistled).lead == "chengguan_zf"
    assert _active(returned) == [("gongshui", "lead", "pending")]
    # The lead that already signed for it keeps its state; gongshui is withdrawn, shichang added.
    assert _active(working) == [("zhujian", "lead", "acknowledged"), ("shichang", "cooperating", "pending")]
    for decision in decisions:
        case = c.case(decision.case_id)
        assert case.resolve_due == decision.deadline
        (event,) = Event.select().where((Event.case == case.id) & (Event.action == "meeting"))
        after = json.loads(event.after)
        assert after["meeting_id"] == meeting.id and after["lead"] == decision.lead and after["plan"] == decision.plan
    assert MeetingDecision.select().where(MeetingDecision.meeting == meeting.id).count() == 3
    assert meetings.meetings(c.ctx("liuyang", held))[0]["decisions"][2]["cooperating"] == ["shichang"]
    # Decided cases leave the agenda until they come back.
    assert {r["id"] for r in meetings.agenda(c.ctx("liuyang", held))} & {whistled, returned, working} == set()


def test_one_bad_decision_stores_nothing(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    t = at(2026, 11, 2, 9)
    good = c.new_case(t)
    c.whistle(good, t)
    closed = c.new_case(t)  # still new: not decidable
    ctx = c.ctx("liuyang", t + timedelta(hours=1))
    with pytest.raises(InvalidState, match=f"case {closed} is new"):
        meetings.record(ctx, held_at=epoch(2026, 11, 2, 9), attendees=["zhujian"],
                        decisions=[meetings.Decision(good, "zhujian"), meetings.Decision(closed, "zhujian")])
    assert Meeting.select().count() == 0 and c.case(good).state == "whistled" and _active(good) == []
    with pytest.raises(ValidationError, match="did not attend"):
        meetings.record(ctx, held_at=epoch(2026, 11, 2, 9), attendees=["zhujian"],
                        decisions=[meetings.Decision(good, "zhujian", ["shichang"])])
    with pytest.raises(ValidationError, match="already past"):
        meetings.record(ctx, held_at=epoch(2026, 11, 2, 9), attendees=["zhujian"],
                        decisions=[meetings.Decision(good, "zhujian", [], "", epoch(2026, 11, 1))])
    assert Case.get_by_id(good).version == 2  # intake + triage only


def test_meeting_cli_record_from_options_and_file(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    now = c.now
    first = c.new_case(now)
    c.whistle(first, now)
    second = c.new_case(now)
    c.whistle(second, now)
    agenda = c.run("meeting", "agenda", "--json")
    assert agenda.exit_code == 0 and json.loads(agenda.output) == []
    deadline = (now + timedelta(days=10)).date().isoformat()
    result = c.run("meeting", "record", "--date", now.isoformat(), "--attendee", "zhujian", "--attendee", "市场监管局",
                   "--decision", f"{first}:zhujian:shichang:联合整治:{deadline}", "--json")
    assert result.exit_code == 0, result.output
    stored = json.loads(result.output)
    assert stored["attendees"] == ["zhujian", "shichang"] and stored["decisions"][0]["cooperating"] == ["shichang"]
    assert stored["decisions"][0]["deadline"].startswith(f"{deadline}T17:30")
    file = tmp_path / "decisions.toml"
    file.write_text(f'[[decisions]]\ncase = {second}\nlead = "shichang"\nplan = "市场监管牵头"\n'
                    f'deadline = "{deadline}"\n', encoding="utf-8")
    from_file = c.run("meeting", "record", "--date", now.isoformat(), "--attendee", "shichang",
                      "--decisions-file", str(file))
    assert from_file.exit_code == 0, from_file.output
    assert c.case(second).lead == "shichang" and c.case(second).state == "dispatched"
    bad = c.run("meeting", "record", "--date", now.isoformat(), "--attendee", "zhujian", "--decision", "oops")
    assert bad.exit_code == 2 and "CASE:LEAD" in bad.output
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    broken = c.run("meeting", "record", "--date", now.isoformat(), "--attendee", "zhujian",
                   "--decisions-file", str(tmp_path / "broken.json"))
    assert broken.exit_code == 2 and "not valid JSON" in broken.output
    listed = json.loads(c.run("meeting", "list", "--json").output)
    assert len(listed) == 2
