"""The hot-spot screen (热点): recurring problems by category × township × place, week by week, and
the candidates for the month's one problem (每月一题).

The figures come from models.hotspots.hotspots — the function behind `chuishao report hotspots`
and the briefing — loaded in a worker thread. Enter on a hot spot or a candidate lists its cases;
Enter there posts CaseChosen. `[` / `]` step a month, `r` reloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from models.context import Context
from models.errors import ChuishaoError
from models.hotspots import HotspotReport, case_summaries, hotspots, trend_of
from models.labels import label
from models.period import Period, month_of, shift_month
from models.textnorm import printable
from screens.charts import sparkline
from screens.drilldown import CaseListScreen

TREND_STYLE = {"rising": "bold red", "falling": "green", "flat": ""}


class HotspotsScreen(Screen[None]):
    """Hot spots of one period, most cases first, and the month's candidate problems."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left_square_bracket", "month(-1)", "prev month", id="hotspots.prev_month", key_display="["),
        Binding("right_square_bracket", "month(1)", "next month", id="hotspots.next_month", key_display="]"),
        Binding("r", "reload", "reload", id="hotspots.reload"),
        Binding("escape", "app.pop_screen", "back", id="hotspots.back"),
    ]

    @dataclass
    class Loaded(Message):
        seq: int
        report: HotspotReport

    @dataclass
    class CasesLoaded(Message):
        heading: str
        entries: list[dict[str, Any]]

    @dataclass
    class Failed(Message):
        message: str

    def __init__(self, ctx: Context, period: Period | None = None, *, min_count: int = 2) -> None:
        super().__init__()
        self.ctx = ctx
        self.period = period or month_of(ctx.now(), ctx.config.tz)
        self.min_count = min_count
        self.report: HotspotReport | None = None
        self.seq = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="hotspots-title")
            yield DataTable(id="hotspots", cursor_type="row", zebra_stripes=True)
            yield Static(Text("每月一题候选"), id="candidates-title")
            yield DataTable(id="candidates", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        spots = self.query_one("#hotspots", DataTable)
        for key, heading in (("category", "类别"), ("township", "乡镇"), ("place", "地点"), ("count", "件数"),
                             ("weekly", "每周"), ("trend", "趋势"), ("open", "未办结")):
            spots.add_column(Text(heading), key=key)
        candidates = self.query_one("#candidates", DataTable)
        for key, heading in (("category", "类别"), ("count", "件数"), ("places", "地点数"), ("weekly", "每周"),
                             ("trend", "趋势")):
            candidates.add_column(Text(heading), key=key)
        self.action_reload()

    def action_reload(self) -> None:
        self.seq += 1
        self.query_one("#hotspots-title", Static).update(Text(f"热点 {self.period.label} …"))
        self.load(self.seq, self.period)

    def action_month(self, step: int) -> None:
        self.period = shift_month(self.period, step, self.ctx.config.tz)
        self.action_reload()

    @work(thread=True, exclusive=True, group="hotspots")
    def load(self, seq: int, period: Period) -> None:
        try:
            self.post_message(self.Loaded(seq, hotspots(self.ctx, period, min_count=self.min_count)))
        except ChuishaoError as exc:
            self.post_message(self.Failed(exc.message))
        finally:
            self.ctx.db.close()  # this thread's connection

    def on_hotspots_screen_failed(self, message: Failed) -> None:
        self.notify(message.message, severity="error")

    def on_hotspots_screen_loaded(self, message: Loaded) -> None:
        if message.seq != self.seq:
            return
        self.report = report = message.report
        weeks = f"（每周自 {report.weeks[0]} 起）" if report.weeks else ""
        self.query_one("#hotspots-title", Static).update(
            Text(f"热点 {self.period.label}：{len(report.spots)} 处{weeks}"))
        lang, towns = self.ctx.config.language, self.ctx.config.townships
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

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.report is None:
            return
        index = int(str(event.row_key.value))
        if event.data_table.id == "hotspots":
            spot = self.report.spots[index]
            heading = f"{spot.category.rsplit('/', 1)[-1]} · {spot.place} · {spot.count} 件"
            ids = spot.case_ids
        else:
            candidate = self.report.candidates[index]
            heading = f"{candidate.category.replace('/', ' › ')} · {candidate.count} 件"
            ids = sorted({i for s in candidate.spots for i in s.case_ids})
        self.load_cases(heading, ids)

    @work(thread=True, group="hotspot-cases")
    def load_cases(self, heading: str, ids: list[int]) -> None:
        try:
            self.post_message(self.CasesLoaded(heading, case_summaries(self.ctx, ids)))
        except ChuishaoError as exc:
            self.post_message(self.Failed(exc.message))
        finally:
            self.ctx.db.close()

    def on_hotspots_screen_cases_loaded(self, message: CasesLoaded) -> None:
        self.app.push_screen(CaseListScreen(message.heading, message.entries))
