"""The supervision board (督办台): open must-supervise and overdue cases with their flags, the
escalation reached (催办 / 通报) and the orders on them.

Opening it, `r` and every five minutes run models.supervision.supervision.sweep (raise due flags, write due
reminders and notices — idempotent) and then load models.supervision.supervision_orders.board, in a worker
thread on its own connection. The highlighted case's orders show below the table; Enter posts
CaseChosen so the app opens the case's workspace. Every text is a label or literal Text.
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
from textual.widgets import DataTable, Static

from models.errors import ChuishaoError
from models.org.context import Context
from models.supervision.supervision import sweep
from models.supervision.supervision_orders import board, flag_counts
from models.text.labels import label
from models.text.textnorm import printable
from models.worktime.durations import format_timedelta
from screens.base import in_thread, localise_descriptions, shown_error
from screens.drilldown import CaseChosen
from screens.widgets.footer import ConsoleFooter
from screens.widgets.table import ConsoleTable

# The title comes second, at a set width, and stays with the number when the table scrolls sideways:
# last, it was squeezed to one cell at 80 columns.
COLUMNS = ("id", "title", "state", "lead", "flags", "late", "ladder", "orders")
TITLE_WIDTH = 22
REFRESH_SECONDS = 300.0


def _board_snapshot(ctx: Context, limit: int) -> tuple[list[dict[str, Any]], dict[str, int], int]:
    """Sweep, then the board's rows and counts (runs in the worker thread)."""
    swept = sweep(ctx)
    changed = len(swept.flagged) + len(swept.reminders) + len(swept.notices)
    return board(ctx, limit=limit), flag_counts(ctx), changed


class SupervisionScreen(Screen[None]):
    """Must-supervise and overdue cases, most overdue first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "key_open", id="supervision.open"),
        Binding("r,f5", "reload", "key_sweep_reload", id="supervision.reload"),
        Binding("escape,q", "app.pop_screen", "key_back", id="supervision.back"),
    ]

    @dataclass
    class Loaded(Message):
        seq: int
        rows: list[dict[str, Any]]
        counts: dict[str, int]
        changed: int

    @dataclass
    class Failed(Message):
        message: str

    def _department(self, ident: str | None) -> str:
        department = self.ctx.config.departments.get(ident or "")
        return department.short if department else (ident or "")

    def __init__(self, ctx: Context, limit: int = 200) -> None:
        super().__init__()
        self.ctx = ctx
        self.limit = limit
        self.rows: list[dict[str, Any]] = []
        self.seq = 0
        self.lang = ctx.config.language
        localise_descriptions(self, self.lang)

    def txt(self, key: str) -> str:
        return label("board", key, self.lang)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.txt("title")), id="supervision-title")
            yield ConsoleTable(id="supervision", cursor_type="row", zebra_stripes=True)
            yield Static(id="supervision-orders")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        table = self.query_one("#supervision", DataTable)
        table.fixed_columns = COLUMNS.index("title") + 1
        for key in COLUMNS:
            table.add_column(Text(self.txt(f"col_{key}")), key=key, width=TITLE_WIDTH if key == "title" else None)
        self.action_reload()
        self.set_interval(REFRESH_SECONDS, self.action_reload)

    def action_reload(self) -> None:
        self.seq += 1
        self.load(self.seq)

    @work(thread=True, exclusive=True, group="supervision")
    def load(self, seq: int) -> None:
        try:
            rows, counts, changed = in_thread(self.ctx, _board_snapshot, self.limit)
            self.post_message(self.Loaded(seq, rows, counts, changed))
        except ChuishaoError as exc:
            self.post_message(self.Failed(shown_error(self.ctx, exc)))

    def on_supervision_screen_failed(self, message: Failed) -> None:
        self.notify(printable(message.message), severity="error", markup=False)

    def on_supervision_screen_loaded(self, message: Loaded) -> None:
        if message.seq != self.seq:
            return
        self.rows = message.rows
        counts = message.counts
        reasons = "  ".join(f"{label('supervise_reason', f, self.lang)} {counts[f]}"
                            for f in ("repeat", "overdue", "stalled", "pingpong"))
        self.query_one("#supervision-title", Static).update(Text(
            f"{self.txt('title')} · {len(self.rows)} · {self.txt('overdue_now')} {counts['overdue_now']} · {reasons}"))
        table = self.query_one("#supervision", DataTable)
        table.clear()
        for row in self.rows:
            table.add_row(*self._cells(row), key=str(row["id"]))
        table.focus()
        self._show_orders(0)
        if message.changed:
            self.notify(f"{self.txt('swept')} {message.changed}", markup=False)

    def _cells(self, row: dict[str, Any]) -> list[Text]:
        lang = self.lang
        late = row["overdue_seconds"]
        ladder = (label("order_kind", "notice", lang) if row["noticed_at"] else
                  label("order_kind", "reminder", lang) if row["reminded_at"] else "")
        open_orders = sum(1 for o in row["orders"] if o["kind"] == "order" and o["status"] == "open")
        title = Text(printable(row["title"] or "", single_line=True), no_wrap=True, overflow="ellipsis")
        return [Text(str(row["id"])), title, Text(label("state", row["state"], lang)), Text(self._department(row["lead"])),
                Text("、".join(label("supervise_reason", f, lang) for f in row["flags"]), style="bold"),
                Text(format_timedelta(-late) if late else "", style="bold red" if late else ""),
                Text(ladder, style="red" if row["noticed_at"] else "yellow"),
                Text(str(open_orders) if open_orders else "")]

    def _show_orders(self, index: int) -> None:
        panel = self.query_one("#supervision-orders", Static)
        if not 0 <= index < len(self.rows):
            panel.update(Text(self.txt("empty") if not self.rows else ""))
            return
        lines = Text()
        for order in self.rows[index]["orders"][:6]:
            when = (order["issued_at"] or "")[5:16].replace("T", " ")
            lines.append(f"{when} {label('order_kind', order['kind'], self.lang)} "
                         f"{self._department(order['department'])} {label('order_status', order['status'], self.lang)}：")
            lines.append(printable(order["instruction"], single_line=True))
            lines.append("\n")
        panel.update(lines if lines.plain else Text(self.txt("no_orders")))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_orders(event.cursor_row)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        table = self.query_one("#supervision", DataTable)
        if self.rows and 0 <= table.cursor_row < len(self.rows):
            self.post_message(CaseChosen(int(self.rows[table.cursor_row]["id"])))
