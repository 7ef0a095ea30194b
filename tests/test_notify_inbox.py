"""Issue 21 item 4 in models/ (models/notify/inbox.py): what was sent about a case, within the
operator's scope, and each operator's unread notifications, marked read with who and when."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from models.cases import department
from models.notify import inbox
from models.org.context import Context
from models.store.schema import NotificationRead, Outbox
from tests.console_support import NOW as CONSOLE_NOW
from tests.console_support import dispatched_case, fixed


def test_a_case_lists_each_notification_to_whom_when_through_what_and_its_state(
        ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    case_id = dispatched_case(admin, cooperating=("ziranziyuan",))
    rows = list(Outbox.select().where(Outbox.case == case_id).order_by(Outbox.id))
    Outbox.update(state="sent", channels_done='["zhujian_hook"]', sent_at=rows[0].created_at + 5).where(
        Outbox.id == rows[0].id).execute()
    Outbox.update(state="dead", attempts=8).where(Outbox.id == rows[1].id).execute()
    listed = inbox.for_case(admin, case_id)
    assert [(n["recipient"], n["kind_label"], n["state"], n["attempts"]) for n in listed] == [
        ("县住房和城乡建设局", "新派单", "sent", 0), ("县自然资源和规划局", "新派单", "dead", 8)]
    assert listed[0]["sent_at"] and listed[0]["created_at"].startswith("2026-11-20T10:00")
    # a department sees what was sent to itself, not to the other department on the case
    liaison = fixed(ctx_for("yangfan"))
    assert [n["recipient"] for n in inbox.for_case(liaison, case_id)] == ["县住房和城乡建设局"]


def test_unread_is_per_operator_and_marking_it_read_records_who_and_when(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    case_id = dispatched_case(admin)
    department.return_case(fixed(ctx_for("yangfan")), case_id, reason="不属于本部门职责")
    liuyang, chenjing = fixed(ctx_for("liuyang")), fixed(ctx_for("chenjing"), CONSOLE_NOW + timedelta(hours=1))
    count, rows = inbox.unread(liuyang)
    assert count == 1 and rows[0]["kind"] == "return_review" and f"第{case_id}号" in rows[0]["text"]
    assert inbox.mark_read(chenjing, [rows[0]["id"]]) == 1
    assert inbox.unread(chenjing)[0] == 0 and inbox.unread(liuyang)[0] == 1  # each dispatcher reads for himself
    assert inbox.mark_read(chenjing, [rows[0]["id"]]) == 0  # the first moment stays
    [read] = NotificationRead.select()
    assert (read.outbox, read.operator, read.read_by, read.read_at) == (
        rows[0]["id"], "chenjing", admin.actor, int((CONSOLE_NOW + timedelta(hours=1)).timestamp()))
    liaison = fixed(ctx_for("yangfan"))  # a department cannot mark the office's notification read
    assert inbox.mark_read(liaison, [rows[0]["id"]]) == 0 and inbox.unread(liaison)[0] == 1  # its own dispatch
