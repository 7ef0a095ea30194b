"""Department and township scoreboards (绩效考核) for a period, and the cases behind every figure.

Definitions (a department, a period; "its assignments" = assignments of the department dispatched in
the period, leaving out withdrawn ones and those of merged or split cases; "its lead cases" = cases
first dispatched in the period whose current lead (Case.lead) it is — after a return and a
re-dispatch the new lead answers for the case):

- assignments / lead / cooperating: how many assignments, by role; lead cases: how many.
- response rate (响应率): assignments signed for (acknowledged) by their ack_due, over assignments
  whose sign-for is settled: acknowledged, returned, or past ack_due now. A return is not a
  response (it is counted by the return rate); an assignment still inside its sign-for time counts
  in neither part yet.
- arrival on time (按时到场率): arrived_at ≤ arrive_due, over assignments with an arrive clock that
  were not returned and have arrived or are past arrive_due.
- resolution rate (解决率): lead cases resolved (resolved_at set; a reopened case is unresolved
  until resolved again) over lead cases.
- on-time resolution (按时办结率): resolved_at ≤ resolve_due (after approved extensions) over lead
  cases resolved.
- satisfaction (满意率), overall and by source (citizen, township, third_party): satisfied or
  basically satisfied over rated evaluations of the latest round (round = the case's reopen count)
  of lead cases; unreachable callbacks are not ratings. A township evaluation (基层评价) counts for
  the department it rated — the lead or a cooperating one — on the cases dispatched in the period;
  the others for the case's lead. Below [evaluation] satisfaction_floor → flag.
- return rate (退单率): returns (sum of the assignments' return counts) over assignments.
- reopen rate (重办率): lead cases reopened at least once over lead cases resolved at least once.
- time in limbo (悬空时长): how long its assignments waited to be signed for, from dispatch until
  signed for or returned (or until the case ended, or now); total and average per assignment.
- overdue (超期): its clocks running past due now, while the case is with the departments
  (dispatched, acknowledged, on site) and not paused: sign-for and arrival clocks of its
  assignments, and the resolve clock of its lead cases; a clock counts once.
- supervision orders (督办) and accountability records (追责) against it, issued in the period.
- total score (see `formula`): Σ weight × rate over the rates that have a denominator (weights
  renormalised) × 100, minus for each deduction its points per 100 (deduction × 100 × count / its
  base): returns the office upheld per assignment, reopened lead cases per lead case resolved,
  supervision orders a supervisor issued per assignment, accountability records per assignment —
  then held within 0..100. Rates and deductions are shares, so a department with ten times the
  cases and the same performance has the same score. One failure counts once: a late clock counts
  in its on-time rate (response, arrival, on-time resolution, or the resolution rate while
  unresolved), so neither the overdue count nor the reminders and notices (催办/通报) the supervision
  ladder writes for that same clock are deducted again; a return the office accepted (it
  re-dispatched the case) or has still to review is not charged. Nothing assigned and no lead
  case: no score, no rank.
- as of the period's end: every moment compared is taken up to min(now, end of period), so a
  month already over keeps its figures when a case of it is resolved, signed for or evaluated later.

A township (cases with that township received in the period, merged/split ones left out): raised;
local, whistled, rejected; resolved locally (local cases now resolved or closed over local cases);
whistle rate (whistled over cases decided local or whistle; outside [scoring] whistle_band → flag
"too_high" 乱吹 or "too_low" 漏哨 risk); own-duty whistles (whistled cases whose duty-list item has
scope "township" — the township's own duty; any → flag "own_duty"); satisfaction of its cases
(latest round, all sources).

Everything is computed by GROUP BY queries over the measures in models/reports/measures.py; `explain`
selects the same rows with the same predicates.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from models.org.context import Context, on_replica
from models.reports.explain import explain, explain_township, require_explain
from models.reports.measures import (
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
    rating_sums,
    read_sums,
    sums,
    township_base,
    township_evaluation_base,
    township_measures,
)
from models.reports.scoring import LADDER_KINDS, as_of, formula, score_parts
from models.store.schema import Accountability, Assignment, Case, Evaluation, SupervisionOrder, database_proxy
from models.worktime.period import Period

SOURCES = ("citizen", "township", "third_party")


@dataclass
class DepartmentScore:
    department: str
    name: str
    figures: dict[str, Rate]  # every measure, plus satisfaction, supervision and accountability
    by_source: dict[str, Rate]
    supervision_kinds: dict[str, int]
    score: float | None = None
    rank: int | None = None
    deductions: dict[str, float] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        f = self.figures
        limbo = f["limbo"]
        return {
            "department": self.department, "name": self.name, "rank": self.rank, "score": self.score,
            "assignments": f["assignments"].num, "lead": f["lead"].num, "cooperating": f["cooperating"].num,
            "rates": {key: f[key].as_dict() for key in ("response", "arrival", "resolution", "on_time",
                                                        "satisfaction", "returns", "reopen")},
            "satisfaction_by_source": {s: r.as_dict() for s, r in self.by_source.items()},
            "lead_cases": f["lead_cases"].num,
            "overdue": f["overdue"].num, "overdue_clocks": {k.split("_", 1)[1]: f[k].num for k in OVERDUE_PARTS},
            "limbo": {"seconds": limbo.num, "assignments": limbo.den,
                      "average_hours": round(limbo.num / limbo.den / 3600, 2) if limbo.den else None},
            "supervision_orders": {"total": f["supervision"].num, **self.supervision_kinds},
            "accountability": f["accountability"].num,
            "deductions": self.deductions, "flags": self.flags,
        }


@dataclass
class TownshipScore:
    township: str
    name: str
    figures: dict[str, Rate]
    flags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        f = self.figures
        return {
            "township": self.township, "name": self.name,
            **{key: f[key].num for key in ("raised", "local", "whistled", "rejected", "sent_back")},
            "rates": {key: f[key].as_dict() for key in ("resolved_locally", "whistle_rate", "own_duty_whistles",
                                                        "wrong_whistle_rate", "satisfaction")},
            "flags": self.flags,
        }


def _fetch(ctx: Context, queries: list[pw.Query]) -> list[list[dict[str, Any]]]:
    """The rows of independent read queries, two at a time when the database is a file.

    A year of a million cases is a few CPU-bound passes over indexes; SQLite leaves Python's lock
    while it works, so on two cores two passes take the time of one. Each thread reads on its own
    connection (peewee keeps one per thread), closed when its query is done.
    """
    def run(query: pw.Query) -> list[dict[str, Any]]:
        return list(query.dicts())

    if len(queries) < 2 or getattr(ctx.db, "database", ":memory:") == ":memory:":
        return [run(q) for q in queries]  # an in-memory database exists on one connection only

    def in_thread(query: pw.Query) -> list[dict[str, Any]]:
        try:
            with database_proxy.reading_from(ctx.db):  # the caller's database (the replica's, on_replica)
                return run(query)
        finally:
            ctx.db.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(in_thread, queries))


@on_replica
def department_scoreboard(ctx: Context, period: Period) -> list[DepartmentScore]:
    """Every configured department's figures, score and rank for the period (best first)."""
    now = as_of(ctx, period)
    measures, lead_measures = department_measures(now), lead_case_measures(now)
    # IN (the configured ids) lets each index serve one department's time range after another, in
    # GROUP BY order: no sort, and no need for the planner's statistics (ANALYZE) to find that plan.
    ids = sorted(ctx.config.departments)
    assigned, evaluated, led, ordered, blamed_rows = _fetch(ctx, [
        Assignment.select(Assignment.department, *sums(measures))
        .where(Assignment.department.in_(ids) & assignment_base(period)).group_by(Assignment.department),
        Evaluation.select(rated_department().alias("lead"), *rating_sums(SOURCES))
        .join(Case, on=(Evaluation.case == Case.id))
        .where(rated_department().in_(ids) & evaluation_base(period, now)).group_by(rated_department()),
        Case.select(Case.lead, *sums(lead_measures)).where(Case.lead.in_(ids) & lead_case_base(period))
        .group_by(Case.lead),
        SupervisionOrder.select(SupervisionOrder.department, SupervisionOrder.kind,
                                pw.fn.COUNT(SupervisionOrder.id).alias("n"))
        .where(in_period(SupervisionOrder.issued_at, period) & SupervisionOrder.department.is_null(False))
        .group_by(SupervisionOrder.department, SupervisionOrder.kind),
        Accountability.select(Accountability.department, pw.fn.COUNT(Accountability.id).alias("n"))
        .where(in_period(Accountability.recorded_at, period) & Accountability.department.is_null(False))
        .group_by(Accountability.department)])
    grouped = {r["department"]: r for r in assigned}
    evaluations = {r["lead"]: r for r in evaluated}
    leads = {r["lead"]: r for r in led}
    orders: dict[str, dict[str, int]] = {}
    for r in ordered:
        orders.setdefault(r["department"], {})[r["kind"]] = int(r["n"])
    blamed = {r["department"]: int(r["n"]) for r in blamed_rows}
    boards = []
    for dept in ctx.config.departments.values():
        figures = {**read_sums(grouped.get(dept.id, {}), measures),
                   **read_sums(leads.get(dept.id, {}), lead_measures)}
        figures["overdue"] = Rate(sum(figures[k].num for k in OVERDUE_PARTS), figures["assignments"].num)
        rated = evaluations.get(dept.id, {})
        by_source = {s: Rate(int(rated.get(f"{s}_ok") or 0), int(rated.get(f"{s}_n") or 0)) for s in SOURCES}
        figures["satisfaction"] = Rate(sum(r.num for r in by_source.values()), sum(r.den for r in by_source.values()))
        kinds = orders.get(dept.id, {})
        figures["supervision"] = Rate(sum(kinds.values()), figures["assignments"].num)
        figures["supervision_ordered"] = Rate(sum(n for k, n in kinds.items() if k not in LADDER_KINDS),
                                              figures["assignments"].num)
        figures["accountability"] = Rate(blamed.get(dept.id, 0), figures["assignments"].num)
        board = DepartmentScore(dept.id, dept.name, figures, by_source, dict(sorted(kinds.items())))
        _score(ctx, board)
        boards.append(board)
    return rank(boards)


def _score(ctx: Context, board: DepartmentScore) -> None:
    parts = score_parts(ctx, board.figures)
    board.deductions = {k: d["points"] for k, d in parts["deductions"].items()}
    floor = float(ctx.config.section("evaluation")["satisfaction_floor"])
    sat = board.figures["satisfaction"].rate
    if sat is not None and sat < floor:
        board.flags.append("below_satisfaction_floor")
    if board.figures["overdue"].num:
        board.flags.append("overdue")
    # Nothing assigned and nothing rated: no score rather than a made-up one (parts["score"] None).
    board.score = parts["score"]


def rank(boards: list[DepartmentScore]) -> list[DepartmentScore]:
    """Best score first; departments without a score last, unranked (ties share a rank)."""
    boards.sort(key=lambda b: (b.score is None, -(b.score or 0.0), b.department))
    previous: tuple[float | None, int] = (None, 0)
    for position, board in enumerate(boards, start=1):
        if board.score is None:
            continue
        board.rank = previous[1] if board.score == previous[0] else position
        previous = (board.score, board.rank)
    return boards


@on_replica
def township_scoreboard(ctx: Context, period: Period) -> list[TownshipScore]:
    """Every configured township's figures and flags for the period."""
    now = as_of(ctx, period)
    measures = township_measures(ctx.config, now)
    ids = sorted(ctx.config.townships)  # IN: see department_scoreboard
    rated_rows, counted = _fetch(ctx, [
        Evaluation.select(Case.township, *rating_sums(SOURCES)).join(Case, on=(Evaluation.case == Case.id))
        .where(Case.township.in_(ids) & township_evaluation_base(period, now)).group_by(Case.township),
        Case.select(Case.township, *sums(measures)).where(Case.township.in_(ids) & township_base(period))
        .group_by(Case.township)])
    grouped = {r["township"]: r for r in counted}
    ratings = {r["township"]: r for r in rated_rows}
    low, high = (float(x) for x in ctx.config.section("scoring")["whistle_band"])
    floor = float(ctx.config.section("evaluation")["satisfaction_floor"])
    boards = []
    for town in ctx.config.townships.values():
        figures = read_sums(grouped.get(town.id, {}), measures)
        rated = ratings.get(town.id, {})
        figures["satisfaction"] = Rate(sum(int(rated.get(f"{s}_ok") or 0) for s in SOURCES),
                                       sum(int(rated.get(f"{s}_n") or 0) for s in SOURCES))
        board = TownshipScore(town.id, town.name, figures)
        whistle = figures["whistle_rate"].rate
        if whistle is not None and whistle > high:
            board.flags.append("too_high")
        if whistle is not None and whistle < low:
            board.flags.append("too_low")
        if figures["own_duty_whistles"].num:
            board.flags.append("own_duty")
        if figures["sent_back"].num:
            board.flags.append("sent_back")
        sat = figures["satisfaction"].rate
        if sat is not None and sat < floor:
            board.flags.append("below_satisfaction_floor")
        boards.append(board)
    return boards


__all__ = [
    "DepartmentScore",
    "Measure",
    "Rate",
    "TownshipScore",
    "as_of",
    "department_scoreboard",
    "explain",
    "explain_township",
    "formula",
    "rank",
    "require_explain",
    "score_parts",
    "township_scoreboard",
]
