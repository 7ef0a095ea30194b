"""`audit verify` on a county, and what a step pays for the digests its event carries.

Builds a demo county through the real operations (every step an event with digests), optionally
adds bulk-loaded cases (rows without events: what the contents check costs at a million cases; they
are reported as added rows, which is what a bulk-loaded benchmark database is), then times, each over
--repeat runs (best and median: the machine may be shared, and a loaded run is slower, not cheaper):
  baseline  the chain walk alone: read every event and recompute its hash (what verify did before
            it compared content)
  verify    models.ledger.audit.verify_chain: the walk, the notes, every audited row of every table
            read in id-ordered batches and compared with the digest its last event recorded
  rows      one step's digests of its case's rows: rowdigest.case_rows (every child table of the
            case in one query), against the same rows read one query per table (the baseline)
and prints events/s and rows/s, with each figure's ratio to its baseline from the same run.

Run: .venv/bin/python benchmarks/audit_verify_bench.py [--cases 1000] [--bulk 0] [--repeat 3] [--db URL] [--keep]
Without --db the county is a new SQLite file in a temporary directory, deleted at the end unless
--keep (then its path is printed, to time the same county with another version of chuishao); with a
PostgreSQL URL (an empty database) it is built there.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from click.testing import CliRunner

from commands.common import State
from console.cli import cli
from models.demo.bulkload import bulk_load
from models.ledger.audit import _rows, verify_chain
from models.org.config import load_config
from models.org.db import connect
from models.store import prepared, rowdigest
from models.store.events import event_digest, hashed_fields
from models.store.schema import Case, Event
from models.worktime.timeutil import now_utc, to_epoch


def best(repeat: int, run: Callable[[], Any]) -> tuple[float, float, Any]:
    """(best, median, the last run's result) of `repeat` runs, in seconds."""
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), out


def chain_only(db: Any) -> int:
    """The baseline: every event read and its hash recomputed, nothing else."""
    n = 0
    for row in _rows(db):
        event_digest(row.prev_hash, hashed_fields(row))
        n += 1
    return n


def per_table(db: Any, case_ids: list[int]) -> int:
    """The baseline of a step's read: its case's rows one prepared query per child table (as
    case_rows read them before schema 13)."""
    n = 0
    for case_id in case_ids:
        for table in rowdigest.CHILD_TABLES:
            model, columns = rowdigest.AUDITED[table]
            column = rowdigest.CHILD_TABLES[table]
            cursor = prepared.execute(db, ("bench_rows", table), lambda m=model, c=columns, k=column: (
                m.select(m._meta.primary_key, *[m._meta.fields[f] for f in c]).where(m._meta.fields[k] == 0)),
                (case_id,))
            for row in cursor.fetchall():
                rowdigest.digest(row[1:])
                n += 1
    return n


def one_query(db: Any, case_ids: list[int]) -> int:
    return sum(len(rowdigest.case_rows(db, case_id, {c: None for c in rowdigest.CASE_COLUMNS})) - 1
               for case_id in case_ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000, help="demo cases (real steps, events)")
    parser.add_argument("--bulk", type=int, default=0, help="bulk-loaded cases on top (no events)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file and print its path")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="chuishao_auditbench_")
    url = args.db or f"sqlite:///{os.path.join(tmp, 'county.db')}"
    config_path = ROOT / "chuishao.toml"
    started = time.perf_counter()
    for command in (["init"], ["demo", "--cases", str(args.cases), "--seed", "1"]):
        result = CliRunner().invoke(cli, ["--config", str(config_path), "--db", url, *command], obj=State())
        if result.exit_code != 0:
            sys.exit(f"{' '.join(command)} failed: {result.output}")
    db = connect(url)
    if args.bulk:
        bulk_load(load_config(str(config_path)), db, args.bulk, to_epoch(now_utc()), seed=3)
    cases = Case.select().count()
    events = Event.select().count()
    print(f"county: {cases:,} cases ({args.cases:,} demo, {args.bulk:,} bulk), {events:,} events, "
          f"built in {time.perf_counter() - started:.0f} s ({url.split(':')[0]})")

    base, base_mid, walked = best(args.repeat, lambda: chain_only(db))
    full, full_mid, report = best(args.repeat, lambda: verify_chain(db))
    assert walked == report.checked
    print(f"baseline  chain walk   {base:7.2f} s (median {base_mid:.2f})  {walked / base:10,.0f} events/s")
    print(f"verify    with content {full:7.2f} s (median {full_mid:.2f})  {walked / full:10,.0f} events/s  "
          f"{report.rows / full:10,.0f} rows/s  ({report.rows:,} audited rows; {full / base:.2f}× the walk; "
          f"ok={report.ok})")

    sample = [c.id for c in Case.select(Case.id).where(Case.id <= args.cases).order_by(Case.id).limit(500)]
    slow, _, n_slow = best(args.repeat, lambda: per_table(db, sample))
    fast, _, n_fast = best(args.repeat, lambda: one_query(db, sample))
    assert n_slow == n_fast
    tables = len(rowdigest.CHILD_TABLES)
    print(f"baseline  step rows, {tables} queries    {slow / len(sample) * 1e6:7.0f} µs/case")
    print(f"rows      step rows, case_rows  {fast / len(sample) * 1e6:7.0f} µs/case  ({slow / fast:.2f}× faster; "
          f"{n_fast / len(sample):.1f} rows/case)")
    db.close()
    if args.keep and not args.db:
        print(f"kept: {url}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)  # a million-case county is gigabytes


if __name__ == "__main__":
    main()
