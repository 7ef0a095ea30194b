"""What every console screen shares: the acting Context, UI text in the configured language, the
key table it was built from (for the help screen and the palette), and running models/ calls in
a worker thread with its own database connection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from rich.text import Text
from textual.screen import ModalScreen, Screen

from models.errors import ChuishaoError
from models.org.config import Config
from models.org.context import Context
from models.store.session import thread_session
from models.text.messages import Names
from models.text.textnorm import printable
from screens import keymap

T = TypeVar("T")


def ui(key: str, language: str, **values: Any) -> str:
    """A UI text from models.text.labels ("ui" kind, or "kind:id"), with {placeholders} filled in."""
    text = keymap.text(key, language)
    return text.format(**values) if values else text


def config_names(config: Config) -> Names:
    """Departments and townships by their configured names, for rendering refusals."""
    def names(kind: str, ident: str) -> str | None:
        found = (config.departments if kind == "department" else
                 config.townships if kind == "township" else {}).get(ident)
        return found.name if found is not None else None
    return names


def shown_error(ctx: Context, exc: ChuishaoError) -> str:
    """What the console shows for a refusal: in the office's language, names instead of ids (the
    English face keeps the ids, as the CLI says them)."""
    language = ctx.config.language
    return exc.render(language, config_names(ctx.config) if language == "zh" else None)


def localise_descriptions(node: Any, language: str) -> None:
    """Give a screen's own Binding descriptions (label ids of the "ui" kind) in the office's language,
    for screens that declare Textual BINDINGS directly instead of a key table."""
    from dataclasses import replace

    from textual.binding import BindingsMap

    node._bindings = BindingsMap([replace(binding, description=ui(binding.description, language))
                                  for bindings in node._bindings.key_to_bindings.values()
                                  for binding in bindings])


def literal(text: str | None, single_line: bool = False) -> Text:
    """Citizen or file text as a Text that shows every character as typed: no markup is parsed and
    control characters (terminal escapes) are made visible instead of reaching the terminal."""
    return Text(printable(text, single_line=single_line))


def in_thread(ctx: Context, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a models/ function from a worker thread on that thread's own connection."""
    with thread_session(ctx.db):
        return func(ctx, *args, **kwargs)


class KeyedScreen:
    """Mixin: a screen whose bindings come from a key table, in the app's language."""

    KEYS: tuple[keymap.Key, ...] = ()
    ctx: Context
    lang: str

    def setup_keys(self, ctx: Context, language: str) -> None:
        self.ctx, self.lang = ctx, language
        keymap.localise(self, self.KEYS, language)  # type: ignore[arg-type]

    def t(self, key: str, **values: Any) -> str:
        return ui(key, self.lang, **values)

    def palette_commands(self) -> list[tuple[str, str, str]]:
        """(title, help, action) of this screen's keys that apply now (check_action allows them)."""
        out = []
        for key in self.KEYS:
            name = key.action.split("(")[0]
            if self.check_action(name, _params(key.action)) is True:  # type: ignore[attr-defined]
                out.append((ui(key.text, self.lang), ui(key.group, self.lang), key.action))
        return out


def _params(action: str) -> tuple[object, ...]:
    if "(" not in action:
        return ()
    import ast

    inner = action[action.index("(") + 1:-1]
    value = ast.literal_eval(f"({inner},)") if inner else ()
    return tuple(value)


class ConsoleScreen(KeyedScreen, Screen[None]):
    """A full screen of the console; on a training sandbox every one carries the 培训模式 banner."""

    def __init__(self, ctx: Context, language: str) -> None:
        super().__init__()
        self.setup_keys(ctx, language)

    def _on_mount(self, event: Any) -> None:
        # Textual calls each class's own handler along the MRO (Screen's too): no super() here.
        if getattr(self.app, "training", None) is not None:
            from screens.training import TrainingBanner

            self.mount(TrainingBanner(self.ctx, self.lang), before=0)


class ConsoleModal(KeyedScreen, ModalScreen[T]):
    """A dialog over a screen; dismisses with its result (None = cancelled)."""

    def __init__(self, ctx: Context, language: str) -> None:
        super().__init__()
        self.setup_keys(ctx, language)
