"""智能分哨 speed: one suggestion on a million-case database, and training on 10k labelled rows.

    .venv/bin/python benchmarks/suggest_bench.py [--cases 1000000] [--db PATH] [--rebuild] [--texts 60]
                                                 [--train-rows 10000] [--training-only]

Latency. A database of N synthetic cases (models.demo.bulkload: triaged with categories, duty items,
leads and cooperating departments, full-text indexed) gets a model trained on the TIPDM sample plus
its newest decided cases. Then `suggest_text` answers for texts of two kinds — real TIPDM messages
(long, city wording) and county-style reports like the ones in the database (short, full of the
words thousands of past cases share, the worst case for the similar-case lookups). Printed: the
median and 90th percentile in ms (target: median ≤ 20 ms) and the CPU median — once right after
the model is stored (the big file's pages cold) and once more — next to baselines measured in the
same run on the same texts: the classifier alone, and the full suggestion on a 10k-case database (the
lookups are bounded, so the two databases should answer alike).

Training. 10k labelled rows (the sample's messages resampled, sentences shuffled and one dropped
so that no two rows are alike) written as a TIPDM-shaped CSV, then `train` from that file (read,
fit, store). Printed next to the time to only read the file. Target ≤ 10 s. `--training-only` stops
there (a few seconds instead of the latency part's minutes).
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from models.demo.bulkload import bulk_load
from models.demo.demo_text import report_text
from models.org.config import Config, load_config
from models.org.context import Context, resolve_identity
from models.org.db import connect
from models.org.setup import set_up
from models.store.schema import Case
from models.suggest.engine import suggest_text
from models.suggest.training import load_model, read_labelled, train
from models.worktime.timeutil import now_utc, to_epoch

SAMPLE = ROOT.parent / "shared" / "data" / "tipdm2020" / "messages_sample.csv"


def context(config: Config, path: Path, cases: int, rebuild: bool) -> Context:
    if rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = connect(f"sqlite:///{path}")
    now = to_epoch(now_utc())
    set_up(db, config, user="bench", now=now)
    have = Case.select().count()
    if have < cases:
        print(f"building {cases:,} cases in {path} …", flush=True)
        started = time.perf_counter()
        bulk_load(config, db, cases - have, now, seed=11)
        db.execute_sql("ANALYZE")
        print(f"  bulk load: {time.perf_counter() - started:.0f} s", flush=True)
    return resolve_identity(config, db, user="bench")


def sample_rows() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def query_texts(config: Config, count: int) -> list[tuple[str, str]]:
    """(title, text): half real TIPDM messages, half county-style reports like the database's."""
    rng = random.Random(99)
    rows = rng.sample(sample_rows(), count // 2)
    out = [(r["留言主题"], r["留言详情"].strip()) for r in rows]
    items = sorted(config.duty_items.values(), key=lambda i: i.code)
    towns = sorted(config.townships)
    for _ in range(count - len(out)):
        town = rng.choice(towns)
        village = rng.choice(config.townships[town].villages or ("",))
        out.append(report_text(rng, config, rng.choice(items), town, village, False))
    return out


def timed(func: Callable[[str, str], object], texts: list[tuple[str, str]]) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds per text (CPU time shows what the machine's other load hides)."""
    wall, cpu = [], []
    for title, text in texts:
        w, c = time.perf_counter(), time.process_time()
        func(title, text)
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return wall, cpu


def latency(ctx: Context, texts: list[tuple[str, str]]) -> tuple[list[float], list[float]]:
    suggest_text(ctx, texts[0][1], texts[0][0])  # model parsed and cached, statements prepared
    return timed(lambda title, text: suggest_text(ctx, text, title), texts)


def show(name: str, times: tuple[list[float], list[float]]) -> None:
    wall, cpu = times
    cut = sorted(wall)[int(len(wall) * 0.9) - 1]
    print(f"  {name:<34} median {statistics.median(wall):6.1f} ms   p90 {cut:6.1f} ms   "
          f"CPU median {statistics.median(cpu):5.1f} ms")


def synthetic_file(path: Path, n: int) -> None:
    rng = random.Random(5)
    rows = sample_rows()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "一级分类"])
        for i in range(n):
            row = rng.choice(rows)
            sentences = [s for s in row["留言详情"].strip().split("。") if s.strip()]
            rng.shuffle(sentences)
            detail = "。".join(sentences[:-1] if len(sentences) > 2 else sentences)
            writer.writerow([f"S{i}", row["留言用户"], row["留言主题"], row["留言时间"], detail, row["一级分类"]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/chuishao-suggest-bench.db"))
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--texts", type=int, default=60)
    parser.add_argument("--train-rows", type=int, default=10_000)
    parser.add_argument("--training-only", action="store_true", help="measure training, skip the latency part")
    args = parser.parse_args()
    config = load_config(str(ROOT / "chuishao.toml"))
    texts = query_texts(config, args.texts)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"training: {args.train_rows:,} labelled rows")
        data = Path(tmp) / "train.csv"
        synthetic_file(data, args.train_rows)
        small = context(config, Path(tmp) / "small.db", 10_000, True)
        started = time.perf_counter()
        read_labelled(config, data, "tipdm", need_label=True)
        print(f"  baseline: read the file            {time.perf_counter() - started:6.1f} s")
        wall, cpu = time.perf_counter(), time.process_time()
        result = train(small, path=data, profile="tipdm", use_history=False)
        print(f"  suggest train --from (read, fit, store) {time.perf_counter() - wall:6.1f} s   "
              f"CPU {time.process_time() - cpu:5.1f} s   (target ≤ 10 s; {result.seed_rows:,} rows)")
        if args.training_only:
            return
        print(f"latency: {len(texts)} texts (half TIPDM messages, half county reports)")
        train(small, path=SAMPLE, profile="tipdm")
        model = load_model(small.db)
        assert model is not None
        show("baseline: classifier alone", timed(lambda title, text: model.classifier.predict(f"{title}\n{text}", 5),
                                                 texts))
        show("suggest_text, 10,000 cases", latency(small, texts))
    big = context(config, args.db, args.cases, args.rebuild)
    started = time.perf_counter()
    train(big, path=SAMPLE, profile="tipdm")
    print(f"  (model for the big database: sample + {min(args.cases, 10_000):,} newest cases, "
          f"{time.perf_counter() - started:.1f} s)")
    count = Case.select().count()
    show(f"suggest_text, {count:,} cases", latency(big, texts))
    show("  the same again (pages now cached)", latency(big, texts))
    print("  target: median ≤ 20 ms on 1,000,000 cases")


if __name__ == "__main__":
    main()
