"""Refusals, stale writes and hostile text: the console says what happened and keeps running."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from models.cases import department
from models.org.context import Context
from models.store.schema import Note
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
    resolved_case,
    run_async,
    screen_text,
    settle,
    state_of,
)

ROOT = Path(__file__).resolve().parent.parent


@run_async
async def test_wrong_state_and_missing_evaluation_are_explained(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = new_case(admin, "路灯不亮")
    async with console(admin).run_test(size=SIZE) as pilot:
        screen = await open_first_case(pilot)
        await pilot.press("x")  # resolve a new case
        await settle(pilot)
        assert not isinstance(pilot.app.screen, FormDialog)
        # in the office's language, the allowed steps by their labels
        assert any(f"案件 #{cid} 当前为待分类，不能办结；现在可以：分类" in m for m in notifications(pilot.app))
        # the footer offers only what applies: triage yes, resolve no
        shown = {b.binding.id for b in screen.active_bindings.values()}
        assert "case.triage" in shown and "case.resolve" not in shown
    rid = resolved_case(admin)
    async with console(admin).run_test(size=SIZE) as pilot:
        await pilot.press("5")  # 待回访
        screen = await open_first_case(pilot)
        assert "case.close" not in {b.binding.id for b in screen.active_bindings.values()}
        await pilot.press("c")  # close before any evaluation: refused before a dialog opens
        await settle(pilot)
        assert not isinstance(pilot.app.screen, FormDialog)
        assert any(f"案件 #{rid} 需先完成群众回访" in m for m in notifications(pilot.app))
        assert state_of(rid) == "resolved" and pilot.app.is_running


@run_async
async def test_department_without_permission_is_refused(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = dispatched_case(admin, lead="zhujian", cooperating=("gongshui",))
    water = fixed(ctx_for("xuming"))  # 自来水公司: only cooperating
    department.acknowledge(water, cid)
    department.acknowledge(fixed(ctx_for("yangfan")), cid)
    async with console(water).run_test(size=SIZE) as pilot:
        await open_first_case(pilot)
        screen = pilot.app.screen
        assert "case.resolve" not in {b.binding.id for b in screen.active_bindings.values()}
        await pilot.press("x")  # not offered; the key still says why, before any text is typed
        await settle(pilot)
        assert not isinstance(pilot.app.screen, FormDialog)
        # the refusal in Chinese, the lead department by its configured name, never its id
        said = [m for m in notifications(pilot.app) if "无权限" in m]
        assert said == [f"无权限：只有主责部门（县住房和城乡建设局）可以办结案件 #{cid}"], notifications(pilot.app)
        assert state_of(cid) == "acknowledged" and isinstance(pilot.app.screen, CaseScreen)
        await pilot.press("t")  # a department may never triage: refused before any dialog opens
        await settle(pilot)
        assert any("无权限：xuming（部门联络员）不能分类" in m for m in notifications(pilot.app))


@run_async
async def test_another_process_changing_the_case_is_never_overwritten(ctx_for: Callable[..., Context],
                                                                      db_path: Path) -> None:
    admin = fixed(ctx_for())
    cid = new_case(admin, "井盖缺失")
    async with console(admin).run_test(size=SIZE) as pilot:
        screen = await open_first_case(pilot)
        seen = screen.bundle.detail["version"]
        other = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "console", "--config", str(ROOT / "chuishao.toml"),
                                "--db", f"sqlite:///{db_path}", "case", "note", str(cid), "--text", "另一终端的记录"],
                               cwd=ROOT, capture_output=True, text=True, check=False,
                               env={**os.environ, "LANG": "C.UTF-8"})
        assert other.returncode == 0, other.stderr
        await pilot.press("n", *"我的记录", "enter")
        await settle(pilot)
        dialog = pilot.app.screen  # the refusal is said in the dialog, which keeps the typed note
        assert isinstance(dialog, FormDialog) and dialog.query_one("#text").value == "我的记录"
        shown = screen_text(pilot.app)
        assert f"案件 #{cid} 在您读取后已被 root 改动（办理进展" in shown and "未保存任何内容" in shown
        assert [n.text for n in Note.select().where(Note.case == cid)] == ["另一终端的记录"]
        assert screen.bundle.detail["version"] == seen + 1  # reloaded: the operator now sees the change
        await pilot.press("enter")  # submitted again, now on the fresh version: the step goes through
        await settle(pilot)
        assert pilot.app.screen is screen
    assert [n.text for n in Note.select().where(Note.case == cid).order_by(Note.id)] == ["另一终端的记录", "我的记录"]


HOSTILE_TITLE = "[bold]粗体[/bold] [/x] [@click=app.quit]退出[/]"
HOSTILE_TEXT = "标记 [red]红[/red] \x1b]0;pwned\x07 标题 \x1b[31m红色\x1b[0m [link=http://x]链接[/link] 结束"


@run_async
async def test_citizen_text_is_shown_literally(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    new_case(admin, HOSTILE_TEXT, title=HOSTILE_TITLE)
    app = console(admin)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = screen_text(app)
        assert "[bold]粗体[/bold] [/x] [@cli" in queue  # cropped to the column, never parsed
        await pilot.click("QueueTable", offset=(60, 1))  # clicking the row must not run app.quit
        await open_first_case(pilot)
        shown = screen_text(app)
        assert HOSTILE_TITLE in shown
        assert "\\x1b]0;pwned\\x07" in shown and "\\x1b[31m红色\\x1b[0m" in shown
        assert "[link=http://x]链接[/link]" in shown
        assert "\x1b" not in app.export_screenshot()
        assert app.is_running and isinstance(app.screen, CaseScreen)


@run_async
async def test_township_operator_sees_only_its_township(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    mine = [new_case(admin, f"城关镇问题{i}", township="chengguan") for i in range(3)]
    new_case(admin, "东城街道问题", township="dongcheng")
    clerk = fixed(ctx_for("lixia"))
    app = console(clerk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert sorted(r.id for r in screen.table.rows) == mine
        assert screen.counts["all"] == 3 and screen.counts["new"] == 3
        assert "东城街道问题" not in screen_text(app)

