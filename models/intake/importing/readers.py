"""Read an import file into rows of text, one record at a time, without touching the database.

Formats: CSV (UTF-8, UTF-8 with BOM, or GB18030/GBK, detected), XLSX (first sheet unless named),
JSON Lines, and Open311 GeoReport v2 JSON (an array of service requests). Cell text is kept exactly
as in the file; trimming and field mapping are the caller's business.

Every record ends as either a `SourceRow` or a `RowError` carrying its row number and a reason, so
one bad record never aborts a file and good + errors = records. Completely empty records are
skipped silently but still advance row numbers, so numbers match what a person sees in Excel or an
editor. Rows re-imported from a rejects file (see `models.intake.importing.writers`) lose their reason:
the reader drops a last header column named `REJECT_REASON_COLUMN` and JSON keys named
`REJECT_REASON_KEY`.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterator
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
            raise ImportFileError("import.xls" if path.suffix.lower() == ".xls" else "import.unknown_type",
                                  path=path, suffix=path.suffix)
    elif fmt not in FORMATS:
        raise ImportFileError("import.unknown_format", path=path, format=fmt, known=", ".join(FORMATS))
    try:
        if not path.is_file():
            raise ImportFileError("import.no_file", path=path)
        size = path.stat().st_size
        if size == 0:
            raise ImportFileError("import.empty_file", path=path)
        if fmt == "csv":
            return _open_csv(path, size)
        if fmt == "xlsx":
            return _open_xlsx(path, sheet)
        if fmt == "jsonl":
            return open_jsonl(path, size)
        return open_open311(path, explicit)
    except OSError as exc:
        raise ImportFileError("import.unreadable", path=path, problem=exc.strerror or exc) from None


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
        raise ImportFileError("import.no_header", path=path)
    seen: set[str] = set()
    for index, name in enumerate(names, 1):
        if SURROGATE.search(name) or "\x00" in name:
            raise ImportFileError("import.header_not_text", path=path, column=index)
        if not name:
            name = names[index - 1] = f"列{index}"  # an unnamed column still needs a key
        if name in seen:
            raise ImportFileError("import.header_twice", path=path, column=name)
        seen.add(name)
    return names, has_reason


def _table_row(
    number: int, texts: list[str], raw: list[Any], header: list[str], has_reason: bool, encoding: str | None
) -> SourceRow | RowError:
    width = len(header)
    used = len(texts)
    while used > width and not texts[used - 1]:
        used -= 1  # trailing empty cells are Excel residue, not data
    if has_reason and used > width:  # the rejects writer put the reason after the row's last cell
        used -= 1
        texts, raw = texts[:used], raw[:used]
    while used > width and not texts[used - 1]:
        used -= 1
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


class _Lines:
    """The file's lines as csv.reader takes them, remembering the lines of the record being read so
    the lines a stray quote swallowed can be handed back and read again as rows of their own."""

    def __init__(self, first: str, handle: io.TextIOBase) -> None:
        self.pending: deque[str] = deque([first])
        self.handle = handle
        self.taken: list[str] = []
        self.line = 0  # physical lines read so far

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.pending.popleft() if self.pending else next(self.handle)
        self.taken.append(line)
        self.line += 1
        return line

    def give_back(self, lines: list[str]) -> None:
        self.pending.extendleft(reversed(lines))
        self.line -= len(lines)


def _open_csv(path: Path, size: int) -> SourceFile:
    encoding = text_encoding(path)
    handle = path.open(encoding=encoding, errors="surrogateescape", newline="")
    try:
        first = handle.readline()
        # Excel's "Text (Tab delimited)" export arrives as .txt: a tabbed header with no comma.
        delimiter = "\t" if "\t" in first and "," not in first else ","
        lines = _Lines(first, handle)
        records = csv.reader(lines, delimiter=delimiter)
        number, cells = 0, []
        for cells in records:
            number += 1
            if any(cells):
                break
        else:
            raise ImportFileError("import.no_header", path=path)
        header, has_reason = _prepare_header(path, cells)
    except csv.Error as exc:
        handle.close()
        raise ImportFileError("import.header_unreadable", path=path, problem=exc) from None
    except BaseException:
        handle.close()
        raise
    return SourceFile(
        path, "csv", encoding, header, _csv_rows(handle, lines, delimiter, number, header, has_reason, encoding),
        record_hint(path, size, encoding, delimiter), delimiter, closer=handle.close,
    )


def _swallowed(lines: list[str], delimiter: str, width: int) -> int:
    """How many of a record's continuation lines are rows of their own, if most of them are (each,
    read alone, has the header's cells, or one more): a quoted field that ran over rows like that is
    a stray quote, not a long text with line breaks (whose lines read alone are fragments)."""
    filled = [line for line in lines if line.strip()]
    whole = sum(1 for line in filled
                if len(next(csv.reader([line], delimiter=delimiter), [])) in (width, width + 1))
    return whole if whole * 2 > len(filled) else 0


def _csv_rows(
    handle: io.TextIOBase, lines: _Lines, delimiter: str, number: int, header: list[str],
    has_reason: bool, encoding: str,
) -> Iterator[SourceRow | RowError]:
    records = csv.reader(lines, delimiter=delimiter)  # a reader carries no state between records
    with handle:
        while True:
            lines.taken = []
            try:
                cells = next(records)
            except StopIteration:
                return
            except csv.Error as exc:  # the csv module resyncs at the next line, so carry on
                number += 1
                yield RowError(number, f"row {number}: {exc}", None)
                continue
            number += 1
            taken = lines.taken
            if len(taken) > 1 and (rows := _swallowed(taken[1:], delimiter, len(header))):
                # A quote opened in this row and never closed where it should: the record ran over the
                # next lines. Reject this row alone (its cells split as written, the quote kept) and
                # read the lines it swallowed again, as the rows they are.
                start = lines.line - len(taken) + 1
                lines.give_back(taken[1:])
                raw = next(csv.reader([taken[0]], delimiter=delimiter, quoting=csv.QUOTE_NONE), [])
                yield RowError(number, f"row {number}: a quote opened on line {start} is not closed on that line "
                                       f"and swallowed the next {rows} rows (a stray \" in the text?); "
                                       f"this row is rejected, the rows after it are read on their own", raw)
                continue
            if any(cells):
                yield _table_row(number, cells, cells, header, has_reason, encoding)


def _open_xlsx(path: Path, sheet: str | None) -> SourceFile:
    import openpyxl  # lazily: costs ~0.2 s; only XLSX imports should pay it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — openpyxl surfaces zip, XML and key errors alike for a non-xlsx file
        raise ImportFileError("import.not_xlsx", path=path, problem=f"{type(exc).__name__}: {exc}") from None
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise ImportFileError("import.no_sheet", path=path, sheet=sheet, sheets=", ".join(names))
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        total = ws.max_row
        # A stale <dimension> would silently cut rows in read-only mode; read what is really there.
        ws.reset_dimensions()
        top = ws.iter_rows()
        number, header_cells = 0, []
        for cells in top:
            number += 1
            header_cells = [cell_text(c.value, c.number_format) for c in cells]
            if any(header_cells):
                break
        else:
            raise ImportFileError("import.no_header", path=path)
        header, has_reason = _prepare_header(path, header_cells)
        # The rows below are read no wider than the header (its reason column, and one more to tell a
        # row with a cell past the last column): a sheet padded out to column XFD would otherwise
        # give every row 16,384 cells.
        width = len(header) + has_reason + 1
        top.close()
        rows = ws.iter_rows(min_row=number + 1, max_col=width)
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
