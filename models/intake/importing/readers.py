"""Read an import file into rows of text, one record at a time, without touching the database.

Formats: CSV (UTF-8, UTF-8 with BOM, or GB18030/GBK, detected), XLSX (first sheet unless named),
JSON Lines, and Open311 GeoReport v2 JSON (an array of service requests). Cell text is kept exactly
as in the file; trimming and field mapping are the caller's business.

Every record ends as either a `SourceRow` or a `RowError` carrying its row number and a reason, so
one bad record never aborts a file and good + errors = records. Completely empty records are
skipped silently but still advance row numbers, so numbers match what a person sees in Excel or an
editor. Rows re-imported from a rejects file (see `models.importing.writers`) lose their reason:
the reader drops a last header column named `REJECT_REASON_COLUMN` and JSON keys named
`REJECT_REASON_KEY`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any

from models.intake.importing.jsonread import open_jsonl, open_open311
from models.intake.importing.records import (
    MAX_FIELD_CHARS,
    REJECT_REASON_COLUMN,
    REJECT_REASON_KEY,
    ImportFileError,
    RowError,
    SourceFile,
    SourceRow,
    cell_problem,
    record_hint,
    text_encoding,
)
from models.intake.importing.text import SURROGATE, cell_text

__all__ = [
    "FORMATS", "MAX_FIELD_CHARS", "REJECT_REASON_COLUMN", "REJECT_REASON_KEY",
    "ImportFileError", "RowError", "SourceFile", "SourceRow", "open_source",
]

FORMATS = ("csv", "xlsx", "jsonl", "open311")

_EXTENSIONS = {
    ".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "open311",
}

# A field beyond csv's default 128 KiB limit raises mid-record and would abort the file; lift the
# (process-wide, raise-only) limit and refuse long fields per row instead. 2**31-1 fits a C long.
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))


def open_source(path: str | Path, fmt: str | None = None, *, sheet: str | None = None) -> SourceFile:
    """Open an import file; the format comes from `fmt` or the file extension.

    File-level problems raise `ImportFileError`; row-level ones come out of `rows` as `RowError`.
    `sheet` names the XLSX worksheet (default: the first).
    """
    path = Path(path)
    explicit = fmt is not None
    if fmt is None:
        fmt = _EXTENSIONS.get(path.suffix.lower())
        if fmt is None:
            hint = "; save old .xls workbooks as .xlsx" if path.suffix.lower() == ".xls" else ""
            raise ImportFileError(
                f"{path}: unknown file type '{path.suffix}'; expected .csv, .xlsx, .jsonl or .json{hint}"
            )
    elif fmt not in FORMATS:
        raise ImportFileError(f"{path}: unknown format '{fmt}'; expected one of {', '.join(FORMATS)}")
    try:
        if not path.is_file():
            raise ImportFileError(f"{path}: no such file")
        size = path.stat().st_size
        if size == 0:
            raise ImportFileError(f"{path}: the file is empty")
        if fmt == "csv":
            return _open_csv(path, size)
        if fmt == "xlsx":
            return _open_xlsx(path, sheet)
        if fmt == "jsonl":
            return open_jsonl(path, size)
        return open_open311(path, explicit)
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read the file ({exc.strerror or exc})") from None




# ---------------------------------------------------------------- tables (CSV, XLSX)

def _prepare_header(path: Path, cells: list[str]) -> tuple[list[str], bool]:
    """Column names (surrounding spaces dropped: they are names, not data) and whether a reason column was dropped."""
    names = [cell.strip() for cell in cells]
    while names and not names[-1]:
        names.pop()  # Excel leaves trailing empty columns behind
    has_reason = bool(names) and names[-1] == REJECT_REASON_COLUMN
    if has_reason:
        names.pop()
    if not names:
        raise ImportFileError(f"{path}: no header row")
    seen: set[str] = set()
    for index, name in enumerate(names, 1):
        if SURROGATE.search(name) or "\x00" in name:
            raise ImportFileError(f"{path}: header column {index} is not readable text")
        if not name:
            name = names[index - 1] = f"列{index}"  # an unnamed column still needs a key
        if name in seen:
            raise ImportFileError(f"{path}: column '{name}' appears twice in the header")
        seen.add(name)
    return names, has_reason



def _table_row(
    number: int, texts: list[str], raw: list[Any], header: list[str], has_reason: bool, encoding: str | None
) -> SourceRow | RowError:
    width = len(header)
    if has_reason and len(texts) > width:  # the rejects writer put the reason after the last column
        texts, raw = texts[:-1], raw[:-1]
    used = len(texts)
    while used > width and not texts[used - 1]:
        used -= 1  # trailing empty cells are Excel residue, not data
    if used > width:
        return RowError(number, f"row {number}: {used} cells but the header has {width} columns", raw)
    texts = texts[:width] + [""] * (width - len(texts))
    joined = "".join(texts)  # one scan of the row; the per-cell search only runs to name the column
    if "\x00" in joined or SURROGATE.search(joined) or max(map(len, texts)) > MAX_FIELD_CHARS:
        for name, text in zip(header, texts):
            problem = cell_problem(text, encoding)
            if problem:
                return RowError(number, f"row {number}: {problem} in column {name}", raw)
    return SourceRow(number, dict(zip(header, texts)), raw)


def _open_csv(path: Path, size: int) -> SourceFile:
    encoding = text_encoding(path)
    handle = path.open(encoding=encoding, errors="surrogateescape", newline="")
    try:
        first = handle.readline()
        # Excel's "Text (Tab delimited)" export arrives as .txt: a tabbed header with no comma.
        delimiter = "\t" if "\t" in first and "," not in first else ","
        records = csv.reader(chain([first], handle), delimiter=delimiter)
        number, cells = 0, []
        for cells in records:
            number += 1
            if any(cells):
                break
        else:
            raise ImportFileError(f"{path}: no header row")
        header, has_reason = _prepare_header(path, cells)
    except csv.Error as exc:
        handle.close()
        raise ImportFileError(f"{path}: cannot read the header row ({exc})") from None
    except BaseException:
        handle.close()
        raise
    return SourceFile(
        path, "csv", encoding, header, _csv_rows(handle, records, number, header, has_reason, encoding),
        record_hint(path, size, encoding, delimiter), delimiter, closer=handle.close,
    )


def _csv_rows(
    handle: io.TextIOBase, records: Iterator[list[str]], number: int, header: list[str],
    has_reason: bool, encoding: str,
) -> Iterator[SourceRow | RowError]:
    with handle:
        while True:
            try:
                cells = next(records)
            except StopIteration:
                return
            except csv.Error as exc:  # the csv module resyncs at the next line, so carry on
                number += 1
                yield RowError(number, f"row {number}: {exc}", None)
                continue
            number += 1
            if any(cells):
                yield _table_row(number, cells, cells, header, has_reason, encoding)



def _open_xlsx(path: Path, sheet: str | None) -> SourceFile:
    import openpyxl  # lazily: costs ~0.2 s; only XLSX imports should pay it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — openpyxl surfaces zip, XML and key errors alike for a non-xlsx file
        raise ImportFileError(f"{path}: cannot open as an .xlsx workbook ({type(exc).__name__}: {exc})") from None
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise ImportFileError(f"{path}: no sheet named '{sheet}'; sheets: {', '.join(names)}")
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        total = ws.max_row
        # A stale <dimension> would silently cut rows in read-only mode; read what is really there.
        ws.reset_dimensions()
        rows = ws.iter_rows()
        number, header_cells = 0, []
        for cells in rows:
            number += 1
            header_cells = [cell_text(c.value, c.number_format) for c in cells]
            if any(header_cells):
                break
        else:
            raise ImportFileError(f"{path}: no header row")
        header, has_reason = _prepare_header(path, header_cells)
    except BaseException:
        book.close()
        raise
    hint = total - number if total else None
    return SourceFile(
        path, "xlsx", None, header, _xlsx_rows(book, rows, number, header, has_reason), hint,
        sheet=ws.title, closer=book.close,
    )


def _xlsx_rows(book: Any, rows: Iterator[tuple[Any, ...]], number: int, header: list[str], has_reason: bool
               ) -> Iterator[SourceRow | RowError]:
    try:
        for cells in rows:
            number += 1
            values = [c.value for c in cells]
            texts = [cell_text(c.value, c.number_format) for c in cells]
            if any(texts):
                yield _table_row(number, texts, values, header, has_reason, None)
    finally:
        book.close()
