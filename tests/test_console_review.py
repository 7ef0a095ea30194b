"""Reviewing a return (`v`): never proposes the department that just returned the case, and says who
returned it and why, by the department's name."""

from __future__ import annotations

from collections.abc import Callable

from models.cases import department
from models.org.context import Context
from models.store.schema import Case
from screens.dialogs.dispatch import ReviewReturnDialog
from screens.picker import Picker
from tests.console_support import (
    SIZE,
    console,
    dispatched_case,
    fixed,
    open_first_case,
    run_async,
    screen_text,
    settle,
    state_of,
)

STALLS = "街道两侧流动摊贩占道经营，影响通行"  # the suggestion proposes 城管局 (chengguan_zf) as lead


@run_async
async def test_a_lead_that_returned_is_not_proposed_again(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = dispatched_case(admin, STALLS, lead="chengguan_zf")
    department.return_case(fixed(ctx_for("guoqiang")), cid, reason="摊贩管理<不归>本局[b]")
    app = console(fixed(ctx_for("liuyang")))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await open_first_case(pilot)
        await pilot.press("v")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReviewReturnDialog)
        assert dialog.query_one("#lead", Picker).value is None  # not 城管局, which the suggestion names
        assert "chengguan_zf" not in dialog.query_one("#cooperating", Picker).values
        shown = screen_text(app)
        assert "城管局 退单：摊贩管理<不归>本局[b]" in shown  # its name, its reason as typed
        assert "chengguan_zf" not in shown
        await pilot.press("ctrl+o")  # accepting as it stands sends it nowhere: a lead must be chosen
        await settle(pilot)
        assert app.screen is dialog
    assert state_of(cid) == "returned"


@run_async
async def test_a_cooperating_department_that_returned_is_dropped_and_the_lead_kept(
        ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = dispatched_case(admin, lead="zhujian", cooperating=("chengguan_zf", "gongshui"))
    department.return_case(fixed(ctx_for("guoqiang")), cid, reason="不涉及执法")
    app = console(fixed(ctx_for("liuyang")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")  # a cooperating return leaves the case with its lead
        await open_first_case(pilot)
        await pilot.press("v")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReviewReturnDialog)
        # the lead stays (the suggestion would have put 交通局 in its place); only the returner goes
        assert dialog.query_one("#lead", Picker).value == "zhujian"
        assert dialog.query_one("#cooperating", Picker).values == ["gongshui"]
        await pilot.press("ctrl+o")
        await settle(pilot)
    case = Case.get_by_id(cid)
    assert case.state == "dispatched" and case.lead == "zhujian"
