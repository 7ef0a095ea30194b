"""What the report screens share: one period at a time (`[` / `]` step a month, `r` reloads, Esc goes
back), data loaded by a worker whose answers carry a sequence number (an answer for a month the
operator has already left is dropped), refusals shown as notifications."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen

from models.org.context import Context
from models.text.textnorm import printable
from models.worktime.period import Period, month_of, shift_month
from screens.base import localise_descriptions


class PeriodScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left_square_bracket", "month(-1)", "key_prev_month", id="report.prev_month", key_display="["),
        Binding("right_square_bracket", "month(1)", "key_next_month", id="report.next_month", key_display="]"),
        Binding("r", "reload", "key_reload", id="report.reload"),
        Binding("escape", "app.pop_screen", "key_back", id="report.back"),
    ]

    @dataclass
    class Failed(Message):
        message: str

    def __init__(self, ctx: Context, period: Period | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        localise_descriptions(self, ctx.config.language)
        self.period = period or month_of(ctx.now(), ctx.config.tz)
        self.seq = 0

    def action_month(self, step: int) -> None:
        self.period = shift_month(self.period, step, self.ctx.config.tz)
        self.action_reload()

    def action_reload(self) -> None:
        self.seq += 1
        self.start_loading(self.seq, self.period)

    def start_loading(self, seq: int, period: Period) -> None:
        """Start the worker that loads `period` and posts its answer tagged with `seq`."""
        raise NotImplementedError

    def on_period_screen_failed(self, message: Failed) -> None:
        self.notify(printable(message.message), severity="error", markup=False)
