"""The scoreboard and hot-spot screens in a minimal app (independent of console/app.py): the numbers
are the models' numbers, sorting works, Enter on a number lists exactly the cases behind it, and
Enter on a case posts CaseChosen. (No async test plugin here: each test runs its pilot with asyncio.run.)"""

from __future__ import annotations

import asyncio

import pytest
from textual.app import App
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widgets import DataTable

from models.org.config import Config
from models.org.context import Context
from models.reports.hotspots import hotspots
from models.reports.scoreboard import department_scoreboard, explain
from models.worktime import period as periods
from screens.charts import bar, sparkline
from screens.drilldown import CaseChosen, CaseListScreen
from screens.hotspots import HotspotsScreen
from screens.scoreboard import DEPT_COLUMNS, ScoreboardScreen
from tests.console_support import screen_text
from tests.report_support import WHOLE, admin_on, at


class Harness(App[None]):
    """Just enough app to host one screen and record the cases it asks to open."""

    def __init__(self, first: Screen[None]) -> None:
        super().__init__()
        self.first = first
        self.chosen: list[int] = []

    def on_mount(self) -> None:
        self.push_screen(self.first)

    def on_case_chosen(self, message: CaseChosen) -> None:
        self.chosen.append(message.case_id)


@pytest.fixture(scope="module")
def demo(demo_url: str) -> str:
    return demo_url


@pytest.fixture
def ctx(config: Config, demo: str) -> Context:
    return at(admin_on(config, demo), "2026-11-27T00:00")


async def _settle(app: App[None], pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


def test_scoreboard_screen_shows_sorts_and_drills_down(ctx: Context) -> None:
    asyncio.run(_scoreboard_screen_shows_sorts_and_drills_down(ctx))


async def _scoreboard_screen_shows_sorts_and_drills_down(ctx: Context) -> None:
    period = periods.span(WHOLE[1], WHOLE[3], ctx.config.tz, ctx.now())
    boards = department_scoreboard(ctx, period)
    app = Harness(ScoreboardScreen(ctx, period))
    async with app.run_test(size=(200, 60)) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ScoreboardScreen)
        table = screen.query_one("#departments", DataTable)
        assert table.row_count == len(boards) == 39
        top = boards[0]
        assert table.coordinate_to_cell_key(Coordinate(0, 0)).row_key.value == top.department
        response = DEPT_COLUMNS.index("response")
        expected = f"{top.figures['response'].rate * 100:.0f}% {top.figures['response'].num}/{top.figures['response'].den}"
        assert str(table.get_cell_at(Coordinate(0, response))) == expected
        assert screen.query_one("#townships", DataTable).row_count == len(ctx.config.townships)

        table.focus()
        table.cursor_coordinate = Coordinate(0, response)
        await pilot.press("s")
        shown = [str(table.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value) for i in range(table.row_count)]
        rates = {b.department: b.figures["response"].rate or 0.0 for b in boards}
        assert [rates[d] for d in shown] == sorted(rates.values(), reverse=True)

        busiest = max(boards, key=lambda b: b.figures["response"].den)
        row = shown.index(busiest.department)
        table.cursor_coordinate = Coordinate(row, response)
        await pilot.press("enter")
        await _settle(app, pilot)
        listing = app.screen
        assert isinstance(listing, CaseListScreen)
        behind = explain(ctx, busiest.department, period)["figures"]["response"]["cases"]
        assert [e["case_id"] for e in listing.entries] == [r["case_id"] for r in behind]
        assert listing.query_one(DataTable).row_count == busiest.figures["response"].den
        await pilot.press("enter")
        await pilot.pause()
        assert app.chosen == [behind[0]["case_id"]]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ScoreboardScreen)


def test_hotspot_screen_lists_spots_and_their_cases(ctx: Context) -> None:
    asyncio.run(_hotspot_screen_lists_spots_and_their_cases(ctx))


async def _hotspot_screen_lists_spots_and_their_cases(ctx: Context) -> None:
    period = periods.span(WHOLE[1], WHOLE[3], ctx.config.tz, ctx.now())
    report = hotspots(ctx, period)
    assert report.spots, "the demo county has recurring problems over its whole span"
    app = Harness(HotspotsScreen(ctx, period))
    async with app.run_test(size=(160, 50)) as pilot:
        await _settle(app, pilot)
        table = app.screen.query_one("#hotspots", DataTable)
        assert table.row_count == len(report.spots)
        assert app.screen.query_one("#candidates", DataTable).row_count == len(report.candidates)
        assert str(table.get_cell_at(Coordinate(0, 4))) == sparkline(report.spots[0].weekly)
        table.focus()
        await pilot.press("enter")
        await _settle(app, pilot)
        listing = app.screen
        assert isinstance(listing, CaseListScreen)
        assert [e["case_id"] for e in listing.entries] == report.spots[0].case_ids
        await pilot.press("enter")
        await pilot.pause()
        assert app.chosen == [report.spots[0].case_ids[0]]


def test_month_keys_move_the_period(ctx: Context) -> None:
    asyncio.run(_month_keys_move_the_period(ctx))


async def _month_keys_move_the_period(ctx: Context) -> None:
    app = Harness(ScoreboardScreen(ctx, periods.month("2026-11", ctx.config.tz)))
    async with app.run_test(size=(200, 60)) as pilot:
        await _settle(app, pilot)
        await pilot.press("left_square_bracket")
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ScoreboardScreen) and screen.period.label == "2026-10"
        october = {b.department: b.figures["assignments"].num
                   for b in department_scoreboard(ctx, periods.month("2026-10", ctx.config.tz))}
        assert {d.department: d.figures["assignments"].num for d in screen.departments} == october


def test_bars_and_sparklines_are_block_characters() -> None:
    assert bar(1.0, 4) == "████" and bar(0.0, 4) == "    " and bar(None, 3) == "   "
    assert bar(0.5, 2) == "█ " and len(bar(0.33, 10)) == 10
    assert sparkline([0, 1, 2, 4]) == "▁▃▅█" and sparkline([0, 0]) == "▁▁"


def test_hotspots_with_nothing_recurring_say_so(ctx: Context) -> None:
    asyncio.run(_hotspots_with_nothing_recurring_say_so(ctx))


async def _hotspots_with_nothing_recurring_say_so(ctx: Context) -> None:
    period = periods.month("2020-01", ctx.config.tz)  # years before the demo county's first case
    assert not hotspots(ctx, period).spots
    app = Harness(HotspotsScreen(ctx, period))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        shown = screen_text(app)
        assert "2020-01 没有热点" in shown and "至少 2 件" in shown
