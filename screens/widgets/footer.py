"""The console's footer: Textual's, compact, and never cut.

At 80 columns the stock footer overflowed: the last key was cut mid-word ("f2 考核排▏") and the
command palette's key, docked over it, lost a character ("^p   令"). This footer shows whole keys
only: when they do not fit, it leaves out keys from the end (help `?` and the palette's `^p` stay,
and every key is still on the help screen and in the palette) and lays itself out again on resize.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

KEEP_ACTIONS = frozenset({"app.help", "help", "app.command_palette", "command_palette"})


def key_cells(key: FooterKey) -> int:
    """Cells a compact key takes: its key, a space, its description, the gap after it."""
    return cell_len(key.key_display) + (1 + cell_len(key.description) if key.description else 0) + 1


def fitting(widgets: list[Widget], width: int) -> list[Widget]:
    """The widgets to show in `width` cells: every key that fits, in order, the help and palette
    keys first served; keys that do not fit are left out whole (never cut)."""
    keys = [w for w in widgets if isinstance(w, FooterKey)]
    palette = [k for k in keys if k.has_class("-command-palette")]
    room = width - sum(key_cells(k) + 2 for k in palette)  # its border and padding
    room -= sum(key_cells(k) for k in keys if k.action in KEEP_ACTIONS and k not in palette)
    shown = []
    for widget in widgets:
        if not isinstance(widget, FooterKey) or widget in palette or widget.action in KEEP_ACTIONS:
            shown.append(widget)
            continue
        cells = key_cells(widget)
        if cells <= room:
            room -= cells
            shown.append(widget)
        else:
            room = -1  # keep the order: no later, shorter key jumps ahead of one left out
    return shown


class ConsoleFooter(Footer):
    """A compact footer that shows whole keys only."""

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._laid_out_for = 0

    def compose(self) -> ComposeResult:
        width = self.size.width or self.app.size.width
        self._laid_out_for = width
        yield from fitting(list(super().compose()), width)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._laid_out_for and self._bindings_ready:
            self.call_after_refresh(self.recompose)
