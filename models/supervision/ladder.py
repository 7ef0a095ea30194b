"""The escalation ladder per clock: reminder (催办) → public notice (通报) for one department's deadline.

A clock is one deadline of one department on a case (sign-for, arrival, resolve; the dispatch
office's own dispatch clock has no department). Each late clock climbs its own ladder, kept in
LadderStep rows keyed by (case, clock, department, due):
    reminder  on the working day after the deadline (`reminder_after`, 1wd: a deadline on Wed 10-07,
              a holiday, is reminded at Thu 10-08's opening, the first working day after it);
    notice    `notice_after` (5wd) after that reminder's day, if the same clock is still late.
Each step happens once per key. A new deadline (an approved extension, a joint meeting's deadline,
a resume moving the dues, a new dispatch) is a new key: its ladder starts again with a reminder, so
no department is publicly noticed without having been reminded for that very deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.clocks.clocks import case_assignments, clocks_of
from models.org.context import Context
from models.store.schema import Case, LadderStep
from models.worktime.durations import parse_duration
from models.worktime.timeutil import from_epoch, to_epoch

# Natural seconds a duration lasts at least: N working days are at least N-1 calendar days (a
# deadline late on a day is reminded at the next day's opening), N working hours at least N hours.
_AT_LEAST = {"m": 60, "h": 3600, "d": 86400, "wh": 3600, "wd": 86400}


@dataclass
class LateClock:
    """One running clock past its due moment, and the step of its ladder now due (if any)."""

    clock: str
    department: str | None
    due: int
    row: LadderStep | None
    step: str | None = None  # "remind" | "notice" | None


def _setting(ctx: Context, setting: str) -> str:
    return str(ctx.config.section("supervision")[setting])


def step_after(ctx: Context, moment: int, setting: str) -> int:
    """When the ladder's next step falls due after `moment`: for working days, the opening of the
    Nth working day after moment's day; for other units, `moment` plus the duration."""
    duration = parse_duration(_setting(ctx, setting))
    start = from_epoch(moment)
    assert start is not None
    if duration.unit == "wd":
        return to_epoch(ctx.calendar.opening_of_working_day_after(start, duration.amount))
    return to_epoch(ctx.calendar.add(start, duration).due)


def at_least(ctx: Context, setting: str) -> int:
    """Seconds a step surely waits at least (lets SQL skip what cannot be due yet)."""
    duration = parse_duration(_setting(ctx, setting))
    days = duration.amount - 1 if duration.unit == "wd" else duration.amount
    return max(0, days * _AT_LEAST[duration.unit] - (7200 if duration.unit == "wd" else 0))


def late_clocks(case: Case, now: int) -> list[LateClock]:
    """Every running clock of the case past due now, earliest first, with its ladder row."""
    if case.paused_since:
        return []
    rows = {(r.clock, r.department, int(r.due)): r for r in LadderStep.select().where(LadderStep.case == case.id)}
    out = []
    for clock in clocks_of(case, case_assignments(case)):
        if not clock.running or clock.due is None or int(clock.due) >= now:
            continue
        department = clock.assignment.department if clock.assignment is not None else (
            case.lead if clock.name == "resolve" else None)
        out.append(LateClock(clock.name, department, int(clock.due), rows.get((clock.name, department or "",
                                                                               int(clock.due)))))
    return sorted(out, key=lambda c: (c.due, c.clock, c.department or ""))


def steps_due(ctx: Context, case: Case, now: int) -> list[LateClock]:
    """The late clocks whose next ladder step (reminder, then notice) is due now."""
    out = []
    for late in late_clocks(case, now):
        if late.row is None or late.row.reminded_at is None:
            if now >= step_after(ctx, late.due, "reminder_after"):
                late.step = "remind"
        elif late.row.noticed_at is None and now >= step_after(ctx, int(late.row.reminded_at), "notice_after"):
            late.step = "notice"
        if late.step:
            out.append(late)
    return out


def record_step(case: Case, late: LateClock, order_id: int, now: int) -> None:
    """Store one written step on its ladder row (created with the reminder)."""
    row = late.row or LadderStep(case=case.id, clock=late.clock, department=late.department or "", due=late.due)
    if late.step == "remind":
        row.reminded_at, row.reminder_order = now, order_id
    else:
        row.noticed_at, row.notice_order = now, order_id
    row.save()
    late.row = row


def escalation_condition(ctx: Context, now: int) -> Any:
    """SQL for open cases that may have a ladder step due: late for at least a reminder's wait, or
    reminded on a clock long enough ago for a notice (lower bounds in time; exact rules in Python)."""
    late = Case.next_due.is_null(False) & (Case.next_due < now) & Case.paused_since.is_null()
    remind = Case.next_due <= now - at_least(ctx, "reminder_after")
    waiting = LadderStep.select(LadderStep.case).where(
        LadderStep.noticed_at.is_null() & LadderStep.reminded_at.is_null(False)
        & (LadderStep.reminded_at <= now - at_least(ctx, "notice_after")))
    return late & (remind | Case.id.in_(waiting))
