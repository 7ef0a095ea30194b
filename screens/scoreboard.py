"""The scoreboard screen (绩效考核): departments ranked, townships flagged, every number drillable.

Figures come from models.reports.scoreboard — the very functions behind `chuishao report scoreboard` and
the briefing — loaded in a worker thread. `s` sorts by the column under the cursor (again: the other
way), and the bar column draws that column's values; `[` / `]` step a month back or forward; Enter
on a number lists the cases behind it (models.reports.scoreboard.explain), Enter there posts CaseChosen.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from models.errors import ChuishaoError
from models.org.context import Context
from models.reports.measures import Rate
from models.reports.scoreboard import (
    DepartmentScore,
    TownshipScore,
    department_scoreboard,
    explain,
    explain_township,
    formula,
    township_scoreboard,
)
from models.text.labels import label
from models.worktime.period import Period
from screens.base import shown_error
from screens.charts import bar
from screens.drilldown import CaseListScreen
from screens.period_screen import PeriodScreen
from screens.widgets.footer import ConsoleFooter
from screens.widgets.table import ConsoleTable

DEPT_COLUMNS = ("rank", "name", "score", "bar", "assignments", "response", "arrival", "resolution", "on_time",
                "satisfaction", "returns", "reopen", "overdue", "limbo", "supervision", "accountability", "flags")
TOWN_COLUMNS = ("name", "raised", "local", "whistled", "rejected", "resolved_locally", "whistle_rate", "bar",
                "own_duty_whistles", "satisfaction", "flags")
# Columns whose number is a count of the rows behind it; the others (name, rank, score, bar) open
# the list of every assignment (department) or case (township) of the period.
NOT_FIGURES = {"rank", "name", "score", "bar", "flags"}
RED = "bold red"


def value_of(figures: dict[str, Rate], key: str, score: float | None = None) -> float | None:
    """The number a column sorts and draws by: a rate's rate, else its count (score for score)."""
    if key == "score":
        return score
    rate = figures.get(key)
    if rate is None:
        return None
    if key == "limbo":
        return rate.num / 3600
    return rate.rate if key not in ("assignments", "overdue", "supervision", "accountability", "raised", "local",
                                    "whistled", "rejected") else float(rate.num)


def cell_text(rate: Rate, key: str) -> Text:
    if key == "limbo":
        return Text(f"{rate.num / 3600:.0f}h")
    if key in ("assignments", "overdue", "supervision", "accountability", "raised", "local", "whistled", "rejected"):
        return Text(str(rate.num), style=RED if key in ("overdue", "accountability") and rate.num else "")
    if rate.rate is None:
        return Text("—", style="dim")
    return Text(f"{rate.rate * 100:.0f}% {rate.num}/{rate.den}")


class ScoreboardScreen(PeriodScreen):
    """Department ranking and township table for one period."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("s", "sort", "key_sort", id="scoreboard.sort")]

    @dataclass
    class Loaded(Message):
        seq: int
        ctx: Context
        departments: list[DepartmentScore]
        townships: list[TownshipScore]

    @dataclass
    class Explained(Message):
        heading: str
        entries: list[dict[str, Any]]

    def __init__(self, ctx: Context, period: Period | None = None) -> None:
        super().__init__(ctx, period)
        self.departments: list[DepartmentScore] = []
        self.townships: list[TownshipScore] = []
        self.sort_key: dict[str, tuple[str, bool]] = {"departments": ("score", True), "townships": ("name", False)}
        self.frozen = ctx  # the context (with its clock stopped) the shown figures were computed with

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="scoreboard-title")
            yield ConsoleTable(id="departments", cursor_type="cell", zebra_stripes=True)
            # How the score is computed, with the county's weights and deductions (issue 16 item 3).
            yield Static(Text(f"{label('metric', 'formula', self.ctx.config.language)}："
                              f"{formula(self.ctx, self.ctx.config.language)}"), id="score-formula")
            yield Static(Text(label("report", "townships", self.ctx.config.language)), id="townships-title")
            yield ConsoleTable(id="townships", cursor_type="cell", zebra_stripes=True)
        yield ConsoleFooter()

    def on_mount(self) -> None:
        lang = self.ctx.config.language
        for table_id, columns in (("departments", DEPT_COLUMNS), ("townships", TOWN_COLUMNS)):
            table = self.query_one(f"#{table_id}", DataTable)
            # rank and name (the township's name) stay in view when the figures scroll sideways
            table.fixed_columns = columns.index("name") + 1
            for key in columns:
                heading = (label("report", "department" if table_id == "departments" else "township", lang)
                           if key == "name" else "" if key == "bar" else label("report", "flags", lang)
                           if key == "flags" else label("metric", key, lang))
                table.add_column(Text(heading), key=key)
        self.action_reload()

    # --- loading ---------------------------------------------------------------------------
    def start_loading(self, seq: int, period: Period) -> None:
        self.query_one("#scoreboard-title", Static).update(Text(f"{self.heading()} {period.label} …"))
        self.load(seq, period)

    @work(thread=True, exclusive=True, group="scoreboard")
    def load(self, seq: int, period: Period) -> None:
        # One "now" for the table and every drill-down from it: time in limbo and overdue move with
        # the clock, and the list behind a number must add up to the number shown.
        moment = self.ctx.clock()
        ctx = replace(self.ctx, clock=lambda: moment)
        try:
            self.post_message(self.Loaded(seq, ctx, department_scoreboard(ctx, period),
                                          township_scoreboard(ctx, period)))
        except ChuishaoError as exc:
            self.post_message(self.Failed(shown_error(self.ctx, exc)))
        finally:
            self.ctx.db.close()  # this thread's connection; the next worker opens its own

    def on_scoreboard_screen_loaded(self, message: Loaded) -> None:
        if message.seq != self.seq:
            return  # an answer for a month the operator has already left
        self.departments, self.townships = message.departments, message.townships
        self.frozen = message.ctx
        self.query_one("#scoreboard-title", Static).update(Text(f"{self.heading()} {self.period.label}"))
        self.render_tables()

    def heading(self) -> str:
        return label("report", "scoreboard", self.ctx.config.language)

    # --- drawing ---------------------------------------------------------------------------
    def render_tables(self) -> None:
        self._fill_departments()
        self._fill_townships()

    def _fill_departments(self) -> None:
        table = self.query_one("#departments", DataTable)
        key, descending = self.sort_key["departments"]
        rows = sorted(self.departments, key=lambda d: self._sort_value(d.figures, key, d.score, d.name, d.rank),
                      reverse=descending)
        values = [value_of(d.figures, key, d.score) for d in rows]
        top = max((v for v in values if v is not None), default=0.0) or 1.0
        lang = self.ctx.config.language
        table.clear()
        for d, value in zip(rows, values, strict=True):
            cells: list[Text] = []
            for column in DEPT_COLUMNS:
                if column == "rank":
                    cells.append(Text("" if d.rank is None else str(d.rank)))
                elif column == "name":
                    cells.append(Text(self.ctx.config.departments[d.department].short))
                elif column == "score":
                    cells.append(Text("" if d.score is None else f"{d.score:.1f}"))
                elif column == "bar":
                    cells.append(Text(bar(None if value is None else value / top), style="cyan"))
                elif column == "flags":
                    cells.append(Text("; ".join(label("flag", f, lang) for f in d.flags), style=RED))
                else:
                    cells.append(cell_text(d.figures[column], column))
            table.add_row(*cells, key=d.department)

    def _fill_townships(self) -> None:
        table = self.query_one("#townships", DataTable)
        key, descending = self.sort_key["townships"]
        rows = sorted(self.townships, key=lambda t: self._sort_value(t.figures, key, None, t.name, None),
                      reverse=descending)
        low, high = (float(x) for x in self.ctx.config.section("scoring")["whistle_band"])
        lang = self.ctx.config.language
        table.clear()
        for t in rows:
            whistle = t.figures["whistle_rate"].rate
            cells: list[Text] = []
            for column in TOWN_COLUMNS:
                if column == "name":
                    cells.append(Text(t.name))
                elif column == "bar":  # the whistle rate against the healthy band
                    outside = whistle is not None and not low <= whistle <= high
                    cells.append(Text(bar(whistle), style=RED if outside else "green"))
                elif column == "flags":
                    cells.append(Text("; ".join(label("flag", f, lang) for f in t.flags), style=RED))
                else:
                    style = RED if column == "own_duty_whistles" and t.figures[column].num else ""
                    text = cell_text(t.figures[column], column)
                    text.stylize(style)
                    cells.append(text)
            table.add_row(*cells, key=t.township)

    @staticmethod
    def _sort_value(figures: dict[str, Rate], key: str, score: float | None, name: str,
                    rank: int | None) -> tuple[int, Any]:
        if key == "name":
            return (0, name)
        if key == "rank":
            return (rank is None, rank or 0)
        value = value_of(figures, key, score)
        return (value is not None, value or 0.0)  # no value sorts as the lowest

    # --- actions ---------------------------------------------------------------------------
    def _focused_table(self) -> DataTable:
        focused = self.focused
        return focused if isinstance(focused, DataTable) else self.query_one("#departments", DataTable)

    def action_sort(self) -> None:
        table = self._focused_table()
        which = str(table.id)
        columns = DEPT_COLUMNS if which == "departments" else TOWN_COLUMNS
        column = columns[table.cursor_column]
        if column in ("bar", "flags"):
            return
        current, descending = self.sort_key[which]
        self.sort_key[which] = (column, not descending if current == column else column not in ("name", "rank"))
        self.render_tables()

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        which = str(event.data_table.id)
        row = str(event.cell_key.row_key.value)
        column = str(event.cell_key.column_key.value)
        figure = "assignments" if which == "departments" else "raised"
        if column not in NOT_FIGURES:
            figure = "whistle_rate" if column == "bar" else column
        self.explain(self.frozen, which, row, figure, self.period)

    @work(thread=True, group="explain")
    def explain(self, ctx: Context, which: str, ident: str, figure: str, period: Period) -> None:
        try:
            detail = (explain if which == "departments" else explain_township)(ctx, ident, period)
            part = detail["figures"][figure]
            value = f"{part['num']}/{part['den']}" if part["kind"] != "duration" else f"{part['num'] / 3600:.1f}h"
            heading = (f"{detail['name']} · {label('metric', figure, self.ctx.config.language)} {value} · "
                       f"{period.label}")
            self.post_message(self.Explained(heading, part["cases"]))
        except ChuishaoError as exc:
            self.post_message(self.Failed(shown_error(self.ctx, exc)))
        finally:
            self.ctx.db.close()

    def on_scoreboard_screen_explained(self, message: Explained) -> None:
        self.app.push_screen(CaseListScreen(message.heading, message.entries, self.ctx.config.language))
