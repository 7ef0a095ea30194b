"""Issue 17 item 8: a Chinese console shows no English sentence and no internal id — the palette's
own words, the queue's filter bar, the timeline's values and the models' refusals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from rich.console import Console
from textual.command import CommandInput, CommandList, CommandPalette

from models.cases import department, lifecycle
from models.org.context import Context
from screens.queue import QueueScreen
from screens.widgets import case_sections
from tests.console_support import (
    SIZE,
    console,
    dispatched_case,
    fixed,
    new_case,
    notifications,
    open_first_case,
    run_async,
    settle,
)
from tests.test_messages import english_runs


@run_async
async def test_the_palette_speaks_chinese(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    new_case(admin, "路灯不亮")
    async with console(admin).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        palette = pilot.app.screen
        assert isinstance(palette, CommandPalette)
        assert palette.query_one(CommandInput).placeholder == "搜索命令…"
        await pilot.press(*"zzzq")
        await pilot.pause(0.8)  # Textual says "no matches" after half a second
        await settle(pilot)
        listed = palette.query_one(CommandList)
        said = [str(listed.get_option_at_index(i).prompt.renderable) for i in range(listed.option_count)]
        assert said == ["没有匹配的命令"]


@run_async
async def test_the_filter_bar_names_township_department_and_channel(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    dispatched_case(admin, lead="zhujian")
    async with console(admin).run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = pilot.app.screen
        assert isinstance(queue, QueueScreen)
        queue.set_query(replace(queue.case_query, township="chengguan", department="zhujian",
                                channel="hotline_12345", priority="general"))
        await settle(pilot)
        status = str(queue.query_one("#status").render())
        assert "属地：城关镇" in status and "部门：住建局" in status and "优先级：一般" in status
        for ident in ("chengguan", "zhujian", "hotline_12345", "general"):
            assert ident not in status, status


@run_async
async def test_timeline_and_refusals_show_labels_and_names(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = dispatched_case(admin, lead="zhujian", cooperating=("gongshui",))
    department.return_case(fixed(ctx_for("yangfan")), cid, reason="不归本局")
    department.review_return(admin, cid, lead="chengguan_zf")  # 改派
    department.acknowledge(admin, cid)
    department.arrive(admin, cid)
    lifecycle.resolve(admin, cid, result="已处理")
    lifecycle.evaluate(admin, cid, source="citizen", rating="satisfied")
    async with console(admin).run_test(size=SIZE) as pilot:
        screen = await open_first_case(pilot)
        rendered = Console(width=200, record=True)
        rendered.print(case_sections.timeline(screen.bundle.detail, screen.names, "zh"))
        timeline = rendered.export_text()
        assert "决定：改派" in timeline and "结果：已评价" in timeline and "评价：满意" in timeline
        for word in ("redispatch", "rated", "satisfied", "citizen", "zhujian", "chengguan_zf"):
            assert word not in timeline, word
        await pilot.press("E")  # an extension on a resolved case: refused in the office's words
        await settle(pilot)
        said = notifications(pilot.app)
        assert said and all(english_runs(m) == [] for m in said), said
        assert any(f"案件 #{cid}" in m for m in said), said
