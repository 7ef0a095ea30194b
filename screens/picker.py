"""A searchable picker for departments, townships and categories: type 住建, zhujian or zj.

An input line over a short list. ↑/↓ move in the list while typing; Enter picks the highlighted
entry (single mode) or toggles it (multiple mode) and, in single mode, moves on to the next field.
The matching itself is models.org.pinyin_index (pure, shared with the CLI).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from models.org.pinyin_index import Entry, search


class Picker(Vertical):
    """Choose one entry (or several, with `multiple`) from a pinyin-searchable index."""

    # Its look is in console/theme.tcss (Picker …): app CSS outranks the Input's own defaults.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "cursor(1)", show=False),
        Binding("up", "cursor(-1)", show=False),
    ]

    @dataclass
    class Changed(Message):
        picker: Picker
        values: list[str]

        @property
        def control(self) -> Picker:
            return self.picker

    def __init__(self, index: list[Entry], *, value: list[str] | str | None = None, multiple: bool = False,
                 placeholder: str = "", chosen_label: str = "", id: str | None = None, rows: int = 5) -> None:
        super().__init__(id=id)
        self.index = index
        self.multiple = multiple
        self.placeholder = placeholder
        self.chosen_label = chosen_label
        self.rows = rows
        initial = [value] if isinstance(value, str) else list(value or [])
        known = {e.id for e in index}
        self.values: list[str] = [v for v in initial if v in known]
        self.shown: list[Entry] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self.placeholder)
        options = OptionList()
        options.can_focus = False  # focus stays in the input; Tab goes to the next field
        options.styles.max_height = self.rows
        yield options
        yield Static(classes="picker--chosen")

    def on_mount(self) -> None:
        self.refilter("")
        self.show_chosen()

    @property
    def value(self) -> str | None:
        return self.values[0] if self.values else None

    def labels(self) -> list[str]:
        by_id = {e.id: e.label for e in self.index}
        return [by_id.get(v, v) for v in self.values]

    def set_index(self, index: list[Entry]) -> None:
        """Swap in a better index (the pinyin one, once it is built) keeping the query and values."""
        self.index = index
        self.refilter(self.query_one(Input).value)

    def refilter(self, text: str) -> None:
        # With nothing typed, everything (the current choice may be anywhere); else the best 50.
        self.shown = search(self.index, text, limit=50 if text.strip() else None)
        options = self.query_one(OptionList)
        options.set_options(Option(self._prompt(e), id=e.id) for e in self.shown)
        if self.shown:
            # With nothing typed, start on the current choice so Enter keeps it.
            ids = [e.id for e in self.shown]
            options.highlighted = ids.index(self.values[0]) if not text and self.values and \
                self.values[0] in ids else 0

    def _prompt(self, entry: Entry) -> Text:
        mark = "✓ " if entry.id in self.values else "  "
        return Text(mark + entry.label, no_wrap=True, overflow="ellipsis")

    def show_chosen(self) -> None:
        text = "、".join(self.labels()) if self.values else "—"
        self.query_one(".picker--chosen", Static).update(Text(f"{self.chosen_label}{text}"))

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.refilter(event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()  # Enter here picks; it must not submit the dialog
        self.pick_highlighted()

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.pick_highlighted()

    def action_cursor(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + delta))

    def pick_highlighted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None or not self.shown:
            return
        chosen = self.shown[options.highlighted].id
        if self.multiple:
            if chosen in self.values:
                self.values.remove(chosen)
            else:
                self.values.append(chosen)
            keep = options.highlighted
            options.set_options(Option(self._prompt(e), id=e.id) for e in self.shown)
            options.highlighted = keep
        else:
            self.values = [chosen]
        self.show_chosen()
        self.post_message(self.Changed(self, list(self.values)))
        if not self.multiple:
            self.screen.focus_next()
