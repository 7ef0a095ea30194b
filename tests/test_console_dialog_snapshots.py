"""SVG snapshots at 80×24 of the dialogs whose fields do not all fit: triage, dispatch, review of a
return and the extension decision — each shows, above its buttons, every value it would submit, and
below them the footer with the dialog's keys.

Update only after looking at the pictures (`--snapshot-update`, then open the .svg files)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from textual.widgets import Input

from models.cases import department, lifecycle, pausing
from models.org.context import Context
from tests.console_support import (
    console,
    dispatched_case,
    fixed,
    new_case,
    pinyin_ready,
    screen_text,
    settle,
)

NOISE = "小区楼下夜间施工噪音扰民，晚上根本无法休息"


async def still(pilot: Any) -> None:
    """Until the picture stops changing (the body is fitted to the summary line after a refresh)."""
    last = None
    for _ in range(40):
        await pilot.pause(0.1)
        picture = re.sub(r"terminal-\d+", "", pilot.app.export_screenshot())
        if picture == last:
            return
        last = picture


def opened(key: str, seen: list[str], view: str = "6") -> Callable[[Any], Any]:
    """Open the first case of the view and press the step's key; `seen` gets the screen's text."""
    async def run(pilot: Any) -> None:
        await pinyin_ready(pilot)  # the pickers redraw when it arrives: one picture, not a race
        await settle(pilot)
        await pilot.press(view)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False  # a blinking cursor is a coin toss in a picture
        await still(pilot)
        # The body opens at its top whatever the order of refreshes (the first field is focused
        # without scrolling): the picture is taken as the operator sees it, nothing scrolled here.
        for body in pilot.app.screen.query(".dialog-body"):
            assert body.scroll_y == 0
        seen.append(screen_text(pilot.app))
    return run


def test_triage_dialog_at_80x24(snap_compare: Any, ctx_for: Callable[..., Context]) -> None:
    # A picture since the body no longer lands one line down or not by test order (the first
    # field is focused without scrolling to it).
    admin = fixed(ctx_for())
    new_case(admin, NOISE)
    seen: list[str] = []
    app = console(admin, poll_interval=60)
    assert snap_compare(app, terminal_size=(80, 24), run_before=opened("t", seen))
    shown = seen[-1]
    assert all(label in shown for label in ("分类", "属地", "确定", "取消")), shown
    assert "将提交：分类 噪音污染 · 属地 城关镇 · 优先级 一般 · 决定 吹哨" in shown and "确定" in shown


def test_dispatch_dialog_at_80x24(snap_compare: Any, ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = new_case(admin, NOISE)
    lifecycle.triage(admin, cid, category="环境保护/环境污染/噪音污染", township="chengguan", priority="general",
                     decision="whistle", duty_item="CS-010")
    seen: list[str] = []
    app = console(admin, poll_interval=60)
    assert snap_compare(app, terminal_size=(80, 24), run_before=opened("d", seen))
    shown = seen[-1]
    assert "将提交：主责 生态环境分局 · 配合 城管局、住建局" in shown and "确定" in shown


def test_review_return_dialog_at_80x24(snap_compare: Any, ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = dispatched_case(admin, lead="zhujian", cooperating=("chengguan_zf",))
    department.return_case(fixed(ctx_for("guoqiang")), cid, reason="不涉及执法事项")
    seen: list[str] = []
    app = console(fixed(ctx_for("liuyang")), poll_interval=60)
    assert snap_compare(app, terminal_size=(80, 24), run_before=opened("v", seen))
    shown = seen[-1]
    assert "将提交：审核结果 改派 · 主责 住建局 · 配合 — · 说明 —" in shown and "确定" in shown


def test_extension_decision_dialog_at_80x24(snap_compare: Any, ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = dispatched_case(admin, lead="zhujian")
    lead = fixed(ctx_for("yangfan"))
    department.acknowledge(lead, cid)
    pausing.request_extension(lead, cid, by="3wd", reason="需协调产权单位")
    seen: list[str] = []
    app = console(fixed(ctx_for("liuyang")), poll_interval=60)
    assert snap_compare(app, terminal_size=(80, 24), run_before=opened("A", seen))
    assert "理由：需协调产权单位" in seen[-1]
