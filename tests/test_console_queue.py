"""The queue: paging through more rows than it holds, views, search, sort, live updates, first run,
keys (help, palette, [keymap], English) and the checks made before the console starts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from textual.command import CommandPalette

from console.app import locale_problem
from console.cli import cli
from models.cases import lifecycle
from models.cases.queries import CaseQuery, iter_cases
from models.demo.bulkload import bulk_load
from models.org.context import Context
from screens.case_view import CaseScreen
from screens.help import HelpScreen
from screens.queue import QueueScreen
from screens.widgets import queue_table
from tests.console_support import (
    SIZE,
    console,
    fixed,
    new_case,
    notifications,
    run_async,
    screen_text,
    settle,
    wait_until,
)

ROOT = Path(__file__).resolve().parent.parent


def queue(app) -> QueueScreen:  # type: ignore[no-untyped-def]
    screen = app.screen
    assert isinstance(screen, QueueScreen)
    return screen


@run_async
async def test_paging_far_past_the_window_and_back(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    bulk_load(admin.config, admin.db, 1500, admin.now(), seed=5)
    expected = [c.id for c in iter_cases(admin, CaseQuery())]
    async with console(admin).run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = queue(pilot.app).table
        assert len(table.rows) == 200 and not table.at_end  # one page, not the table
        for _ in range(40):  # 40 pages of 38 rows: past every page boundary and the window's trim
            await pilot.press("pagedown")
            await settle(pilot, 1)
        assert table.current.id == expected[min(len(expected) - 1, 40 * table.visible)]
        assert len(table.rows) <= queue_table.KEEP + 200
        await pilot.press("end")
        await settle(pilot)
        assert table.current.id == expected[-1] and table.position_text() == f"{len(expected)}/{len(expected)}"
        await pilot.press("home")
        await settle(pilot)
        assert table.current.id == expected[0]
        await pilot.press("j", "j", "down", "k")
        assert table.current.id == expected[2]


@run_async
async def test_views_search_and_sort(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    noisy = new_case(admin, "楼上装修噪音很大")
    leak = new_case(admin, "厨房水管漏水")
    old = new_case(admin, "路灯不亮")
    lifecycle.triage(admin, old, category="城乡建设", township="chengguan", priority="general", decision="local")
    async with console(admin).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = queue(pilot.app)
        assert screen.counts == {"new": 2, "whistled": 0, "in_progress": 1, "overdue": 0, "to_evaluate": 0,
                                 "all": 3}
        await pilot.press("1")
        await settle(pilot)
        assert sorted(r.id for r in screen.table.rows) == [noisy, leak]
        await pilot.press("6", "slash", *"漏水", "enter")  # a two-character word: exact bigram search
        await settle(pilot)
        assert [r.id for r in screen.table.rows] == [leak]
        assert "搜索：漏水" in screen_text(pilot.app)
        await pilot.press("escape")
        await settle(pilot)
        assert len(screen.table.rows) == 3
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # the third sort: by id
        await settle(pilot)
        assert screen.case_query.sort == "id" and [r.id for r in screen.table.rows] == [noisy, leak, old]
        await pilot.press("r")
        await settle(pilot)
        assert [r.id for r in screen.table.rows] == [old, leak, noisy]


@run_async
async def test_filters_dialog(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    new_case(admin, "甲", township="chengguan")
    east = new_case(admin, "乙", township="dongcheng", channel="grid")
    async with console(admin).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = queue(pilot.app)
        screen._filtered({"channel": "grid"})  # what the dialog returns; the dialog itself below
        await settle(pilot)
        assert [r.id for r in screen.table.rows] == [east]
        await pilot.press("f")
        await settle(pilot)
        await pilot.click("#clear")
        await settle(pilot)
        assert screen.case_query.channel is None and len(screen.table.rows) == 2


@run_async
async def test_live_changes_keep_the_cursor_on_its_case(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    ids = [new_case(admin, f"问题{i}") for i in range(5)]
    async with console(admin, poll_interval=0.2).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = queue(pilot.app)
        await pilot.press("j", "j")
        watched = screen.table.current.id
        other = fixed(ctx_for("liuyang"))
        urgent = new_case(other, "燃气泄漏，请马上派人")  # an urgent case sorts first
        await wait_until(pilot, lambda: any(r.id == urgent for r in screen.table.rows))
        await settle(pilot)
        assert screen.table.rows[0].id == urgent
        assert screen.table.current.id == watched  # the cursor stayed on its case
        assert screen.counts["new"] == len(ids) + 1


@run_async
async def test_first_run_says_how_to_start(ctx_for: Callable[..., Context]) -> None:
    async with console(fixed(ctx_for())).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = screen_text(pilot.app)
        assert "chuishao intake add --channel hotline_12345" in shown and "chuishao demo --cases 2000" in shown


@run_async
async def test_help_palette_keymap_and_english(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    new_case(admin, "垃圾没人清运")
    app = console(admin, language="en", keymap_overrides={"queue.search": "ctrl+f", "case.triage": "T",
                                                           "no.such": "x"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert any("no.such" in m for m in notifications(app))
        assert "Search" in screen_text(app) and "Open" in screen_text(app)  # English footer
        await pilot.press("ctrl+f")
        assert app.focused is not None and app.focused.id == "search"
        await pilot.press("escape", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        shown = screen_text(app)
        assert "T" in shown and "triage" in shown and "Back" in shown  # remapped key, from the bindings
        await pilot.press("escape", "ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await settle(pilot)
        titles = [title for title, _, _ in app.screen.palette_commands()]
        assert "triage" in titles and "acknowledge" not in titles  # what applies to this new case
        await pilot.press("q", "q")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "ConfirmDialog"  # quitting asks first
        await pilot.press("escape")
        assert app.is_running


def test_locale_is_checked_before_starting(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert locale_problem("utf-8", {"LANG": "C.UTF-8"}) is None
    assert locale_problem("utf-8", {"LANG": "zh_CN.utf8"}) is None
    problem = locale_problem("ascii", {"LANG": "C"})
    assert problem is not None and "export LANG=C.UTF-8" in problem
    assert locale_problem("utf-8", {"LC_ALL": "zh_CN.GB18030", "LANG": "zh_CN.UTF-8"}) is not None
    # CliRunner's streams are no terminal (that refusal has its own tests): pretend they are one
    monkeypatch.setattr("console.cli.terminal_problem", lambda stdin, stdout: None)
    monkeypatch.setenv("LC_ALL", "POSIX")
    result = CliRunner().invoke(cli, ["--config", str(ROOT / "chuishao.toml"), "--db", f"sqlite:///{tmp_path}/x.db"])
    assert result.exit_code == 2 and "not UTF-8" in result.output
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    result = CliRunner().invoke(cli, ["--config", str(ROOT / "chuishao.toml"), "--db", f"sqlite:///{tmp_path}/y.db"])
    assert result.exit_code == 2 and "not initialised: run `chuishao init`" in result.output

