"""Queue speed on a million cases, for each kind of operator: a first page of every view, and the
view counts on the tabs (what the console reads on every refresh).

Operators: a dispatcher (every case), a township clerk (the largest township), and the staff of the
busiest and the least busy department (a department sees the cases it has an assignment on).

Baselines, measured in the same run on the same database:
  page    the same first page as one plain statement — the scoped query ordered by deadline, as
          SQLite plans it by itself (for a department: a look-up of every assigned case, then a sort)
  counts  one COUNT per view (six statements)

Run: .venv/bin/python benchmarks/queue_bench.py [--cases 1000000] [--db PATH] [--rebuild] [--repeat 5]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import peewee as pw
from scoreboard_bench import database_args, reuse_database  # benchmarks/, this script's own directory

from models.cases import queries
from models.cases.queries import CaseQuery
from models.demo.bulkload import bulk_load
from models.org.config import load_config
from models.org.context import Context
from models.org.setup import set_up
from models.store import engine
from models.store.schema import Assignment, Case, Operator
from models.worktime.timeutil import now_utc, to_epoch

PAGE = 200


def median_ms(repeat: int, func: Callable[[], Any]) -> float:
    """Median wall time of `repeat` runs after one warm-up (the console reads a view again and again)."""
    func()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def plain_page(ctx: Context, q: CaseQuery) -> list[Any]:
    return list(queries.build(ctx, q).order_by(Case.next_due.asc(nulls="last"), Case.id).limit(PAGE + 1))


def plain_counts(ctx: Context) -> dict[str, int]:
    return {view: queries.count_cases(ctx, CaseQuery(view=view)) for view in queries.VIEWS}


def operators(db: pw.Database) -> list[tuple[str, Operator]]:
    """(label, operator) for each kind of operator; not stored (ad-hoc contexts, like a script's)."""
    towns = list(Case.select(Case.township, pw.fn.COUNT(Case.id)).where(Case.township.is_null(False))
                 .group_by(Case.township).order_by(pw.fn.COUNT(Case.id).desc()).tuples())
    depts = list(Assignment.select(Assignment.department, pw.fn.COUNT(Assignment.id)).group_by(
        Assignment.department).order_by(pw.fn.COUNT(Assignment.id).desc()).tuples())
    busiest, least = depts[0], depts[-1]
    return [
        ("dispatcher", Operator(name="bench-dispatcher", role="dispatcher", active=True)),
        (f"township {towns[0][0]} ({towns[0][1]:,} cases)",
         Operator(name="bench-township", role="township", township=towns[0][0], active=True)),
        (f"department {busiest[0]} ({busiest[1]:,} assignments)",
         Operator(name="bench-busiest", role="department", department=busiest[0], active=True)),
        (f"department {least[0]} ({least[1]:,} assignments)",
         Operator(name="bench-least", role="department", department=least[0], active=True)),
    ]


def main() -> None:
    args = database_args(__doc__, "/tmp/chuishao-queue-bench.db", 5)
    now = to_epoch(now_utc())
    config = load_config(str(ROOT / "chuishao.toml"))
    db, have = reuse_database(args.db, args.rebuild)
    if have < args.cases:
        print(f"building {args.cases - have:,} cases in {args.db} …")
        set_up(db, config, user="bench", now=now)
        bulk_load(config, db, args.cases - have, now, seed=3)
        have = Case.select().count()
    engine.refresh_statistics(db)  # as `chuishao init` does after a big import
    print(f"database ({engine.engine_name(db)}): {have:,} cases, {Assignment.select().count():,} assignments; median of {args.repeat} "
          f"after a warm-up; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'':44} {'first page (ms)':>18} {'plain statement':>16} {'ratio':>6}")
    for label, op in operators(db):
        print(label)
        # One stopped moment per operator: the figures and their check compare the same "overdue" (on a
        # slower engine a due passed between view_counts and the plain counts on the wall clock).
        ctx, moment = Context(config, db, op, actor=op.name), now_utc()
        ctx.clock = lambda moment=moment: moment  # type: ignore[misc]
        measure(ctx, args.repeat)


def measure(ctx: Context, repeat: int) -> None:
    """Print one operator's figures: each view's first page, then the view counts."""
    for view in queries.VIEWS:
        q = CaseQuery(view=view, columns=("title", "state", "township", "lead", "received_at"))
        ours = median_ms(repeat, lambda q=q: queries.page_after(ctx, q, None, PAGE))
        plain = median_ms(repeat, lambda q=q: plain_page(ctx, q))
        print(f"  {view:42} {ours:18.1f} {plain:16.1f} {plain / ours:5.1f}x")
    ours = median_ms(repeat, lambda: queries.view_counts(ctx))
    plain = median_ms(repeat, lambda: plain_counts(ctx))
    assert queries.view_counts(ctx) == plain_counts(ctx)
    print(f"  {'view counts (six tabs)':42} {ours:18.1f} {plain:16.1f} {plain / ours:5.1f}x")

if __name__ == "__main__":
    main()
