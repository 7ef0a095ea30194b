"""The scoreboards' measures as SQL predicates, defined once and used twice.

Each Measure names the rows of its denominator and, among them, those of its numerator, as peewee
expressions over one joined row (an assignment with its case, or a case). The scoreboard sums them
with one GROUP BY (`SUM(CASE WHEN den AND num THEN value ELSE 0 END)`); `explain` selects the very
same rows with the very same predicates. The number and the list behind it cannot disagree.

The definitions in words are in models/reports/scoreboard.py and the README section "Scoreboards".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import peewee as pw

from models.org.config import Config
from models.store.schema import Assignment, Case, Evaluation, Event
from models.store.states import (
    A_RETURNED,
    ACKNOWLEDGED,
    CLOSED,
    DISPATCHED,
    MERGED,
    ON_SITE,
    OPEN_STATES,
    RESOLVED,
    SPLIT,
    WITHDRAWN,
)
from models.worktime.period import Period

ONE = pw.Value(1)
TRUE = pw.SQL("1 = 1")
SATISFIED = ("satisfied", "basically_satisfied")
# Case states in which a department holds the case and its clocks count against it. A case waiting
# for the dispatch office's review of a return (state `returned`) is the office's, not the department's.
HELD = (DISPATCHED, ACKNOWLEDGED, ON_SITE)
OVERDUE_PARTS = ("overdue_sign_for", "overdue_arrival", "overdue_resolve")  # clocks past due, by kind


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


# --- departments ------------------------------------------------------------------------------------
# Two row sources, each read without a join (a million-row join costs a random B-tree seek per row):
#   assignment rows: its assignments dispatched in the period (sign-for, arrival, returns, limbo);
#   lead-case rows:  cases first dispatched in the period whose current lead (Case.lead) it is
#                    (resolution, on-time, reopen, satisfaction, the resolve clock).
# The few facts an assignment needs from its case (is the case merged, paused, over?) are asked only
# for the assignments still waiting, through correlated subqueries that run for those rows alone.

def _case_of_assignment() -> pw.ModelAlias:
    return Case.alias("owner")


def assignment_base(period: Period) -> pw.Node:
    """Assignments dispatched in the period. Withdrawn ones (the office took them back before the
    department acted) and those of merged or split cases (their problem lives on elsewhere) count nowhere."""
    gone = Case.select(Case.id).where(Case.state.in_([MERGED, SPLIT]))
    return (in_period(Assignment.dispatched_at, period) & (Assignment.state != WITHDRAWN)
            & Assignment.case.not_in(gone))


def by(column: pw.Field, now: int) -> pw.Node:
    """The moment is set and not after `now` (the period's end for a past period): a fact recorded
    later belongs to a later period and changes nothing here. Never NULL, so it may be negated."""
    return pw.fn.COALESCE(column, now + 1) <= now


def _clocks_running(now: int) -> pw.Node:
    """The assignment's case was with the departments at `now` and its clocks ran: held (not
    returned or resolved) and not paused — a paused case has no next_due
    (models/clocks.refresh_next_due) — or resolved only after `now` (a past period's end).

    IN lists, not a subquery per row: SQLite builds each set of cases once, and each late
    assignment is a lookup in memory. Two lists, not one with an OR inside: an OR of columns no
    index holds together made SQLite read the whole case table for the list, a million rows, in
    every board, even a month's. Apart, the held cases come from the (state, next_due, id) index
    and the second list (built only for an assignment not in the first) from a covering index
    that holds resolved_at."""
    held = Case.select(Case.id).where(Case.state.in_(HELD) & Case.next_due.is_null(False))
    resolved_later = Case.select(Case.id).where(Case.resolved_at > now)
    return Assignment.case.in_(held) | Assignment.case.in_(resolved_later)


def _acked(now: int) -> pw.Node:
    """Signed for since its latest dispatch, by `now`: an upheld return sends an assignment back to
    pending with a new dispatched_at, and its earlier sign-for or return no longer answers it."""
    return by(Assignment.acknowledged_at, now) & (Assignment.acknowledged_at >= Assignment.dispatched_at)


def _returned(now: int) -> pw.Node:
    return by(Assignment.returned_at, now) & (Assignment.returned_at >= Assignment.dispatched_at)


def accepted_return() -> pw.Node:
    """The return stands (the office re-dispatched the case elsewhere: the assignment is inactive and
    returned) or awaits the office's review (active and returned). An upheld return sends the
    assignment back to pending, so a returned state is never an upheld one."""
    return Assignment.state == A_RETURNED


def case_ended(now: int) -> pw.Node:
    """When the assignment's case stopped every clock on it (resolved, else closed), or `now` while
    it runs. A correlated subquery: put it last in an AND so only rows that need it read the case."""
    a, owner = Assignment, _case_of_assignment()
    return pw.fn.COALESCE(owner.select(pw.fn.COALESCE(owner.resolved_at, owner.closed_at))
                          .where(owner.id == a.case), now)


def fell_due(due: pw.Field, now: int) -> pw.Node:
    """The clock was due: its deadline passed by now and before its case ended. A cooperating
    department's sign-for clock on a case resolved before that deadline never fell due."""
    return due.is_null(False) & (due <= now) & (case_ended(now) >= due)


def limbo_seconds(now: int) -> pw.Node:
    """How long an assignment waited for sign-for since its latest dispatch: until signed for or
    returned; while it still waits, until now — or, if its case was resolved without it, until then."""
    a = Assignment
    # Named states (not NOT IN): the set is then read from the state index, state by state.
    unresolved = a.case.in_(Case.select(Case.id).where(Case.state.in_(sorted(OPEN_STATES - {RESOLVED}))))
    # CASE stops at the first true branch: the case's own row is read only for an assignment still
    # waiting on a case already resolved (a cooperating department that never signed for it) —
    # once: the wait until the case ended (case_ended, never negative) is worked out inside one
    # subquery, where `ended > dispatched_at THEN ended - dispatched_at` outside it read it twice.
    owner = _case_of_assignment()
    ended = pw.fn.COALESCE(owner.resolved_at, owner.closed_at, now)
    until_ended = owner.select(pw.Case(None, ((ended > a.dispatched_at, ended - a.dispatched_at),), 0)).where(
        owner.id == a.case)
    # (COALESCE: as case_ended, `now` for an assignment whose case row is missing.)
    return pw.Case(None, ((_acked(now), a.acknowledged_at - a.dispatched_at),
                          (_returned(now), a.returned_at - a.dispatched_at),
                          (unresolved, now - a.dispatched_at)),
                   pw.fn.COALESCE(until_ended, pw.Case(None, ((now > a.dispatched_at, now - a.dispatched_at),), 0)))


def department_measures(now: int) -> list[Measure]:
    """Figures over assignment rows."""
    a = Assignment
    acked_on_time = _acked(now) & (a.ack_due.is_null() | (a.acknowledged_at <= a.ack_due))
    # A return made by the sign-for deadline is neither a response nor a miss: the return rate
    # counts it, and if the office upholds it (the assignment goes back to pending with a new
    # dispatch) the department is charged for the upheld return and its new sign-for clock runs.
    returned_in_time = _returned(now) & (a.ack_due.is_null() | (a.returned_at <= a.ack_due))
    sign_for_settled = ((_acked(now) | _returned(now) | fell_due(a.ack_due, now)) & ~returned_in_time)
    arrival_settled = (a.arrive_due.is_null(False) & (a.state != A_RETURNED)
                       & (by(a.arrived_at, now) | fell_due(a.arrive_due, now)))
    waiting = ~(_acked(now) | _returned(now))
    # AND stops at the first false term: the case is consulted only for a clock already late.
    late_sign_for = (a.active == True) & waiting & (a.ack_due < now) & _clocks_running(now)
    late_arrival = ((a.active == True) & ~by(a.arrived_at, now) & ~_returned(now) & (a.arrive_due < now)
                    & _clocks_running(now))
    return [
        Measure("assignments", "count", TRUE, TRUE, actions=("dispatch", "review_return")),
        Measure("lead", "count", TRUE, a.role == "lead", actions=("dispatch", "review_return")),
        Measure("cooperating", "count", TRUE, a.role == "cooperating", actions=("dispatch", "review_return")),
        Measure("response", "rate", sign_for_settled, acked_on_time,
                actions=("dispatch", "acknowledge", "return", "review_return")),
        Measure("arrival", "rate", arrival_settled, by(a.arrived_at, now) & (a.arrived_at <= a.arrive_due),
                actions=("acknowledge", "arrive")),
        Measure("returns", "rate", TRUE, a.return_count > 0, a.return_count, actions=("return", "review_return")),
        # Returns the office did not accept (upheld: the department had to take the case back). The
        # last return of an assignment still returned stands or awaits review, and is not charged.
        Measure("upheld_returns", "rate", TRUE, a.return_count > pw.Case(None, ((accepted_return(), 1),), 0),
                a.return_count - pw.Case(None, ((accepted_return(), 1),), 0), actions=("return", "review_return")),
        Measure("limbo", "duration", TRUE, TRUE, limbo_seconds(now),
                actions=("dispatch", "acknowledge", "return", "review_return")),
        Measure("overdue_sign_for", "count", TRUE, late_sign_for, actions=("dispatch",)),
        Measure("overdue_arrival", "count", TRUE, late_arrival, actions=("acknowledge",)),
    ]


def lead_case_base(period: Period) -> pw.Node:
    """Cases first dispatched in the period that have a lead (merged or split ones left out)."""
    return Case.lead.is_null(False) & in_period(Case.dispatched_at, period) & Case.state.not_in([MERGED, SPLIT])


def lead_case_measures(now: int) -> list[Measure]:
    """Figures over the department's lead cases (Case rows, grouped by Case.lead), as of `now`."""
    c = Case
    resolved = by(c.resolved_at, now)
    return [
        Measure("lead_cases", "count", TRUE, TRUE, actions=("dispatch", "review_return")),
        Measure("resolution", "rate", TRUE, resolved, actions=("resolve", "reopen")),
        Measure("on_time", "rate", resolved, c.resolve_due.is_null() | (c.resolved_at <= c.resolve_due),
                actions=("resolve", "extend")),
        Measure("reopen", "rate", resolved | (c.reopen_count > 0), c.reopen_count > 0, actions=("reopen", "evaluate")),
        Measure("overdue_resolve", "count", TRUE,
                (c.state.in_(HELD) | (c.resolved_at > now)) & c.paused_since.is_null() & (c.resolve_due < now),
                actions=("resolve", "extend")),
    ]


def evaluation_base(period: Period, now: int) -> pw.Node:
    """Rated evaluations of the latest round (the case's reopen count) of lead cases of the period,
    made by `now` (the period's end for a past period)."""
    # Only a resolved case is evaluated, and a reopen starts a new round: the latest round's
    # evaluations belong to cases resolved now. Saying so lets the scan skip the others unread.
    return (lead_case_base(period) & Case.resolved_at.is_null(False) & (Case.resolved_at <= now)
            & (Evaluation.round == Case.reopen_count) & (Evaluation.outcome == "rated")
            & (Evaluation.created_at <= now))


def rated_department() -> pw.Node:
    """The department an evaluation counts for: the one a township evaluation rated (lead or
    cooperating), else the case's current lead (citizen, third party, evaluations before v7)."""
    return pw.fn.COALESCE(Evaluation.department, Case.lead)


def satisfied() -> pw.Node:
    return Evaluation.rating.in_(SATISFIED)


def rating_sums(sources: tuple[str, ...]) -> list[pw.Node]:
    """Per source: rated evaluations (`<source>_n`) and satisfied ones (`<source>_ok`) — one pass, no
    GROUP BY on the source (a sort of every evaluation row)."""
    columns: list[pw.Node] = []
    for source in sources:
        columns.append(pw.fn.SUM(when(Evaluation.source == source)).alias(f"{source}_n"))
        columns.append(pw.fn.SUM(when((Evaluation.source == source) & satisfied())).alias(f"{source}_ok"))
    return columns


# --- townships: one row per case ------------------------------------------------------------------

def township_base(period: Period) -> pw.Node:
    """Cases of a township received in the period (merged ones live on in their target)."""
    return Case.township.is_null(False) & in_period(Case.received_at, period) & Case.state.not_in([MERGED, SPLIT])


def own_duty_codes(config: Config) -> list[str]:
    """Duty-list items the township must handle itself (scope "township")."""
    return sorted(code for code, item in config.duty_items.items() if item.scope == "township")


def sent_back_by(now: int | None) -> pw.Node:
    """Cases the dispatch office sent back to their township (退回乡镇, event "send_back") by `now`
    (at any time when `now` is None)."""
    sent = Event.action == "send_back"
    return Case.id.in_(Event.select(Event.case).where(sent if now is None else sent & (Event.at <= now)))


def township_measures(config: Config, now: int) -> list[Measure]:
    """Figures over a township's cases, as of `now` (the period's end for a past period).

    乱吹 on the township board: `sent_back` counts the township's cases the office sent back as its
    own duty (event "send_back" by `now`); `wrong_whistle_rate` is that count per whistle the township
    raised (its cases still whistled plus those sent back), so it does not grow with volume. A
    township that raised 8 whistles of which 2 were sent back has 2 / 8 = 25 %. A whistle sent back
    after `now` was still a whistle then: it stays in the denominator (sent back at any time) and out
    of the count, so a published period's rate does not move when a late send-back makes it local.
    """
    c = Case
    decided = c.decision.in_(["local", "whistle"])
    whistled = c.decision == "whistle"
    sent = sent_back_by(now)
    own = own_duty_codes(config) or ["\x00none"]  # IN () is not valid SQL everywhere
    return [
        Measure("raised", "count", TRUE, TRUE, actions=("intake", "triage")),
        Measure("local", "count", TRUE, c.decision == "local", actions=("triage",)),
        Measure("whistled", "count", TRUE, whistled, actions=("triage",)),
        Measure("rejected", "count", TRUE, c.decision == "reject", actions=("triage",)),
        Measure("resolved_locally", "rate", c.decision == "local", by(c.resolved_at, now) | by(c.closed_at, now),
                actions=("triage", "resolve", "close")),
        Measure("whistle_rate", "rate", decided, whistled, actions=("triage",)),
        Measure("own_duty_whistles", "rate", whistled, c.duty_item.in_(own), actions=("triage",)),
        Measure("sent_back", "count", TRUE, sent, actions=("triage", "send_back")),
        Measure("wrong_whistle_rate", "rate", whistled | sent_back_by(None), sent, actions=("triage", "send_back")),
    ]


def township_evaluation_base(period: Period, now: int) -> pw.Node:
    # As evaluation_base: latest-round evaluations belong to resolved (or since closed) cases, and
    # only those made by `now` count.
    return (township_base(period) & Case.state.in_([RESOLVED, CLOSED]) & (Evaluation.round == Case.reopen_count)
            & (Evaluation.outcome == "rated") & (Evaluation.created_at <= now))


# A rate's numerator and denominator in one SUM: each row adds 1 to the low 32 bits when it is in the
# denominator and 1 to the high bits when also in the numerator. One CASE per row instead of two (the
# denominator's test is then evaluated once); exact up to 2^31 rows.
PACK = 2**32


def sums(measures: list[Measure]) -> list[pw.Node]:
    """The aggregate columns of a measure list, read back by `read_sums`.

    Denominators that are every row share one COUNT(*) (`rows`); a plain rate packs numerator and
    denominator into one sum (`<key>_packed`); a rate that sums a value (returns, seconds) keeps two.
    Over a million rows each CASE expression costs tens of milliseconds: none is evaluated twice.
    """
    columns: list[pw.Node] = [pw.fn.COUNT(pw.SQL("*")).alias("rows")]
    for m in measures:
        if m.den is TRUE and m.num is TRUE and m.value is None:
            continue  # the row count itself
        if m.den is TRUE:
            columns.append(pw.fn.SUM(when(m.num, ONE if m.value is None else m.value)).alias(f"{m.key}_num"))
        elif m.value is None:
            packed = pw.Case(None, ((m.den, pw.Case(None, ((m.num, pw.Value(PACK + 1)),), 1)),), 0)
            columns.append(pw.fn.SUM(packed).alias(f"{m.key}_packed"))
        else:
            columns.append(pw.fn.SUM(when(m.den)).alias(f"{m.key}_den"))
            columns.append(pw.fn.SUM(when(m.den & m.num, m.value)).alias(f"{m.key}_num"))
    return columns


def read_sums(row: dict[str, Any], measures: list[Measure]) -> dict[str, Rate]:
    every = int(row.get("rows") or 0)
    out = {}
    for m in measures:
        if m.den is TRUE:
            num = every if m.num is TRUE and m.value is None else int(row.get(f"{m.key}_num") or 0)
            out[m.key] = Rate(num, every)
        elif m.value is None:
            num, den = divmod(int(row.get(f"{m.key}_packed") or 0), PACK)
            out[m.key] = Rate(num, den)
        else:
            out[m.key] = Rate(int(row.get(f"{m.key}_num") or 0), int(row.get(f"{m.key}_den") or 0))
    return out
