"""The workspace's merge, split, unmerge, pause/resume and extension keys, through the real operations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from models.org.context import Context
from models.store.schema import Case, Extension
from screens.case_view import CaseScreen
from screens.dialogs.base import FormDialog
from tests.console_support import (
    SIZE,
    console,
    dispatched_case,
    fixed,
    new_case,
    notifications,
    run_async,
    screen_text,
    settle,
    state_of,
)


async def open_case(pilot: Pilot[Any], case_id: int) -> CaseScreen:
    """Open a case by id, as the timeline or a search does."""
    await settle(pilot)
    app = pilot.app
    screen = CaseScreen(app.ctx, "zh", case_id)  # type: ignore[attr-defined]
    await app.push_screen(screen)
    await settle(pilot)
    assert screen.bundle is not None
    return screen


async def key(pilot: Pilot[Any], name: str, *typed: str, accept: bool = True) -> None:
    """Press a workspace key, type into its dialog (a key name or text) and accept it with ctrl+o."""
    await pilot.press(name)
    await settle(pilot)
    assert isinstance(pilot.app.screen, FormDialog), f"{name} opened no dialog: {notifications(pilot.app)}"
    for item in typed:
        await pilot.press(*([item] if item in ("enter", "tab", "down", "up") else list(item)))
    if accept:
        await pilot.press("ctrl+o")
    await settle(pilot)


@run_async
async def test_the_workspace_says_why_a_case_may_be_a_duplicate(ctx_for: Callable[..., Context]) -> None:
    from models.intake.intake import NewReport, intake

    admin = fixed(ctx_for())
    first, _ = intake(admin, NewReport(channel="hotline_12345", text="路灯不亮，晚上出行不便。",
                                       address="东关社区5号楼", township="chengguan"))
    again, _ = intake(admin, NewReport(channel="grid", text="路灯不亮，晚上出行不便。", address="城关镇东关社区五号楼",
                                       township="城关"))
    app = console(admin)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_case(pilot, again.id)
        assert [r["case_id"] for r in screen.bundle.duplicates][:1] == [first.id]
        shown = screen_text(app)
        # the place both addresses name, however each was written; the township by its name
        assert "地址相同 东关社区5栋" in shown and "同一属地 城关镇" in shown and "chengguan" not in shown


@run_async
async def test_at_80_columns_every_duplicate_reason_is_shown_whole(ctx_for: Callable[..., Context]) -> None:
    # Issue 17 item 8: at 80×24 the reasons did not fit beside the candidate and were cut mid-reason
    # ("内容相似" at a line's end, "100%" on the next; a score "58…"). They now sit under the candidate,
    # a line breaking only between two reasons.
    from textual.geometry import Region

    from models.intake.intake import NewReport, intake
    from screens.widgets.duplicates import reason_words

    admin = fixed(ctx_for())
    first, _ = intake(admin, NewReport(channel="hotline_12345", text="路灯不亮，晚上出行不便。", address="东关社区5号楼",
                                       township="chengguan", phone="13812345678"))
    again, _ = intake(admin, NewReport(channel="grid", text="路灯不亮，晚上出行不便。", address="城关镇东关社区五号楼",
                                       township="城关", phone="13812345678"))
    app = console(admin)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_case(pilot, again.id)
        section = screen.query_one("#sec-duplicates")
        lines = [strip.text.rstrip() for strip in section.render_lines(Region(0, 0, *section.size))]
        candidate = next(r for r in screen.bundle.duplicates if r["case_id"] == first.id)
        reasons = reason_words(candidate, "zh", screen.names.town)
    assert reasons == ["同一电话 138****5678", "地址相同 东关社区5栋", "内容相似 100%", "同一属地 城关镇"]
    # 20 + 2 + 20 + 2 + 13 + 2 + 15 = 74 cells of reasons, wider than the 76-cell section less the
    # indent: two lines under the candidate's own, each reason whole on one of them.
    assert lines[0].startswith(f"#{first.id}  1.00  待分类  ") and len(lines) == 3
    assert all(any(reason in line for line in lines[1:]) for reason in reasons), lines
    assert not any("…" in line for line in lines[1:]), lines


@run_async
async def test_duplicates_merge_and_unmerge(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    first = new_case(admin, "幸福小区3号楼下水道堵塞，污水外溢，臭味很大")
    second = new_case(admin, "幸福小区3号楼下水道堵了，污水外溢臭味大")
    app = console(admin)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_case(pilot, second)
        assert [r["case_id"] for r in screen.bundle.duplicates][:1] == [first]
        shown = screen_text(app)
        assert "可能重复" in shown and f"#{first}" in shown
        assert "m" in set(screen.active_bindings)  # merge shown in the footer
        await key(pilot, "m")
        assert state_of(second) == "merged", notifications(app)
        assert Case.get_by_id(first).report_count == 2
        assert app.screen is screen and screen.case_id == first  # the workspace shows the target
        # the merged case, opened by id: U undoes the merge after a confirm
        merged = await open_case(pilot, second)
        assert "U" in set(merged.active_bindings)
        await key(pilot, "U")
        assert state_of(second) == "new", notifications(app)
        assert Case.get_by_id(first).report_count == 1


@run_async
async def test_split_into_children(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = new_case(admin, "路灯不亮，另外小区门口井盖缺失")
    app = console(admin)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_case(pilot, cid)
        await key(pilot, "S", "路灯不亮", "enter", "小区门口井盖缺失")
        assert state_of(cid) == "split", notifications(app)
        children = list(Case.select().where(Case.parent == cid).order_by(Case.id))
        assert len(children) == 2 and {c.state for c in children} == {"new"}
        assert screen.bundle.detail["children"] == [c.id for c in children]
        assert f"拆分为 #{children[0].id} #{children[1].id}" in screen_text(app)


@run_async
async def test_pause_resume_and_refusal(ctx_for: Callable[..., Context]) -> None:
    fixed(ctx_for())
    cid = new_case(fixed(ctx_for()), "道路积水严重，车辆无法通行")
    app = console(fixed(ctx_for("liuyang")))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_case(pilot, cid)
        keys = set(screen.active_bindings)
        assert "p" in keys and "P" not in keys
        await key(pilot, "p", "等待群众补充材料")
        assert Case.get_by_id(cid).paused_since is not None, notifications(app)
        assert "P" in set(screen.active_bindings)
        await key(pilot, "P")
        assert Case.get_by_id(cid).paused_since is None, notifications(app)
        await pilot.press("P")  # not paused any more: refused, with the domain's words
        await settle(pilot)
        assert not isinstance(app.screen, FormDialog)
        assert any(f"案件 #{cid} 当前为" in n and "未挂起" in n for n in notifications(app))


@run_async
async def test_extension_requested_and_approved(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = dispatched_case(admin, lead="zhujian")
    before = int(Case.get_by_id(cid).resolve_due)
    async with console(fixed(ctx_for("yangfan"))).run_test(size=SIZE) as pilot:  # 住建局's liaison
        await open_case(pilot, cid)
        await key(pilot, "E", "3wd", "tab", "tab", "需要协调燃气公司")
    request = Extension.get(Extension.case == cid)
    assert request.status == "pending" and request.new_due > before
    app = console(fixed(ctx_for("liuyang")))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_case(pilot, cid)
        assert "A" in set(screen.active_bindings)
        await key(pilot, "A")
        assert Extension.get_by_id(request.id).status == "approved", notifications(app)
    case = Case.get_by_id(cid)
    assert case.extension_count == 1 and case.resolve_due == request.new_due


@run_async
async def test_merge_across_townships_asks_first(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    first = new_case(admin, "幸福小区3号楼下水道堵塞，污水外溢，臭味很大", township="chengguan")
    second = new_case(admin, "幸福小区3号楼下水道堵了，污水外溢臭味大", township="dongcheng")
    app = console(admin)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_case(pilot, first)
        assert [r["case_id"] for r in screen.bundle.duplicates][:1] == [second]
        await key(pilot, "m")
        assert isinstance(app.screen, FormDialog) and state_of(second) == "new"  # the confirm, nothing merged yet
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert state_of(second) == "merged", notifications(app)
        assert screen.case_id == first and Case.get_by_id(first).report_count == 2
