"""Supervision sweep, board and time in limbo on many cases.

Builds (or reuses) a database of N synthetic cases with models.demo.bulkload, then times, each the best
of --repeat runs unless it writes:
  baseline  COUNT(*) of the open cases (the rows a sweep has to consider)
  sweep 1   the first sweep: raises every due flag and writes every due reminder (writes; once)
  sweep 2   the next sweep, nothing left to do: what the console pays every five minutes
  board     supervision_orders.board (200 rows) and flag_counts
  limbo     limbo_by_case over every case and department_limbo (event windows: bulk cases have no
            events, so this measures the Case-column part and the empty window query)

Run: .venv/bin/python benchmarks/supervision_bench.py [--cases 200000] [--db PATH] [--rebuild]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from models.demo.bulkload import bulk_load
from models.org.config import load_config
from models.org.context import os_user, resolve_identity
from models.org.db import connect
from models.org.setup import set_up
from models.reports import limbo
from models.store import engine
from models.store.schema import Case
from models.store.states import OPEN_STATES
from models.supervision import supervision, supervision_orders
from models.worktime.timeutil import from_epoch, now_utc, to_epoch


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def best(repeat: int, func: Callable[[], Any]) -> tuple[float, Any]:
    runs = [timed(func) for _ in range(repeat)]
    return min(r[0] for r in runs), runs[-1][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--db", default="/tmp/chuishao_supervision_bench.db")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = load_config(str(ROOT / "chuishao.toml"))
    path = Path(args.db)
    if args.rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = connect(f"sqlite:///{path}")
    now = to_epoch(now_utc())
    set_up(db, config, now=now)
    if not Case.select().exists():
        print(f"building {args.cases:,} cases …", flush=True)
        with engine.write_transaction(db):
            bulk_load(config, db, args.cases, now, seed=5)
    total = Case.select().count()
    moment = from_epoch(now)
    ctx = replace(resolve_identity(config, db, user=os_user()), clock=lambda: moment)
    open_states = sorted(OPEN_STATES)
    base, open_count = best(args.repeat, lambda: Case.select().where(Case.state.in_(open_states)).count())
    print(f"{total:,} cases, {open_count:,} open")
    print(f"baseline  count open cases           {base * 1000:8.1f} ms")
    first, result = timed(lambda: supervision.sweep(ctx))
    print(f"sweep 1   flags + reminders          {first * 1000:8.1f} ms  ({len(result.flagged):,} flagged, "
          f"{len(result.reminders):,} reminders, {len(result.notices):,} notices)")
    def idle_sweep() -> None:
        again = supervision.sweep(ctx)
        assert not again.flagged and not again.reminders and not again.notices, "a second sweep changed things"

    second, _ = best(args.repeat, idle_sweep)
    print(f"sweep 2   nothing to do              {second * 1000:8.1f} ms")
    board, rows = best(args.repeat, lambda: supervision_orders.board(ctx, limit=200))
    counts, _ = best(args.repeat, lambda: supervision_orders.flag_counts(ctx))
    print(f"board     200 rows / flag counts     {board * 1000:8.1f} ms / {counts * 1000:.1f} ms ({len(rows)} rows)")
    per_case, values = best(args.repeat, lambda: limbo.limbo_by_case(ctx))
    per_dept, _ = best(args.repeat, lambda: limbo.department_limbo(ctx))
    print(f"limbo     per case / per department  {per_case * 1000:8.1f} ms / {per_dept * 1000:.1f} ms "
          f"({len(values):,} cases with limbo)")


if __name__ == "__main__":
    main()
