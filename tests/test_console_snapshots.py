"""SVG snapshots of the queue, the case workspace and the help screen (pytest-textual-snapshot).

Update only after looking at the pictures: `pytest tests/test_console_snapshots.py --snapshot-update`,
then open tests/__snapshots__/test_console_snapshots/*.svg in a browser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from models.cases import department, lifecycle
from models.org.context import Context
from tests.console_support import console, fixed, new_case, settle

TEXTS = [
    ("小区楼下夜间施工噪音扰民，晚上根本无法休息", "chengguan", "hotline_12345"),
    ("厨房水管漏水三天了没人修", "dongcheng", "grid"),
    ("村口垃圾堆积发臭，希望尽快清运", "qiaotou", "suggestion"),
    ("路灯坏了一个多月，晚上出行不安全", "xicheng", "walk_in"),
    ("[bold]标记[/bold] 和 \x1b]0;title\x07 转义序列原样显示", "chengnan", "online"),
    ("学校门口道路破损，接送孩子很危险", "huangpo", "letter"),
]


def county(ctx_for: Callable[..., Context]) -> tuple[Context, int]:
    """A few cases in different states; returns the admin context and the case worked furthest."""
    admin = fixed(ctx_for())
    ids = [new_case(admin, text, township=town, channel=channel, source_id=f"S{i:04d}")
           for i, (text, town, channel) in enumerate(TEXTS)]
    lifecycle.triage(admin, ids[0], category="环境保护/环境污染/噪音污染", township="chengguan",
                     priority="general", decision="whistle", duty_item="CS-010")
    lifecycle.dispatch(admin, ids[0], lead="shengtai", cooperating=["chengguan_zf"])
    department.acknowledge(admin, ids[0])
    department.arrive(admin, ids[0])
    lifecycle.note(admin, ids[0], text="已约谈施工单位，夜间停止施工")
    lifecycle.triage(admin, ids[2], category="城乡建设", township="qiaotou", priority="general", decision="local")
    return admin, ids[0]


async def settled(pilot: Any) -> None:
    await settle(pilot)


def test_queue_snapshot(snap_compare: Any, ctx_for: Callable[..., Context]) -> None:
    admin, _ = county(ctx_for)
    assert snap_compare(console(admin, poll_interval=60), terminal_size=(120, 40), run_before=settled)


def test_workspace_snapshot(snap_compare: Any, ctx_for: Callable[..., Context]) -> None:
    admin, worked = county(ctx_for)

    async def open_case(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("3")  # 办理中
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen.case_id == worked

    assert snap_compare(console(admin, poll_interval=60), terminal_size=(120, 40), run_before=open_case)


def test_help_snapshot(snap_compare: Any, ctx_for: Callable[..., Context]) -> None:
    admin, _ = county(ctx_for)

    async def open_help(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(console(admin, poll_interval=60), terminal_size=(80, 24), run_before=open_help)
