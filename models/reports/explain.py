"""The cases and events behind each scoreboard figure (`chuishao report scoreboard --explain DEPT`).

One query selects the department's rows of the period with, per measure, a flag for "in the
denominator", a flag for "in the numerator" and the value it adds — built from the same predicates
the scoreboard sums (models/reports/measures.py). So a department head who disputes a rank sees exactly the
assignments that made it, with the moments compared and the events that set those moments.
"""

from __future__ import annotations

import json
from typing import Any

import peewee as pw

from models.errors import PermissionDenied
from models.org.context import Context
from models.org.permissions import text_for_viewer
from models.reports.measures import (
    ONE,
    OVERDUE_PARTS,
    Measure,
    Rate,
    assignment_base,
    department_measures,
    evaluation_base,
    in_period,
    lead_case_base,
    lead_case_measures,
    rated_department,
    satisfied,
    township_base,
    township_evaluation_base,
    township_measures,
    when,
)
from models.reports.scoring import LADDER_KINDS, as_of, formula, score_parts
from models.store.schema import Accountability, Assignment, Case, Evaluation, Event, SupervisionOrder
from models.text.messages import Ref
from models.worktime.period import Period
from models.worktime.timeutil import local_iso

SEE_ALL = ("dispatcher", "supervisor", "admin")
# The moments each figure compares: shown with every row so the reader can check it.
FIELDS: dict[str, tuple[str, ...]] = {
    "assignments": ("role", "state", "dispatched_at"), "lead": ("role", "dispatched_at"),
    "cooperating": ("role", "dispatched_at"),
    "response": ("dispatched_at", "ack_due", "acknowledged_at", "returned_at"),
    "arrival": ("arrive_due", "arrived_at"),
    "lead_cases": ("case_state", "dispatched_at"),
    "resolution": ("case_state", "resolved_at"), "on_time": ("resolve_due", "resolved_at"),
    "returns": ("return_count", "returned_at"), "upheld_returns": ("state", "return_count", "returned_at"), "reopen": ("reopen_count", "resolved_at"),
    "overdue_sign_for": ("state", "case_state", "ack_due"), "overdue_arrival": ("state", "case_state", "arrive_due"),
    "overdue_resolve": ("case_state", "resolve_due"),
    "limbo": ("dispatched_at", "acknowledged_at", "returned_at"),
    "raised": ("received_at",), "local": ("decision",), "whistled": ("decision", "duty_item"),
    "rejected": ("decision",), "resolved_locally": ("case_state",), "whistle_rate": ("decision",),
    "own_duty_whistles": ("duty_item",),
}
TIMES = {"dispatched_at", "ack_due", "acknowledged_at", "returned_at", "arrive_due", "arrived_at", "resolve_due",
         "resolved_at", "received_at"}


def require_explain(ctx: Context, department: str | None = None, township: str | None = None) -> None:
    """Figures are published to everyone; the cases behind them only within the operator's scope."""
    op = ctx.operator
    if op.role in SEE_ALL:
        return
    if department is not None and op.role == "department" and op.department == department:
        return
    if township is not None and op.role == "township" and op.township == township:
        return
    raise PermissionDenied("perm.explain_own_only", operator=op.name, role=Ref("role", op.role),
                           whose=Ref("department", department) if department else Ref("township", township or ""))


def _flags(measures: list[Measure]) -> list[pw.Node]:
    columns: list[pw.Node] = []
    for m in measures:
        columns += [when(m.den).alias(f"{m.key}__den"), when(m.den & m.num, ONE if m.value is None else m.value).alias(f"{m.key}__num")]
    return columns


def _figures(ctx: Context, rows: list[dict[str, Any]], measures: list[Measure],
             events: dict[int, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    tz = ctx.config.tz
    out: dict[str, dict[str, Any]] = {}
    for m in measures:
        entries = []
        for row in rows:
            if not row[f"{m.key}__den"]:
                continue
            value = int(row[f"{m.key}__num"] or 0)
            entry: dict[str, Any] = {"case_id": row["case_id"], "title": text_for_viewer(ctx, row["title"]),
                                     "counted": value > 0}
            if "assignment_id" in row:
                entry["assignment_id"] = row["assignment_id"]
            if m.value is not None:  # a sum (returns, seconds in limbo), not a count of rows
                entry["value"] = value
            for name in FIELDS.get(m.key, ()):
                entry[name] = local_iso(row[name], tz) if name in TIMES else row[name]
            entry["events"] = [e for e in events.get(row["case_id"], []) if e["action"] in m.actions]
            entries.append(entry)
        total = Rate(sum(int(r.get("value", 1)) for r in entries if r["counted"]), len(entries))
        out[m.key] = {**total.as_dict(), "kind": m.kind, "cases": entries}
    return out


def _events(ctx: Context, case_ids: list[int], actions: set[str], department: str | None) -> dict[int, list[dict]]:
    """The events of these cases with the given actions; a department's own steps only, not another's."""
    found: dict[int, list[dict[str, Any]]] = {}
    for chunk in range(0, len(case_ids), 500):
        for e in (Event.select(Event.id, Event.case, Event.at, Event.action, Event.operator, Event.after)
                  .where(Event.case.in_(case_ids[chunk:chunk + 500]) & Event.action.in_(sorted(actions)))
                  .order_by(Event.id)):
            after = json.loads(e.after or "{}")
            if department and "department" in after and after["department"] != department:
                continue
            found.setdefault(e.case, []).append({"id": e.id, "at": local_iso(e.at, ctx.config.tz),
                                                 "action": e.action, "operator": e.operator})
    return found


def _evaluation_rows(ctx: Context, query: pw.ModelSelect) -> dict[str, dict[str, Any]]:
    by_source: dict[str, list[dict[str, Any]]] = {}
    for r in query.dicts():
        by_source.setdefault(r["source"], []).append({
            "case_id": r["case_id"], "title": text_for_viewer(ctx, r["title"]), "counted": bool(r["ok"]),
            "evaluation_id": r["id"],
            "source": r["source"], "rating": r["rating"], "round": r["round"],
            "at": local_iso(r["created_at"], ctx.config.tz)})
    every = [row for rows in by_source.values() for row in rows]
    figures = {f"satisfaction_{s}": rows for s, rows in by_source.items()}
    figures["satisfaction"] = sorted(every, key=lambda r: r["evaluation_id"])
    return {key: {**Rate(sum(r["counted"] for r in rows), len(rows)).as_dict(), "kind": "rate", "cases": rows}
            for key, rows in figures.items()}


def explain(ctx: Context, department: str, period: Period) -> dict[str, Any]:
    """Every figure of one department's scoreboard row with the rows that make it up."""
    dept = ctx.config.department(department).id
    require_explain(ctx, department=dept)
    now = as_of(ctx, period)
    measures, lead_measures = department_measures(now), lead_case_measures(now)
    a, c = Assignment, Case
    rows = list(a.select(a.id.alias("assignment_id"), c.id.alias("case_id"), c.title, a.role, a.state,
                         c.state.alias("case_state"), a.dispatched_at, a.ack_due, a.acknowledged_at,
                         a.returned_at, a.arrive_due, a.arrived_at, a.return_count, *_flags(measures))
                .join(c, on=(a.case == c.id)).where(assignment_base(period) & (a.department == dept))
                .order_by(c.id, a.id).dicts())
    lead_rows = list(c.select(c.id.alias("case_id"), c.title, c.state.alias("case_state"), c.dispatched_at,
                              c.resolve_due, c.resolved_at, c.reopen_count, *_flags(lead_measures))
                     .where(lead_case_base(period) & (c.lead == dept)).order_by(c.id).dicts())
    case_ids = sorted({r["case_id"] for r in rows} | {r["case_id"] for r in lead_rows})
    actions = {x for m in measures + lead_measures for x in m.actions} | {"evaluate"}
    events = _events(ctx, case_ids, actions, dept)
    figures = {**_figures(ctx, rows, measures, events), **_figures(ctx, lead_rows, lead_measures, events)}
    late = [{**row, "clock": key.split("_", 1)[1]} for key in OVERDUE_PARTS
            for row in figures[key]["cases"] if row["counted"]]
    figures["overdue"] = {"num": len(late), "den": len(rows), "rate": None, "kind": "count", "cases": late}
    figures.update(_evaluation_rows(ctx, Evaluation.select(
        Evaluation.id, Evaluation.source, Evaluation.rating, Evaluation.round, Evaluation.created_at,
        c.id.alias("case_id"), c.title, when(satisfied()).alias("ok"))
        .join(c, on=(Evaluation.case == c.id))
        .where(evaluation_base(period, now) & (rated_department() == dept)).order_by(Evaluation.id)))
    orders = [{"order_id": o.id, "case_id": o.case_id, "kind": o.kind, "level": o.level, "status": o.status,
               "issued_at": local_iso(o.issued_at, ctx.config.tz), "counted": True}
              for o in SupervisionOrder.select().where((SupervisionOrder.department == dept)
                                                       & in_period(SupervisionOrder.issued_at, period))
              .order_by(SupervisionOrder.id)]
    records = [{"accountability_id": r.id, "cases": json.loads(r.cases or "[]"), "person": r.person,
                "reason": r.reason, "recorded_at": local_iso(r.recorded_at, ctx.config.tz), "counted": True}
               for r in Accountability.select().where((Accountability.department == dept)
                                                      & in_period(Accountability.recorded_at, period))
               .order_by(Accountability.id)]
    figures["supervision"] = {"num": len(orders), "den": len(rows), "rate": None, "kind": "count", "cases": orders}
    ordered = [o for o in orders if o["kind"] not in LADDER_KINDS]  # the ladder's are in the on-time rates
    figures["supervision_ordered"] = {"num": len(ordered), "den": len(rows), "rate": None, "kind": "count",
                                      "cases": ordered}
    figures["accountability"] = {"num": len(records), "den": len(rows), "rate": None, "kind": "count",
                                 "cases": records}
    rates = {k: Rate(int(f["num"]), int(f["den"])) for k, f in figures.items()}
    return {"department": dept, "name": ctx.config.departments[dept].name,
            "period": period.as_dict(ctx.config.tz), "as_of": local_iso(now, ctx.config.tz),
            "formula": formula(ctx, ctx.config.language), "score": score_parts(ctx, rates), "figures": figures}


def explain_township(ctx: Context, township: str, period: Period) -> dict[str, Any]:
    """Every figure of one township's scoreboard row with the cases that make it up."""
    town = ctx.config.township(township).id
    require_explain(ctx, township=town)
    now = as_of(ctx, period)
    measures = township_measures(ctx.config, now)
    c = Case
    rows = list(c.select(c.id.alias("case_id"), c.title, c.state.alias("case_state"), c.decision, c.duty_item,
                         c.received_at, *_flags(measures))
                .where(township_base(period) & (c.township == town)).order_by(c.id).dicts())
    events = _events(ctx, [r["case_id"] for r in rows], {x for m in measures for x in m.actions}, None)
    figures = _figures(ctx, rows, measures, events)
    sat = _evaluation_rows(ctx, Evaluation.select(
        Evaluation.id, Evaluation.source, Evaluation.rating, Evaluation.round, Evaluation.created_at,
        c.id.alias("case_id"), c.title, when(satisfied()).alias("ok"))
        .join(c, on=(Evaluation.case == c.id)).where(township_evaluation_base(period, now) & (c.township == town))
        .order_by(Evaluation.id))
    figures["satisfaction"] = sat.get("satisfaction", {"num": 0, "den": 0, "rate": None, "kind": "rate", "cases": []})
    return {"township": town, "name": ctx.config.townships[town].name,
            "period": period.as_dict(ctx.config.tz), "figures": figures}
