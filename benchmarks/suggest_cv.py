"""智能分哨 accuracy end to end: cross-validation through `chuishao suggest train` and `suggest evaluate`.

    .venv/bin/python benchmarks/suggest_cv.py [--data messages_sample.csv] [--folds 5] [--seeds 1,2,3]

The labelled file is split into stratified folds (models.suggest.classifier.stratified_folds); for
each fold a fresh database is trained on the other folds' rows with `suggest train --from TRAIN
--profile tipdm` and evaluated on the held-out rows with `suggest evaluate TEST --profile tipdm
--skip-overlap` — the same commands an office would run, through the whole engine (model, duty
list, places), not the classifier alone. Rows of the held-out fold that also occur in the training
folds (the sample holds one text twice) are left out by the overlap check and counted.

Printed: top-1 and top-3 accuracy at the first level over all held-out rows of all folds and
seeds, and per category. The classifier alone, and a naive Bayes baseline on the same folds, are
measured by benchmarks/suggest_accuracy.py. Nothing here is tuned to the folds.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from click.testing import CliRunner

from console.cli import cli
from models.suggest.classifier import stratified_folds

DEFAULT = ROOT.parent / "shared" / "data" / "tipdm2020" / "messages_sample.csv"
LABEL = "一级分类"


def run(db: Path, *args: str) -> dict:
    result = CliRunner().invoke(cli, ["--config", str(ROOT / "chuishao.toml"), "--db", f"sqlite:///{db}", *args])
    if result.exit_code != 0:
        raise SystemExit(f"chuishao {' '.join(args)} failed ({result.exit_code}): {result.output}")
    return json.loads(result.output) if "--json" in args else {}


def write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", default="1,2,3")
    args = parser.parse_args()
    with args.data.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    labels = [r[LABEL] for r in rows]
    seeds = [int(s) for s in args.seeds.split(",")]
    hit1 = hit3 = total = left_out = 0
    per: dict[str, Counter[str]] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            for k, test in enumerate(stratified_folds(labels, args.folds, seed)):
                held = set(test)
                base = Path(tmp) / f"s{seed}f{k}"
                base.mkdir()
                write(base / "train.csv", header, [r for i, r in enumerate(rows) if i not in held])
                write(base / "test.csv", header, [rows[i] for i in test])
                db = base / "cv.db"
                run(db, "init")
                run(db, "suggest", "train", "--from", str(base / "train.csv"), "--profile", "tipdm", "--json")
                out = run(db, "suggest", "evaluate", str(base / "test.csv"), "--profile", "tipdm",
                          "--skip-overlap", "--json")
                hit1 += round(out["top1"] * out["rows"])
                hit3 += round(out["top3"] * out["rows"])
                total += out["rows"]
                left_out += out["skipped_overlap"]
                for name, stats in out["per_category"].items():
                    c = per.setdefault(name, Counter())
                    c["rows"] += stats["rows"]
                    c["top1"] += round(stats["top1"] * stats["rows"])
                    c["top3"] += round(stats["top3"] * stats["rows"])
                print(f"seed {seed} fold {k}: {out['rows']} rows, top-1 {out['top1']:.3f}, top-3 {out['top3']:.3f}",
                      flush=True)
    print(f"\nengine (suggest train + suggest evaluate), {args.folds}-fold x seeds {seeds}: "
          f"{total} held-out predictions ({left_out} left out as seen in training)")
    print(f"  top-1 {hit1 / total:.3f}   top-3 {hit3 / total:.3f}   ({time.perf_counter() - started:.0f} s)")
    for name, c in sorted(per.items(), key=lambda kv: -kv[1]["rows"]):
        print(f"  {name:<10} {c['rows']:>5}  top-1 {c['top1'] / c['rows']:.3f}  top-3 {c['top3'] / c['rows']:.3f}")


if __name__ == "__main__":
    main()
