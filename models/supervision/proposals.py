"""追责建议: accountability proposed from the rules the office configures ([accountability] in
chuishao.toml), for the supervision group to confirm or dismiss — never created by the rules alone.

Rules (each computed from the event log and the rows its events wrote, so every proposal can be
checked by hand against `chuishao case history` / `audit export`):
    notices       a department publicly noticed (通报, event "notice" naming it) at least
                  `notices_per_month` times in one calendar month (office time zone); one proposal per
                  department and month, its evidence every notice event of that month. 0 turns it off.
    late_arrival  on a case whose priority is in `late_arrival_priorities`, a department's 报到 came
                  after its arrival deadline, or its arrival clock is still running past it; one
                  proposal per assignment, its evidence the dispatch and arrival events. [] turns it off.

A proposal's id names what it is about ("notices:zhujian:2026-10", "late_arrival:17"), so it is the
same id however often it is listed. Confirming one creates the accountability record through the
manual path (`record_accountability`: its "accountability" events) and a "proposal_confirm" event
naming the supervisor; dismissing one records a "proposal_dismiss" event with the reason. Either
way the id is decided and never proposed again. Supervisors and admins only (role action
"supervise").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from models.cases.casebase import require_text
from models.clocks.clocks import clocks_of
from models.errors import InvalidState, NotFound
from models.org.context import Context
from models.org.permissions import require_role
from models.store import events
from models.store.schema import Assignment, Case, Event
from models.supervision.supervision_orders import record_accountability
from models.text.messages import Names, Ref, render
from models.worktime.timeutil import from_epoch, local_iso

RULES = ("notices", "late_arrival")
DECIDED = ("proposal_confirm", "proposal_dismiss")


@dataclass
class Proposal:
    """One proposed accountability record: which rule, against whom, and the events behind it."""

    id: str
    rule: str
    department: str
    cases: list[int]
    evidence: list[dict[str, Any]] = field(default_factory=list)  # {event_id, at, action, case_id}
    detail: dict[str, Any] = field(default_factory=dict)  # the rule's figures (month and count, or clock)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "rule": self.rule, "department": self.department, "cases": self.cases,
                "evidence": self.evidence, **self.detail}

    def summary(self, language: str, names: Names | None = None) -> str:
        """What the proposal is, in words (the catalogue's), departments by name."""
        params: dict[str, Any] = {"department": Ref("department", self.department), **self.detail}
        if "priority" in params:
            params["priority"] = Ref("priority", str(params["priority"]))
        return render(f"supervision.proposal_{self.rule}", params, language, names)


def _rules(ctx: Context) -> dict[str, Any]:
    return ctx.config.section("accountability")


def _evidence(ctx: Context, event: Event) -> dict[str, Any]:
    return {"event_id": event.id, "at": local_iso(event.at, ctx.config.tz), "action": event.action,
            "case_id": event.case}


def decided_ids() -> set[str]:
    """Ids of the proposals already confirmed or dismissed (from their events)."""
    return {json.loads(e.after or "{}").get("proposal", "")
            for e in Event.select(Event.after).where(Event.action.in_(DECIDED))}


def notice_proposals(ctx: Context, now: int) -> list[Proposal]:
    """Departments noticed `notices_per_month` times or more in one calendar month (up to `now`)."""
    threshold = int(_rules(ctx)["notices_per_month"])
    if threshold <= 0:
        return []
    tz = ctx.config.tz
    by_month: dict[tuple[str, str], list[Event]] = {}
    for event in Event.select().where((Event.action == "notice") & (Event.at <= now)).order_by(Event.id):
        dept = json.loads(event.after or "{}").get("department")
        moment = from_epoch(int(event.at))
        if not dept or moment is None:
            continue
        by_month.setdefault((dept, moment.astimezone(tz).strftime("%Y-%m")), []).append(event)
    out = []
    for (dept, month), found in sorted(by_month.items()):
        if len(found) < threshold:
            continue
        cases = list(dict.fromkeys(int(e.case) for e in found if e.case is not None))
        out.append(Proposal(f"notices:{dept}:{month}", "notices", dept, cases, [_evidence(ctx, e) for e in found],
                            {"month": month, "count": len(found), "threshold": threshold}))
    return out


def late_arrival_proposals(ctx: Context, now: int) -> list[Proposal]:
    """Assignments on cases of the configured priorities whose 报到 was (or still is) late at `now`."""
    priorities = list(_rules(ctx)["late_arrival_priorities"])
    if not priorities:
        return []
    tz = ctx.config.tz
    cases = {c.id: c for c in Case.select().where(Case.priority.in_(priorities) & Case.dispatched_at.is_null(False))}
    by_case: dict[int, list[Assignment]] = {}
    for a in Assignment.select().where(Assignment.case.in_(sorted(cases))).order_by(Assignment.id):
        by_case.setdefault(a.case_id, []).append(a)
    out = []
    for case_id, assignments in sorted(by_case.items()):
        case = cases[case_id]
        for clock in clocks_of(case, assignments):  # the case's clocks as the workspace shows them
            a = clock.assignment
            if clock.name != "arrive" or a is None or clock.due is None:
                continue
            arrived = clock.stopped_at if clock.stopped_at is not None and clock.stopped_at <= now else None
            late = (arrived is not None and arrived > clock.due) or (clock.running and arrived is None
                                                                      and now > clock.due)
            if not late:
                continue
            found = list(Event.select().where((Event.case == case_id) & Event.action.in_(["dispatch", "review_return",
                                                                                          "arrive"])
                                              & (Event.at <= now)).order_by(Event.id))
            mine = [e for e in found if e.action != "arrive" or json.loads(e.after or "{}").get("department") in
                    (None, a.department)]
            late_by = (arrived if arrived is not None else now) - int(clock.due)
            out.append(Proposal(f"late_arrival:{a.id}", "late_arrival", a.department, [case_id],
                                [_evidence(ctx, e) for e in mine],
                                {"case_id": case_id, "priority": case.priority, "assignment_id": a.id,
                                 "arrive_due": local_iso(clock.due, tz),
                                 "arrived_at": local_iso(arrived, tz) if arrived is not None else None,
                                 "late_minutes": late_by // 60}))
    return out


def proposals(ctx: Context) -> list[Proposal]:
    """Every proposal the rules make now that nobody has confirmed or dismissed yet."""
    require_role(ctx, "supervise")
    now = ctx.now()
    decided = decided_ids()
    return [p for p in (*notice_proposals(ctx, now), *late_arrival_proposals(ctx, now)) if p.id not in decided]


def _open_proposal(ctx: Context, proposal_id: str) -> Proposal:
    if proposal_id in decided_ids():
        raise InvalidState("supervision.proposal_decided", proposal=proposal_id)
    found = next((p for p in proposals(ctx) if p.id == proposal_id), None)
    if found is None:
        raise NotFound("supervision.proposal_unknown", proposal=proposal_id)
    return found


def confirm(ctx: Context, proposal_id: str, *, reason: str) -> int:
    """Create the accountability record a proposal describes (the manual path) and record who
    confirmed it; returns the record's id."""
    require_role(ctx, "supervise")
    require_text(reason, "proposal_reason")
    with ctx.write():
        proposal = _open_proposal(ctx, proposal_id)
        row = record_accountability(ctx, reason=reason, department=proposal.department, cases=proposal.cases)
        events.record(ctx, "proposal_confirm", None, after={
            "proposal": proposal.id, "rule": proposal.rule, "department": proposal.department,
            "accountability_id": row.id, "reason": reason, "supervisor": ctx.on_behalf_of or ctx.actor,
            "evidence": [e["event_id"] for e in proposal.evidence]})
        return int(row.id)


def dismiss(ctx: Context, proposal_id: str, *, reason: str) -> None:
    """Set a proposal aside with the reason; it is not proposed again."""
    require_role(ctx, "supervise")
    require_text(reason, "proposal_reason")
    with ctx.write():
        proposal = _open_proposal(ctx, proposal_id)
        events.record(ctx, "proposal_dismiss", None, after={
            "proposal": proposal.id, "rule": proposal.rule, "department": proposal.department, "reason": reason,
            "supervisor": ctx.on_behalf_of or ctx.actor, "evidence": [e["event_id"] for e in proposal.evidence]})
