"""Does the score rank caseload or performance? The Spearman rank correlation between a department's
number of assignments and its score on a demo year (issue 16: acceptance within ±0.3), with the
lowest and highest score (every score must lie within 0..100).

Builds the demo county once (`chuishao demo --cases 3000 --now 2026-11-20T00:00 --seed 1`, about
two minutes here) unless --db names one already built, then reads
`chuishao report scoreboard --from 2026-01-01 --to 2026-11-21 --json` — the published numbers.

Run: .venv/bin/python benchmarks/scoreboard_fairness.py [--db PATH] [--cases 3000] [--seed 1]
Measured (seed 1, 3,000 cases, 39 departments): before issue 16's second round −0.844 (scores −34.5
… 88.2); after −0.045 (scores 19.3 … 90.2).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from console.cli import main; main()"]


def ranks(values: list[float]) -> list[float]:
    """1-based ranks, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(xs: list[float], ys: list[float]) -> float:
    a, b = ranks(xs), ranks(ys)
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True))
    var = (sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b)) ** 0.5
    return cov / var if var else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/chuishao-fairness.db"))
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    url = f"sqlite:///{args.db.resolve()}"
    if not args.db.exists():
        subprocess.run([*CLI, "--db", url, "demo", "--cases", str(args.cases), "--now", "2026-11-20T00:00",
                        "--seed", str(args.seed)], check=True, cwd=ROOT)
    out = subprocess.run([*CLI, "--db", url, "report", "scoreboard", "--from", "2026-01-01", "--to", "2026-11-21",
                          "--json"], check=True, cwd=ROOT, capture_output=True, text=True).stdout
    scored = [d for d in json.loads(out)["departments"] if d["score"] is not None]
    rho = spearman([d["assignments"] for d in scored], [d["score"] for d in scored])
    print(f"departments scored  {len(scored)}")
    print(f"spearman(assignments, score)  {rho:+.3f}  (acceptance: within ±0.3)")
    print(f"score range  {min(d['score'] for d in scored):.1f} … {max(d['score'] for d in scored):.1f}")


if __name__ == "__main__":
    main()
