"""Write rejected rows back in the input's own format and encoding, so a person can fix and re-import them.

- CSV: the source header plus a last column `REJECT_REASON_COLUMN` ("拒绝原因"), same encoding
  (a BOM only if the source had one) and delimiter; undecodable bytes go back out unchanged.
- XLSX: one sheet with the header plus the reason column; cell values as read (dates stay dates).
- JSONL: each original line with a `REJECT_REASON_KEY` ("_reject_reason") member appended to the
  object text, the rest of the line byte-for-byte; a line that is not a JSON object at all (broken
  JSON) is written back verbatim, since there is no object to put a reason in.
- Open311: a JSON array of the original objects, each with `REJECT_REASON_KEY` added.

The reader drops the reason column/key, so a fixed rejects file re-imports like the original.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from models.errors import UsageError
from models.intake.importing.readers import REJECT_REASON_COLUMN, REJECT_REASON_KEY

__all__ = ["SourceInfo", "write_rejects"]


class SourceInfo(Protocol):
    """What the writer needs from a `SourceFile` (format, encoding, header)."""

    format: str
    encoding: str | None
    header: list[str]


def check_new_file(path: str | Path, source: str | Path | None = None) -> None:
    """Refuse a rejects file that would overwrite anything (the input above all) or cannot be created;
    raises UsageError naming the path. The writers also create the file exclusively."""
    path = Path(path)
    if source is not None and path.exists() and Path(source).exists() and path.samefile(source):
        raise UsageError("import.rejects_is_input", path=path)
    if path.exists() or path.is_symlink():
        raise UsageError("import.rejects_exists", path=path)
    parent = path.parent
    if not parent.is_dir():
        raise UsageError("import.rejects_no_dir", path=path, directory=parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError("import.rejects_denied", path=path, directory=parent)


def write_rejects(path: str | Path, source: SourceInfo, rejected: Iterable[tuple[object, str]]) -> int:
    """Write `(raw, reason)` pairs to `path` in `source`'s format; return the number of rows written.

    `raw` is `SourceRow.raw` / `RowError.raw` from the reader. An existing file is never overwritten
    (FileExistsError): check the path first with `check_new_file`.
    """
    path = Path(path)
    writer = {"csv": _write_csv, "xlsx": _write_xlsx, "jsonl": _write_jsonl, "open311": _write_open311}.get(
        source.format
    )
    if writer is None:
        raise ValueError(f"cannot write rejects in unknown format '{source.format}'")
    return writer(path, source, list(rejected))


def _table_cells(raw: object, width: int, filler: object) -> list[Any]:
    """The row's cells padded to the header width so the reason lands in the reason column."""
    cells = list(raw) if isinstance(raw, (list, tuple)) else []
    while len(cells) > width and cells[-1] in (None, ""):
        cells.pop()
    return cells + [filler] * (width - len(cells))


def _write_csv(path: Path, source: SourceInfo, rejected: list[tuple[object, str]]) -> int:
    delimiter = getattr(source, "delimiter", ",")
    # surrogateescape turns bytes the reader could not decode back into the very same bytes.
    with path.open("x", encoding=source.encoding or "utf-8", errors="surrogateescape", newline="") as handle:
        out = csv.writer(handle, delimiter=delimiter)
        out.writerow([*source.header, REJECT_REASON_COLUMN])
        for raw, reason in rejected:
            out.writerow([*_table_cells(raw, len(source.header), ""), reason])
    return len(rejected)


def _write_xlsx(path: Path, source: SourceInfo, rejected: list[tuple[object, str]]) -> int:
    import openpyxl  # lazily: only XLSX rejects pay for the import
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(getattr(source, "sheet", None) or "Sheet1")

    def cell(value: object) -> object:
        if not isinstance(value, str):
            return value
        # XML cannot hold control characters (often the very reason for rejection): drop them.
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        if text.startswith("="):  # openpyxl would store a leading "=" as a formula
            written = WriteOnlyCell(sheet, value=text)
            written.data_type = "s"
            return written
        return text

    sheet.append([cell(name) for name in [*source.header, REJECT_REASON_COLUMN]])
    for raw, reason in rejected:
        sheet.append([cell(value) for value in [*_table_cells(raw, len(source.header), None), reason]])
    with path.open("xb") as handle:
        book.save(handle)
    return len(rejected)


def _with_reason(line: str, reason: str) -> str:
    """Append the reason member to a JSON object's text, leaving every other character as it was."""
    try:
        obj = json.loads(line)
    except ValueError:
        return line
    if not isinstance(obj, dict):
        return line
    if REJECT_REASON_KEY in obj:  # a reject rejected again: replace rather than pile up duplicates
        obj[REJECT_REASON_KEY] = reason
        return json.dumps(obj, ensure_ascii=False)
    body = line.rstrip()[:-1].rstrip()  # drop the closing brace
    separator = "" if body.endswith("{") else ", "
    return f"{body}{separator}{json.dumps(REJECT_REASON_KEY)}: {json.dumps(reason, ensure_ascii=False)}}}"


def _write_jsonl(path: Path, source: SourceInfo, rejected: list[tuple[object, str]]) -> int:
    with path.open("x", encoding=source.encoding or "utf-8", errors="surrogateescape", newline="\n") as handle:
        for raw, reason in rejected:
            if isinstance(raw, dict):
                line = json.dumps({**raw, REJECT_REASON_KEY: reason}, ensure_ascii=False)
            else:
                line = _with_reason("" if raw is None else str(raw), reason)
            handle.write(line + "\n")
    return len(rejected)


def _write_open311(path: Path, source: SourceInfo, rejected: list[tuple[object, str]]) -> int:
    items: list[object] = []
    for raw, reason in rejected:
        if isinstance(raw, dict):
            item = {k: v for k, v in raw.items() if k != REJECT_REASON_KEY}
            item[REJECT_REASON_KEY] = reason
            items.append(item)
        else:
            items.append(raw)  # not an object: nowhere to put a reason, keep it as it was
    with path.open("x", encoding=source.encoding or "utf-8", errors="surrogateescape", newline="\n") as handle:
        json.dump(items, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    return len(rejected)
