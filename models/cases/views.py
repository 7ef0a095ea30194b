"""Serialising cases for `--json`, exports and the console: one shape everywhere, with masking."""

from __future__ import annotations

import json
from typing import Any

from models.clocks.clocks import clocks_of
from models.org.context import Context
from models.org.permissions import masked
from models.store.schema import Assignment, Case, Evaluation, Event, Extension, Note, Pause, Report
from models.worktime.timeutil import local_iso


def case_row(ctx: Context, case: Case, assignments: list[Assignment] | None = None) -> dict[str, Any]:
    """The list-level view of a case."""
    tz = ctx.config.tz
    active = [a for a in (assignments if assignments is not None else
                          Assignment.select().where(Assignment.case == case.id)) if a.active]
    return masked(ctx, "case", {
        "id": case.id, "state": case.state, "title": case.title,
        "channel": case.channel,
        "township": case.township, "village": case.village, "category": case.category,
        "priority": case.priority, "decision": case.decision, "duty_item": case.duty_item,
        "lead": case.lead, "cooperating": [a.department for a in active if a.role == "cooperating"],
        "received_at": local_iso(case.received_at, tz), "updated_at": local_iso(case.updated_at, tz),
        "updated_by": case.updated_by,
        "next_due": local_iso(case.next_due, tz), "due_confirmed": bool(case.due_confirmed),
        "dispatch_due": local_iso(case.dispatch_due, tz), "resolve_due": local_iso(case.resolve_due, tz),
        "overdue": bool(case.next_due is not None and case.next_due < ctx.now()),
        "paused": case.paused_since is not None,
        "report_count": case.report_count, "repeat_count": case.repeat_count, "return_count": case.return_count,
        "reopen_count": case.reopen_count, "extension_count": case.extension_count,
        "must_supervise": [r for r in (case.must_supervise or "").split(",") if r],
        "merged_into": case.merged_into_id, "parent": case.parent_id, "version": case.version,
    })


def report_row(ctx: Context, report: Report) -> dict[str, Any]:
    return masked(ctx, "report", {
        "id": report.id, "case_id": report.case_id, "home_case_id": report.home_case_id,
        "channel": report.channel, "source_id": report.source_id, "title": report.title,
        "text": report.text, "citizen_name": report.citizen_name, "phone": report.phone,
        "address": report.address, "township_hint": report.township_hint,
        "category_hint": report.category_hint, "received_at": local_iso(report.received_at, ctx.config.tz),
    })


def assignment_row(ctx: Context, a: Assignment, running: frozenset[str] = frozenset()) -> dict[str, Any]:
    """One department on the case; `ack_running` / `arrive_running` say whether that clock still runs
    (a resolved, closed, merged or rejected case stops them all: nothing is late any more)."""
    tz = ctx.config.tz
    return masked(ctx, "assignment", {
        "ack_running": "acknowledge" in running, "arrive_running": "arrive" in running,
        "id": a.id, "department": a.department, "role": a.role, "state": a.state, "active": a.active,
        "dispatched_at": local_iso(a.dispatched_at, tz), "ack_due": local_iso(a.ack_due, tz),
        "acknowledged_at": local_iso(a.acknowledged_at, tz), "arrive_due": local_iso(a.arrive_due, tz),
        "arrived_at": local_iso(a.arrived_at, tz), "returned_at": local_iso(a.returned_at, tz),
        "return_reason": a.return_reason, "return_count": a.return_count,
    })


def event_row(ctx: Context, e: Event) -> dict[str, Any]:
    return masked(ctx, "event", {
        "id": e.id, "case_id": e.case, "at": local_iso(e.at, ctx.config.tz), "operator": e.operator,
        "on_behalf_of": e.on_behalf_of, "action": e.action, "state_before": e.state_before,
        "state_after": e.state_after, "before": json.loads(e.before), "after": json.loads(e.after),
    })


def case_detail(ctx: Context, case: Case) -> dict[str, Any]:
    """Everything about one case: reports, assignments, notes, evaluations, extensions, events."""
    tz = ctx.config.tz
    assignments = list(Assignment.select().where(Assignment.case == case.id).order_by(Assignment.id))
    detail = case_row(ctx, case, assignments)
    running: dict[int, frozenset[str]] = {}
    for clock in clocks_of(case, assignments):
        if clock.running and clock.assignment is not None:
            running[clock.assignment.id] = running.get(clock.assignment.id, frozenset()) | {clock.name}
    detail.update(masked(ctx, "case", {"reason": case.reason, "result": case.result}))
    detail.update({
        "triaged_at": local_iso(case.triaged_at, tz), "dispatched_at": local_iso(case.dispatched_at, tz),
        "resolved_at": local_iso(case.resolved_at, tz), "closed_at": local_iso(case.closed_at, tz),
        "reports": [report_row(ctx, r) for r in Report.select().where(Report.case == case.id).order_by(Report.id)],
        "assignments": [assignment_row(ctx, a, running.get(a.id, frozenset())) for a in assignments],
        "notes": [masked(ctx, "note", {"id": n.id, "operator": n.operator, "department": n.department,
                                       "text": n.text, "created_at": local_iso(n.created_at, tz)})
                  for n in Note.select().where(Note.case == case.id).order_by(Note.id)],
        "evaluations": [masked(ctx, "evaluation", {
                            "id": v.id, "source": v.source, "rating": v.rating, "outcome": v.outcome,
                            "comment": v.comment, "round": v.round, "operator": v.operator,
                            "department": v.department,
                            "created_at": local_iso(v.created_at, tz)})
                        for v in Evaluation.select().where(Evaluation.case == case.id).order_by(Evaluation.id)],
        "extensions": [masked(ctx, "extension", {
                           "id": x.id, "status": x.status, "requested_by": x.requested_by, "reason": x.reason,
                           "old_due": local_iso(x.old_due, tz), "new_due": local_iso(x.new_due, tz),
                           "decided_by": x.decided_by})
                       for x in Extension.select().where(Extension.case == case.id).order_by(Extension.id)],
        "pauses": [masked(ctx, "pause", {"id": p.id, "reason": p.reason, "started_at": local_iso(p.started_at, tz),
                                         "ended_at": local_iso(p.ended_at, tz)})
                   for p in Pause.select().where(Pause.case == case.id).order_by(Pause.id)],
        "children": [c.id for c in Case.select(Case.id).where(Case.parent == case.id)],
        # cases merged into this one and not unmerged since (each can be unmerged from here)
        "merged_sources": [c.id for c in Case.select(Case.id).where((Case.merged_into == case.id)
                                                                    & (Case.state == "merged")).order_by(Case.id)],
        "events": [event_row(ctx, e) for e in Event.select().where(Event.case == case.id).order_by(Event.id)],
    })
    return detail
