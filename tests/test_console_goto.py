"""Reaching any case: by its number (`#`, `:`, the palette), merged cases through the state filter,
and a merge undone from the case the others went into."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Select

from models.intake.merge import merge
from models.org.context import Context
from screens.case_view import CaseScreen
from screens.dialogs.filters import FilterDialog
from screens.dialogs.goto import GotoDialog
from screens.dialogs.more import UnmergeDialog
from screens.queue import QueueScreen
from tests.console_support import (
    SIZE,
    console,
    fixed,
    new_case,
    run_async,
    screen_text,
    settle,
    state_of,
)


@run_async
async def test_go_to_a_case_by_number(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    first = new_case(admin, "路灯不亮")
    wanted = new_case(admin, "井盖丢失")
    app = console(admin)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen
        assert ("转到案件", "队列", "app.goto") in queue.palette_commands()  # offered by the palette too
        await pilot.press("number_sign")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, GotoDialog)
        await pilot.press("9", "9", "9", "enter")
        await settle(pilot)
        assert app.screen is dialog  # no such case: said beside the field, the number kept
        assert dialog.query_one("#number").value == "999" and "999" in screen_text(app)
        await pilot.press("backspace", "backspace", "backspace", *str(wanted), "enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == wanted
        await pilot.press("colon", *str(first), "enter")  # `:` works as well, from a workspace
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == first
        assert isinstance(queue, QueueScreen)


@run_async
async def test_merged_cases_are_reached_by_the_state_filter_and_unmerged_from_the_target(
        ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    target = new_case(admin, "小区门口路灯不亮")
    source = new_case(admin, "小区门口路灯坏了好几天")
    merge(admin, target, [source])
    app = console(admin)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("1", "f")  # from 待分类, which holds no merged case
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        dialog.query_one("#f-states", Select).value = "merged"
        await pilot.press("ctrl+o")
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen) and queue.case_query.view == "all"
        assert queue.table.current is not None and queue.table.current.id == source
        # the target's workspace names what was merged into it, and U undoes that merge from there
        await pilot.press("number_sign", *str(target), "enter")
        await settle(pilot)
        workspace = app.screen
        assert isinstance(workspace, CaseScreen) and workspace.case_id == target
        assert f"已合并进来（U 撤销合并） #{source}" in screen_text(app)
        assert "unmerge" in workspace.bundle.available
        await pilot.press("U")
        await settle(pilot)
        assert isinstance(app.screen, UnmergeDialog)
        await pilot.press("enter")
        await settle(pilot)
    assert state_of(source) == "new" and state_of(target) == "new"
