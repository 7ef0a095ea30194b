"""An operator's step while a big import runs: how long does it wait for the write lock?

An import commits a batch at a time; between and around its writes other operators' steps must
get the lock. This runs `chuishao intake import` of a generated hotline export as its own process
and, meanwhile, takes a single intake (the same write a keypress at intake makes) every 200 ms in
this process, timing each one. The baseline, measured in the same run: the same intakes with no
import running.

    .venv/bin/python benchmarks/import_contention.py                 # 100k cases, 30k rows
    .venv/bin/python benchmarks/import_contention.py --cases 1000000 --reports 50000 --keep /tmp/b.db
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from import_bench import generate, working_copy  # benchmarks/, this script's own directory

from models.intake.intake import NewReport, intake
from models.org.config import load_config
from models.org.context import Context, os_user, resolve_identity
from models.org.db import connect
from models.org.operators import NewOperator, add_operator
from models.store.schema import Operator
from models.worktime.timeutil import now_utc, to_epoch

ROOT = Path(__file__).resolve().parent.parent
PAUSE = 0.2


def one_intake(ctx: Context, n: int) -> float:
    start = time.perf_counter()
    intake(ctx, NewReport(channel="walk_in", text=f"来访群众反映：第{n}号路灯不亮"))
    return time.perf_counter() - start


def summary(waits: list[float]) -> str:
    ordered = sorted(waits)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"{len(ordered)} intakes: median {statistics.median(ordered) * 1000:.0f} ms, "
            f"p90 {p90 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000, help="cases in the database before the import")
    parser.add_argument("--reports", type=int, default=30_000, help="rows in the imported file")
    parser.add_argument("--keep", help="database file to keep and reuse (default: a temporary one)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    config = load_config(str(ROOT / "chuishao.toml"))
    with tempfile.TemporaryDirectory() as tmp:
        now = to_epoch(now_utc())
        _, path = working_copy(config, Path(tmp), args.keep, args.cases, now, args.seed)
        source = Path(tmp) / "export.csv"
        generate(config, source, args.reports, now, args.seed, tag="C")
        db = connect(f"sqlite:///{path}")
        ctx = resolve_identity(config, db, user="bench")
        me = os_user()  # the import subprocess acts as the real user: it needs an operator of its own
        if Operator.get_or_none(Operator.os_user == me) is None:
            add_operator(ctx, NewOperator(name="bench-import", role="dispatcher", os_user=me))
        quiet = []
        for n in range(20):
            quiet.append(one_intake(ctx, n))
            time.sleep(PAUSE)
        env = {**os.environ, "USER": "bench", "LOGNAME": "bench"}
        command = [sys.executable, "-m", "console", "--db", f"sqlite:///{path}", "intake", "import", str(source),
                   "--profile", "hotline", "--json"]
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        busy, n = [], 100
        while proc.poll() is None:
            busy.append(one_intake(ctx, n))
            n += 1
            time.sleep(PAUSE)
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"the import failed: {proc.stderr.read().decode() if proc.stderr else ''}")
        print(f"database: {args.cases:,} cases; import of {args.reports:,} rows took {seconds:.1f} s")
        print(f"baseline, no import running: {summary(quiet)}")
        print(f"while the import ran:        {summary(busy)}")
        db.close()


if __name__ == "__main__":
    main()
