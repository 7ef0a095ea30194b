"""What an import file's reader hands out: good rows, row errors, the opened file, and the checks
every format applies to a cell (readable text, the one text limit).

Pure file work, no database. The readers are models/intake/importing/readers.py (tables) and
jsonread.py (JSON Lines, Open311).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from models.errors import UsageError
from models.intake.importing.text import SURROGATE, codec_label, detect_encoding
from models.text.textnorm import MAX_TEXT_CHARS

REJECT_REASON_COLUMN = "拒绝原因"
"""Last column of a CSV/XLSX rejects file; dropped by the reader so fixed rows re-import as-is."""
REJECT_REASON_KEY = "_reject_reason"
"""Key added to each JSONL/Open311 object in a rejects file; dropped by the reader."""
MAX_FIELD_CHARS = MAX_TEXT_CHARS
"""Longer cells are refused: the one text limit (models/text/textnorm.py)."""
SAMPLE = 256 * 1024


class ImportFileError(UsageError, ValueError):
    """The whole file cannot be read (missing, empty, no header, wrong format); the message names it."""


@dataclass
class SourceRow:
    """One good record: `fields` maps column (or JSON key) to text; `raw` writes it back unchanged."""

    number: int
    fields: dict[str, str]
    raw: object


@dataclass
class RowError:
    """One record that cannot be read; `reason` starts with its row (or line/record) number."""

    number: int
    reason: str
    raw: object


@dataclass
class SourceFile:
    """An opened import file. Iterate `rows` once; `close()` releases the file if you stop early."""

    path: Path
    format: str
    encoding: str | None
    header: list[str]
    rows: Iterator[SourceRow | RowError]
    total_hint: int | None = None
    delimiter: str = ","
    sheet: str | None = None
    # Closing a generator that never started skips its cleanup, so the handle is closed here too.
    closer: Callable[[], object] | None = field(default=None, repr=False, compare=False)

    def close(self) -> None:
        """Stop reading and close the underlying file (safe to call more than once)."""
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()
        if self.closer is not None:
            self.closer()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()



def text_encoding(path: Path) -> str:
    encoding = detect_encoding(path)
    if encoding == "utf-16":
        raise ImportFileError("import.utf16", path=path)
    return encoding



def cell_problem(text: str, encoding: str | None) -> str | None:
    if "\x00" in text:
        return "NUL byte"
    if SURROGATE.search(text):
        return f"bytes not valid {codec_label(encoding)}"
    if len(text) > MAX_FIELD_CHARS:
        return f"{len(text)} characters (limit {MAX_FIELD_CHARS})"
    return None




def record_hint(path: Path, size: int, encoding: str, delimiter: str | None) -> int | None:
    """Records in the file, exact if small, else extrapolated from the first 256 KiB (for progress bars)."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE).decode(encoding, errors="replace")
    lines = io.StringIO(sample, newline="")
    try:
        if delimiter:
            count = sum(1 for row in csv.reader(lines, delimiter=delimiter) if any(row))
        else:
            count = sum(1 for line in lines if line.strip())
    except csv.Error:
        return None
    header = 1 if delimiter else 0
    if size <= SAMPLE:
        return max(count - header, 0)
    return max(int((count - 1) * size / SAMPLE) - header, 0)  # the sample's last record is cut


