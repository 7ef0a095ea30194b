"""ctrl+p: the command palette lists what applies to the current screen (and case) right now.

Each screen offers `palette_commands()` — its own key table filtered by what it allows now — so
the palette, the footer and the help screen are all the same data.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.widgets.option_list import Option


class Palette(CommandPalette):
    """Textual's palette with its two sentences in the office's language."""

    def __init__(self, placeholder: str, no_matches: str) -> None:
        super().__init__(placeholder=placeholder, id="--command-palette")
        self.no_matches = no_matches

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual's own countdown, with its hard-coded "No matches found" said in our words.
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(self.no_matches, style="not bold")), disabled=True,
                           id=self._NO_MATCHES))
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)


class ScreenCommands(Provider):
    """Commands of the screen the palette was opened from, plus the app's own."""

    def commands(self) -> list[tuple[str, str, Any]]:
        screen = self.screen
        out: list[tuple[str, str, Any]] = []
        offer = getattr(screen, "palette_commands", None)
        if offer is not None:
            for title, help_text, action in offer():
                out.append((title, help_text, partial(screen.run_action, action)))
        app_offer = getattr(self.app, "palette_commands", None)
        if app_offer is not None:
            for title, help_text, action in app_offer():
                out.append((title, help_text, partial(self.app.run_action, action)))
        return out

    async def discover(self) -> Hits:
        for title, help_text, run in self.commands():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, run in self.commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)
