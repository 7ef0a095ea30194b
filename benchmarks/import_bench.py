"""Batch import speed: 100k generated reports into a database already holding 1M cases.

Duplicate detection is on (as always). The baseline, measured in the same run on the same
machine: raw `sqlite3.executemany` of the same rows (the CSV's cells as read) into a bare table.

    .venv/bin/python benchmarks/import_bench.py                      # 1M cases, 100k reports
    .venv/bin/python benchmarks/import_bench.py --cases 100000 --reports 20000 --keep /tmp/b.db
    .venv/bin/python benchmarks/import_bench.py --db postgresql://postgres@127.0.0.1:5432/postgres --cases 100000

On PostgreSQL (`--db`) the reference is the floor of issue 19 item 5: the rows the import wrote,
COPY'd straight into the tables of a copy of the database as it was, in the import's own
transactions (target: the import at >= 0.7x its rate).

The 1M-case database is built with models/demo/bulkload.py (a few minutes); `--keep PATH` keeps it and
reuses it next time (each run imports into a copy). Target (issue 18): >= 5,000 reports/s, shown
beside the storage floor below.

A second reference: the storage floor, the very rows the import wrote (cases, reports, intake
events, search index) written again by plain executemany into a copy of the database as it was,
in the import's own transactions (their sizes as the import committed them): what SQLite charges for this schema before any Python work.
`--floor-variants` measures it again with 500-row transactions (the import's before issue 18), in one
transaction, with leaner case indexes (a
design option; see LEANER_CASE_INDEXES), and into bare tables without any index (a bound: the rows
alone).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import peewee as pw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.demo.bulkload import bulk_load
from models.demo.demo_text import citizen_name, phone, report_text
from models.intake.importer import ImportResult, import_file
from models.intake.intake import next_ids
from models.org.config import Config, load_config
from models.org.context import Context, resolve_identity
from models.org.db import connect
from models.org.setup import set_up
from models.store import engine
from models.store.schema import Case, Event
from models.worktime.timeutil import now_utc, to_epoch

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["工单编号", "受理时间", "诉求标题", "诉求内容", "来电人", "联系电话", "事发地址", "所属街镇", "诉求分类"]
# Estate and shop names: the long tail of rare words real complaints carry.
NAME_CHARS = "金银华新阳光明月星海天湖山水林松竹梅兰春秋景泰康宁福安和平锦绣江南北东西翠碧云峰苑园庭雅居盛世紫荆"


def estate(rng: random.Random) -> str:
    return "".join(rng.choice(NAME_CHARS) for _ in range(rng.choice((2, 2, 3)))) + rng.choice(
        ("小区", "花园", "家园", "苑", "公寓", "新村"))


def generate(config: Config, path: Path, count: int, now: int, seed: int, tag: str) -> list[list[str]]:
    """`count` hotline work orders as a CSV: 8 % repeat an earlier caller's problem (same phone and
    address, reworded), 2 % are the same text sent twice under a new order number."""
    rng = random.Random(seed)
    items = sorted(config.duty_items.values(), key=lambda i: i.code)
    towns = sorted(config.townships)
    tz = config.tz
    rows: list[list[str]] = []
    for n in range(count):
        received = now - rng.randint(0, 10 * 86400)
        when = datetime.fromtimestamp(received, tz).strftime("%Y/%m/%d %H:%M:%S")
        roll = rng.random()
        if rows and roll < 0.10:
            earlier = rng.choice(rows)
            text = earlier[3] if roll < 0.02 else "又一次反映：" + earlier[3][6:] + "至今没有人处理。"
            rows.append([f"{tag}{n:07d}", when, earlier[2], text, earlier[4], earlier[5], earlier[6], earlier[7],
                         earlier[8]])
            continue
        town = rng.choice(towns)
        village = rng.choice(config.townships[town].villages or ("",))
        item = rng.choice(items)
        title, text = report_text(rng, config, item, town, village)
        place = f"{village}{estate(rng)}{rng.randint(1, 40)}号楼"
        rows.append([f"{tag}{n:07d}", when, title, f"{place}：{text}", citizen_name(rng), phone(rng),
                     f"{config.townships[town].name}{place}{rng.randint(1, 6)}单元", config.townships[town].name,
                     item.category.split("/")[0]])
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return rows


def raw_baseline(rows: list[list[str]]) -> tuple[float, float]:
    """Wall and CPU seconds for sqlite3.executemany of the same rows into a bare table (same pragmas, one transaction)."""
    with tempfile.TemporaryDirectory() as tmp:
        con = sqlite3.connect(os.path.join(tmp, "bare.db"))
        con.execute("PRAGMA journal_mode=wal")
        con.execute("PRAGMA synchronous=normal")
        con.execute(f"CREATE TABLE bare ({', '.join(f'c{i}' for i in range(len(HEADER)))})")
        start, cpu = time.perf_counter(), time.process_time()
        with con:
            con.executemany(f"INSERT INTO bare VALUES ({', '.join('?' * len(HEADER))})", rows)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        con.close()
    return seconds, cpu


# A design option to weigh, not the shipped schema: drop the case indexes that are prefixes of a
# composite one (state, township, lead), and index the mostly-NULL merge and split links partially.
LEANER_CASE_INDEXES = (
    'DROP INDEX case_state', 'DROP INDEX case_township', 'DROP INDEX case_lead',
    'DROP INDEX case_merged_into_id', 'DROP INDEX case_parent_id',
    'CREATE INDEX case_merged_into_partial ON "case" (merged_into_id) WHERE merged_into_id IS NOT NULL',
    'CREATE INDEX case_parent_partial ON "case" (parent_id) WHERE parent_id IS NOT NULL',
)


def bare_tables(built: Path) -> tuple[str, ...]:
    """Not a design option but a bound: no secondary index on cases, reports or events, and the
    search index a plain table — what writing the rows alone costs."""
    with sqlite3.connect(built) as con:
        names = [name for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('case', 'report', 'event')")]
    return (*(f'DROP INDEX "{name}"' for name in names), "DROP TABLE case_search", "CREATE TABLE case_search (body)")


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite file (the backup API: committed WAL pages included)."""
    source_con, target_con = sqlite3.connect(source), sqlite3.connect(target)
    source_con.backup(target_con)
    source_con.close()
    target_con.close()


def working_copy(config: Config, tmp: Path, keep: str | None, cases: int, now: int, seed: int) -> tuple[Path, Path]:
    """(the built database, a fresh copy of it to work on): the database holds `cases` cases, built
    once with models/demo/bulkload.py and, with `keep`, kept there for the next run — which then starts
    from the same state, since every run works on its own copy."""
    built = Path(keep) if keep else tmp / "built.db"
    db = connect(f"sqlite:///{built}")
    set_up(db, config, user="bench", now=now)
    existing = Case.select().count()
    if existing < cases:
        start = time.perf_counter()
        bulk_load(config, db, cases - existing, now, seed=seed)
        print(f"database: {cases - existing:,} cases bulk-loaded in {time.perf_counter() - start:.1f} s")
    db.close()
    work = tmp / "work.db"
    copy_database(built, work)
    return built, work


def storage_floor(built: Path, imported: Path, first: dict[str, int], batch: int | list[int],
                  schema_change: tuple[str, ...] = ()) -> dict[str, float]:
    """Seconds (per table, and committing) to write the rows an import wrote (cases, reports,
    events, search index) again, with plain executemany in `batch`-row transactions (or in
    transactions of these sizes: the import's own, `ImportResult.transactions`), into a copy of
    the database as it was before the import (same schema — after `schema_change`, if given — and
    the import's pragmas): what SQLite costs before any work."""
    with tempfile.TemporaryDirectory() as tmp:
        floor = Path(tmp) / "floor.db"
        copy_database(built, floor)
        tables = {}
        with sqlite3.connect(imported) as con:
            for table, key in (('"case"', "id"), ("report", "id"), ("event", "id"), ("case_search", "rowid")):
                columns = "rowid, body" if table == "case_search" else "*"
                since = first["event" if table == "event" else "report" if table == "report" else "case"]
                tables[table] = con.execute(f"SELECT {columns} FROM {table} WHERE {key} >= ? ORDER BY {key}",
                                            (since,)).fetchall()
        con = sqlite3.connect(floor, isolation_level=None)
        for statement in schema_change:
            con.execute(statement)
        for pragma in ("journal_mode = wal", "synchronous = normal", f"cache_size = -{engine.BULK_CACHE_KIB}",
                       f"wal_autocheckpoint = {engine.BULK_CHECKPOINT_PAGES}"):
            con.execute(f"PRAGMA {pragma}")
        sql = {table: f"INSERT INTO {table}{' (rowid, body)' if table == 'case_search' else ''} "
                      f"VALUES ({', '.join('?' * len(rows[0]))})" for table, rows in tables.items() if rows}
        spent = dict.fromkeys([*sql, "commit"], 0.0)
        count = len(tables['"case"'])
        sizes = batch if isinstance(batch, list) else [batch] * -(-count // batch)
        at = 0
        for size in sizes:
            con.execute("BEGIN IMMEDIATE")
            for table, statement in sql.items():
                start = time.perf_counter()
                con.executemany(statement, tables[table][at:at + size])
                spent[table] += time.perf_counter() - start
            at += size
            start = time.perf_counter()
            con.execute("COMMIT")
            spent["commit"] += time.perf_counter() - start
        con.close()
    return spent


def children_cpu() -> float:
    """CPU seconds of this process's ended children (the import's scoring process, once closed)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_import(ctx: Context, source: Path, reports: int) -> tuple[ImportResult, float, float]:
    """Import the file, print the rate (and the window's one-off load), then import it again (all
    duplicates); (result, wall seconds, CPU seconds of this process)."""
    start, cpu, helper = time.perf_counter(), time.process_time(), children_cpu()
    result = import_file(ctx, source, profile="hotline")
    seconds, cpu, helper = time.perf_counter() - start, time.process_time() - cpu, children_cpu() - helper
    assert result.imported == reports and result.read == reports, result.as_json()
    again_start = time.perf_counter()
    again = import_file(ctx, source, profile="hotline")
    again_seconds = time.perf_counter() - again_start
    assert again.imported == 0 and again.duplicate == reports
    print(f"import: {result.imported:,} reports in {seconds:.1f} s = {result.imported / seconds:,.0f} reports/s "
          f"({result.flagged:,} flagged as possible duplicates; {len(result.transactions)} transactions)")
    print(f"  CPU: {cpu:.1f} s in the importing process = {result.imported / cpu:,.0f}/s, "
          f"{helper:.1f} s in the duplicate scoring process")
    if result.window is not None:
        cases, loading = result.window
        print(f"  the duplicate window held {cases:,} open, recent and imported cases; loading them took "
              f"{loading:.1f} s (in the scoring process when there is one, beside the writing)")
    print(f"re-import of the same file (all duplicates): {again_seconds:.1f} s = {reports / again_seconds:,.0f} rows/s")
    return result, seconds, cpu


# --- PostgreSQL (issue 19, item 5) ----------------------------------------------------------

PG_TABLES = (('"case"', "id", "case"), ("report", "id", "report"), ("event", "id", "event"),
             ("case_search", "case_id", "case"))


def pg_url(base: str, name: str) -> str:
    """The server of `base`, database `name`."""
    parsed = urlparse(base)
    return urlunparse(parsed._replace(path=f"/{name}"))


def pg_admin(base: str, *statements: str) -> None:
    import psycopg
    with psycopg.connect(base, autocommit=True) as con:
        for statement in statements:
            con.execute(statement)  # type: ignore[arg-type]


def pg_copy_floor(work: str, floor: str, first: dict[str, int], sizes: list[int]) -> dict[str, float]:
    """Seconds (per table, and committing) to COPY the rows the import wrote straight into the
    tables of a copy of the database as it was, in the import's own transactions."""
    import psycopg
    tables = {}
    with psycopg.connect(work) as con:
        for table, key, since in PG_TABLES:
            columns = "case_id, body" if table == "case_search" else "*"
            tables[table] = con.execute(f"SELECT {columns} FROM {table} WHERE {key} >= %s ORDER BY {key}",  # type: ignore[arg-type]
                                        (first[since],)).fetchall()
    spent = dict.fromkeys([*tables, "commit"], 0.0)
    with psycopg.connect(floor) as con:
        at = 0
        for size in sizes:
            for table, rows in tables.items():
                start = time.perf_counter()
                target = f"{table} (case_id, body)" if table == "case_search" else table
                with con.cursor().copy(f"COPY {target} FROM STDIN") as copy:  # type: ignore[arg-type]
                    for row in rows[at:at + size]:
                        copy.write_row(row)
                spent[table] += time.perf_counter() - start
            start = time.perf_counter()
            con.commit()
            spent["commit"] += time.perf_counter() - start
            at += size
    return spent


def pg_main(args: argparse.Namespace, config: Config) -> None:
    """The same import into a PostgreSQL database of `--cases` cases, against COPY straight into the tables."""
    built, work, floor = (f"chuishao_import_bench_{args.cases}", "chuishao_import_bench_work",
                          "chuishao_import_bench_floor")
    now = to_epoch(now_utc())
    import psycopg
    with psycopg.connect(args.db, autocommit=True) as con:
        exists = con.execute("SELECT 1 FROM pg_database WHERE datname = %s", (built,)).fetchone()
    if not exists:
        pg_admin(args.db, f'CREATE DATABASE "{built}"')
    db = connect(pg_url(args.db, built))
    set_up(db, config, user="bench", now=now)
    existing = Case.select().count()
    if existing < args.cases:
        start = time.perf_counter()
        bulk_load(config, db, args.cases - existing, now, seed=args.seed)
        engine.refresh_statistics(db)
        print(f"database: {args.cases - existing:,} cases bulk-loaded in {time.perf_counter() - start:.1f} s")
    db.close()
    pg_admin(args.db, f'DROP DATABASE IF EXISTS "{work}"', f'DROP DATABASE IF EXISTS "{floor}"',
             f'CREATE DATABASE "{work}" TEMPLATE "{built}"', f'CREATE DATABASE "{floor}" TEMPLATE "{built}"')
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = connect(pg_url(args.db, work))
            print(f"database: {Case.select().count():,} cases before the import (PostgreSQL)")
            ctx = resolve_identity(config, db, user="bench")
            first = {"case": next_ids(db)[0], "report": next_ids(db)[1],
                     "event": int(Event.select(pw.fn.MAX(Event.id)).scalar() or 0) + 1}
            source = Path(tmp) / "reports.csv"
            generate(config, source, args.reports, now, args.seed, tag="B")
            result, seconds, _ = timed_import(ctx, source, args.reports)
            db.close()
        spent = pg_copy_floor(pg_url(args.db, work), pg_url(args.db, floor), first, result.transactions)
        total = sum(spent.values())
        rate, floor_rate = args.reports / seconds, args.reports / total
        print(f"floor: the same cases, reports, events and search rows COPY'd straight into the tables, in the "
              f"import's own {len(result.transactions)} transactions: {total:.1f} s = {floor_rate:,.0f} reports/s")
        print("  " + ", ".join(f"{table.strip(chr(34))} {t:.1f} s" for table, t in spent.items()))
        print(f"ratio: the import runs at {rate / floor_rate:.2f}x the floor's rate "
              f"(target 0.7x: {'met' if rate >= 0.7 * floor_rate else 'not met'})")
    finally:
        pg_admin(args.db, f'DROP DATABASE IF EXISTS "{work}"', f'DROP DATABASE IF EXISTS "{floor}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases in the database before the import")
    parser.add_argument("--reports", type=int, default=100_000, help="reports to import")
    parser.add_argument("--keep", help="database file to keep and reuse (default: a temporary one)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", help="postgresql://… : import into a PostgreSQL database of --cases cases (built "
                                     "once and kept on the server as chuishao_import_bench_CASES) instead")
    parser.add_argument("--floor-variants", action="store_true",
                        help="also measure the storage floor with 500-row transactions, in one transaction, "
                             "with leaner case indexes, and with no index at all")
    args = parser.parse_args()
    config = load_config(str(ROOT / "chuishao.toml"))
    if args.db:
        pg_main(args, config)
        return
    with tempfile.TemporaryDirectory() as tmp:
        now = to_epoch(now_utc())
        built, db_path = working_copy(config, Path(tmp), args.keep, args.cases, now, args.seed)
        db = connect(f"sqlite:///{db_path}")
        print(f"database: {Case.select().count():,} cases before the import")
        ctx = resolve_identity(config, db, user="bench")
        first = {"case": next_ids(db)[0], "report": next_ids(db)[1],
                 "event": int(Event.select(pw.fn.MAX(Event.id)).scalar() or 0) + 1}
        source = Path(tmp) / "reports.csv"
        rows = generate(config, source, args.reports, now, args.seed, tag="B")
        result, seconds, cpu = timed_import(ctx, source, args.reports)
        rate = result.imported / seconds
        raw, raw_cpu = raw_baseline(rows)
        raw_rate = len(rows) / raw
        print(f"baseline: sqlite3.executemany of the same rows into a bare table: {raw:.2f} s = {raw_rate:,.0f} rows/s "
              f"(CPU {raw_cpu:.2f} s)")
        db.close()
        spent = storage_floor(built, db_path, first, result.transactions)
        floor = sum(spent.values())
        sizes = sorted(result.transactions)
        print(f"storage floor: the same cases, reports, events and search rows written again with executemany "
              f"into the real schema, in the import's own {len(sizes)} transactions (rows each: median "
              f"{sizes[len(sizes) // 2]:,}, smallest {sizes[0]:,}, largest {sizes[-1]:,}): {floor:.1f} s "
              f"= {args.reports / floor:,.0f} reports/s")
        print("  " + ", ".join(f"{table.strip(chr(34))} {t:.1f} s" for table, t in spent.items()))
        if args.floor_variants:
            ours = result.transactions
            for name, size, change in (("500-row transactions", 500, ()),
                                       ("one transaction", [args.reports], ()),
                                       ("leaner case indexes", ours, LEANER_CASE_INDEXES),
                                       ("bare tables, no index at all", ours, bare_tables(built))):
                variant = storage_floor(built, db_path, first, size, change)
                total = sum(variant.values())
                print(f"  variant, {name}: {total:.1f} s = {args.reports / total:,.0f} reports/s ("
                      + ", ".join(f"{table.strip(chr(34))} {t:.1f} s" for table, t in variant.items()) + ")")
        print(f"ratio: import is {raw_rate / rate:.1f}x slower than the raw insert by the clock, "
              f"{cpu / max(raw_cpu, 1e-9):.1f}x by CPU time; the import runs at {rate / (args.reports / floor):.2f}x "
              f"the storage floor's rate (target 5,000 reports/s: {'met' if rate >= 5000 else 'not met'})")


if __name__ == "__main__":
    main()
