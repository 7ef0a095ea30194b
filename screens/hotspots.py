"""The hot-spot screen (热点): recurring problems by category × township × place, week by week, and
the candidates for the month's one problem (每月一题).

The figures come from models.reports.hotspots.hotspots — the function behind `chuishao report hotspots`
and the briefing — loaded in a worker thread. Enter on a hot spot or a candidate lists its cases;
Enter there posts CaseChosen. `[` / `]` step a month, `r` reloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from models.errors import ChuishaoError
from models.org.context import Context
from models.reports.hotspots import HotspotReport, case_summaries, hotspots, trend_of
from models.text.labels import label
from models.text.textnorm import printable
from models.worktime.period import Period
from screens.base import shown_error, ui
from screens.charts import sparkline
from screens.drilldown import CaseListScreen
from screens.period_screen import PeriodScreen
from screens.widgets.footer import ConsoleFooter
from screens.widgets.table import ConsoleTable

TREND_STYLE = {"rising": "bold red", "falling": "green", "flat": ""}


class HotspotsScreen(PeriodScreen):
    """Hot spots of one period, most cases first, and the month's candidate problems."""

    @dataclass
    class Loaded(Message):
        seq: int
        report: HotspotReport

    @dataclass
    class CasesLoaded(Message):
        heading: str
        entries: list[dict[str, Any]]

    def __init__(self, ctx: Context, period: Period | None = None, *, min_count: int = 2) -> None:
        super().__init__(ctx, period)
        self.min_count = min_count
        self.report: HotspotReport | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="hotspots-title")
            yield Static(id="hotspots-empty", classes="hint")
            yield ConsoleTable(id="hotspots", cursor_type="row", zebra_stripes=True)
            yield Static(Text(label("report", "candidates", self.ctx.config.language)), id="candidates-title")
            yield ConsoleTable(id="candidates", cursor_type="row", zebra_stripes=True)
        yield ConsoleFooter()

    def on_mount(self) -> None:
        lang = self.ctx.config.language
        for table_id, keys in (("hotspots", ("category", "township", "place", "count", "weekly", "trend", "open")),
                               ("candidates", ("category", "count", "places", "weekly", "trend"))):
            table = self.query_one(f"#{table_id}", DataTable)
            for key in keys:
                table.add_column(Text(label("report", key, lang)), key=key)
        self.action_reload()

    def start_loading(self, seq: int, period: Period) -> None:
        heading = label("report", "hotspots", self.ctx.config.language)
        self.query_one("#hotspots-title", Static).update(Text(f"{heading} {period.label} …"))
        self.load(seq, period)

    @work(thread=True, exclusive=True, group="hotspots")
    def load(self, seq: int, period: Period) -> None:
        try:
            self.post_message(self.Loaded(seq, hotspots(self.ctx, period, min_count=self.min_count)))
        except ChuishaoError as exc:
            self.post_message(self.Failed(shown_error(self.ctx, exc)))
        finally:
            self.ctx.db.close()  # this thread's connection

    def on_hotspots_screen_loaded(self, message: Loaded) -> None:
        if message.seq != self.seq:
            return
        self.report = report = message.report
        lang, towns = self.ctx.config.language, self.ctx.config.townships
        weeks = label("report", "weeks_from", lang).format(report.weeks[0]) if report.weeks else ""
        self.query_one("#hotspots-title", Static).update(
            Text(f"{label('report', 'hotspots', lang)} {self.period.label} · {len(report.spots)} · {weeks}"))
        spots = self.query_one("#hotspots", DataTable)
        spots.clear()
        for i, s in enumerate(report.spots):
            spots.add_row(Text(s.category.rsplit("/", 1)[-1]), Text(towns[s.township].name if s.township in towns
                                                                    else s.township),
                          Text(printable(s.place, single_line=True)), Text(str(s.count)), Text(sparkline(s.weekly)),
                          Text(label("trend", s.trend, lang), style=TREND_STYLE[s.trend]),
                          Text(str(s.open), style="bold red" if s.open else ""), key=str(i))
        candidates = self.query_one("#candidates", DataTable)
        candidates.clear()
        for i, c in enumerate(report.candidates):
            trend = trend_of(c.weekly)
            candidates.add_row(Text(c.category.replace("/", " › ")), Text(str(c.count)), Text(str(len(c.spots))),
                               Text(sparkline(c.weekly)), Text(label("trend", trend, lang), style=TREND_STYLE[trend]),
                               key=str(i))
        spots.focus()
        # nothing recurring in the period: say so and what would count, never an empty frame
        empty = self.query_one("#hotspots-empty", Static)
        empty.update(Text(ui("hotspots_empty", lang, period=self.period.label, min=self.min_count)
                          if not report.spots else ""))
        empty.display = not report.spots

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.report is None:
            return
        index = int(str(event.row_key.value))
        if event.data_table.id == "hotspots":
            spot = self.report.spots[index]
            heading = f"{spot.category.rsplit('/', 1)[-1]} · {spot.place} · {spot.count}"
            ids = spot.case_ids
        else:
            candidate = self.report.candidates[index]
            heading = f"{candidate.category.replace('/', ' › ')} · {candidate.count}"
            ids = sorted({i for s in candidate.spots for i in s.case_ids})
        self.load_cases(heading, ids)

    @work(thread=True, group="hotspot-cases")
    def load_cases(self, heading: str, ids: list[int]) -> None:
        try:
            self.post_message(self.CasesLoaded(heading, case_summaries(self.ctx, ids)))
        except ChuishaoError as exc:
            self.post_message(self.Failed(shown_error(self.ctx, exc)))
        finally:
            self.ctx.db.close()

    def on_hotspots_screen_cases_loaded(self, message: CasesLoaded) -> None:
        self.app.push_screen(CaseListScreen(message.heading, message.entries, self.ctx.config.language))
