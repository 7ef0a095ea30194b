"""Issue 21 item 1: the steps someone must act on write their notifications in their own transaction."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from models.cases import department, lifecycle, pausing
from models.notify import near
from models.notify.settings import load
from models.store.schema import Assignment, Outbox
from models.supervision import supervision, supervision_orders
from models.worktime.timeutil import from_epoch
from tests.clock_support import at, county


def rows(case_id: int) -> list[tuple[str, str, str]]:
    return [(r.kind, r.recipient_kind, r.recipient)
            for r in Outbox.select().where(Outbox.case == case_id).order_by(Outbox.id)]


def test_dispatch_notifies_each_department_once_keyed_by_its_event(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    case_id = c.dispatched_case(at(2026, 11, 27, 9), coop=("ziranziyuan",))
    assert rows(case_id) == [("dispatch", "department", "zhujian"), ("dispatch", "department", "ziranziyuan")]
    keys = [r.key for r in Outbox.select().where(Outbox.case == case_id)]
    assert len(set(keys)) == 2 and all(k.startswith("dispatch:") for k in keys)


def test_a_step_that_rolls_back_notifies_nobody(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    case_id = c.new_case(at(2026, 11, 27, 9))
    c.whistle(case_id, at(2026, 11, 27, 9))
    ctx = c.ctx("liuyang", at(2026, 11, 27, 9, 5))
    with pytest.raises(RuntimeError), ctx.write():
        lifecycle.dispatch(ctx, case_id, lead="zhujian")
        assert rows(case_id) == [("dispatch", "department", "zhujian")]  # written inside the step …
        raise RuntimeError("the enclosing transaction fails")
    assert rows(case_id) == [] and Assignment.select().where(Assignment.case == case_id).count() == 0


def test_return_and_extension_ask_the_office_and_the_review_tells_the_department(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    case_id = c.dispatched_case(at(2026, 11, 27, 9))
    dept = c.ctx("yangfan", at(2026, 11, 27, 9, 30))
    department.return_case(dept, case_id, reason="不属于本部门，联系13812345678")
    department.review_return(c.ctx("liuyang", at(2026, 11, 27, 10)), case_id, uphold=True)
    department.acknowledge(c.ctx("yangfan", at(2026, 11, 27, 10, 5)), case_id)
    pausing.request_extension(c.ctx("yangfan", at(2026, 11, 27, 10, 10)), case_id, reason="需协调", by="3wd")
    assert rows(case_id)[1:] == [("return_review", "office", ""), ("uphold", "department", "zhujian"),
                                 ("extension_review", "office", "")]


def test_supervision_order_reminder_and_reopen_notify_the_responsible_department(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    case_id = c.dispatched_case(at(2026, 11, 2, 9))
    supervision.escalate(supervision.system_context(c.ctx("zhaolei", at(2026, 11, 27, 10))), case_id)
    supervision_orders.issue_order(c.ctx("sunli", at(2026, 11, 27, 11)), case_id, instruction="三日内办结")
    kinds = rows(case_id)
    assert ("remind", "department", "zhujian") in kinds and kinds[-1] == ("supervise", "department", "zhujian")


def test_an_unsatisfied_evaluation_reopening_the_case_tells_the_lead(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    case_id = c.dispatched_case(at(2026, 11, 27, 9))
    dept = c.ctx("yangfan", at(2026, 11, 27, 9, 10))
    department.acknowledge(dept, case_id)
    department.arrive(dept, case_id)
    lifecycle.resolve(dept, case_id, result="已处理")
    office = c.ctx("liuyang", at(2026, 11, 27, 11))
    lifecycle.evaluate(office, case_id, source="citizen", rating="unsatisfied")
    lifecycle.reopen(office, case_id, reason="群众不满意")
    assert rows(case_id)[-1] == ("reopen", "department", "zhujian")


def test_deadline_near_notice_is_written_once_within_its_lead_time(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url, extra='[notify.lead_time]\ngeneral = "1h"\n')
    case_id = c.dispatched_case(at(2026, 11, 27, 9))
    ack_due = from_epoch(int(Assignment.get(Assignment.case == case_id).ack_due))
    assert ack_due is not None
    early = c.ctx("liuyang", ack_due - timedelta(minutes=61))
    assert near.sweep(early, load(early)) == 0
    inside = c.ctx("liuyang", ack_due - timedelta(minutes=10))
    assert near.sweep(inside, load(inside)) == 1 and near.sweep(inside, load(inside)) == 0
    assert ("deadline_near", "department", "zhujian") in rows(case_id)


def test_a_lead_time_in_working_time_is_refused_with_its_place(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url, extra='[notify.lead_time]\nurgent = "1wh"\n')
    result = c.run("notify", "run", "--once")
    assert result.exit_code == 2 and "[notify.lead_time] urgent" in result.output


def test_a_passed_deadline_is_notified_at_once_not_only_at_the_next_reminder(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    case_id = c.dispatched_case(at(2026, 11, 27, 9))
    ack_due = from_epoch(int(Assignment.get(Assignment.case == case_id).ack_due))
    assert ack_due is not None
    before = c.ctx("liuyang", ack_due - timedelta(minutes=1))
    near.sweep(before, load(before))
    assert ("deadline_passed", "department", "zhujian") not in rows(case_id)
    after = c.ctx("liuyang", ack_due + timedelta(minutes=1))  # the same day: the ladder reminds tomorrow
    assert near.sweep(after, load(after)) == 1 and near.sweep(after, load(after)) == 0
    passed = Outbox.get((Outbox.case == case_id) & (Outbox.kind == "deadline_passed"))
    assert (passed.recipient_kind, passed.recipient) == ("department", "zhujian")
    assert passed.key.startswith(f"passed:{case_id}:acknowledge:zhujian:")


def test_a_stopped_sender_catches_up_on_deadlines_passed_while_it_was_down(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    first = c.ctx("liuyang", at(2026, 11, 27, 9))
    near.sweep(first, load(first))  # the sender's last pass before it stopped
    case_id = c.dispatched_case(at(2026, 11, 27, 9, 5))
    later = c.ctx("liuyang", at(2026, 12, 1, 10))  # back on Tuesday: sign-for and arrival both passed
    near.sweep(later, load(later))
    assert [r.key.split(":")[2] for r in Outbox.select().where(
        (Outbox.case == case_id) & (Outbox.kind == "deadline_passed")).order_by(Outbox.id)] == ["acknowledge",
                                                                                              "arrive"]


def test_a_near_deadline_is_notified_even_when_another_clock_of_the_case_is_late(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url, extra='[notify.lead_time]\ngeneral = "1h"\n')
    case_id = c.dispatched_case(at(2026, 11, 27, 9), coop=("ziranziyuan",))
    department.acknowledge(c.ctx("yangfan", at(2026, 11, 27, 9, 30)), case_id)  # 住建局 signs; 自然资源局 does not
    late, arrive = (Assignment.get((Assignment.case == case_id) & (Assignment.department == d))
                    for d in ("ziranziyuan", "zhujian"))
    assert late.ack_due < arrive.arrive_due
    moment = from_epoch(int(arrive.arrive_due)) - timedelta(minutes=30)
    assert int(late.ack_due) < int(moment.timestamp())  # 自然资源局's sign-for is already late
    ctx = c.ctx("liuyang", moment)
    assert c.case(case_id).next_due == late.ack_due  # the case sorts by the late clock …
    near.sweep(ctx, load(ctx))
    near_rows = Outbox.select().where((Outbox.case == case_id) & (Outbox.kind == "deadline_near"))
    # … and each department's arrival deadline, near in an hour, is told all the same
    assert sorted(r.key.split(":")[2:4] for r in near_rows) == [["arrive", "zhujian"], ["arrive", "ziranziyuan"]]
