"""Fill a database with many synthetic cases fast, for benchmarks and load tests (not for the demo).

The demo county replays every step through the real operations (about 1–2 k cases/s); a benchmark
wants a million cases in a minute or two, so this writes finished rows directly: cases in a
realistic mix of states with their running clocks, one or two reports each, lead (and some
cooperating) assignments, and the search index — with executemany on statements peewee built
once, in batches inside one transaction. No events are written: these cases have no history.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import peewee as pw

from models.demo.demo_text import citizen_name, phone, report_text
from models.org.config import Config
from models.store import engine
from models.store.schema import Assignment, Case, Report
from models.text import search

HOUR = 3600
DAY = 24 * HOUR

# state → share of cases; roughly an office a couple of years in (most cases closed).
STATE_MIX = (("closed", 0.78), ("rejected", 0.03), ("resolved", 0.03), ("new", 0.012),
             ("whistled", 0.008), ("returned", 0.004), ("local", 0.035), ("dispatched", 0.025),
             ("acknowledged", 0.04), ("on_site", 0.036))
DEPARTMENT_STATES = {"dispatched": "pending", "acknowledged": "acknowledged", "on_site": "on_site",
                     "returned": "returned"}
TEXT_POOL = 4000  # distinct report texts, reused: generating and tokenising is the slow part


class _Inserter:
    """An INSERT of every column but the id (unless it is among `columns`), with the model's defaults
    for the columns not given.

    peewee's insert() would build SQL per row (its cost dwarfs SQLite's); this builds it once with
    the database's own quoting and placeholder, like models.cases.casebase does for its update.
    """

    def __init__(self, db: pw.Database, model: type[pw.Model], columns: list[str]) -> None:
        fields = [f for f in model._meta.sorted_fields if not isinstance(f, pw.AutoField) or f.name in columns]
        quote = db.quote

        def q(name: str) -> str:
            return f"{quote[0]}{name}{quote[1]}"
        self.sql = (f"INSERT INTO {q(model._meta.table_name)} ({', '.join(q(f.column_name) for f in fields)}) "
                    f"VALUES ({', '.join([db.param] * len(fields))})")
        self.template = [f.default() if callable(f.default) else f.default for f in fields]
        position = {f.name: i for i, f in enumerate(fields)}
        self.slots = [position[c] for c in columns]

    def row(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        out = list(self.template)
        for slot, value in zip(self.slots, values, strict=True):
            out[slot] = value
        return tuple(out)


def _batches(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk_load(config: Config, db: pw.Database, count: int, now: int, seed: int = 1,
              batch: int = 5000, progress: Callable[[int], None] | None = None) -> int:
    """Append `count` synthetic cases (ids after the existing ones); returns how many were written."""
    rng = random.Random(seed)
    towns = sorted(config.townships)
    channels = sorted(config.channels)
    depts = sorted(config.departments)
    items = sorted(config.duty_items.values(), key=lambda i: i.code)
    pool = []
    for _ in range(TEXT_POOL):
        item, town = rng.choice(items), rng.choice(towns)
        village = rng.choice(config.townships[town].villages or ("",))
        title, text = report_text(rng, config, item, town, village, rng.random() < 0.03)
        pool.append((item, town, village, title, text, search.tokens(f"{title}\n{text}")))
    states = [s for s, _ in STATE_MIX]
    weights = [w for _, w in STATE_MIX]
    case_cols = ["id", "state", "title", "channel", "township", "village", "category", "priority", "decision",
                 "duty_item", "lead", "received_at", "created_at", "updated_at", "updated_by", "version",
                 "triaged_at", "dispatched_at", "resolved_at", "closed_at", "dispatch_due", "resolve_due",
                 "next_due", "report_count"]
    report_cols = ["case", "home_case", "channel", "source_id", "title", "text", "citizen_name", "phone",
                   "received_at", "created_at"]
    assign_cols = ["case", "department", "role", "state", "active", "dispatched_at", "ack_due", "arrive_due"]
    case_ins, report_ins = _Inserter(db, Case, case_cols), _Inserter(db, Report, report_cols)
    assign_ins = _Inserter(db, Assignment, assign_cols)
    first_id = int(Case.select(pw.fn.MAX(Case.id)).scalar() or 0) + 1
    span = 720 * DAY

    def cases() -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]], tuple[int, str]]]:
        for n in range(count):
            cid = first_id + n
            item, town, village, title, text, tokens = pool[rng.randrange(TEXT_POOL)]
            state = rng.choices(states, weights)[0]
            # open cases are recent, closed ones spread over two years
            age = int(rng.random() * (20 * DAY if state not in ("closed", "rejected") else span))
            received = now - age
            triaged = None if state == "new" else received + rng.randint(600, 6 * HOUR)
            dispatched = triaged + rng.randint(600, 4 * HOUR) if state in DEPARTMENT_STATES or (
                state in ("resolved", "closed") and item.scope == "whistle") else None
            lead = (item.lead or rng.choice(depts)) if dispatched else None
            resolved = received + rng.randint(DAY, 12 * DAY) if state in ("resolved", "closed") else None
            resolve_due = received + 7 * DAY
            dispatch_due = received + DAY
            running = {"new": dispatch_due, "whistled": dispatch_due, "returned": dispatch_due}.get(
                state, resolve_due if state in ("local", *DEPARTMENT_STATES) else None)
            reports = 2 if rng.random() < 0.05 else 1
            channel = rng.choice(channels)
            decision = None if state == "new" else ("reject" if state == "rejected" else
                                                      ("whistle" if dispatched or state == "whistled" else "local"))
            case_row = (cid, state, title, channel, town, village or None, None if state == "new" else item.category,
                        "general", decision, None if state == "new" else item.code, lead, received, received,
                        max(received, resolved or triaged or received), "bulk", 1, triaged, dispatched, resolved,
                        resolved + DAY if state == "closed" and resolved else None, dispatch_due, resolve_due,
                        running, reports)
            report_rows = [(cid, cid, channel if r == 0 else rng.choice(channels), f"B{cid:08d}-{r}", title, text,
                            citizen_name(rng), phone(rng), received + r * HOUR, received) for r in range(reports)]
            assign_rows = []
            if dispatched:
                a_state = DEPARTMENT_STATES.get(state, "on_site")
                assign_rows.append((cid, lead, "lead", a_state, True, dispatched, dispatched + 2 * HOUR,
                                    dispatched + DAY))
                if rng.random() < 0.2:
                    coop = rng.choice(depts)
                    if coop != lead:
                        assign_rows.append((cid, coop, "cooperating", "acknowledged", True, dispatched,
                                            dispatched + 2 * HOUR, dispatched + DAY))
            yield case_row, report_rows, assign_rows, (cid, tokens)

    written = 0
    tables = (Case, Report, Assignment)
    # Into an empty database, build the indexes once at the end: a sorted build is several times
    # faster than keeping a dozen random-order indexes up to date row by row.
    rebuild = first_id == 1
    with engine.write_transaction(db):
        if rebuild:
            for model in tables:
                model._schema.drop_indexes(safe=True)
        for chunk in _batches(iter(cases()), batch):  # type: ignore[arg-type]
            cursor = db.cursor()
            cursor.executemany(case_ins.sql, [case_ins.row(c[0]) for c in chunk])
            cursor.executemany(report_ins.sql, [report_ins.row(r) for c in chunk for r in c[1]])
            cursor.executemany(assign_ins.sql, [assign_ins.row(a) for c in chunk for a in c[2]])
            engine.index_many(db, [c[3] for c in chunk])
            written += len(chunk)
            if progress is not None:
                progress(written)
        # Explicit case ids (reports and assignments name them): a PostgreSQL sequence moves past them.
        engine.ids_taken(db, Case._meta.table_name, first_id + written - 1)
        if rebuild:
            for model in tables:
                model._schema.create_indexes(safe=True)
        # Planner statistics: without them SQLite may pick the township index and sort 70k rows
        # for a township's queue page instead of walking the deadline index (0.5 s against 20 ms).
        db.execute_sql("ANALYZE")
    return written
