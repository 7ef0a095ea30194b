"""`?`: every key of the screen it was opened from, grouped, built from the same key table as the
bindings (with the [keymap] overrides applied), so help and keys can never disagree."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from models.org.context import Context
from screens import keymap
from screens.base import ConsoleModal, ui

HELP_KEYS = (keymap.Key("help.close", "escape,q,question_mark", "close", "key_close", group="group_dialog"),)


def key_text(app_display: object, key: keymap.Key, overrides: dict[str, str]) -> str:
    """How the key(s) of a binding are written, e.g. "↓ j" or "enter"."""
    keys = keymap.effective_keys(key, overrides)
    shown = [app_display(Binding(k.strip(), "")) for k in keys.split(",")]  # type: ignore[operator]
    return " ".join(shown)


class HelpScreen(ConsoleModal[None]):
    KEYS = HELP_KEYS
    BINDINGS = keymap.bindings(HELP_KEYS)
    AUTO_FOCUS = "#help-body"

    def __init__(self, ctx: Context, language: str, keys: tuple[keymap.Key, ...], overrides: dict[str, str],
                 title: str) -> None:
        super().__init__(ctx, language)
        self.keys, self.overrides, self.title_text = keys, overrides, title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(self.render_keys())
            yield Label(self.t("help_footer"), classes="dialog-subtitle")

    def render_keys(self) -> Group:
        groups: dict[str, list[keymap.Key]] = {}
        for key in self.keys:
            groups.setdefault(key.group, []).append(key)
        parts = []
        for group, keys in groups.items():
            table = Table.grid(padding=(0, 2))
            table.add_column(style="bold", no_wrap=True, min_width=10)
            table.add_column()
            for key in keys:
                table.add_row(Text(key_text(self.app.get_key_display, key, self.overrides)),
                              Text(keymap.text(key.text, self.lang)))
            parts.extend([Text(ui(group, self.lang), style="bold underline"), table, Text("")])
        return Group(*parts)

    def action_close(self) -> None:
        self.dismiss(None)
