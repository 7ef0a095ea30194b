"""The cases behind a number: a list the operator can open a case from.

Pushed by the scoreboard and hot-spot screens with rows they already loaded (attributes down);
Enter on a row posts `CaseChosen` (messages up) — the console app opens its case workspace on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from models.text.labels import label
from models.text.textnorm import printable
from screens.base import localise_descriptions
from screens.widgets.footer import ConsoleFooter
from screens.widgets.table import ConsoleTable

HIDDEN = ("case_id", "title", "counted", "events", "cases", "assignment_id")


@dataclass
class CaseChosen(Message):
    """The operator chose a case from a list behind a number: open it."""

    case_id: int


def detail_of(entry: dict[str, Any]) -> str:
    """The moments and values that decided a row, e.g. "ack_due=11-02 09:00, acknowledged_at=…"."""
    parts = []
    for key, value in entry.items():
        if key in HIDDEN or value is None:
            continue
        text = str(value)
        if len(text) >= 16 and text[4:5] == "-" and "T" in text:  # ISO time: month-day hour:minute
            text = text[5:16].replace("T", " ")
        parts.append(f"{key}={text}")
    return ", ".join(parts)


class CaseListScreen(Screen[None]):
    """A heading (the figure) and one line per case: counted or not, id, title, the deciding moments."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "key_back", id="drilldown.back"),
        Binding("enter", "open", "key_open", id="drilldown.open", show=True),
    ]

    def __init__(self, heading: str, entries: list[dict[str, Any]], language: str = "zh") -> None:
        super().__init__()
        localise_descriptions(self, language)
        self.heading = heading
        self.entries = entries

    def compose(self) -> ComposeResult:
        yield Static(Text(printable(self.heading, single_line=True)), id="drilldown-heading")
        yield ConsoleTable(id="drilldown-table", cursor_type="row", zebra_stripes=True)
        yield ConsoleFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("", key="mark", width=2)
        table.add_column("#", key="case")
        table.add_column(label("report", "title"), key="title", width=28)
        table.add_column("", key="detail")
        for i, entry in enumerate(self.entries):
            counted = entry.get("counted")
            mark = Text("✓", style="green") if counted else Text("✗", style="red") if counted is False else Text("")
            table.add_row(mark, Text(str(entry["case_id"])),
                          Text(printable(str(entry.get("title") or ""), single_line=True)),
                          Text(printable(detail_of(entry), single_line=True)), key=str(i))
        table.focus()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if self.entries and 0 <= table.cursor_row < len(self.entries):
            self.post_message(CaseChosen(int(self.entries[table.cursor_row]["case_id"])))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()
