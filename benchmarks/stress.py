"""Many hands on one database: N processes doing mixed case operations on one database at once.

Each worker is its own process (spawned, not forked: SQLite connections must not cross a fork),
logged in as its own operator through its own OS login, and works like a person at a terminal:
it reads a case, thinks for a few milliseconds, then takes the step the case's state allows with
expected_version = the version it read — intake, triage, dispatch, acknowledge, return, review,
arrive, note, resolve, evaluate, close. Half of its picks come from a small set of "hot" cases so
that workers collide.

Afterwards the database is checked against what the workers said happened:
- every step a worker reported as done has exactly one event (operator, case, action), and no
  event exists that no worker reported;
- every note a worker saved exists exactly once;
- every case's version is 1 + the number of steps after its intake (= its number of events);
- each case's events chain state to state (state_before = the previous state_after) and end in
  the case's current state;
- the audit hash chain verifies.
"Lost updates" is the number of violations; it must be 0, as must unhandled errors (any
"database is locked" that escaped as something other than a clear DomainError).

Run: .venv/bin/python benchmarks/stress.py [--processes 8] [--ops 300] [--cases 30] [--db URL]
The single-process run of the same per-process load printed first is the baseline. Without --db each
run gets a new SQLite file in a temporary directory; with --db postgresql://user@host/db (any database
on the server, used only to connect) each run gets a new database chuishao_stress_PID_N, dropped after.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from models.cases import department, lifecycle
from models.errors import Conflict, DomainError
from models.intake.intake import NewReport, intake
from models.ledger.audit import verify_chain
from models.org.config import Config, load_config
from models.org.context import (
    Context,
    DatabaseBusy,
    resolve_identity,
)
from models.org.db import connect
from models.org.operators import NewOperator, add_operator
from models.org.setup import set_up
from models.store.schema import Case, Evaluation, Event, Note
from models.store.states import FINAL_STATES

CONFIG = str(ROOT / "chuishao.toml")
HOT = 8


def url_of(db: Path | str) -> str:
    """A database URL: as given, or an SQLite file's."""
    return db if isinstance(db, str) and "://" in db else f"sqlite:///{db}"


def server_database(server: str, name: str, *, drop: bool = False) -> str:
    """Create (or drop) database `name` on the PostgreSQL server of URL `server`; returns its URL."""
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        if drop:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' LC_COLLATE \'C\'')
    return urlunparse(urlparse(server)._replace(path=f"/{name}"))


def worker_name(index: int) -> str:
    return f"stress{index}"


def prepare(db_path: Path | str, processes: int, cases: int, config_path: str = CONFIG) -> None:
    """A fresh database with one admin operator (and OS login) per worker and `cases` new cases."""
    config = load_config(config_path)
    db = connect(url_of(db_path))
    set_up(db, config, now=0)
    admin = resolve_identity(config, db)
    for i in range(processes):
        add_operator(admin, NewOperator(worker_name(i), "admin", os_user=worker_name(i)))
    rng = random.Random(0)
    for _ in range(cases):
        _intake(admin, rng, "seed")
    db.close()


def _intake(ctx: Context, rng: random.Random, tag: str) -> Case:
    config = ctx.config
    town = rng.choice(list(config.townships.values()))
    case, _ = intake(ctx, NewReport(channel=rng.choice(list(config.channels)), township=town.id,
                                    text=f"{tag}: {town.name}路灯不亮，晚上出行不便", phone="13812345678"))
    return case


def _pick(rng: random.Random) -> Case | None:
    """A case to act on: half the time one of the oldest open cases (where workers collide)."""
    open_cases = list(Case.select(Case.id, Case.state, Case.version)
                      .where(Case.state.not_in(list(FINAL_STATES))).order_by(Case.id))
    if not open_cases:
        return None
    pool = open_cases[:HOT] if rng.random() < 0.5 else open_cases
    return rng.choice(pool)


def _step(ctx: Context, rng: random.Random, case: Case, note_text: str) -> tuple[str, str | None]:
    """Take the step the case's state allows, based on the version read. Returns (action, note)."""
    config, v, cid = ctx.config, case.version, case.id
    if rng.random() < 0.25:
        lifecycle.note(ctx, cid, text=note_text, expected_version=v)
        return "note", note_text
    state = case.state
    if state == "new":
        item = rng.choice(list(config.duty_items.values()))
        decision = "local" if rng.random() < 0.2 else "whistle"
        lifecycle.triage(ctx, cid, category=item.category, township=rng.choice(list(config.townships)),
                         priority="general", decision=decision, expected_version=v)
        return "triage", None
    if state == "whistled":
        lifecycle.dispatch(ctx, cid, lead=rng.choice(list(config.departments)), expected_version=v)
        return "dispatch", None
    if state == "dispatched":
        if rng.random() < 0.2:
            department.return_case(ctx, cid, reason="非本部门职责", expected_version=v)
            return "return", None
        department.acknowledge(ctx, cid, expected_version=v)
        return "acknowledge", None
    if state == "returned":
        department.review_return(ctx, cid, uphold=True, note="经审核属该部门职责", expected_version=v)
        return "review_return", None
    if state == "acknowledged":
        department.arrive(ctx, cid, expected_version=v)
        return "arrive", None
    if state in ("on_site", "local"):
        lifecycle.resolve(ctx, cid, result="已处理", expected_version=v)
        return "resolve", None
    if state == "resolved":
        if Evaluation.select().where(Evaluation.case == cid).exists():
            lifecycle.close(ctx, cid, expected_version=v)
            return "close", None
        lifecycle.evaluate(ctx, cid, source="citizen", rating="satisfied", expected_version=v)
        return "evaluate", None
    lifecycle.note(ctx, cid, text=note_text, expected_version=v)
    return "note", note_text


def worker(db_path: Path | str, index: int, ops: int, config_path: str, start: Any, out: Any) -> None:
    """One operator's session: `ops` operations, then a report of what succeeded and what did not."""
    rng = random.Random(1000 + index)
    config: Config = load_config(config_path)
    db = connect(url_of(db_path))
    ctx = resolve_identity(config, db, user=worker_name(index))
    counts: Counter[str] = Counter()
    done: list[tuple[int, str, str | None]] = []
    unhandled: list[str] = []
    start.wait()
    began = time.perf_counter()
    for n in range(ops):
        action, case_id = "intake", 0
        try:
            if rng.random() < 0.12:
                case_id = _intake(ctx, rng, f"{worker_name(index)}#{n}").id
                done.append((case_id, "intake", None))
            else:
                case = _pick(rng)
                if case is None:
                    continue
                case_id = case.id
                time.sleep(rng.uniform(0, 0.004))  # the operator looks at the screen before acting
                action, note = _step(ctx, rng, case, f"{worker_name(index)} note {n}")
                done.append((case_id, action, note))
            counts["ok"] += 1
        except DatabaseBusy:
            counts["busy"] += 1
        except Conflict as exc:
            counts["conflicts"] += 1
            if "was changed by" not in str(exc) or "nothing was saved" not in str(exc):
                counts["conflicts_unexplained"] += 1
        except DomainError:
            counts["refused"] += 1
        except Exception:  # noqa: BLE001 — counted and reported: the figure that must stay 0
            unhandled.append(traceback.format_exc(limit=3))
    counts["seconds_x1000"] = int((time.perf_counter() - began) * 1000)
    db.close()
    out.put({"index": index, "counts": dict(counts), "done": done, "unhandled": unhandled})


def check(db_path: Path | str, results: list[dict[str, Any]]) -> dict[str, Any]:
    """Compare what the workers reported with what the database holds."""
    db = connect(url_of(db_path))
    names = [worker_name(r["index"]) for r in results]
    reported: Counter[tuple[str, int, str]] = Counter()
    notes: list[str] = []
    for r in results:
        for case_id, action, note in r["done"]:
            reported[(worker_name(r["index"]), case_id, action)] += 1
            if note:
                notes.append(note)
    recorded = Counter((e.operator, e.case, e.action)
                       for e in Event.select().where(Event.operator.in_(names) & Event.case.is_null(False)))
    event_mismatches = sum(abs(reported[k] - recorded[k]) for k in set(reported) | set(recorded))
    stored_notes: Counter[str] = Counter()
    if notes:
        stored_notes.update(n.text for n in Note.select(Note.text).where(Note.text.in_(notes)))
    missing_notes = sum(1 for text in notes if stored_notes[text] != 1)
    by_case: dict[int, list[Event]] = {}
    for e in Event.select().where(Event.case.is_null(False)).order_by(Event.id):
        by_case.setdefault(e.case, []).append(e)
    version_mismatches = chain_breaks = 0
    for case in Case.select(Case.id, Case.state, Case.version):
        history = by_case.get(case.id, [])
        version_mismatches += case.version != len(history)
        states = [(e.state_before, e.state_after) for e in history]
        chain_breaks += any(states[i][0] != states[i - 1][1] for i in range(1, len(states)))
        chain_breaks += bool(states) and states[-1][1] != case.state
    audit = verify_chain(db)
    db.close()
    return {"event_mismatches": event_mismatches, "missing_notes": missing_notes,
            "version_mismatches": version_mismatches, "state_chain_breaks": chain_breaks,
            "lost_updates": event_mismatches + missing_notes + version_mismatches + chain_breaks,
            "audit_chain_ok": audit.ok, "audit_problem": audit.detail, "events": audit.checked}


def run_stress(db_path: Path | str, processes: int = 8, ops: int = 40, cases: int = 20,
               config_path: str = CONFIG) -> dict[str, Any]:
    """Prepare, run `processes` workers of `ops` operations each at once, check; return the figures."""
    prepare(db_path, processes, cases, config_path)
    spawn = mp.get_context("spawn")
    start = spawn.Barrier(processes)
    out = spawn.Queue()
    target = db_path if isinstance(db_path, str) else str(db_path)
    procs = [spawn.Process(target=worker, args=(target, i, ops, config_path, start, out))
             for i in range(processes)]
    for p in procs:
        p.start()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    totals: Counter[str] = Counter()
    for r in results:
        totals.update(r["counts"])
    seconds = max(r["counts"].get("seconds_x1000", 0) for r in results) / 1000
    figures: dict[str, Any] = {
        "processes": processes, "operations": processes * ops, "succeeded": totals["ok"],
        "conflicts_reported": totals["conflicts"], "conflicts_unexplained": totals["conflicts_unexplained"],
        "refused_other": totals["refused"], "locked_errors": totals["busy"],
        "unhandled_errors": sum(len(r["unhandled"]) for r in results),
        "unhandled_examples": [u for r in results for u in r["unhandled"]][:3],
        "seconds": round(seconds, 2),
        "ops_per_second": round(processes * ops / seconds, 1) if seconds else None,
    }
    figures.update(check(db_path, results))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--ops", type=int, default=300, help="operations per process")
    parser.add_argument("--cases", type=int, default=30, help="cases in the database before the run")
    parser.add_argument("--db", help="a PostgreSQL server URL (postgresql://user@host/db); default: SQLite files")
    args = parser.parse_args()
    keys = ("processes", "operations", "succeeded", "conflicts_reported", "conflicts_unexplained",
            "refused_other", "locked_errors", "unhandled_errors", "lost_updates", "event_mismatches",
            "missing_notes", "version_mismatches", "state_chain_breaks", "audit_chain_ok", "events",
            "seconds", "ops_per_second")
    with tempfile.TemporaryDirectory() as tmp:
        for label, processes in (("baseline, 1 process", 1), (f"{args.processes} processes", args.processes)):
            name = f"chuishao_stress_{os.getpid()}_{processes}"
            target: Path | str = (server_database(args.db, name) if args.db
                                  else Path(tmp) / f"stress-{processes}.db")
            try:
                figures = run_stress(target, processes, args.ops, args.cases)
            finally:
                if args.db:
                    server_database(args.db, name, drop=True)
            print(f"== engine {'postgresql' if args.db else 'sqlite'} ==")
            print(f"== {label}, {args.ops} operations each, {args.cases} cases to start ==")
            for key in keys:
                print(f"  {key:22} {figures[key]}")
            for example in figures["unhandled_examples"]:
                print(example)


if __name__ == "__main__":
    main()
