"""Helpers for the console's Pilot tests: cases made through the real operations at a fixed time,
apps on a context, waiting for workers, and reading what is on screen."""

from __future__ import annotations

import asyncio
import functools
import html
import re
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from textual.app import App
from textual.pilot import Pilot

from console.app import ChuishaoApp, create_app
from models.cases import department, lifecycle
from models.intake.intake import NewReport, intake
from models.org.context import Context
from models.store.schema import Case

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 in the office's zone
SIZE = (120, 40)


def run_async(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async Pilot test without an async pytest plugin (the project installs none)."""
    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))
    return wrapper


def fixed(ctx: Context, moment: datetime = NOW) -> Context:
    ctx.clock = lambda: moment
    return ctx


def new_case(ctx: Context, text: str, township: str = "chengguan", title: str | None = None,
             channel: str = "hotline_12345", source_id: str | None = None) -> int:
    case, _ = intake(ctx, NewReport(channel=channel, text=text, title=title, township=township,
                                    source_id=source_id, phone="13800001111", citizen_name="王伟"))
    return int(case.id)


def dispatched_case(admin: Context, text: str = "小区门口路面塌陷，影响出行", lead: str = "zhujian",
                    cooperating: tuple[str, ...] = ()) -> int:
    cid = new_case(admin, text)
    lifecycle.triage(admin, cid, category="城乡建设", township="chengguan", priority="general",
                     decision="whistle")
    lifecycle.dispatch(admin, cid, lead=lead, cooperating=list(cooperating))
    return cid


def resolved_case(admin: Context) -> int:
    cid = dispatched_case(admin)
    department.acknowledge(admin, cid)
    department.arrive(admin, cid)
    lifecycle.resolve(admin, cid, result="已修复路面")
    return cid


async def open_first_case(pilot: Pilot[Any]) -> Any:
    """Open the case under the queue's cursor; returns its workspace screen, loaded."""
    from screens.case_view import CaseScreen

    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CaseScreen) and screen.bundle is not None
    return screen


def console(ctx: Context, **options: Any) -> ChuishaoApp:
    options.setdefault("poll_interval", 2.0)  # the live test polls faster; others need no churn
    return create_app(ctx, **options)


async def settle(pilot: Pilot[Any], rounds: int = 4) -> None:
    """Let every worker finish and every message it posted be handled."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        # (the pinyin index builds in the background; tests that type pinyin wait for it)
        busy = [w for w in list(app.workers) if w.group != "indexes" and not w.is_finished]
        if not busy:
            await pilot.pause()
            return
        # a superseded (cancelled) worker is fine here: only wait for everything to stop
        await asyncio.gather(*[w.wait() for w in busy], return_exceptions=True)


async def wait_until(pilot: Pilot[Any], check: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met in time")


async def pinyin_ready(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: bool(app.indexes["department"][0].pinyin), 10)  # type: ignore[attr-defined]


def screen_text(app: App[Any]) -> str:
    """What the terminal shows, as lines of text (placed by column, from the SVG screenshot)."""
    from rich.cells import cell_len

    svg = app.export_screenshot()
    found = [(float(m.group(1)), float(m.group(2)), float(m.group(3)), html.unescape(m.group(4)).replace("\xa0", " "))
             for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"[^>]*>(.*?)</text>',
                                  svg)]
    widths = [length / cell_len(text) for _, _, length, text in found if text.strip() and cell_len(text)]
    cell = sorted(widths)[len(widths) // 2] if widths else 1.0  # the common width of one cell
    rows: dict[float, list[tuple[int, str]]] = {}
    for x, y, _, text in found:
        rows.setdefault(y, []).append((round(x / cell), text))
    lines = []
    for _, parts in sorted(rows.items()):
        line = ""
        for column, text in sorted(parts):
            line += " " * max(0, column - cell_len(line)) + text
        lines.append(line.rstrip())
    return "\n".join(lines)


def notifications(app: App[Any]) -> list[str]:
    return [str(n.message) for n in app._notifications]


def state_of(case_id: int) -> str:
    return str(Case.get_by_id(case_id).state)


async def press_into(pilot: Pilot[Any], key: str, kind: type) -> Any:
    """Press a key that opens a screen or dialog of `kind`; returns it, loaded."""
    await pilot.press(key)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, kind), (key, type(screen).__name__)
    return screen
