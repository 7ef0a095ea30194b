"""Every key of the console as data: one table feeds the screens' BINDINGS, the footer, the help
screen (`?`), the command palette and the `[keymap]` section of chuishao.toml.

Each key has a stable id ("queue.search", "case.triage" …); `[keymap]` maps ids to other keys and
is applied with `App.set_keymap`. Labels are ids into models.text.labels ("ui" kind), so the same table
serves Chinese and English. Keys terminals or SSH sessions swallow (ctrl+s, ctrl+q, ctrl+z) are
never used.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

from models.text.labels import label


@dataclass(frozen=True)
class Key:
    """One binding: id for [keymap], default keys, the action it runs, its label and help group."""

    id: str
    keys: str
    action: str
    text: str  # label id ("ui" kind)
    show: bool = True  # in the footer (the help screen lists every key)
    group: str = "group_general"
    display: str | None = None


APP_KEYS = (
    Key("app.help", "question_mark", "app.help", "key_help", group="group_general", display="?"),
    Key("app.palette", "ctrl+p", "app.command_palette", "key_palette", show=False, group="group_general"),
    Key("app.quit", "ctrl+c", "app.request_quit", "key_quit", show=False, group="group_general"),
    # Only on a training sandbox (the app's check_action hides it elsewhere).
    Key("app.training", "f6", "app.training", "key_training", group="group_general", display="F6"),
)

QUEUE_KEYS = (
    Key("queue.open", "enter", "open_case", "key_open", group="group_queue"),
    Key("queue.search", "slash", "search", "key_search", group="group_queue", display="/"),
    Key("queue.filter", "f", "filter", "key_filter", group="group_queue"),
    Key("queue.sort", "s", "sort", "key_sort", group="group_queue"),
    Key("queue.reverse", "r", "reverse", "key_reverse", show=False, group="group_queue"),
    Key("queue.clear", "escape", "clear", "key_clear", show=False, group="group_queue", display="Esc"),
    Key("queue.view_prev", "left,h", "view_step(-1)", "key_view_prev", show=False, group="group_views"),
    Key("queue.view_next", "right,l,tab", "view_step(1)", "key_view_next", group="group_views",
        display="←→"),
    *(Key(f"queue.view_{n}", str(n), f"view({n - 1})", f"key_view_{n}", show=False, group="group_views")
      for n in range(1, 7)),
    Key("queue.reload", "f5", "reload", "key_reload", show=False, group="group_queue"),
    Key("queue.goto", "number_sign,colon", "app.goto", "key_goto", show=False, group="group_queue", display="#"),
    Key("queue.quit", "q", "app.request_quit", "key_quit", group="group_queue"),
)

TABLE_KEYS = (
    Key("table.down", "down,j", "move(1)", "key_down", show=False, group="group_move", display="↓ j"),
    Key("table.up", "up,k", "move(-1)", "key_up", show=False, group="group_move", display="↑ k"),
    Key("table.page_down", "pagedown,space", "page(1)", "key_page_down", show=False, group="group_move"),
    Key("table.page_up", "pageup,b", "page(-1)", "key_page_up", show=False, group="group_move"),
    Key("table.first", "home,g", "first", "key_first", show=False, group="group_move"),
    Key("table.last", "end,G", "last", "key_last", show=False, group="group_move"),
)

# The case workspace: one key per step; the step id is the action's argument.
STEP_KEYS = (
    Key("case.triage", "t", "step('triage')", "action:triage", group="group_steps"),
    Key("case.dispatch", "d", "step('dispatch')", "action:dispatch", group="group_steps"),
    Key("case.acknowledge", "a", "step('acknowledge')", "action:acknowledge", group="group_steps"),
    Key("case.return", "b", "step('return')", "action:return", group="group_steps"),
    Key("case.review_return", "v", "step('review_return')", "action:review_return", group="group_steps"),
    Key("case.arrive", "o", "step('arrive')", "action:arrive", group="group_steps"),
    Key("case.note", "n", "step('note')", "action:note", group="group_steps"),
    Key("case.resolve", "x", "step('resolve')", "action:resolve", group="group_steps"),
    Key("case.evaluate", "e", "step('evaluate')", "action:evaluate", group="group_steps"),
    Key("case.reopen", "R", "step('reopen')", "action:reopen", group="group_steps"),
    Key("case.close", "c", "step('close')", "action:close", group="group_steps"),
    Key("case.merge", "m", "step('merge')", "action:merge", group="group_steps"),
    Key("case.split", "S", "step('split')", "action:split", group="group_steps"),
    Key("case.unmerge", "U", "step('unmerge')", "action:unmerge", group="group_steps"),
    Key("case.pause", "p", "step('pause')", "action:pause", group="group_steps"),
    Key("case.resume", "P", "step('resume')", "action:resume", group="group_steps"),
    Key("case.extend", "E", "step('extend')", "action:extend", group="group_steps"),
    Key("case.decide_extension", "A", "step('decide_extension')", "key_decide_extension", group="group_steps"),
    Key("case.supervise", "D", "step('supervise')", "key_supervise", group="group_steps"),
)
CASE_KEYS = (
    *STEP_KEYS,
    Key("case.back", "escape,q", "back", "key_back", group="group_case", display="Esc q"),
    Key("case.down", "j", "scroll(1)", "key_down", show=False, group="group_move"),
    Key("case.up", "k", "scroll(-1)", "key_up", show=False, group="group_move"),
    Key("case.reload", "f5", "reload", "key_reload", show=False, group="group_case"),
    Key("case.goto", "number_sign,colon", "app.goto", "key_goto", show=False, group="group_case", display="#"),
)

TRAINING_KEYS = (
    Key("training.check", "c", "check", "key_check", group="group_general"),
    Key("training.advance_4h", "4", "advance('4h')", "key_advance_4h", group="group_general"),
    Key("training.advance_1d", "d", "advance('1d')", "key_advance_1d", group="group_general"),
    Key("training.back", "escape,q", "back", "key_back", group="group_general", display="Esc"),
)

DIALOG_KEYS = (
    # One key accepts what the dialog shows (the suggestion it opened with, or what was typed)
    # from any field, a picker included; ctrl+o is not taken by terminals or SSH clients.
    Key("dialog.accept", "ctrl+o", "accept", "key_accept", group="group_dialog", display="^o"),
    Key("dialog.cancel", "escape", "cancel", "key_cancel", group="group_dialog", display="Esc"),
)


@dataclass(frozen=True)
class ScreenEntry:
    """A screen other features add: opened by key and from the palette when its module exists.

    The class is imported only when opened and is called with the app's Context: `Cls(ctx)`.
    """

    id: str
    keys: str
    target: str  # "module:Class"
    text: str  # label id

    @property
    def available(self) -> bool:
        return importlib.util.find_spec(self.target.split(":")[0]) is not None


EXTRA_SCREENS = (
    ScreenEntry("screen.scoreboard", "f2", "screens.scoreboard:ScoreboardScreen", "screen_scoreboard"),
    ScreenEntry("screen.hotspots", "f3", "screens.hotspots:HotspotsScreen", "screen_hotspots"),
    ScreenEntry("screen.supervision", "f4", "screens.supervision:SupervisionScreen", "board:title"),
)
SCREEN_KEYS = tuple(Key(e.id, e.keys, f"app.open_screen('{e.id}')", e.text, group="group_screens")
                    for e in EXTRA_SCREENS)

ALL_KEYS = (*APP_KEYS, *SCREEN_KEYS, *QUEUE_KEYS, *TABLE_KEYS, *CASE_KEYS, *TRAINING_KEYS, *DIALOG_KEYS)
KNOWN_IDS = frozenset(k.id for k in ALL_KEYS)


def text(ident: str, language: str) -> str:
    """A label: "kind:id" names any models.text.labels kind (e.g. "action:triage"), else the "ui" kind."""
    kind, _, key = ident.rpartition(":")
    return label(kind or "ui", key, language)


def bindings(keys: tuple[Key, ...], language: str = "zh") -> list[Binding]:
    """Textual bindings for a table of keys, described in the given language."""
    return [Binding(k.keys, k.action, text(k.text, language), show=k.show, id=k.id,
                    key_display=k.display, tooltip=text(k.group, language)) for k in keys]


def localise(node: DOMNode, keys: tuple[Key, ...], language: str) -> None:
    """Give a node its bindings in the configured language (class BINDINGS are Chinese)."""
    if language != "zh":
        node._bindings = BindingsMap(bindings(keys, language))


def split_keymap(overrides: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The [keymap] entries that name known bindings, and the unknown ids (reported, not fatal)."""
    known = {k: v for k, v in overrides.items() if k in KNOWN_IDS}
    return known, sorted(set(overrides) - KNOWN_IDS)


def effective_keys(key: Key, overrides: dict[str, str]) -> str:
    return overrides.get(key.id, key.keys)
