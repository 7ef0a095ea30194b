"""Issue 21 item 4 in the console: the workspace lists what was sent about the case; an operator is
told of their unread notifications on opening, and F7 lists them and marks them read."""

from __future__ import annotations

from collections.abc import Callable

from models.notify import inbox
from models.org.context import Context
from models.store.schema import NotificationRead, Outbox
from screens.case_view import CaseScreen
from screens.dialogs.text import ConfirmDialog
from tests.console_support import NOW as CONSOLE_NOW
from tests.console_support import (
    SIZE,
    console,
    dispatched_case,
    fixed,
    notifications,
    run_async,
    screen_text,
    settle,
    wait_until,
)


def deliver(key_prefix: str, state: str, channels: str = "[]", attempts: int = 0, sent_at: int | None = None) -> None:
    """What the sender would have recorded for these rows (the sender itself is tested in test_notify_send)."""
    Outbox.update(state=state, channels_done=channels, attempts=attempts, sent_at=sent_at).where(
        Outbox.key.startswith(key_prefix)).execute()


@run_async
async def test_the_workspace_shows_what_was_sent_and_whether_it_arrived(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    case_id = dispatched_case(admin, cooperating=("ziranziyuan",))
    deliver("dispatch:", "sent", '["zhujian_hook"]', sent_at=int(CONSOLE_NOW.timestamp()) + 60)
    Outbox.update(state="dead", attempts=8, channels_done="[]", sent_at=None).where(
        Outbox.recipient == "ziranziyuan").execute()
    app = console(admin)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_case(case_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen) and len(screen.bundle.notifications) == 2
        await pilot.press("end")
        await settle(pilot)
        text = screen_text(app)
        assert "通知记录" in text and "县住房和城乡建设局" in text and "县自然资源和规划局" in text
        assert "已送达" in text and "发送失败（死信）" in text and "已尝试 8 次" in text
        assert "zhujian_hook" not in text and "ziranziyuan" not in text  # names, never ids …
        assert "已停用的渠道" in text  # … even for a channel the configuration no longer has


@run_async
async def test_an_operator_is_told_of_unread_notifications_on_opening_and_f7_marks_them_read(
        ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    case_id = dispatched_case(admin)
    liaison = fixed(ctx_for("yangfan"))
    app = console(liaison)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: "未读通知 1 条（F7）" in screen_text(app).splitlines()[0])
        await pilot.press("f7")
        await settle(pilot)
        shown = screen_text(app)
        assert isinstance(app.screen, ConfirmDialog) and f"【新派单】 第{case_id}号" in shown
        await pilot.press("enter")
        await settle(pilot)
        await wait_until(pilot, lambda: NotificationRead.select().count() == 1)
        await wait_until(pilot, lambda: "未读通知" not in screen_text(app).splitlines()[0])
        assert any("已标记 1 条通知为已读" in n for n in notifications(app))
    [read] = NotificationRead.select()
    assert read.operator == "yangfan" and read.read_at == int(CONSOLE_NOW.timestamp())
    assert inbox.unread(liaison)[0] == 0
