"""Reading cases: the queue's views, filters, search and keyset paging, always within scope."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import peewee as pw

from models import engine, search
from models.casebase import get_case
from models.context import Context
from models.permissions import require_case, scope_filter
from models.schema import Assignment, Case, Event
from models.states import DEPARTMENT_STATES, FINAL_STATES, IN_PROGRESS, NEW, RESOLVED, RETURNED, WHISTLED

# The queue's views: id → (states, overdue only).
VIEWS: dict[str, tuple[frozenset[str] | None, bool]] = {
    "new": (frozenset({NEW}), False),
    "whistled": (frozenset({WHISTLED, RETURNED}), False),
    "in_progress": (frozenset(IN_PROGRESS), False),
    "overdue": (None, True),
    "to_evaluate": (frozenset({RESOLVED}), False),
    "all": (None, False),
}
SORTS = ("next_due", "received_at", "id", "updated_at", "state", "township", "category", "priority",
         "lead", "channel", "report_count", "title")


@dataclass(frozen=True)
class CaseQuery:
    """What the operator asked to see. Empty fields mean "any"."""

    view: str = "all"
    states: tuple[str, ...] = ()
    township: str | None = None
    department: str | None = None
    channel: str | None = None
    priority: str | None = None
    category: str | None = None
    text: str | None = None
    overdue: bool = False
    due_within: int | None = None  # seconds from now
    include_merged: bool = False
    sort: str = "next_due"
    descending: bool = False

    def with_(self, **changes: Any) -> CaseQuery:
        return replace(self, **changes)


def build(ctx: Context, q: CaseQuery) -> pw.ModelSelect:
    """The scoped, filtered Case query (unordered)."""
    query = scope_filter(ctx, Case.select())
    states, overdue_only = VIEWS.get(q.view, (None, False))
    now = ctx.now()
    if states is not None:
        query = query.where(Case.state.in_(list(states)))
    if q.states:
        query = query.where(Case.state.in_(list(q.states)))
    if not q.include_merged and not q.states:
        query = query.where(Case.state != "merged")
    if overdue_only or q.overdue:
        query = query.where(Case.next_due.is_null(False) & (Case.next_due < now))
    if q.due_within is not None:
        query = query.where(Case.next_due.is_null(False) & (Case.next_due <= now + q.due_within))
    if q.township:
        query = query.where(Case.township == ctx.config.township(q.township).id)
    if q.department:
        dept = ctx.config.department(q.department).id
        query = query.where(Case.id.in_(Assignment.select(Assignment.case).where(Assignment.department == dept)))
    if q.channel:
        query = query.where(Case.channel == ctx.config.channel(q.channel))
    if q.priority:
        query = query.where(Case.priority == ctx.config.priority(q.priority).id)
    if q.category:
        path = ctx.config.category(q.category)
        query = query.where((Case.category == path) | Case.category.startswith(path + "/"))
    if q.text and q.text.strip():
        match = search.match_expression(q.text)
        if match is not None:
            sql, params = engine.search_match_sql(match)
            query = query.where(Case.id.in_(pw.NodeList([pw.SQL(sql, params)], parens=True)))
    return query


def sort_columns(q: CaseQuery) -> list[pw.Node]:
    column = getattr(Case, q.sort if q.sort in SORTS else "next_due")
    if q.sort == "next_due":
        # Cases with no running clock sort last; the id keeps the order total for keyset paging.
        key: pw.Node = pw.fn.COALESCE(Case.next_due, 2**62)
    else:
        key = column
    return [key.desc() if q.descending else key.asc(), Case.id.desc() if q.descending else Case.id.asc()]


def list_cases(ctx: Context, q: CaseQuery, limit: int | None = 200, offset: int = 0) -> list[Case]:
    """One page of cases in the query's order."""
    query = build(ctx, q).order_by(*sort_columns(q))
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(query)


def count_cases(ctx: Context, q: CaseQuery) -> int:
    return int(build(ctx, q).count())


def view_counts(ctx: Context, base: CaseQuery | None = None) -> dict[str, int]:
    """How many cases each queue view holds (for the tabs)."""
    base = base or CaseQuery()
    return {view: count_cases(ctx, base.with_(view=view)) for view in VIEWS}


def show(ctx: Context, case_id: int) -> Case:
    """One case, within scope."""
    case = get_case(case_id)
    require_case(ctx, case)
    return case


def history(ctx: Context, case_id: int) -> list[Event]:
    show(ctx, case_id)
    return list(Event.select().where(Event.case == case_id).order_by(Event.id))


def assignments_by_case(case_ids: list[int]) -> dict[int, list[Assignment]]:
    """Assignments of many cases in one query (no query per row)."""
    out: dict[int, list[Assignment]] = {cid: [] for cid in case_ids}
    if case_ids:
        for a in Assignment.select().where(Assignment.case.in_(case_ids)).order_by(Assignment.id):
            out[a.case_id].append(a)
    return out


__all__ = ["CaseQuery", "VIEWS", "SORTS", "list_cases", "count_cases", "view_counts", "show", "history",
           "assignments_by_case", "FINAL_STATES", "DEPARTMENT_STATES"]
