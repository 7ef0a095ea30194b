"""Write an XLSX of N rows, each padded with an empty cell in column XFD (16,384 columns), half of
them rejected (empty text), as the workbook of issue 18 that took 3.66 GB and 78 s to import.

    .venv/bin/python benchmarks/xlsx_padded.py /tmp/padded.xlsx --rows 20000
    .venv/bin/chuishao --db sqlite:////tmp/padded.db init
    /usr/bin/time -v .venv/bin/chuishao --db sqlite:////tmp/padded.db intake import /tmp/padded.xlsx --channel grid

Measured on this shared 2-core machine (20,000 rows): 110 s CPU, 4 min 13 s wall, 1.49 GB peak
before the reader was bounded by the header's width; 4.6–6.9 s CPU, 5–16 s wall, 73 MB after
(8.3 s and 76 MB with --rejects, which keeps the rejected rows' cells to write them back).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_import_trust import padded_workbook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    padded_workbook(args.path, args.rows)
    print(f"{args.path}: {args.rows + 1} rows padded to column XFD, {args.path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
