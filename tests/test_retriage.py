"""Issue 16 item 9 (first part): re-triage with a reason, old values kept in the history, clocks
recomputed from the new rules. Times given in UTC ("01:00" = 09:00 office time)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from models.cases import lifecycle
from models.cases.retriage import retriage
from models.errors import InvalidState, PermissionDenied
from models.intake.intake import NewReport, intake
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
