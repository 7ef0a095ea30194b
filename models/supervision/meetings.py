"""联席会议 / 会商: which cases need a joint meeting, and applying a meeting's decisions to them.

A meeting stores its date, the attending departments and, per case, the decided lead, cooperating
departments, plan and deadline. Recording it applies every decision to its case as a dispatch (a
whistled or returned case) or a re-dispatch with the new resolve deadline (a case in progress) —
each with its own "meeting" event — all in one transaction: one bad decision stores nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import peewee as pw

from models.cases.casebase import load_for, save, snapshot
from models.cases.department import redispatch
from models.cases.queries import assignments_by_case
from models.cases.views import case_row
from models.clocks.clocks import deadline as rule_deadline
from models.errors import InvalidState, UsageError, ValidationError
from models.org.context import Context
from models.org.permissions import require_role, scope_filter
from models.store import rowdigest
from models.store.schema import Assignment, Case, Meeting, MeetingDecision
from models.store.states import ACKNOWLEDGED, DISPATCHED, ON_SITE, RETURNED, WHISTLED
from models.supervision.supervision import flags_of
from models.text.messages import Ref, refs
from models.worktime.timeutil import local_iso, parse_iso, to_epoch

DECIDABLE = frozenset({WHISTLED, RETURNED, DISPATCHED, ACKNOWLEDGED, ON_SITE})
_DEADLINE_AT_END = re.compile(r":\s*(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?(?:Z|[+-]\d{2}:?\d{2})?)\s*$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Decision:
    """What a meeting decided for one case."""

    case_id: int
    lead: str
    cooperating: list[str] = field(default_factory=list)
    plan: str = ""
    deadline: int | None = None  # epoch seconds; None keeps the running resolve deadline


def parse_deadline(ctx: Context, text: str, what: str | Ref = "deadline") -> int:
    """ISO 8601 moment, or a date meaning the end of that day's office hours."""
    raw = text.strip()
    if _DATE_ONLY.match(raw):
        end = ctx.calendar.office_hours[-1][1]
        try:
            day = datetime.fromisoformat(raw).date()
        except ValueError:
            raise UsageError("time.not_a_date", what=what, text=text) from None
        return to_epoch(datetime.combine(day, end, tzinfo=ctx.calendar.tz))
    return to_epoch(parse_iso(raw, ctx.config.tz, what))


def parse_decision(ctx: Context, text: str) -> Decision:
    """Read "CASE:LEAD[:COOP,COOP]:PLAN:DEADLINE" (the deadline may be left empty: "CASE:LEAD:PLAN:").

    The cooperating list may be empty ("12:zhujian::plan:2026-12-10"); a plan containing ":" needs
    that five-field form. Departments may be ids or names.
    """
    where = f"decision '{text}'"
    match = _DEADLINE_AT_END.search(text)
    if match:
        head, moment = text[:match.start()], parse_deadline(ctx, match.group(1), where)
    elif text.rstrip().endswith(":"):
        head, moment = text.rstrip()[:-1], None
    else:
        raise UsageError("meeting.bad_decision_text", where=where)
    parts = head.split(":", 2)
    if len(parts) < 3 or not parts[0].strip().isdigit():
        raise UsageError("meeting.decision_case_number", where=where)
    case_text, lead, rest = parts
    coops_text, plan = rest.split(":", 1) if ":" in rest else ("", rest)
    coops = [c.strip() for c in coops_text.split(",") if c.strip()]
    return Decision(int(case_text), lead.strip(), coops, plan.strip(), moment)


def decision_from_mapping(ctx: Context, item: dict[str, Any], where: str) -> Decision:
    """A decision from a JSON/TOML table: case, lead, cooperating (list), plan, deadline (ISO or date)."""
    try:
        case_id = int(item["case"])
        lead = str(item["lead"])
    except (KeyError, TypeError, ValueError):
        raise UsageError("meeting.decision_needs", where=where) from None
    coops = item.get("cooperating", [])
    if isinstance(coops, str):
        coops = [c.strip() for c in coops.split(",") if c.strip()]
    raw_deadline = item.get("deadline")
    moment = parse_deadline(ctx, str(raw_deadline), f"{where}: deadline") if raw_deadline else None
    return Decision(case_id, lead, [str(c) for c in coops], str(item.get("plan", "")), moment)


def agenda(ctx: Context, limit: int = 100) -> list[dict[str, Any]]:
    """Cases that need a joint meeting: several departments, returned, or must-supervise.

    A case a meeting already decided stays off the agenda unless it was returned again since.
    Each row is `views.case_row` plus "reasons" (multi_department, returned, must_supervise, complex).
    """
    require_role(ctx, "meeting")
    decided = MeetingDecision.select(MeetingDecision.case)
    open_states = sorted(DECIDABLE)
    several = (Assignment.select(Assignment.case).where(Assignment.active == True)
               .group_by(Assignment.case).having(pw.fn.COUNT(Assignment.id) > 1))
    needs = (Case.id.in_(several) | (Case.state == RETURNED) | (Case.return_count > 0)
             | (Case.must_supervise != "") | (Case.priority == "complex"))
    query = (scope_filter(ctx, Case.select()).where(Case.state.in_(open_states) & needs
                                                    & (Case.id.not_in(decided) | (Case.state == RETURNED)))
             .order_by(pw.fn.COALESCE(Case.next_due, 2**62), Case.id).limit(limit))
    cases = list(query)
    by_case = assignments_by_case([c.id for c in cases])
    rows = []
    for case in cases:
        row = case_row(ctx, case, by_case[case.id])
        reasons = []
        if sum(1 for a in by_case[case.id] if a.active) > 1:
            reasons.append("multi_department")
        if case.state == RETURNED or case.return_count:
            reasons.append("returned")
        if flags_of(case):
            reasons.append("must_supervise")
        if case.priority == "complex":
            reasons.append("complex")
        row["reasons"] = reasons
        rows.append(row)
    return rows


def _apply(ctx: Context, meeting: Meeting, decision: Decision) -> Case:
    """Dispatch or re-dispatch one case as decided, with its own event."""
    config = ctx.config
    lead_id = config.department(decision.lead).id
    coop_ids = list(dict.fromkeys(config.department(d).id for d in decision.cooperating))
    if lead_id in coop_ids:
        raise ValidationError("meeting.lead_and_coop", case=decision.case_id, department=Ref("department", lead_id))
    case = load_for(ctx, decision.case_id, "meeting")
    if case.state not in DECIDABLE:
        raise InvalidState("meeting.case_state", case=case.id, state=Ref("state", case.state))
    now = ctx.now()
    if decision.deadline is not None and decision.deadline <= now:
        raise ValidationError("meeting.deadline_past", case=case.id, deadline=local_iso(decision.deadline, config.tz))
    before = snapshot(case)
    first_dispatch = case.dispatched_at is None
    if first_dispatch:
        case.dispatched_at = now
    everything = redispatch(ctx, case, lead_id, coop_ids, now)
    if decision.deadline is not None:
        case.resolve_due = decision.deadline
        case.reminded_at = case.noticed_at = None  # a new deadline starts a new escalation ladder
    elif case.resolve_due is None:
        case.resolve_due, confirmed = rule_deadline(ctx, case, "resolve")
        case.due_confirmed = bool(case.due_confirmed and confirmed)
    case.last_progress_at = now
    MeetingDecision.create(meeting=meeting.id, case=case.id, lead=lead_id, cooperating=json.dumps(coop_ids),
                           plan=decision.plan, deadline=decision.deadline)
    return save(ctx, case, before, "meeting", assignments=everything,
                rows=rowdigest.of_rows(ctx.db, "meeting", [meeting.id]),
                extra_after={"meeting_id": meeting.id, "lead": lead_id, "cooperating": coop_ids,
                             "plan": decision.plan, "deadline": local_iso(decision.deadline, config.tz),
                             "dispatch": "dispatch" if first_dispatch else "redispatch"})


def record(ctx: Context, *, held_at: int, attendees: list[str], decisions: list[Decision], title: str = "",
           notes: str = "") -> tuple[Meeting, list[Case]]:
    """Store a joint meeting and apply its decisions (one transaction; any refusal stores nothing)."""
    require_role(ctx, "meeting")
    if not decisions:
        raise ValidationError("meeting.no_decision")
    seen = [d.case_id for d in decisions]
    if len(set(seen)) != len(seen):
        raise ValidationError("meeting.one_decision_per_case")
    attending = list(dict.fromkeys(ctx.config.department(d).id for d in attendees))
    if not attending:
        raise ValidationError("meeting.no_attendees")
    for decision in decisions:
        missing = [d for d in [decision.lead, *decision.cooperating]
                   if ctx.config.department(d).id not in attending]
        if missing:
            raise ValidationError("meeting.not_attending", case=decision.case_id, departments=refs("department", missing))
    with ctx.write():
        meeting = Meeting.create(held_at=held_at, title=title, attendees=json.dumps(attending), notes=notes,
                                 recorded_by=ctx.actor, recorded_at=ctx.now())
        cases = [_apply(ctx, meeting, d) for d in decisions]
    return meeting, cases


def meeting_row(ctx: Context, meeting: Meeting) -> dict[str, Any]:
    """A meeting with its decisions, as JSON."""
    tz = ctx.config.tz
    return {"id": meeting.id, "held_at": local_iso(meeting.held_at, tz), "title": meeting.title,
            "attendees": json.loads(meeting.attendees or "[]"), "notes": meeting.notes,
            "recorded_by": meeting.recorded_by, "recorded_at": local_iso(meeting.recorded_at, tz),
            "decisions": [{"case_id": d.case_id, "lead": d.lead, "cooperating": json.loads(d.cooperating or "[]"),
                           "plan": d.plan, "deadline": local_iso(d.deadline, tz)}
                          for d in MeetingDecision.select().where(MeetingDecision.meeting == meeting.id)
                          .order_by(MeetingDecision.id)]}


def meetings(ctx: Context, limit: int = 50) -> list[dict[str, Any]]:
    """Recorded meetings, newest first."""
    require_role(ctx, "meeting")
    return [meeting_row(ctx, m) for m in Meeting.select().order_by(Meeting.held_at.desc(), Meeting.id.desc())
            .limit(limit)]
