"""Issue 17 item 10 (and the footer of item 5): the console at 80×24 — whole footer keys on every
screen and in dialogs, report screens that switch instead of stacking, the scoreboard's keys and
fixed name column, the supervision board's title column, the mouse in the queue, the split dialog
prefilled and the 督办令 key asked of models/."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events
from textual.widgets import DataTable, TextArea

from models.org.context import Context
from models.store.schema import SupervisionOrder
from screens.dialogs.base import FormDialog
from screens.queue import QueueScreen
from screens.scoreboard import ScoreboardScreen
from screens.widgets.footer import ConsoleFooter, FooterKey
from screens.widgets.queue_table import QueueTable
from tests.console_support import (
    console,
    dispatched_case,
    fixed,
    new_case,
    notifications,
    open_first_case,
    press_into,
    run_async,
    screen_text,
    settle,
    wait_until,
)

SMALL = (80, 24)


def footer_keys(app: Any) -> list[FooterKey]:
    return list(app.screen.query_one(ConsoleFooter).query(FooterKey))


def assert_footer_whole(app: Any, app_keys: bool = True) -> str:
    """Every key the footer shows is on its last line in full, and (on screens) ? and ^p among them."""
    last = "".join(screen_text(app).splitlines()[-1].split())  # (the picture's spacing is approximate)
    keys = footer_keys(app)
    for key in keys:
        assert "".join(f"{key.key_display}{key.description}".split()) in last, (key.key_display, key.description, last)
    assert not app_keys or ("?帮助" in last and "^p命令" in last), last
    return last


@run_async
async def test_queue_footer_whole_at_80_columns_and_in_dialogs(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    new_case(admin, "小区门口路面塌陷，影响出行")
    app = console(admin, poll_interval=60)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        last = assert_footer_whole(app)
        assert "考核排▏" not in last and "^p令" not in last
        await open_first_case(pilot)
        assert_footer_whole(app)
        await press_into(pilot, "n", FormDialog)  # a note dialog: its accept and cancel keys stay in sight
        last = assert_footer_whole(app, app_keys=False)
        assert "^o" in last and "Esc" in last.replace("esc", "Esc"), last
    async with console(admin, poll_interval=60).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        last = assert_footer_whole(pilot.app)
        assert "f4" in last  # wide enough: no key left out


@run_async
async def test_report_screens_switch_and_scoreboard_keys(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    dispatched_case(admin)
    app = console(admin, poll_interval=60)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen = await press_into(pilot, "f2", ScoreboardScreen)
        table = screen.query_one("#departments", DataTable)
        table.focus()
        await settle(pilot)
        assert table.cursor_row == 0
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press(*["l"] * 12)  # far right: the figures scroll, the department stays
        await settle(pilot)
        assert table.cursor_column >= 10 and table.scroll_x > 0
        shown = screen_text(app)
        assert "部门" in shown and "财政局" in shown, shown
        depth = len(app.screen_stack)
        await pilot.press("f2")  # on itself: nothing
        await settle(pilot)
        assert len(app.screen_stack) == depth
        await pilot.press("f3")  # from a report screen: takes its place
        await settle(pilot)
        assert len(app.screen_stack) == depth and type(app.screen).__name__ == "HotspotsScreen"
        await pilot.press("f4")
        await settle(pilot)
        assert len(app.screen_stack) == depth and type(app.screen).__name__ == "SupervisionScreen"
        await pilot.press("escape")  # one Esc back to the queue
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


@run_async
async def test_supervision_board_title_column_readable_at_80(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    dispatched_case(admin, text="幸福小区门口路面塌陷影响出行")
    late = fixed(ctx_for(), moment=__import__("datetime").datetime(2026, 12, 20, 2, tzinfo=__import__("datetime").UTC))
    app = console(late, poll_interval=60)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await wait_until(pilot, lambda: app.screen.query_one("#supervision", DataTable).row_count > 0)
        await settle(pilot)
        shown = screen_text(app)
        assert "标题" in shown and "幸福小区门口路面" in shown, shown


@run_async
async def test_mouse_wheel_scrolls_and_a_tab_click_switches_view(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    for n in range(40):
        new_case(admin, f"第{n}号路灯不亮，晚上出行不便", source_id=f"w{n}")
    app = console(admin, poll_interval=60)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        assert table.top == 0 and table.cursor == 0
        for _ in range(2):
            table.post_message(events.MouseScrollDown(table, 5, 5, 0, 0, 0, False, False, False))
        await settle(pilot)
        assert table.top == 6 and table.cursor == 6  # the cursor stays on screen, at the top
        table.post_message(events.MouseScrollUp(table, 5, 5, 0, 0, 0, False, False, False))
        await settle(pilot)
        assert table.top == 3
        for _ in range(30):  # never past the last screenful: no blank screen
            table.post_message(events.MouseScrollDown(table, 5, 5, 0, 0, 0, False, False, False))
        await settle(pilot)
        assert table.top == 40 - table.visible
        # the tabs: " 1 待分类 40 " … click on the "全部" tab
        views = app.screen.query_one("#views")
        plain = views.render().plain if hasattr(views.render(), "plain") else str(views.render())
        from rich.cells import cell_len

        x = cell_len(plain[:plain.index("全部")])
        await pilot.click("#views", offset=(x + 1, 0))
        await settle(pilot)
        assert app.screen.case_query.view == "all"  # type: ignore[attr-defined]
        x = cell_len(plain[:plain.index("待分类")])
        await pilot.click("#views", offset=(x + 1, 0))
        await settle(pilot)
        assert app.screen.case_query.view == "new"  # type: ignore[attr-defined]


@run_async
async def test_split_dialog_opens_with_the_reports_text(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    text = "小区门口路灯不亮；另外3号楼下水道堵塞"
    new_case(admin, text)
    app = console(admin, poll_interval=60)
    async with app.run_test(size=SMALL) as pilot:
        await open_first_case(pilot)
        dialog = await press_into(pilot, "S", FormDialog)
        assert dialog.query_one("#parts", TextArea).text == text
        await pilot.press("escape")  # nothing typed yet: closes without asking
        await settle(pilot)
        assert not isinstance(app.screen, FormDialog)


@run_async
async def test_supervisor_issues_an_order_from_the_workspace(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = dispatched_case(admin, lead="zhujian")
    app = console(fixed(ctx_for("sunli")), poll_interval=60)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first_case(pilot)
        assert "supervise" in screen.bundle.available
        assert any(k.description == "督办令" for k in footer_keys(app))
        await press_into(pilot, "D", FormDialog)
        assert "督办对象：住建局" in screen_text(app)
        await pilot.press(*list("三日内办结"))  # the instruction has the focus; the level stays 一般督办
        await pilot.press("ctrl+o")
        await settle(pilot)
        order = SupervisionOrder.get(SupervisionOrder.case == cid)
        assert (order.kind, order.level, order.department, order.instruction, order.issued_by) == \
            ("order", "normal", "zhujian", "三日内办结", app.ctx.actor)
    # a department may not: no key, and the key says why (models' refusal)
    app = console(fixed(ctx_for("yangfan")), poll_interval=60)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_first_case(pilot)
        assert "supervise" not in screen.bundle.available and "supervise" in screen.bundle.refusals
        assert not any(k.description == "督办令" for k in footer_keys(app))
        await pilot.press("D")
        await settle(pilot)
        assert not isinstance(app.screen, FormDialog)
        assert notifications(app)
