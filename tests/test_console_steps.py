"""Every step of a case's life from the workspace, by keys alone, through the real operations."""

from __future__ import annotations

from collections.abc import Callable

from models.cases.queries import history
from models.org.context import Context
from models.store.schema import Case, Evaluation, Note
from screens.case_view import CaseScreen
from screens.dialogs.base import FormDialog
from tests.console_support import (
    SIZE,
    console,
    dispatched_case,
    fixed,
    new_case,
    notifications,
    open_first_case,
    pinyin_ready,
    resolved_case,
    run_async,
    settle,
    state_of,
)


async def step(pilot, key: str, *typed: str) -> None:  # type: ignore[no-untyped-def]
    """Press a step's key, then each of `typed` (a key name, or text typed character by character)."""
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, FormDialog), f"{key} opened no dialog: {notifications(pilot.app)}"
    for item in typed:
        await pilot.press(*(list(item) if len(item) > 1 and item not in ("enter", "tab", "right", "down",
                                                                        "escape", "space") else [item]))
    await settle(pilot)


@run_async
async def test_whole_life_by_keys(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = new_case(admin, "小区楼下夜间施工噪音扰民，晚上根本无法休息", township="chengguan")
    app = console(admin)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot)
        await pinyin_ready(pilot)
        # triage: category by pinyin, township kept, priority kept, the proposed decision changed to whistle
        await step(pilot, "t", "zaoyinwuran", "enter")
        dialog = app.screen
        assert dialog.query_one("#category").value == "环境保护/环境污染/噪音污染"
        assert dialog.query_one("#township").value == "chengguan"
        await pilot.press("enter", "tab", "tab")  # keep the township; on to the duty list
        dialog.set_radio("decision", "whistle") if dialog.chosen("decision") != "whistle" else None
        await pilot.press("tab", "enter")  # to the reason field; Enter there submits
        await settle(pilot)
        assert state_of(cid) == "whistled", notifications(app)
        # dispatch: the duty item's lead and cooperating departments are proposed; Enter keeps them
        await step(pilot, "d", "enter", "tab", "enter")
        case = Case.get_by_id(cid)
        assert (case.state, case.lead) == ("dispatched", "shengtai"), notifications(app)
        await step(pilot, "a", "enter")
        assert state_of(cid) == "acknowledged", notifications(app)
        await step(pilot, "o", "enter")
        assert state_of(cid) == "on_site", notifications(app)
        await step(pilot, "n", "已联系施工方停工", "enter")
        assert Note.get(Note.case == cid).text == "已联系施工方停工"
        await step(pilot, "x", "夜间施工已停止", "enter")
        assert state_of(cid) == "resolved", notifications(app)
        await step(pilot, "e", "enter", "tab", "enter")  # rating: the first (satisfied); comment empty
        assert Evaluation.get(Evaluation.case == cid).rating == "satisfied", notifications(app)
        await step(pilot, "c", "enter")
        assert state_of(cid) == "closed", notifications(app)
        assert isinstance(app.screen, CaseScreen) and app.screen.bundle.detail["state"] == "closed"
    actions = [e.action for e in history(admin, cid)]
    assert actions == ["intake", "triage", "dispatch", "acknowledge", "arrive", "note", "resolve", "evaluate",
                       "close"]


@run_async
async def test_return_then_review(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = dispatched_case(admin, lead="zhujian")
    dept = fixed(ctx_for("yangfan"))  # 住建局's liaison
    async with console(dept).run_test(size=SIZE) as pilot:
        await open_first_case(pilot)
        await step(pilot, "b", "不属于本部门职责", "enter")
    assert state_of(cid) == "returned"
    dispatcher = fixed(ctx_for("liuyang"))
    async with console(dispatcher).run_test(size=SIZE) as pilot:
        await pilot.press("2")  # 待分哨 holds returned cases
        await open_first_case(pilot)
        await step(pilot, "v", "right", "enter", "tab", "经核实属于住建职责", "enter")  # uphold
    case = Case.get_by_id(cid)
    assert case.state == "dispatched" and case.lead == "zhujian"
    assert [e.action for e in history(admin, cid)][-2:] == ["return", "review_return"]


@run_async
async def test_reopen_after_unsatisfied(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = resolved_case(admin)
    async with console(fixed(ctx_for("liuyang"))).run_test(size=SIZE) as pilot:
        await open_first_case(pilot)
        await step(pilot, "e", "right", "right", "enter", "tab", "问题没有解决", "enter")  # unsatisfied
        assert Evaluation.get(Evaluation.case == cid).rating == "unsatisfied", notifications(pilot.app)
        await step(pilot, "R", "回访不满意，重新办理", "enter")
    case = Case.get_by_id(cid)
    assert case.state in ("acknowledged", "on_site") and case.reopen_count == 1
