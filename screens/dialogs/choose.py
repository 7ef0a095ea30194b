"""Choose one of a few options (the queue's sort column): ↑/↓ and Enter, Esc to cancel."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from models.org.context import Context
from screens import keymap
from screens.base import ConsoleModal
from screens.widgets.footer import ConsoleFooter


class ChooseDialog(ConsoleModal[str | None]):
    KEYS = keymap.DIALOG_KEYS
    BINDINGS = keymap.bindings(keymap.DIALOG_KEYS)
    AUTO_FOCUS = "#choices"

    def __init__(self, ctx: Context, language: str, title: str, options: list[tuple[str, str]],
                 current: str | None = None) -> None:
        super().__init__(ctx, language)
        self.title_text, self.options, self.current = title, options, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-small"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*[Option(Text(("● " if ident == self.current else "  ") + text), id=ident)
                               for ident, text in self.options], id="choices")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        ids = [ident for ident, _ in self.options]
        choices.highlighted = ids.index(self.current) if self.current in ids else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
