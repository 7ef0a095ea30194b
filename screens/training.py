"""Training mode in the console: the 培训模式 banner every screen carries on a sandbox, and F6's
training screen — the task, the score and feedback (`c`), and moving simulated time on (`4`, `d`).
Scoring is models.training.scoring, the same as `chuishao training check`."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from models.org.context import Context
from models.training import exercises, scoring
from models.training.sandbox import SandboxClock, advance, marker
from models.worktime.timeutil import local_short, to_epoch
from screens import keymap
from screens.base import ConsoleScreen, literal, ui
from screens.widgets.footer import ConsoleFooter


def _now_text(ctx: Context) -> str:
    return local_short(to_epoch(ctx.clock()), ctx.config.tz)


class TrainingBanner(Static):
    """One line in its own colour: this is the sandbox, not the county; with the simulated time."""

    def __init__(self, ctx: Context, language: str) -> None:
        super().__init__()
        self.ctx, self.lang = ctx, language

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(5, self.tick)

    def tick(self) -> None:
        made = getattr(self.app, "training", None) or {}
        title = made.get("title") or made.get("exercise", "")
        self.update(Text(" " + ui("training_banner", self.lang, title=title, now=_now_text(self.ctx))))


class TrainingScreen(ConsoleScreen):
    """F6: the exercise's task; `c` scores the sandbox and shows the feedback."""

    KEYS = keymap.TRAINING_KEYS
    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings(keymap.TRAINING_KEYS)

    def __init__(self, ctx: Context, language: str) -> None:
        super().__init__(ctx, language)
        made = marker(ctx.db) or {}
        self.exercise = exercises.get_exercise(ctx.config, made["exercise"])
        self.feedback: list[str] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="training-body"):
            yield Static(id="training-text")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        lines = [f"{ui('training_title', self.lang)}：{self.exercise.title}", ui("training_hint", self.lang)]
        if self.feedback:  # the score first: it must be on screen at 80×24 without scrolling
            lines += ["", f"—— {ui('training_feedback', self.lang)} ——", *self.feedback]
        lines += ["", self.exercise.task, "", ui("training_cases", self.lang)]
        lines += [f"  #{number} {title}（{state}）" for number, title, state in scoring.situation(self.ctx.db)]
        self.query_one("#training-text", Static).update(literal("\n".join(lines)))  # titles quote citizens

    def on_screen_resume(self) -> None:
        self.show()

    def action_check(self) -> None:
        clock = self.ctx.clock
        real = clock.real if isinstance(clock, SandboxClock) else clock
        result = scoring.check(self.ctx.config, self.ctx.db, self.exercise, wall_now=to_epoch(real()),
                               sim_now=to_epoch(clock()))
        scoring.record_attempt(result, to_epoch(real()))
        self.feedback = scoring.feedback_lines(result)
        self.show()

    def action_advance(self, by: str) -> None:
        clock = self.ctx.clock
        if isinstance(clock, SandboxClock):
            advance(self.ctx.db, clock, by)
            self.notify(ui("training_advanced", self.lang, now=_now_text(self.ctx)), markup=False)
            for banner in self.query(TrainingBanner):
                banner.tick()

    def action_back(self) -> None:
        self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> Any:
        return True
