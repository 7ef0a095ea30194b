"""Issue 16 item 11: 追责建议 — accountability proposed from the office's rules ([accountability]),
each with its evidence (event ids, times, cases), confirmed or dismissed by the supervision group.

Worked by hand (general resolve rule "5wd" as in test_supervision, office hours 09:00-12:00,
13:30-17:30, November 2026 has no holidays):
  case A  received Mon 11-02 09:00, 住建 signs for 10:00, arrives Tue 11-03 09:00; resolve due 5wd
          after receipt → Mon 11-09 09:00; reminder the working day after → Tue 11-10 09:00; notice 5wd
          after the reminder → Tue 11-17 09:00.
  case B  received Tue 11-03 09:00, same steps a day later: due Tue 11-10 09:00, reminder Wed 11-11
          09:00, notice Wed 11-18 09:00.
  → 住建 noticed twice in November (rule: 2) → proposal "notices:zhujian:2026-11", evidence the two
    notice events.
  case U  urgent, received Mon 11-02 09:00, dispatched 09:20 to 住建 with 供水 cooperating: arrival due
          30 min after dispatch → 09:50. 住建 arrives 10:10 (20 min late) → proposal
          "late_arrival:<住建's assignment>", late_minutes 20; 供水 arrives 09:45 (on time) → nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.cases import department, lifecycle
from models.errors import ConfigError, InvalidState, PermissionDenied
from models.org.config import parse_config
from models.store.schema import Accountability, Assignment, Event
from models.supervision import proposals, supervision
from tests.clock_support import SH, County, at, county


def _late_case(c: County, day: int) -> int:
    case_id = c.dispatched_case(at(2026, 11, day, 9), at(2026, 11, day, 9, 30))
    department.acknowledge(c.ctx("yangfan", at(2026, 11, day, 10)), case_id)
    department.arrive(c.ctx("yangfan", at(2026, 11, day + 1, 9)), case_id)
    return case_id


def _month(tmp_path: Path, db_url: str, **config: object) -> tuple[County, int, int, int, int]:
    """Cases A, B and U as in the module's docstring, swept on each day a step fell due."""
    c = county(tmp_path, db_url, general_resolve='"5wd"', **config)
    a, b = _late_case(c, 2), _late_case(c, 3)
    urgent = c.new_case(at(2026, 11, 2, 9))
    lifecycle.triage(c.ctx("liuyang", at(2026, 11, 2, 9, 10)), urgent, category="城管执法", township="chengguan",
                     priority="urgent", decision="whistle")
    lifecycle.dispatch(c.ctx("liuyang", at(2026, 11, 2, 9, 20)), urgent, lead="zhujian", cooperating=["gongshui"])
    for dept, signed, arrived in (("zhujian", 25, (10, 10)), ("gongshui", 30, (9, 45))):
        department.acknowledge(c.ctx(None, at(2026, 11, 2, 9, signed)), urgent, department=dept)
        department.arrive(c.ctx(None, at(2026, 11, 2, *arrived)), urgent, department=dept)
    lifecycle.resolve(c.ctx("yangfan", at(2026, 11, 2, 10, 50)), urgent, result="已处置")
    for day in (10, 11, 17, 18):
        supervision.sweep(c.ctx("liuyang", at(2026, 11, day, 9)))
    lead = Assignment.get((Assignment.case == urgent) & (Assignment.department == "zhujian"))
    return c, a, b, urgent, int(lead.id)


def test_rules_propose_with_evidence_and_the_supervisor_confirms_or_dismisses(tmp_path: Path, db_url: str) -> None:
    c, a, b, urgent, lead_id = _month(tmp_path, db_url)
    sunli = c.ctx("sunli", at(2026, 11, 20, 10))
    found = {p.id: p for p in proposals.proposals(sunli)}
    assert sorted(found) == [f"late_arrival:{lead_id}", "notices:zhujian:2026-11"]
    noticed = found["notices:zhujian:2026-11"]
    notice_events = list(Event.select().where(Event.action == "notice").order_by(Event.id))
    assert [(e.case, e.at) for e in notice_events] == [(a, int(at(2026, 11, 17, 9).timestamp())),
                                                       (b, int(at(2026, 11, 18, 9).timestamp()))]
    assert [(e["event_id"], e["at"][:16], e["case_id"]) for e in noticed.evidence] == [
        (notice_events[0].id, "2026-11-17T09:00", a), (notice_events[1].id, "2026-11-18T09:00", b)]
    assert (noticed.cases, noticed.detail) == ([a, b], {"month": "2026-11", "count": 2, "threshold": 2})
    assert noticed.summary("zh", c.config.display_name) == "县住房和城乡建设局 2026-11 被通报 2 次（达到 2 次）"
    late = found[f"late_arrival:{lead_id}"]
    assert (late.department, late.cases, late.detail["late_minutes"]) == ("zhujian", [urgent], 20)
    assert (late.detail["arrive_due"][:16], late.detail["arrived_at"][:16]) == ("2026-11-02T09:50", "2026-11-02T10:10")
    assert [e["action"] for e in late.evidence] == ["dispatch", "arrive"]  # 住建's arrival, not 供水's
    with pytest.raises(PermissionDenied):
        proposals.proposals(c.ctx("liuyang", at(2026, 11, 20, 10)))
    record_id = proposals.confirm(sunli, "notices:zhujian:2026-11", reason="十一月两次被通报")
    record = Accountability.get_by_id(record_id)
    assert (record.department, json.loads(record.cases), record.reason) == ("zhujian", [a, b], "十一月两次被通报")
    confirmed = Event.get(Event.action == "proposal_confirm")
    after = json.loads(confirmed.after)
    assert (after["supervisor"], after["accountability_id"], after["evidence"]) == (
        "sunli", record_id, [e.id for e in notice_events])
    assert [p.id for p in proposals.proposals(sunli)] == [f"late_arrival:{lead_id}"]
    proposals.dismiss(sunli, f"late_arrival:{lead_id}", reason="暴雨封路，已报备")
    assert proposals.proposals(sunli) == []
    with pytest.raises(InvalidState, match="already decided"):
        proposals.confirm(sunli, f"late_arrival:{lead_id}", reason="再确认")
    assert Accountability.select().count() == 1


def test_the_rules_follow_the_config(tmp_path: Path, db_url: str) -> None:
    c, *_ = _month(tmp_path, db_url, replace={"notices_per_month = 2": "notices_per_month = 3",
                                              'late_arrival_priorities = ["urgent"]': "late_arrival_priorities = []"})
    assert proposals.proposals(c.ctx("sunli", at(2026, 11, 20, 10))) == []


def test_the_accountability_section_is_checked_like_the_rest() -> None:
    shipped = (Path(__file__).resolve().parent.parent / "chuishao.toml").read_text(encoding="utf-8")
    text = shipped.replace("notices_per_month = 2", "notices_per_month = -1").replace(
        'late_arrival_priorities = ["urgent"]', 'late_arrival_priorities = ["urgnet"]')
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("county.toml"))
    lines = text.splitlines()
    found = info.value.problems
    assert len(found) == 2
    assert found[0].startswith(f"county.toml:{_line(lines, 'notices_per_month = -1')}: accountability.notices_per_month")
    assert "accountability.late_arrival_priorities" in found[1] and "urgnet" in found[1]


def _line(lines: list[str], start: str) -> int:
    return next(n for n, line in enumerate(lines, start=1) if line.startswith(start))


def test_cli_lists_confirms_and_dismisses(tmp_path: Path, db_url: str) -> None:
    from datetime import datetime

    c, a, b, _urgent, lead_id = _month(tmp_path, db_url)
    c.clock.set(datetime(2026, 11, 20, 10, tzinfo=SH))
    listed = c.run("--as", "sunli", "supervise", "proposals", "--json")
    assert listed.exit_code == 0, listed.output
    rows = {r["id"]: r for r in json.loads(listed.stdout)}
    assert rows["notices:zhujian:2026-11"]["cases"] == [a, b]
    assert [e["case_id"] for e in rows["notices:zhujian:2026-11"]["evidence"]] == [a, b]
    shown = c.run("--as", "sunli", "supervise", "proposals").stdout
    assert "2 accountability proposals" in shown and "publicly" in shown  # the table wraps at 80 columns
    refused = c.run("--as", "yangfan", "supervise", "proposals")
    assert refused.exit_code == 1 and "no permission" in refused.output
    done = c.run("--as", "sunli", "supervise", "proposals", "confirm", "notices:zhujian:2026-11", "--reason", "两次通报")
    assert done.exit_code == 0 and "accountability record 1" in done.stdout
    gone = c.run("--as", "sunli", "supervise", "proposals", "dismiss", f"late_arrival:{lead_id}", "--reason", "已报备")
    assert gone.exit_code == 0, gone.output
    assert json.loads(c.run("--as", "sunli", "supervise", "proposals", "--json").stdout) == []
    unknown = c.run("--as", "sunli", "supervise", "proposals", "dismiss", "notices:gongan:2026-11", "--reason", "x")
    assert unknown.exit_code == 1 and "no open accountability proposal" in unknown.output
    records = json.loads(c.run("--as", "sunli", "supervise", "accountability", "list", "--json").stdout)
    assert [(r["department"], r["cases"]) for r in records] == [("zhujian", [a, b])]
