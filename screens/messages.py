"""Typed messages that database workers post back to the UI thread.

Workers run models/ functions in threads and never touch widgets; each result comes back as one of
these, handled on the UI thread (Textual's rule: attributes down, messages up, no UI from a worker).
`seq` lets a screen drop answers to requests it has since replaced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message


@dataclass
class PageLoaded(Message):
    """A window of queue rows: `mode` is replace | after | before; `cursor_id` the case to put the
    cursor on (replace only), `offset` the screen line it should keep."""

    seq: int
    mode: str
    rows: list[Any]
    at_start: bool
    at_end: bool
    cursor_id: int | None = None
    offset: int = 0
    base: int | None = None  # absolute position of rows[0] when known (from the start or the end)
    token: tuple[int, int] | None = None  # the change token read with these rows
    texts: dict[Any, list[str]] | None = None  # the rows' cells fitted for `width` (off the UI thread)
    width: int = 0


@dataclass
class CountsLoaded(Message):
    """How many cases each view holds, and how many the current filters leave."""

    counts: dict[str, int]
    total: int | None


@dataclass
class ChangesSeen(Message):
    """Someone (this console or another process) changed the database since the last poll."""

    token: tuple[int, int]


@dataclass
class CaseLoaded(Message):
    """One case with everything the workspace shows."""

    case_id: int
    bundle: Any


@dataclass
class StepFinished(Message):
    """A step on a case ended: done, refused by the domain, or refused because the case changed."""

    case_id: int
    step: str
    ok: bool
    message: str
    conflict: bool = False
    confirm: bool = False  # refused until the operator confirms (models.intake.merge.NeedsConfirmation)


@dataclass
class LoadFailed(Message):
    """A read was refused (no permission, unknown filter value, database busy …)."""

    message: str
    severity: str = "error"


@dataclass
class IndexesReady(Message):
    """The pinyin search indexes for the pickers are built."""

    indexes: dict[str, list[Any]] = field(default_factory=dict)


class FirstPaint(Message):
    """The queue's first page is on screen (posted to the app; the benchmark waits for it)."""
