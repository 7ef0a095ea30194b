"""Reading cases: the queue's views, filters, search and keyset paging, always within scope.

Paging is by key, never by OFFSET: a page is "the next N cases after (sort value, id)", which costs
the same on page 1 and page 5000 when the sort column is indexed (OFFSET 99800 costs 30× more, see
DEPENDENCIES.md). Nullable sort columns (next deadline, township, category, lead) are paged in two
segments — rows with a value first, then rows without one by id — so every sort uses a plain column
index (NULLs never compare in a row-value comparison, and COALESCE would need an expression index).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import peewee as pw

from models.cases.casebase import get_case, refused
from models.errors import DomainError, PermissionDenied
from models.org.context import Context
from models.org.permissions import (
    department_cases,
    require_case,
    require_role,
    scope_filter,
    sees_personal_data,
)
from models.store import engine
from models.store.schema import Assignment, Case, Event
from models.store.states import (
    ALLOWED,
    DEPARTMENT_STATES,
    FINAL_STATES,
    IN_PROGRESS,
    NEW,
    RESOLVED,
    RETURNED,
    WHISTLED,
    steps_allowed,
)
from models.text import search

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
# Sorts backed by an index (every column the queue shows except the title): keyset pages stay fast
# on a million cases. The others work too, with a sort of the filtered rows per page.
INDEXED_SORTS = ("next_due", "received_at", "id", "state", "township", "category", "priority", "lead",
                 "channel", "report_count")
NULLABLE_SORTS = frozenset({"next_due", "township", "category", "lead"})

SortKey = tuple[Any, int]  # (the sort column's value, possibly None; the case id)


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
    # Read only these Case columns (the id and the sort column are added): pages then hold light
    # named tuples instead of models, several times cheaper to build for a queue that only shows rows.
    columns: tuple[str, ...] = ()

    def with_(self, **changes: Any) -> CaseQuery:
        return replace(self, **changes)


def build(ctx: Context, q: CaseQuery, walk: bool = False) -> pw.ModelSelect:
    """The scoped, filtered Case query (unordered).

    `walk`: the query will walk an index in queue order for one page; a large department's cases
    are then a filter on that walk, not where SQLite starts (see `_walk_filters`). A count, a
    look-up by id and a small department's page start from the department's cases."""
    case_id = engine.filter_only(ctx.db, Case.id) if walk and _walk_filters(ctx, q) else Case.id
    query = scope_filter(ctx, Case.select(), case_id)
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
        query = query.where(department_cases(ctx.config.department(q.department).id, case_id))
    if q.channel:
        query = query.where(Case.channel == ctx.config.channel(q.channel))
    if q.priority:
        query = query.where(Case.priority == ctx.config.priority(q.priority).id)
    if q.category:
        path = ctx.config.category(q.category)
        query = query.where((Case.category == path) | Case.category.startswith(path + "/"))
    if q.text and q.text.strip():
        full = sees_personal_data(ctx)
        numbers = [] if full else search.number_words(q.text)
        if numbers:
            raise PermissionDenied("perm.search_by_number", digits=numbers[0], operator=ctx.operator.name)
        match = search.match_expression(q.text, digit_prefixes=full)
        if match is not None:
            sql, params = engine.search_match_sql(ctx.db, match)
            query = query.where(Case.id.in_(pw.NodeList([pw.SQL(sql, params)], parens=True)))
    return query


def _column(q: CaseQuery) -> pw.Field:
    return getattr(Case, q.sort if q.sort in SORTS else "next_due")


def sort_key(q: CaseQuery, case: Case) -> SortKey:
    """Where a case sits in the query's order (what keyset paging continues from)."""
    return getattr(case, _column(q).name), int(case.id)


# --- keyset paging ------------------------------------------------------------------------------
# The order: segment A (sort value present) by (value, id), then segment B (no value) by id; both in
# the query's direction. Going backwards walks the same order reversed.

def _states_of(q: CaseQuery) -> frozenset[str] | None:
    """The states a query is limited to (None: any state)."""
    view_states = VIEWS.get(q.view, (None, False))[0]
    if q.states:
        return frozenset(q.states) & view_states if view_states is not None else frozenset(q.states)
    return view_states


def _segment(ctx: Context, q: CaseQuery, nulls: bool, bound: SortKey | None, forward: bool,
             inclusive: bool, limit: int) -> list[Case]:
    col = _column(q)
    ascending = q.descending != forward  # the SQL direction of this walk
    query = build(ctx, q, walk=True)
    if col.name in NULLABLE_SORTS:
        query = query.where(col.is_null(nulls))
    if bound is not None:
        value, case_id = bound
        if nulls:
            cond = (Case.id >= case_id if inclusive else Case.id > case_id) if ascending else \
                   (Case.id <= case_id if inclusive else Case.id < case_id)
        else:
            left, right = pw.Tuple(col, Case.id), pw.Tuple(value, case_id)
            cond = (left >= right if inclusive else left > right) if ascending else \
                   (left <= right if inclusive else left < right)
        query = query.where(cond)
    order = [Case.id] if nulls else [col, Case.id]
    ordering = [c.asc() if ascending else c.desc() for c in order]
    light = _light(q)
    states = _states_of(q)
    if col.name == "next_due" and states is not None and len(states) > 1 and (
            not _by_department(ctx, q) or _walk_filters(ctx, q)):
        # One walk per state along the (state, next_due, id) index, merged here: a view of several
        # states is then as cheap as one, whatever the planner guesses (an IN over several states
        # would otherwise read every row of the view, or every case without a deadline, and sort).
        # Not for a small department's cases: each statement would read all of them again.
        # Keys first, whole rows only for the winners: building models is the costly part.
        walks = [list(query.select(Case.next_due, Case.id).where(Case.state == state).order_by(*ordering)
                      .limit(limit).tuples()) for state in sorted(states)]
        ids = [row[1] for row in heapq.merge(*walks, reverse=not ascending)][:limit]
        rows = Case.select(*light).namedtuples() if light else Case.select()
        found = {case.id: case for case in rows.where(Case.id.in_(ids))}
        return [found[i] for i in ids if i in found]
    if light:
        return list(query.select(*light).order_by(*ordering).limit(limit).namedtuples())
    return list(query.order_by(*ordering).limit(limit))


def _by_department(ctx: Context, q: CaseQuery) -> bool:
    """Limited to a department's cases. A count then starts from the department's assignments
    (`id IN (…)`) and looks each case up, whatever else the query says, and every statement pays
    that visit again — 75k cases, ~100 ms, for a county's busiest department at a million cases —
    so the view counts come from one grouped statement, not one a view."""
    return bool(q.department) or ctx.operator.role == "department"


# A department holding at least this share of the cases has its page walked along the queue's index
# (its cases a filter); a smaller one is read case by case and sorted. Measured on a million cases
# (benchmarks/queue_bench.py): 75k assignments, a first page 25-120 ms walked against 165-195 ms
# read; 3k assignments, 6-19 ms read against 8-65 ms walked.
LARGE_DEPARTMENT_SHARE = 0.01
_DEPARTMENT_SIZES: dict[tuple[str, str], tuple[float, bool]] = {}  # (database, department) → (when, large)
_SIZE_TTL = 300.0  # seconds: a department's share moves slowly


def _walk_filters(ctx: Context, q: CaseQuery) -> bool:
    """Whether a page of this query should walk the queue's index, testing each case against the
    departments' cases (every department involved is large), rather than start from them."""
    departments = [ctx.config.department(q.department).id] if q.department else []
    if ctx.operator.role == "department" and ctx.operator.department:
        departments.append(ctx.operator.department)
    return bool(departments) and all(_large_department(ctx, d) for d in departments)


def _large_department(ctx: Context, department: str) -> bool:
    key, now = (str(ctx.db.database), department), time.monotonic()
    known = _DEPARTMENT_SIZES.get(key)
    if known is not None and now - known[0] < _SIZE_TTL:
        return known[1]
    assigned = Assignment.select().where(Assignment.department == department).count()
    cases = Case.select(pw.fn.MAX(Case.id)).scalar() or 0
    large = assigned >= LARGE_DEPARTMENT_SHARE * cases
    _DEPARTMENT_SIZES[key] = (now, large)
    return large


def _light(q: CaseQuery) -> list[pw.Field]:
    """The columns a light query reads (none: whole models)."""
    if not q.columns:
        return []
    names = dict.fromkeys(("id", _column(q).name, *q.columns))
    return [getattr(Case, name) for name in names]


def _walk(ctx: Context, q: CaseQuery, bound: SortKey | None, forward: bool, inclusive: bool,
          limit: int) -> list[Case]:
    """Up to `limit` cases from `bound` in the query's order (forward) or against it."""
    nullable = _column(q).name in NULLABLE_SORTS
    segments = [False, True] if nullable else [False]
    if not forward:
        segments.reverse()
    if bound is not None and nullable:
        in_nulls = bound[0] is None
        segments = segments[segments.index(in_nulls):]
    rows: list[Case] = []
    for i, nulls in enumerate(segments):
        first = i == 0
        rows.extend(_segment(ctx, q, nulls, bound if first else None, forward, inclusive and first,
                             limit - len(rows)))
        if len(rows) >= limit:
            break
    return rows


@dataclass
class Page:
    """Cases in queue order, and whether the query holds more before and after them."""

    cases: list[Case]
    at_start: bool
    at_end: bool
    next_key: SortKey | None  # continue with page_after(…, next_key) when not at_end


def page_after(ctx: Context, q: CaseQuery, after_key: SortKey | None, limit: int = 200,
               inclusive: bool = False) -> Page:
    """The next `limit` cases after `after_key` (from the first case when None)."""
    rows = _walk(ctx, q, after_key, True, inclusive, limit + 1)
    at_end = len(rows) <= limit
    rows = rows[:limit]
    return Page(rows, after_key is None, at_end, sort_key(q, rows[-1]) if rows else None)


def page_before(ctx: Context, q: CaseQuery, before_key: SortKey | None, limit: int = 200) -> Page:
    """The `limit` cases just before `before_key` (the last cases when None), in queue order."""
    rows = _walk(ctx, q, before_key, False, False, limit + 1)
    at_start = len(rows) <= limit
    rows = rows[:limit]
    rows.reverse()
    return Page(rows, at_start, before_key is None, sort_key(q, rows[-1]) if rows else None)


def page_around(ctx: Context, q: CaseQuery, case_id: int, before: int = 50,
                after: int = 150) -> tuple[Page, int] | None:
    """A page holding `case_id` and its neighbours, and the case's index in it; None when the case
    is not (or no longer) in the query."""
    found = list(build(ctx, q).where(Case.id == case_id))
    if not found:
        return None
    key = sort_key(q, found[0])
    head = page_before(ctx, q, key, before)
    tail = page_after(ctx, q, key, after, inclusive=True)
    cases = head.cases + tail.cases
    return Page(cases, head.at_start, tail.at_end, tail.next_key), len(head.cases)


def iter_cases(ctx: Context, q: CaseQuery, page_size: int = 500) -> Iterator[Case]:
    """Every case of the query in order, a keyset page at a time."""
    key: SortKey | None = None
    while True:
        page = page_after(ctx, q, key, page_size)
        yield from page.cases
        if page.at_end:
            return
        key = page.next_key


def list_cases(ctx: Context, q: CaseQuery, limit: int | None = 200, offset: int = 0) -> list[Case]:
    """One page of cases in the query's order (the same order as the console's queue)."""
    out: list[Case] = []
    for i, case in enumerate(iter_cases(ctx, q, min(500, (limit or 500) + offset))):
        if i >= offset:
            out.append(case)
        if limit is not None and len(out) >= limit:
            break
    return out


def count_cases(ctx: Context, q: CaseQuery) -> int:
    return int(build(ctx, q).count())


def view_counts(ctx: Context, base: CaseQuery | None = None) -> dict[str, int]:
    """How many cases each queue view holds (for the tabs)."""
    base = base or CaseQuery()
    if _by_department(ctx, base):
        return _view_counts_grouped(ctx, base)
    # One count per view: each walks its own index range (a whole-table GROUP BY reads a million
    # index entries, ~0.7 s, where the six counts take ~0.15 s together).
    return {view: count_cases(ctx, base.with_(view=view)) for view in VIEWS}


def _view_counts_grouped(ctx: Context, base: CaseQuery) -> dict[str, int]:
    """Every view's count from one pass over the scope: cases by (state, overdue). A department's
    cases are visited one by one whatever the view (see `_by_department`): once, not once a view."""
    now = ctx.now()
    overdue = Case.next_due.is_null(False) & (Case.next_due < now)
    query = build(ctx, base.with_(view="all")).select(
        Case.state, pw.Case(None, [(overdue, 1)], 0).alias("late"), pw.fn.COUNT(Case.id)).group_by(
        pw.SQL("1"), pw.SQL("2"))
    groups = list(query.tuples())
    counts: dict[str, int] = {}
    for view, (states, overdue_only) in VIEWS.items():
        counts[view] = sum(n for state, late, n in groups
                           if (states is None or state in states) and (late or not overdue_only))
    return counts


def change_token(ctx: Context) -> tuple[int, int]:
    """Changes by anyone since the last call show as a different token: every step appends one event
    and every intake one case, so (last event id, last case id) moves; two primary-key lookups."""
    last_event = Event.select(pw.fn.MAX(Event.id)).scalar() or 0
    last_case = Case.select(pw.fn.MAX(Case.id)).scalar() or 0
    return int(last_event), int(last_case)


# --- one case ------------------------------------------------------------------------------------

def show(ctx: Context, case_id: int) -> Case:
    """One case, within scope."""
    case = get_case(case_id)
    require_case(ctx, case)
    return case


def history(ctx: Context, case_id: int) -> list[Event]:
    show(ctx, case_id)
    return list(Event.select().where(Event.case == case_id).order_by(Event.id))


def step_refusal(ctx: Context, case: Case, action: str) -> DomainError | None:
    """Why the operator may not take `action` on this (already loaded) case now, or None.

    The same role and state rules the operation itself checks, without touching the database, so a
    screen can explain a refusal before asking for a reason; the operation still checks everything.
    """
    try:
        require_role(ctx, action)
    except DomainError as exc:
        return exc
    if action in ALLOWED and case.state not in ALLOWED[action]:
        return refused(case, action)
    return None


def available_steps(ctx: Context, case: Case) -> list[str]:
    """The steps this operator may try on the case in its current state, in lifecycle order."""
    return [step for step in steps_allowed(case.state) if step_refusal(ctx, case, step) is None]


def assignments_by_case(case_ids: list[int]) -> dict[int, list[Assignment]]:
    """Assignments of many cases in one query (no query per row)."""
    out: dict[int, list[Assignment]] = {cid: [] for cid in case_ids}
    if case_ids:
        for a in Assignment.select().where(Assignment.case.in_(case_ids)).order_by(Assignment.id):
            out[a.case_id].append(a)
    return out


__all__ = [
    "DEPARTMENT_STATES",
    "FINAL_STATES",
    "INDEXED_SORTS",
    "SORTS",
    "VIEWS",
    "CaseQuery",
    "Page",
    "assignments_by_case",
    "available_steps",
    "change_token",
    "count_cases",
    "history",
    "iter_cases",
    "list_cases",
    "page_after",
    "page_around",
    "page_before",
    "show",
    "step_refusal",
    "view_counts",
]
