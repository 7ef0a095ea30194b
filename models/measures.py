"""The scoreboards' measures as SQL predicates, defined once and used twice.

Each Measure names the rows of its denominator and, among them, those of its numerator, as peewee
expressions over one joined row (an assignment with its case, or a case). The scoreboard sums them
with one GROUP BY (`SUM(CASE WHEN den AND num THEN value ELSE 0 END)`); `explain` selects the very
same rows with the very same predicates. The number and the list behind it cannot disagree.

The definitions in words are in models/scoreboard.py and the README section "Scoreboards".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import peewee as pw

from models.config import Config
from models.period import Period
from models.schema import Assignment, Case, Evaluation
from models.states import (
    A_ACKNOWLEDGED,
    A_RETURNED,
    ACKNOWLEDGED,
    CLOSED,
    DISPATCHED,
    MERGED,
    ON_SITE,
    PENDING,
    RESOLVED,
    SPLIT,
    WITHDRAWN,
)

ONE = pw.Value(1)
TRUE = pw.SQL("1 = 1")
SATISFIED = ("satisfied", "basically_satisfied")
# Case states in which a department holds the case and its clocks count against it. A case waiting
# for the dispatch office's review of a return (state `returned`) is the office's, not the department's.
HELD = (DISPATCHED, ACKNOWLEDGED, ON_SITE)


@dataclass(frozen=True)
class Rate:
    """A figure with its parts: `num` of `den` (num may be a sum, e.g. returns or seconds)."""

    num: int
    den: int

    @property
    def rate(self) -> float | None:
        return round(self.num / self.den, 4) if self.den else None

    def as_dict(self) -> dict[str, Any]:
        return {"num": self.num, "den": self.den, "rate": self.rate}


@dataclass(frozen=True)
class Measure:
    key: str
    kind: str  # rate | count | duration
    den: pw.Node  # rows counted in the denominator
    num: pw.Node  # rows (among den) counted in the numerator
    value: pw.Node | None = None  # what a numerator row adds (None: 1)
    actions: tuple[str, ...] = ()  # the events that explain a row


def when(condition: pw.Node, value: pw.Node = ONE) -> pw.Node:
    return pw.Case(None, ((condition, value),), 0)


def in_period(column: pw.Field, period: Period) -> pw.Node:
    return (column >= period.start) & (column < period.end)


# --- departments: one row per assignment (with its case) -----------------------------------------

def assignment_base(period: Period) -> pw.Node:
    """Assignments dispatched in the period. Withdrawn ones (the office took them back before the
    department acted) and merged cases (their problem lives on in the target) count nowhere."""
    return (in_period(Assignment.dispatched_at, period) & (Assignment.state != WITHDRAWN)
            & Case.state.not_in([MERGED, SPLIT]))


def limbo_seconds(now: int) -> pw.Node:
    """How long an assignment waited for sign-for: until acknowledged or returned, or until the case
    ended, or until now while it still waits."""
    end = pw.fn.COALESCE(Assignment.acknowledged_at, Assignment.returned_at, Case.closed_at,
                         Case.resolved_at, now)
    waited = end - Assignment.dispatched_at
    return pw.Case(None, ((waited > 0, waited),), 0)


def department_measures(now: int) -> list[Measure]:
    a, c = Assignment, Case
    lead = (a.role == "lead") & (a.active == True)
    acked_on_time = a.acknowledged_at.is_null(False) & (a.ack_due.is_null() | (a.acknowledged_at <= a.ack_due))
    sign_for_settled = (a.acknowledged_at.is_null(False) | a.returned_at.is_null(False)
                        | (a.ack_due.is_null(False) & (a.ack_due <= now)))
    arrival_settled = (a.arrive_due.is_null(False) & (a.state != A_RETURNED)
                       & (a.arrived_at.is_null(False) | (a.arrive_due <= now)))
    running = (a.active == True) & c.state.in_(HELD) & c.paused_since.is_null()
    late_clock = (((a.state == PENDING) & (a.ack_due < now))
                  | (a.state.in_([PENDING, A_ACKNOWLEDGED]) & (a.arrive_due < now))
                  | ((a.role == "lead") & (c.resolve_due < now)))
    return [
        Measure("assignments", "count", TRUE, TRUE, actions=("dispatch", "review_return")),
        Measure("lead", "count", TRUE, a.role == "lead", actions=("dispatch", "review_return")),
        Measure("cooperating", "count", TRUE, a.role == "cooperating", actions=("dispatch", "review_return")),
        Measure("response", "rate", sign_for_settled, acked_on_time,
                actions=("dispatch", "acknowledge", "return", "review_return")),
        Measure("arrival", "rate", arrival_settled, a.arrived_at.is_null(False) & (a.arrived_at <= a.arrive_due),
                actions=("acknowledge", "arrive")),
        Measure("resolution", "rate", lead, c.resolved_at.is_null(False), actions=("resolve", "reopen")),
        Measure("on_time", "rate", lead & c.resolved_at.is_null(False),
                c.resolve_due.is_null() | (c.resolved_at <= c.resolve_due), actions=("resolve", "extend")),
        Measure("returns", "rate", TRUE, a.return_count > 0, a.return_count, actions=("return", "review_return")),
        Measure("reopen", "rate", lead & (c.resolved_at.is_null(False) | (c.reopen_count > 0)),
                c.reopen_count > 0, actions=("reopen", "evaluate")),
        Measure("overdue", "count", TRUE, running & late_clock, actions=("dispatch", "acknowledge", "arrive")),
        Measure("limbo", "duration", TRUE, limbo_seconds(now) > 0, limbo_seconds(now),
                actions=("dispatch", "acknowledge", "return", "review_return")),
    ]


def evaluation_base(period: Period) -> pw.Node:
    """Rated evaluations of the latest round (the case's reopen count) of the department's lead cases."""
    return (assignment_base(period) & (Assignment.role == "lead") & (Assignment.active == True)
            & (Evaluation.round == Case.reopen_count) & (Evaluation.outcome == "rated"))


def satisfied() -> pw.Node:
    return Evaluation.rating.in_(SATISFIED)


# --- townships: one row per case ------------------------------------------------------------------

def township_base(period: Period) -> pw.Node:
    """Cases of a township received in the period (merged ones live on in their target)."""
    return Case.township.is_null(False) & in_period(Case.received_at, period) & Case.state.not_in([MERGED, SPLIT])


def own_duty_codes(config: Config) -> list[str]:
    """Duty-list items the township must handle itself (scope "township")."""
    return sorted(code for code, item in config.duty_items.items() if item.scope == "township")


def township_measures(config: Config) -> list[Measure]:
    c = Case
    decided = c.decision.in_(["local", "whistle"])
    whistled = c.decision == "whistle"
    own = own_duty_codes(config) or ["\x00none"]  # IN () is not valid SQL everywhere
    return [
        Measure("raised", "count", TRUE, TRUE, actions=("intake", "triage")),
        Measure("local", "count", TRUE, c.decision == "local", actions=("triage",)),
        Measure("whistled", "count", TRUE, whistled, actions=("triage",)),
        Measure("rejected", "count", TRUE, c.decision == "reject", actions=("triage",)),
        Measure("resolved_locally", "rate", c.decision == "local", c.state.in_([RESOLVED, CLOSED]),
                actions=("triage", "resolve", "close")),
        Measure("whistle_rate", "rate", decided, whistled, actions=("triage",)),
        Measure("own_duty_whistles", "rate", whistled, c.duty_item.in_(own), actions=("triage",)),
    ]


def township_evaluation_base(period: Period) -> pw.Node:
    return township_base(period) & (Evaluation.round == Case.reopen_count) & (Evaluation.outcome == "rated")


def sums(measures: list[Measure]) -> list[pw.Node]:
    """The aggregate columns of a measure list: `<key>_den` and `<key>_num` for each."""
    columns: list[pw.Node] = []
    for m in measures:
        columns.append(pw.fn.SUM(when(m.den)).alias(f"{m.key}_den"))
        columns.append(pw.fn.SUM(when(m.den & m.num, ONE if m.value is None else m.value)).alias(f"{m.key}_num"))
    return columns


def read_sums(row: dict[str, Any], measures: list[Measure]) -> dict[str, Rate]:
    return {m.key: Rate(int(row.get(f"{m.key}_num") or 0), int(row.get(f"{m.key}_den") or 0)) for m in measures}
