"""督办: must-supervise flags raised by rule, and the escalation ladder reminder (催办) → notice (通报).

Flags (Case.must_supervise, a comma list; thresholds in [supervision] of chuishao.toml)
    repeat    the problem was reported repeat_count times within repeat_days (merged reports of
              the case, or Case.repeat_count as counted at intake)
    overdue   a running clock is past its due moment
    stalled   no progress (Case.last_progress_at) for stall_days working days, on an open, unresolved,
              unpaused case
    pingpong  the case was returned pingpong_returns times or more
Flags are sticky: once must-supervise, a case stays on the list until it is closed, as offices run it;
except "stalled", which the next sweep clears once progress resumes (event "flag", after.cleared).

Deadlines computed while a year had no holiday data (Case.due_confirmed false) are recomputed by
every sweep, so entering [calendar.years.YYYY] corrects them (event "recompute").

Escalation runs per clock (department × deadline, models/supervision/ladder.py): the working day after
a clock's deadline a reminder (event "remind" and a SupervisionOrder of kind "reminder" to the
department whose clock is late); if that clock is still late `notice_after` (5wd) after the reminder,
a public notice (event "notice", order of kind "notice"). Each once per deadline; a new deadline
starts its own ladder. Case.reminded_at / noticed_at hold the case's latest reminder and notice.

`sweep(ctx)` does all of it and is idempotent; `chuishao supervise sweep` and the console run it.
Its events are recorded as operator "system", on behalf of whoever triggered the sweep.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import reduce
from typing import Any

from models.cases.casebase import get_case, save, snapshot
from models.clocks.clocks import case_assignments, recompute_dues, refresh_next_due
from models.org.context import Context
from models.store.schema import Case, Report, SupervisionOrder
from models.store.states import FINAL_STATES, OPEN_STATES, RESOLVED
from models.supervision import ladder
from models.text.labels import label
from models.worktime.durations import format_timedelta, parse_duration
from models.worktime.timeutil import from_epoch, local_iso, local_short, to_epoch

FLAGS = ("repeat", "overdue", "stalled", "pingpong")
CLEARABLE = ("stalled",)  # a flag that ends when its cause does: progress resumed
SYSTEM = "system"
DAY = 86400


@dataclass
class SweepResult:
    """What one sweep changed: new flags per case, and the cases reminded and noticed."""

    flagged: dict[int, list[str]] = field(default_factory=dict)
    reminders: list[int] = field(default_factory=list)
    notices: list[int] = field(default_factory=list)
    recomputed: list[int] = field(default_factory=list)
    cleared: dict[int, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"flagged": {str(k): v for k, v in self.flagged.items()}, "reminders": self.reminders,
                "notices": self.notices, "recomputed": self.recomputed,
                "cleared": {str(k): v for k, v in self.cleared.items()}}


def flags_of(case: Case) -> list[str]:
    """The case's must-supervise reasons, in the canonical order."""
    present = {f for f in (case.must_supervise or "").split(",") if f}
    return [f for f in FLAGS if f in present] + sorted(present - set(FLAGS))


def most_in_window(times: Iterable[int], window: int) -> int:
    """The largest number of moments that fit in any span of `window` seconds."""
    ordered = sorted(times)
    best, first = 0, 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best


def _rules(ctx: Context) -> dict[str, Any]:
    return ctx.config.section("supervision")


def due_flags(ctx: Context, case: Case, report_times: list[int], now: int) -> set[str]:
    """The flags the rules give this case now (`report_times`: received_at of its reports)."""
    rules = _rules(ctx)
    if case.state in FINAL_STATES:
        return set()
    found: set[str] = set()
    threshold = int(rules["repeat_count"])
    if int(case.repeat_count or 0) >= threshold or (
            int(case.report_count or 0) >= threshold
            and most_in_window(report_times, int(rules["repeat_days"]) * DAY) >= threshold):
        found.add("repeat")
    if case.next_due is not None and int(case.next_due) < now:
        found.add("overdue")
    if case.state != RESOLVED and not case.paused_since and now >= stall_moment(ctx, case):
        found.add("stalled")
    if int(case.return_count or 0) >= int(rules["pingpong_returns"]):
        found.add("pingpong")
    return found


def stall_moment(ctx: Context, case: Case) -> int:
    """When the case counts as stalled: stall_days working days after its last progress (a case on site
    since Wed 09-30 10:00 with no progress is stalled at Tue 10-13 10:00, not over National Day)."""
    last = case.last_progress_at if case.last_progress_at is not None else case.received_at
    start = from_epoch(int(last))
    assert start is not None
    return to_epoch(ctx.calendar.add(start, parse_duration(f"{int(_rules(ctx)['stall_days'])}wd")).due)


def _open() -> Any:
    return Case.state.in_(sorted(OPEN_STATES))


def _unflagged(flag: str) -> Any:
    return ~Case.must_supervise.contains(flag)


def _flag_conditions(ctx: Context, now: int) -> list[Any]:
    """SQL that finds the open cases a rule may flag and that lack that flag (exact rules in Python)."""
    rules = _rules(ctx)
    # N working days last at least N calendar days (less two hours for a DST change).
    stall_before = now - int(rules["stall_days"]) * DAY + 7200
    threshold = int(rules["repeat_count"])
    return [
        _unflagged("overdue") & Case.next_due.is_null(False) & (Case.next_due < now),
        _unflagged("stalled") & (Case.state != RESOLVED) & Case.paused_since.is_null()
        & (Case.last_progress_at.is_null(False) & (Case.last_progress_at <= stall_before)
           | Case.last_progress_at.is_null() & (Case.received_at <= stall_before)),
        _unflagged("pingpong") & (Case.return_count >= int(rules["pingpong_returns"])),
        _unflagged("repeat") & ((Case.repeat_count >= threshold) | (Case.report_count >= threshold)),
        Case.must_supervise.contains("stalled"),  # progress may have resumed: the flag then clears
    ]


def report_times(case_ids: list[int]) -> dict[int, list[int]]:
    """received_at of every report of these cases (merged reports included), in one query per batch."""
    out: dict[int, list[int]] = {cid: [] for cid in case_ids}
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start:start + 500]
        for row in Report.select(Report.case, Report.received_at).where(Report.case.in_(chunk)):
            out[row.case_id].append(int(row.received_at))
    return out


def raise_flags(ctx: Context, case_id: int) -> tuple[list[str], list[str]]:
    """Add the flags the rules give one case now, and clear "stalled" once progress resumed; returns
    (added, cleared) (an event "flag" if any)."""
    with ctx.write():
        case = get_case(case_id)  # re-read inside the write: another sweep may have been first
        now = ctx.now()
        times = report_times([case.id])[case.id] if int(case.report_count or 0) > 1 else []
        have = set(flags_of(case))
        before = snapshot(case)
        refresh_next_due(case)  # what save() will store: judge "overdue" by it, not a stale value
        due = due_flags(ctx, case, times, now)
        added = [f for f in FLAGS if f in due - have]
        cleared = [f for f in CLEARABLE if f in have - due]
        if not added and not cleared:
            return [], []
        case.must_supervise = ",".join(f for f in [*have, *added] if f not in cleared)
        case.must_supervise = ",".join(flags_of(case))  # canonical order
        save(ctx, case, before, "flag", extra_after={"added": added, "cleared": cleared} if cleared else {"added": added})
        return added, cleared


def escalate(ctx: Context, case_id: int) -> list[str]:
    """Write the reminders and notices now due on one case's late clocks (models/supervision/ladder.py);
    returns the steps written ("remind", "notice"), one event and one order each."""
    with ctx.write():
        case = get_case(case_id)
        now = ctx.now()
        if case.state in FINAL_STATES:
            return []
        written = []
        for late in ladder.steps_due(ctx, case, now):  # re-checked inside the write: another sweep may have been first
            kind = "reminder" if late.step == "remind" else "notice"
            language = ctx.config.language
            instruction = (f"{label('action', late.step, language)}: {label('clock', late.clock, language)} "
                           f"{local_short(late.due, ctx.config.tz)} ({format_timedelta(late.due - now)})")
            before = snapshot(case)
            order = SupervisionOrder.create(case=case.id, kind=kind, department=late.department,
                                            instruction=instruction, issued_by=ctx.actor, issued_at=now)
            ladder.record_step(case, late, order.id, now)
            # The case's columns keep their meaning for the board: its latest reminder and notice.
            if kind == "reminder":
                case.reminded_at = now
            else:
                case.noticed_at = now
            save(ctx, case, before, late.step or "",
                 extra_after={"order_id": order.id, "clock": late.clock, "department": late.department,
                              "due": local_iso(late.due, ctx.config.tz), "overdue_seconds": now - late.due})
            written.append(late.step or "")
        return written


@dataclass
class SweepPlan:
    """What a sweep has to do, found with one scan of the open cases."""

    recompute: list[int] = field(default_factory=list)
    flag: list[int] = field(default_factory=list)
    escalate: list[int] = field(default_factory=list)


def plan(ctx: Context, now: int) -> SweepPlan:
    """The cases whose deadlines to recompute, which to flag and which to escalate now."""
    conditions = [*_flag_conditions(ctx, now), ladder.escalation_condition(ctx, now), Case.due_confirmed == False]
    candidates = list(Case.select().where(_open() & reduce(operator.or_, conditions)).order_by(Case.id))
    threshold = int(_rules(ctx)["repeat_count"])
    times = report_times([c.id for c in candidates if int(c.report_count or 0) >= threshold
                          and "repeat" not in flags_of(c)])
    out = SweepPlan()
    for case in candidates:
        if not case.due_confirmed:
            out.recompute.append(case.id)
        due, have = due_flags(ctx, case, times.get(case.id, []), now), set(flags_of(case))
        if due - have or (have & set(CLEARABLE)) - due:
            out.flag.append(case.id)
        if ladder.steps_due(ctx, case, now):
            out.escalate.append(case.id)
    return out


def reconfirm(ctx: Context, case_id: int) -> bool:
    """Recompute an open case's unconfirmed rule deadlines with today's calendar (event "recompute"
    when a due moved or became confirmed); True if the case changed."""
    with ctx.write():
        case = get_case(case_id)
        if case.state in FINAL_STATES or case.due_confirmed:
            return False
        assignments = case_assignments(case)
        before = snapshot(case)
        moved = recompute_dues(ctx, case, assignments)
        if not moved and not case.due_confirmed:
            return False
        save(ctx, case, before, "recompute", assignments=assignments,
             extra_after={"moved": moved, "confirmed": bool(case.due_confirmed)})
        return True


def system_context(ctx: Context) -> Context:
    """The sweep acts as "system"; the event log keeps who triggered it (on_behalf_of)."""
    return replace(ctx, actor=SYSTEM)


def sweep(ctx: Context) -> SweepResult:
    """Raise due flags and write due reminders and notices; idempotent, safe to run any time.

    Each case is its own short write transaction, so a sweep never holds the lock for long.
    """
    system = system_context(ctx)
    result = SweepResult()
    now = ctx.now()
    todo = plan(ctx, now)
    # First: a deadline moved by newly entered holidays decides what is overdue below.
    result.recomputed = [case_id for case_id in todo.recompute if reconfirm(system, case_id)]
    if result.recomputed:
        todo = plan(ctx, now)
    for case_id in todo.flag:
        added, cleared = raise_flags(system, case_id)
        if added:
            result.flagged[case_id] = added
        if cleared:
            result.cleared[case_id] = cleared
    # Saving a flag refreshes next_due from the clocks, which may make a reminder due: re-check those.
    for case_id in sorted({*todo.escalate, *result.flagged}):
        steps = escalate(system, case_id)
        if "remind" in steps:
            result.reminders.append(case_id)
        if "notice" in steps:
            result.notices.append(case_id)
    return result
