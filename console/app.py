"""The Textual application: wiring only. Screens live in screens/, operations in models/.

`create_app` is the one factory for `chuishao` (via `run_console`), the tests and the benchmark.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import BindingType
from textual.screen import Screen

from console import themes
from console.palette import Palette, ScreenCommands
from models.errors import UsageError
from models.org.context import Context
from models.org.pinyin_index import Entry, category_items, config_indexes, department_items, township_items
from models.training.sandbox import marker
from screens import keymap
from screens.messages import FirstPaint, IndexesReady


class ChuishaoApp(App[None], inherit_bindings=False):
    """The operator console."""

    CSS_PATH = "theme.tcss"
    TITLE = "chuishao"
    COMMANDS: ClassVar[set[Any]] = {ScreenCommands}
    BINDINGS: ClassVar[list[BindingType]] = [*keymap.bindings(keymap.APP_KEYS),
                                             *keymap.bindings(keymap.SCREEN_KEYS)]

    def __init__(self, ctx: Context, *, language: str | None = None, poll_interval: float = 1.5,
                 keymap_overrides: dict[str, str] | None = None,
                 first_paint_hook: Callable[[ChuishaoApp], None] | None = None,
                 training: bool | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        # A training sandbox is marked in the database itself; the console shows the 培训模式 banner on
        # it and only on it. A caller that expects the other kind of database is refused.
        self.training = marker(ctx.db)
        if training is not None and training != (self.training is not None):
            if self.training:
                raise UsageError("training.open_in_training_mode", command="chuishao training console")
            raise UsageError("training.never_the_county")
        self.lang = language or ctx.config.language
        self.poll_interval = poll_interval
        self.first_paint_hook = first_paint_hook
        keymap.localise(self, (*keymap.APP_KEYS, *keymap.SCREEN_KEYS), self.lang)
        overrides = ctx.config.keymap if keymap_overrides is None else keymap_overrides
        self.keymap_overrides, self.keymap_unknown = keymap.split_keymap(overrides)
        # Until the pinyin index is built (pypinyin's import is slow), pickers match Chinese only.
        self.indexes: dict[str, list[Entry]] = _plain_indexes(ctx)
        for theme in themes.THEMES:
            self.register_theme(theme)
        self.theme = themes.DARK.name

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(themes.VARIABLES)

    def get_default_screen(self) -> Screen[Any]:
        from screens.queue import QueueScreen

        return QueueScreen(self.ctx, self.lang, self.poll_interval)

    def on_mount(self) -> None:
        if self.console.color_system in ("standard", "windows"):
            # 8/16-colour terminals (TERM=xterm, linux, screen): the terminal's own palette, so red is
            # red rather than the nearest match to a 24-bit theme colour
            self.theme = themes.ANSI.name
        if self.keymap_overrides:
            self.set_keymap(self.keymap_overrides)
        if self.keymap_unknown:
            self.notify(self.t("keymap_unknown", ids=", ".join(self.keymap_unknown)), severity="warning",
                        markup=False, timeout=8)

    def action_command_palette(self) -> None:
        if self.use_command_palette and not Palette.is_open(self):
            self.push_screen(Palette(self.t("palette_placeholder"), self.t("palette_no_matches")))

    def t(self, key: str, **values: Any) -> str:
        from screens.base import ui

        return ui(key, self.lang, **values)

    @work(thread=True, exclusive=True, group="indexes")
    def build_indexes(self) -> None:
        self.post_message(IndexesReady(config_indexes(self.ctx.config)))

    def on_indexes_ready(self, message: IndexesReady) -> None:
        self.indexes = message.indexes
        from screens.picker import Picker

        for screen in self.screen_stack:  # an open dialog gets pinyin search at once
            for picker in screen.query(Picker):
                kind = (picker.id or "").replace("lead", "department").replace("cooperating", "department")
                if kind in message.indexes:
                    picker.set_index(message.indexes[kind])

    def on_first_paint(self, message: FirstPaint) -> None:
        # Only now: building the pinyin index holds the GIL for about a second.
        self.build_indexes()
        if self.first_paint_hook is not None:
            self.first_paint_hook(self)

    def on_case_chosen(self, message: Any) -> None:
        """Another screen (scoreboard, hot spots …) chose a case: open its workspace."""
        self.open_case(int(message.case_id))

    def open_case(self, case_id: int) -> None:
        from screens.case_view import CaseScreen

        self.push_screen(CaseScreen(self.ctx, self.lang, case_id))

    # --- app-wide actions ------------------------------------------------------------------------
    def action_help(self) -> None:
        from screens.help import HelpScreen

        screen = self.screen
        keys = getattr(screen, "help_keys", lambda: getattr(screen, "KEYS", ()))()
        extra = tuple(k for k in keymap.SCREEN_KEYS if _entry(k.id).available)
        app_keys = tuple(k for k in keymap.APP_KEYS if k.id != "app.training" or self.training is not None)
        self.push_screen(HelpScreen(self.ctx, self.lang, (*keys, *app_keys, *extra),
                                    self.keymap_overrides, self.t("help_title")))

    def action_request_quit(self) -> None:
        from rich.text import Text

        from screens.dialogs.text import ConfirmDialog

        if any(type(s).__name__ == "ConfirmDialog" for s in self.screen_stack):
            return
        dialog = ConfirmDialog(self.ctx, self.lang, self.t("quit_title"), Text(self.t("quit_question")))
        self.push_screen(dialog, callback=lambda answer: self.exit() if answer is not None else None)

    def action_goto(self) -> None:
        """Open a case by its number (asked in a dialog that checks it exists and is in scope)."""
        from screens.dialogs.goto import GotoDialog

        def chosen(values: dict[str, Any] | None) -> None:
            if values is not None:
                self.open_case(int(values["case_id"]))
        self.push_screen(GotoDialog(self.ctx, self.lang, self.t("key_goto")), callback=chosen)

    def action_open_screen(self, entry_id: str) -> None:
        """Open a report screen (F2–F4). From another report screen it takes that one's place (one
        Esc returns to where the reports were opened from); on itself it does nothing."""
        entry = _entry(entry_id)
        module, _, name = entry.target.partition(":")
        cls = getattr(importlib.import_module(module), name)
        if isinstance(self.screen, cls):
            return
        if _report_screen(self.screen):
            self.switch_screen(cls(self.ctx))
        else:
            self.push_screen(cls(self.ctx))

    def action_training(self) -> None:
        from screens.training import TrainingScreen

        if not isinstance(self.screen, TrainingScreen):
            self.push_screen(TrainingScreen(self.ctx, self.lang))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "training":
            return self.training is not None
        if action == "open_screen" and parameters:
            return _entry(str(parameters[0])).available
        return True

    def palette_commands(self) -> list[tuple[str, str, str]]:
        out = [(self.t("key_help"), self.t("group_general"), "help"),
               (self.t("key_quit"), self.t("group_general"), "request_quit")]
        for entry in keymap.EXTRA_SCREENS:
            if entry.available:
                out.append((self.t(entry.text), self.t("group_screens"), f"open_screen('{entry.id}')"))
        return out


def _report_screen(screen: Screen[Any]) -> bool:
    """Is this screen one of the F2–F4 report screens?"""
    target = f"{type(screen).__module__}:{type(screen).__name__}"
    return any(e.target == target for e in keymap.EXTRA_SCREENS)


def _entry(entry_id: str) -> keymap.ScreenEntry:
    return next(e for e in keymap.EXTRA_SCREENS if e.id == entry_id)


def _plain_indexes(ctx: Context) -> dict[str, list[Entry]]:
    def plain(items: list[tuple[str, str, list[str]]]) -> list[Entry]:
        from models.org.pinyin_index import normalise

        return [Entry(i, text, tuple(normalise(x) for x in (i, text, *extra)), (), ()) for i, text, extra in items]
    config = ctx.config
    return {"department": plain(department_items(config)), "township": plain(township_items(config)),
            "category": plain(category_items(config))}


def create_app(source: Any, **options: Any) -> ChuishaoApp:
    """The console for a commands.common.State (what `chuishao` has) or a ready Context (tests)."""
    ctx = source if isinstance(source, Context) else source.ctx
    return ChuishaoApp(ctx, **options)


def locale_problem(encoding: str | None = None, environ: dict[str, str] | None = None) -> str | None:
    """Why this terminal cannot show Chinese, or None. Checked before the screen is taken over."""
    env = os.environ if environ is None else environ
    encoding = (encoding if encoding is not None else getattr(sys.stdout, "encoding", None)) or ""
    name = env.get("LC_ALL") or env.get("LC_CTYPE") or env.get("LANG") or ""
    utf8 = ("utf-8", "utf8")
    if encoding.lower().replace("_", "-") not in utf8 or (name and not any(u in name.lower() for u in utf8)) \
            or name in ("", "C", "POSIX"):
        shown = name or "(none)"
        return (f"this terminal's locale is {shown} (output encoding {encoding or 'unknown'}), not UTF-8: "
                f"Chinese text would show as garbage.\nFix: export LANG=C.UTF-8 (or zh_CN.UTF-8) and "
                f"LC_ALL=, or set your SSH client/terminal to UTF-8, then run chuishao again.")
    return None


def run_console(state: Any, training: bool | None = None) -> None:
    """Open the console (bare `chuishao`; `training=True` from `chuishao training`); refuses with
    exit 2 when it cannot work properly."""
    problem = locale_problem()
    if problem is not None:
        raise UsageError(problem)
    app = create_app(state, training=training)  # state.ctx raises UsageError for an uninitialised database
    app.run()
