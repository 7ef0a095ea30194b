"""The open workspace follows its case live, like the queue, and says what others changed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from models.cases import department, lifecycle
from models.org.context import Context
from tests.console_support import (
    SIZE,
    console,
    dispatched_case,
    fixed,
    notifications,
    open_first_case,
    run_async,
    screen_text,
    wait_until,
)


@run_async
async def test_the_workspace_follows_others_changes(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = dispatched_case(admin, lead="zhujian")
    app = console(fixed(ctx_for("liuyang")), poll_interval=0.2)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_case(pilot)
        seen = screen.bundle.detail["version"]
        assert "待签收" in screen_text(app)
        lead = fixed(ctx_for("yangfan"))  # 住建局, in its own terminal
        await asyncio.to_thread(department.acknowledge, lead, cid)
        await asyncio.to_thread(department.arrive, lead, cid)
        await asyncio.to_thread(lifecycle.resolve, lead, cid, result="已修复路面")
        await wait_until(pilot, lambda: screen.bundle.detail["version"] == seen + 3)
        await wait_until(pilot, lambda: any(f"案件 #{cid} 刚被 yangfan 更新" in m for m in notifications(app)))
        await wait_until(pilot, lambda: "办结" in " ".join(notifications(app)))
        said = [m for m in notifications(app) if "刚被 yangfan 更新" in m]  # one per reload the poll made
        assert all(step in " ".join(said) for step in ("签收", "报到", "办结"))
        assert f"现为待回访 · 版本 {seen + 3}" in said[-1]
        assert screen_text(app).splitlines()[0].strip() == f"案件 #{cid} · 待回访"
