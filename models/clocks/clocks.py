"""Deadlines of a case and its assignments, computed from the clock rules and the work calendar.

Due moments are stored on the rows (case.dispatch_due, case.resolve_due, assignment.ack_due,
assignment.arrive_due) and the earliest still-running one on case.next_due, so the queue sorts by
deadline with an index. Each step that starts or stops a clock calls `refresh_next_due`.

Which clocks run (see `clocks_of`)
    dispatch      from the rule's start until the case is dispatched (or triaged local/rejected);
    acknowledge   per active assignment, until the department signs for it (or returns it);
    arrive        per active assignment, until its staff report on site;
    resolve       the case's, until the lead (or the township) resolves it; a reopen restarts it.
Paused time does not count: `models.cases.pausing.resume` moves every running due later by the pause's
length in the rule's own unit, and a clock computed later (e.g. resolve at dispatch, counting from
"received") is credited the finished pauses that fall after its start (`deadline`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from models.org.config import ClockRule
from models.org.context import Context
from models.store import prepared
from models.store.schema import Assignment, Case, Event, Pause
from models.store.states import A_ACKNOWLEDGED, A_RETURNED, DEPARTMENT_STATES, LOCAL, NEW, PENDING, WHISTLED
from models.worktime.durations import format_timedelta, parse_duration
from models.worktime.timeutil import from_epoch, local_iso, to_epoch

CLOCKS = ("dispatch", "acknowledge", "arrive", "resolve")
RESOLVE_RUNS = frozenset({NEW, WHISTLED, LOCAL, *DEPARTMENT_STATES})


def start_of(case: Case, start: str, assignment: Assignment | None = None) -> int | None:
    """The moment a rule counts from: received, triaged, dispatched or acknowledged."""
    if start == "received":
        return int(case.received_at)
    if start == "triaged":
        return case.triaged_at
    if start == "dispatched":
        return assignment.dispatched_at if assignment is not None else case.dispatched_at
    if start == "acknowledged":
        return assignment.acknowledged_at if assignment is not None else case.acknowledged_at
    return None


def rule_for(ctx: Context, case: Case, clock: str) -> ClockRule | None:
    """The configured rule of one clock of this case (category override, else its priority's)."""
    return ctx.config.clock_rule(case.priority or "general", clock, case.category)


def unit_of(rule: ClockRule | None) -> str:
    """The unit a clock counts in ("h" when it has no rule: plain elapsed time)."""
    return parse_duration(rule.limit).unit if rule is not None else "h"


def pause_credit(ctx: Context, case: Case, start: int, unit: str) -> int:
    """What finished pauses after `start` cost a clock of this unit (0 for a never-paused case)."""
    if not case.paused_seconds or not case.id:
        return 0  # the common case costs no query: paused_seconds grows on every resume
    total = 0
    for pause in Pause.select().where((Pause.case == case.id) & Pause.ended_at.is_null(False)
                                      & (Pause.ended_at > start)):
        began = from_epoch(max(start, int(pause.started_at)))
        ended = from_epoch(int(pause.ended_at))
        assert began is not None and ended is not None
        total += ctx.calendar.paused_length(began, ended, unit)
    return total


def deadline(ctx: Context, case: Case, clock: str, assignment: Assignment | None = None,
             start_override: int | None = None) -> tuple[int | None, bool]:
    """(due epoch, confirmed) for one clock of a case, or (None, True) when it has not started."""
    rule = rule_for(ctx, case, clock)
    if rule is None:
        return None, True
    start = start_override if start_override is not None else start_of(case, rule.start, assignment)
    if start is None:
        return None, True
    moment = from_epoch(start)
    assert moment is not None
    duration = parse_duration(rule.limit)
    result = ctx.calendar.add(moment, duration, next_working_day=rule.next_working_day)
    credit = pause_credit(ctx, case, start, duration.unit)
    due = ctx.calendar.shift(result.due, credit, duration.unit) if credit else result.due
    return to_epoch(due), bool(result.confirmed)


@dataclass
class Clock:
    """One clock of a case: which, its due moment, whether it runs, and when its step happened."""

    name: str
    due: int | None
    running: bool
    stopped_at: int | None
    assignment: Assignment | None = None


def _dispatch_stop(case: Case) -> int | None:
    if case.dispatched_at is not None:
        return int(case.dispatched_at)
    if case.decision in ("local", "reject"):
        return case.triaged_at  # the township took it, or it was refused: nobody is to be dispatched
    return None


def clocks_of(case: Case, assignments: list[Assignment]) -> list[Clock]:
    """Every clock of the case (active assignments only), running or stopped, in lifecycle order."""
    out = [Clock("dispatch", case.dispatch_due,
                 case.state in (NEW, WHISTLED) and case.dispatched_at is None and bool(case.dispatch_due),
                 _dispatch_stop(case))]
    departments_work = case.state in DEPARTMENT_STATES
    for a in assignments:
        if not a.active:
            continue
        ack_stop = a.acknowledged_at if a.acknowledged_at is not None else (
            a.returned_at if a.state == A_RETURNED else None)
        out.append(Clock("acknowledge", a.ack_due, departments_work and a.state == PENDING and bool(a.ack_due),
                         ack_stop, a))
        out.append(Clock("arrive", a.arrive_due,
                         departments_work and a.state in (PENDING, A_ACKNOWLEDGED) and bool(a.arrive_due),
                         a.arrived_at, a))
    out.append(Clock("resolve", case.resolve_due, case.state in RESOLVE_RUNS and bool(case.resolve_due),
                     case.resolved_at))
    return out


def running_dues(case: Case, assignments: list[Assignment]) -> list[int]:
    """The due moments of clocks still running on this case."""
    return [int(c.due) for c in clocks_of(case, assignments) if c.running and c.due is not None]


def case_assignments(case: Case) -> list[Assignment]:
    """The case's assignments, oldest first (one cached statement)."""
    if not case.id:
        return []
    return prepared.select_models(Assignment, "assignments_of_case", lambda: Assignment.select().where(
        Assignment.case == 0).order_by(Assignment.id), (case.id,))


def refresh_next_due(case: Case, assignments: list[Assignment] | None = None) -> None:
    """Set case.next_due to the earliest running clock (None when none runs or the case is paused).

    Pass the case's assignments when the caller has them, to save a query.
    """
    if case.paused_since or case.state not in RESOLVE_RUNS:
        case.next_due = None  # paused, or resolved / final: no clock runs
        return
    if assignments is None:
        # Only department states run assignment clocks: spare the query for the others.
        assignments = case_assignments(case) if case.state in DEPARTMENT_STATES else []
    dues = running_dues(case, assignments)
    case.next_due = min(dues) if dues else None


def clock_now(case: Case, now: int) -> int:
    """The moment a case's clocks read: frozen at the pause's start while paused."""
    return int(case.paused_since) if case.paused_since else now


def clock_start(ctx: Context, case: Case, clock: Clock, rule: ClockRule | None) -> int | None:
    """When this clock started counting (a reopened case's resolve clock: the last reopen)."""
    if clock.name == "resolve" and case.reopen_count:
        last = (Event.select(Event.at).where((Event.case == case.id) & (Event.action == "reopen"))
                .order_by(Event.id.desc()).first())
        if last is not None:
            return int(last.at)
    if rule is None:
        return None
    return start_of(case, rule.start, clock.assignment)


def unconfirmed_years(ctx: Context, start: int | None, due: int | None, unit: str) -> tuple[int, ...]:
    """Years between start and due with no holiday data, for clocks counted in working time."""
    if start is None or due is None or unit not in ("wd", "wh"):
        return ()
    tz = ctx.calendar.tz
    first = from_epoch(min(start, due))
    last = from_epoch(max(start, due))
    assert first is not None and last is not None
    years = range(first.astimezone(tz).year, last.astimezone(tz).year + 1)
    return tuple(y for y in years if not ctx.calendar.is_confirmed(date(y, 1, 1)))


def year_warning(ctx: Context, years: tuple[int, ...]) -> str | None:
    """The message telling the office to enter a year's holidays (None when nothing is missing)."""
    if not years:
        return None
    listed = ", ".join(str(y) for y in years)
    tables = " ".join(f"[calendar.years.{y}]" for y in years)
    return (f"holiday data for {listed} is not entered: this due date counts Monday-Friday only and may "
            f"change; add {tables} with the State Council's holidays and make-up workdays to "
            f"{ctx.config.path}")


def clock_rows(ctx: Context, case: Case, assignments: list[Assignment] | None = None) -> list[dict[str, Any]]:
    """Every clock of a case as the JSON the CLI and console show (office-zone ISO times)."""
    tz = ctx.config.tz
    now = ctx.now()
    reading = clock_now(case, now)
    rows: list[dict[str, Any]] = []
    for clock in clocks_of(case, case_assignments(case) if assignments is None else assignments):
        rule = rule_for(ctx, case, clock.name)
        unit = unit_of(rule)
        start = clock_start(ctx, case, clock, rule)
        if clock.running:
            status = "running"
        elif clock.stopped_at is not None:
            status = "stopped"
        elif clock.due is None:
            status = "not_started"
        else:
            status = "inactive"  # e.g. a merged or rejected case: nothing is expected any more
        left = int(clock.due) - reading if clock.running and clock.due is not None else None
        years = unconfirmed_years(ctx, start, clock.due, unit)
        a = clock.assignment
        rows.append({
            "clock": clock.name, "department": a.department if a is not None else None,
            "role": a.role if a is not None else None, "assignment_id": a.id if a is not None else None,
            "rule": None if rule is None else {"limit": rule.limit, "from": rule.start,
                                               "next_working_day": rule.next_working_day},
            "status": status, "start": local_iso(start, tz), "due": local_iso(clock.due, tz),
            "stopped_at": local_iso(clock.stopped_at, tz) if not clock.running else None,
            "on_time": (clock.stopped_at <= clock.due) if (
                not clock.running and clock.stopped_at is not None and clock.due is not None) else None,
            "remaining_seconds": left if left is not None and left >= 0 else None,
            "overdue_seconds": -left if left is not None and left < 0 else None,
            "remaining": format_timedelta(left) if left is not None else None,
            "paused": bool(case.paused_since) and clock.running,
            "confirmed": not years, "unconfirmed_years": list(years), "warning": year_warning(ctx, years),
        })
    return rows


def recompute_dues(ctx: Context, case: Case, assignments: list[Assignment]) -> dict[str, list[str | None]]:
    """Recompute the running clocks derived from rules (not an approved extension's or a meeting's
    deadline) with today's calendar: once the office enters a year's holidays, dues computed with
    Monday-Friday only move to the right day. Sets case.due_confirmed; returns what moved
    ({clock: [old, new]}); the caller saves the case (and saves nothing when nothing changed).
    """
    from models.store.schema import MeetingDecision

    tz = ctx.config.tz
    moved: dict[str, list[str | None]] = {}
    confirmed = True
    fixed_resolve = bool(case.extension_count) or MeetingDecision.select().where(
        (MeetingDecision.case == case.id) & MeetingDecision.deadline.is_null(False)).exists()
    for clock in clocks_of(case, assignments):
        if not clock.running or clock.due is None or (clock.name == "resolve" and fixed_resolve):
            continue
        rule = rule_for(ctx, case, clock.name)
        start = clock_start(ctx, case, clock, rule)
        if rule is None or start is None:
            continue
        due, ok = deadline(ctx, case, clock.name, clock.assignment, start_override=start)
        confirmed = confirmed and ok
        if due is None or due == clock.due:
            continue
        key = clock.name if clock.assignment is None else f"{clock.name}:{clock.assignment.department}"
        moved[key] = [local_iso(clock.due, tz), local_iso(due, tz)]
        if clock.assignment is None:
            setattr(case, f"{clock.name}_due", due)
        else:
            setattr(clock.assignment, "ack_due" if clock.name == "acknowledge" else "arrive_due", due)
            clock.assignment.save()
    case.due_confirmed = confirmed
    return moved


def window_seconds(ctx: Context, text: str) -> int:
    """Seconds from now covered by a duration typed by a user ("2h", "3d", "2wd" counts office time)."""
    duration = parse_duration(text)
    if not duration.is_working:
        return duration.natural_seconds
    now = from_epoch(ctx.now())
    assert now is not None
    return to_epoch(ctx.calendar.add(now, duration).due) - to_epoch(now)
