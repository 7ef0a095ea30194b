"""The queue: a table that draws only the lines on screen, from a window of rows fetched by page.

DataTable measures every cell of every row (20+ s for 100k rows); this widget keeps a few hundred
rows around the cursor, asks its screen for the next page (keyset paging) before the cursor reaches
the edge, and renders each visible line straight to segments. The title column is last: text from
citizens (emoji, odd widths) can then never push the other columns out of line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.events import MouseScrollDown, MouseScrollUp
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from models.worktime.durations import format_timedelta
from screens import keymap

DUE_SOON = 8 * 3600  # a clock with less than a working day left shows as "due soon"
PREFETCH = 60  # ask for the next page when the cursor is this close to the window's edge
KEEP = 800  # rows kept around the cursor; the rest are dropped (they can be fetched again)
BOLD = Style(bold=True)
WHEEL_LINES = 3  # rows one notch of the mouse wheel scrolls


@dataclass(frozen=True)
class QueueRow:
    """One case as the queue shows it: display strings prepared off the UI thread."""

    id: int
    key: tuple[object, int]  # the sort key, for keyset paging from this row
    received: str
    channel: str
    township: str
    category: str
    state: str
    lead: str
    next_due: int | None
    reports: str  # "" for a single report
    mark: str  # supervision mark, "" when none
    title: str


@dataclass(frozen=True)
class Column:
    name: str  # QueueRow field, or "due"
    width: int
    keep: int  # lower = dropped first when the terminal is narrow
    right: bool = False


COLUMNS = (
    Column("id", 7, 9, right=True), Column("received", 11, 3), Column("channel", 10, 1),
    Column("township", 8, 6), Column("category", 12, 2), Column("state", 8, 8), Column("lead", 10, 5),
    Column("due", 9, 9, right=True), Column("reports", 3, 4, right=True), Column("mark", 2, 7),
    Column("title", 0, 10),
)
TITLE_MIN = 16


def layout(width: int) -> list[Column]:
    """The columns that fit: drop the least important until the title keeps TITLE_MIN cells."""
    chosen = list(COLUMNS)
    while True:
        used = sum(c.width + 1 for c in chosen if c.name != "title")
        if width - used >= TITLE_MIN or len(chosen) <= 3:
            return chosen
        victim = min((c for c in chosen if c.name != "title"), key=lambda c: c.keep)
        chosen.remove(victim)


def fit(text: str, width: int, right: bool = False) -> str:
    """Crop (with …) or pad to exactly `width` cells; wide characters count two."""
    size = len(text) if text.isascii() else cell_len(text)  # ASCII (control characters are gone): 1 cell each
    if size > width:
        cropped = set_cell_size(text, width - 1).rstrip(" ")  # a wide character that did not fit
        return cropped + "…" + " " * (width - 1 - cell_len(cropped))
    pad = " " * (width - size)
    return pad + text if right else text + pad


def fitted_cells(values: list[str], columns: list[Column], width: int, skip: str = "") -> list[str]:
    """Each value fitted to its column plus the separating space (the title takes the rest); the
    column named `skip` takes no value and gives no text."""
    out = []
    used = 0
    values_iter = iter(values)
    for column in columns:
        cell_width = column.width if column.name != "title" else max(1, width - used - 1)
        used += cell_width + 1
        if column.name != skip:
            out.append(fit(next(values_iter), cell_width, column.right) + " ")
    return out


def row_texts(row: QueueRow, columns: list[Column], width: int) -> list[str]:
    """A row's fitted cells except the countdown (which changes with the clock)."""
    return fitted_cells([row.mark if c.name == "mark" else str(getattr(row, c.name)) for c in columns
                         if c.name != "due"], columns, width, skip="due")


def prepare(rows: list[QueueRow], width: int) -> dict[QueueRow, list[str]]:
    """Every row's fitted cells for a table `width` wide: done by the worker that fetched the page,
    so a keystroke only assembles segments."""
    columns = layout(width)
    return {row: row_texts(row, columns, width) for row in rows}


class QueueTable(Widget, can_focus=True):
    """Rows of the queue around a cursor; scrolling past the window asks for more rows."""

    BINDINGS = keymap.bindings(keymap.TABLE_KEYS)
    COMPONENT_CLASSES: ClassVar[set[str]] = {"queue-table--header", "queue-table--cursor", "queue-table--overdue",
                         "queue-table--soon", "queue-table--plenty", "queue-table--mark",
                         "queue-table--message"}
    DEFAULT_CSS = """
    QueueTable { height: 1fr; }
    """

    @dataclass
    class NeedRows(Message):
        """The cursor nears the window's edge: direction is after | before | first | last."""

        direction: str
        key: tuple[object, int] | None

    @dataclass
    class Opened(Message):
        case_id: int

    def __init__(self, headers: dict[str, str], language: str = "zh", id: str | None = None) -> None:
        super().__init__(id=id)
        keymap.localise(self, keymap.TABLE_KEYS, language)
        self.headers = headers
        self.rows: list[QueueRow] = []
        self.top = 0
        self.cursor = 0
        self.at_start = True
        self.at_end = True
        self.base: int | None = 0
        self.total: int | None = None  # cases in the query, when counted
        self.loaded = False
        self.message_lines: list[str] = []
        self.now = 0
        self.requested: set[str] = set()
        self._columns: list[Column] = list(COLUMNS)
        self._due_column = COLUMNS[7]
        self._width = -1
        self._style_table: dict[str, Style] | None = None
        self._strips: dict[object, Strip] = {}

    # --- data in -------------------------------------------------------------------------------
    @property
    def visible(self) -> int:
        return max(1, self.size.height - 1)

    @property
    def current(self) -> QueueRow | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def replace(self, rows: list[QueueRow], at_start: bool, at_end: bool, cursor_id: int | None = None,
                offset: int = 0, base: int | None = None, cursor_index: int | None = None) -> None:
        """New rows for the whole window; the cursor goes to `cursor_id` (kept `offset` lines down)."""
        self.rows, self.at_start, self.at_end, self.base = rows, at_start, at_end, base
        self.loaded = True
        self.requested.clear()
        index = next((i for i, r in enumerate(rows) if r.id == cursor_id), None) if cursor_id else None
        if index is None:
            index = cursor_index if cursor_index is not None else (0 if cursor_id is None else offset)
        self.cursor = max(0, min(index, len(rows) - 1))
        # `G` (cursor_index: the last row) fills the screen with the final rows, the cursor at the bottom
        keep = offset if cursor_index is None else self.visible - 1
        self.top = max(0, self.cursor - max(0, min(keep, self.visible - 1)))
        self._scroll_into_view()
        self.refresh()

    def extend(self, rows: list[QueueRow], at_end: bool) -> None:
        self.requested.discard("after")
        self.rows.extend(rows)
        self.at_end = at_end
        drop = min(len(self.rows) - KEEP, self.top - PREFETCH)
        if drop > 0:
            del self.rows[:drop]
            self.top -= drop
            self.cursor -= drop
            self.at_start = False
            self.base = None if self.base is None else self.base + drop
        self.refresh()

    def prepend(self, rows: list[QueueRow], at_start: bool) -> None:
        self.requested.discard("before")
        self.rows[:0] = rows
        self.top += len(rows)
        self.cursor += len(rows)
        self.at_start = at_start
        self.base = None if self.base is None else max(0, self.base - len(rows))
        if at_start:
            self.base = 0
        keep_to = max(KEEP, self.top + self.visible + PREFETCH)
        if len(self.rows) > keep_to:
            del self.rows[keep_to:]
            self.at_end = False
        self.refresh()

    def show_message(self, lines: list[str]) -> None:
        """Text shown instead of rows (loading, empty queue, first-run help)."""
        self.message_lines = lines
        self.refresh()

    # --- moving --------------------------------------------------------------------------------
    def _scroll_into_view(self) -> None:
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + self.visible:
            self.top = self.cursor - self.visible + 1
        self.top = max(0, min(self.top, max(0, len(self.rows) - 1)))

    def _prefetch(self) -> None:
        if not self.rows:
            return
        if not self.at_end and len(self.rows) - self.cursor <= PREFETCH + self.visible \
                and "after" not in self.requested:
            self.requested.add("after")
            self.post_message(self.NeedRows("after", self.rows[-1].key))
        if not self.at_start and self.cursor <= PREFETCH + self.visible and "before" not in self.requested:
            self.requested.add("before")
            self.post_message(self.NeedRows("before", self.rows[0].key))

    def _move_to(self, index: int, scroll_by: int = 0) -> None:
        if not self.rows:
            return
        old_cursor, old_top = self.cursor, self.top
        self.cursor = max(0, min(index, len(self.rows) - 1))
        self.top = max(0, self.top + scroll_by)
        self._scroll_into_view()
        if self.top != old_top:
            self.refresh()
        else:
            width = self.size.width
            for row in (old_cursor, self.cursor):
                self.refresh_line(row - self.top + 1, width)
            self.refresh_line(0, width)  # the position in the header
        self._prefetch()

    def refresh_line(self, y: int, width: int) -> None:
        self.refresh(Region(0, y, width, 1))

    def action_move(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        step = self.visible * direction
        self._move_to(self.cursor + step, scroll_by=step)

    def action_first(self) -> None:
        if self.at_start:
            self._move_to(0, scroll_by=-len(self.rows))
        else:
            self.post_message(self.NeedRows("first", None))

    def action_last(self) -> None:
        if self.at_end:
            self._move_to(len(self.rows) - 1)
        else:
            self.post_message(self.NeedRows("last", None))

    def scroll_rows(self, lines: int) -> None:
        """The mouse wheel: move the window `lines` rows (never past the last screenful); the
        cursor stays on its row while that row is on screen, else it moves to the nearest edge."""
        if not self.rows:
            return
        top = max(0, min(self.top + lines, len(self.rows) - self.visible))
        cursor = max(top, min(self.cursor, top + self.visible - 1))
        self._move_to(cursor, scroll_by=top - self.top)

    def _on_mouse_scroll_down(self, event: MouseScrollDown) -> None:
        event.stop()
        self.scroll_rows(WHEEL_LINES)

    def _on_mouse_scroll_up(self, event: MouseScrollUp) -> None:
        event.stop()
        self.scroll_rows(-WHEEL_LINES)

    def on_click(self, event: object) -> None:
        y = getattr(event, "y", 0)
        if y >= 1 and self.rows:
            self._move_to(self.top + y - 1)

    # --- drawing -------------------------------------------------------------------------------
    # A keystroke repaints up to a screenful of lines: each line's strip is cached by what it shows
    # (row, cursor, countdown text), and the styles once per theme/focus change.
    def position_text(self) -> str:
        """The cursor's absolute row number when known (the window came from the start or the end)."""
        if not self.rows or self.base is None:
            return ""
        return f"{self.base + self.cursor + 1}" + (f"/{self.total}" if self.total is not None else "")

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_table = None
        self._strips.clear()

    def _styles(self) -> dict[str, Style]:
        if self._style_table is None:
            base = self.rich_style
            get = self.get_component_rich_style
            cursor = base + get("queue-table--cursor", partial=True)
            self._style_table = {
                "base": base, "header": base + get("queue-table--header", partial=True), "cursor": cursor,
                "cursor_dim": cursor + Style(dim=True), "message": base + get("queue-table--message", partial=True),
                **{k: get(f"queue-table--{k}", partial=True) for k in ("overdue", "soon", "plenty", "mark")},
            }
        return self._style_table

    def _due(self, row: QueueRow) -> tuple[str, str]:
        if row.next_due is None:
            return "", "plenty"
        left = row.next_due - self.now
        return format_timedelta(left), "overdue" if left < 0 else ("soon" if left < DUE_SOON else "plenty")

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if width != self._width:
            self._width, self._columns = width, layout(width)
            self._due_column = next((c for c in self._columns if c.name == "due"), COLUMNS[7])
            self._strips.clear()
        styles = self._styles()
        if y == 0:
            return self._header(width, styles)
        index = self.top + y - 1
        if not self.rows or index >= len(self.rows):
            empty_index = y - 2 if not self.rows else -1
            if 0 <= empty_index < len(self.message_lines):
                text = set_cell_size("  " + self.message_lines[empty_index], width)
                return Strip([Segment(text, styles["message"])], width)
            return Strip([Segment(" " * width, styles["base"])], width)
        row = self.rows[index]
        selected = 0 if index != self.cursor else (2 if self.has_focus else 1)
        due = self._due(row)
        key = (row, selected, due)
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) > 3000:
                self._strips.clear()
            strip = self._strips[key] = self._row_strip(row, selected, due, styles, width)
        return strip

    def prime(self, texts: dict[QueueRow, list[str]] | None, width: int) -> None:
        """Take rows' fitted cells prepared off the UI thread (for the current width only)."""
        if texts and width == self.size.width:
            for row, cells in texts.items():
                self._strips[(row, width)] = cells  # type: ignore[assignment]

    def _row_strip(self, row: QueueRow, selected: int, due: tuple[str, str], styles: dict[str, Style],
                   width: int) -> Strip:
        texts: list[str] | None = self._strips.get((row, width))  # type: ignore[assignment]
        if texts is None:
            texts = self._strips[(row, width)] = row_texts(row, self._columns, width)  # type: ignore[assignment]
        due_column = self._due_column
        due_text = fit(due[0], due_column.width, True) + " "
        style = (styles["base"], styles["cursor_dim"], styles["cursor"])[selected]
        # On the cursor row the urgency colours give way to the cursor's own (bold kept): red or
        # green on its background was unreadable (theme.tcss; the contrast test checks the row).
        urgent = (lambda kind: styles[kind]) if not selected else (lambda kind: BOLD)
        segments = []
        values = iter(texts)
        for column in self._columns:
            if column is due_column:
                segments.append(Segment(due_text, style + urgent(due[1])))
            elif column.name == "mark":
                segments.append(Segment(next(values), style + urgent("mark")))
            else:
                segments.append(Segment(next(values), style))
        return Strip(segments, width)

    def _header(self, width: int, styles: dict[str, Style]) -> Strip:
        """Column heads, and the cursor's position at the right end (drawn here: no layout pass)."""
        position = self.position_text()
        key = ("header", position)
        strip = self._strips.get(key)
        if strip is None:
            cells = [(self.headers.get(c.name, ""), c, None) for c in self._columns]
            strip = self._line(cells, styles["header"], width)
            if position:
                text = f" {position} "
                strip = Strip.join([strip.crop(0, width - cell_len(text)), Strip([Segment(text, styles["header"])])])
            self._strips[key] = strip
        return strip

    def _line(self, cells: list[tuple[str, Column, Style | None]], style: Style, width: int) -> Strip:
        texts = fitted_cells([text for text, _, _ in cells], self._columns, width)
        return Strip([Segment(text, style) for text in texts], width).adjust_cell_length(width, style)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def refresh_position(self) -> None:
        self.refresh(Region(0, 0, self.size.width, 1))

    def on_resize(self) -> None:
        self._scroll_into_view()
        self._prefetch()
