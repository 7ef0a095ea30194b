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
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Self

from models.errors import UsageError
from models.intake.importing.text import SURROGATE, cell_text, codec_label, detect_encoding, json_text

__all__ = [
    "FORMATS", "MAX_FIELD_CHARS", "REJECT_REASON_COLUMN", "REJECT_REASON_KEY",
    "ImportFileError", "RowError", "SourceFile", "SourceRow", "open_source",
]

REJECT_REASON_COLUMN = "拒绝原因"
"""Last column of a CSV/XLSX rejects file; dropped by the reader so fixed rows re-import as-is."""
REJECT_REASON_KEY = "_reject_reason"
"""Key added to each JSONL/Open311 object in a rejects file; dropped by the reader."""
MAX_FIELD_CHARS = 20_000
"""Longer cells are refused: no real report is that long, and such a cell is usually a broken quote."""
FORMATS = ("csv", "xlsx", "jsonl", "open311")

_EXTENSIONS = {
    ".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "open311",
}
_OPEN311_ID_KEYS = ("service_request_id", "token")  # `token` is GeoReport's id before one is assigned
_SAMPLE = 256 * 1024

# A field beyond csv's default 128 KiB limit raises mid-record and would abort the file; lift the
# (process-wide, raise-only) limit and refuse long fields per row instead. 2**31-1 fits a C long.
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))


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
            return _open_jsonl(path, size)
        return _open_open311(path, explicit)
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read the file ({exc.strerror or exc})") from None


# ---------------------------------------------------------------- encoding

def _encoding(path: Path) -> str:
    encoding = detect_encoding(path)
    if encoding == "utf-16":
        raise ImportFileError(f"{path}: UTF-16 text (Excel 'Unicode text') is not supported; save as CSV UTF-8")
    return encoding


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


def _cell_problem(text: str, encoding: str | None) -> str | None:
    if "\x00" in text:
        return "NUL byte"
    if SURROGATE.search(text):
        return f"bytes not valid {codec_label(encoding)}"
    if len(text) > MAX_FIELD_CHARS:
        return f"{len(text)} characters (limit {MAX_FIELD_CHARS})"
    return None


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
            problem = _cell_problem(text, encoding)
            if problem:
                return RowError(number, f"row {number}: {problem} in column {name}", raw)
    return SourceRow(number, dict(zip(header, texts)), raw)


def _open_csv(path: Path, size: int) -> SourceFile:
    encoding = _encoding(path)
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
        _text_hint(path, size, encoding, delimiter), delimiter, closer=handle.close,
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


def _text_hint(path: Path, size: int, encoding: str, delimiter: str | None) -> int | None:
    """Records in the file, exact if small, else extrapolated from the first 256 KiB (for progress bars)."""
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE).decode(encoding, errors="replace")
    lines = io.StringIO(sample, newline="")
    try:
        if delimiter:
            count = sum(1 for row in csv.reader(lines, delimiter=delimiter) if any(row))
        else:
            count = sum(1 for line in lines if line.strip())
    except csv.Error:
        return None
    header = 1 if delimiter else 0
    if size <= _SAMPLE:
        return max(count - header, 0)
    return max(int((count - 1) * size / _SAMPLE) - header, 0)  # the sample's last record is cut


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


# ---------------------------------------------------------------- JSON (JSONL, Open311)

def _object_row(number: int, obj: object, raw: object, label: str, encoding: str | None) -> SourceRow | RowError:
    if not isinstance(obj, dict):
        return RowError(number, f"{label} {number}: not a JSON object", raw)
    fields: dict[str, str] = {}
    for key, value in obj.items():
        if key == REJECT_REASON_KEY:
            continue
        text = json_text(value)
        problem = _cell_problem(key, encoding) or _cell_problem(text, encoding)
        if problem:
            return RowError(number, f"{label} {number}: {problem} in field {key!r}", raw)
        fields[key] = text
    return SourceRow(number, fields, raw)


def _open_jsonl(path: Path, size: int) -> SourceFile:
    encoding = _encoding(path)
    handle = path.open(encoding=encoding, errors="surrogateescape", newline="")
    peeked: list[str] = []
    header: list[str] = []
    try:
        for line in handle:  # header = keys of the first object; lines read here are replayed
            peeked.append(line)
            try:
                obj = json.loads(line) if line.strip() else None
            except ValueError:
                obj = None
            if isinstance(obj, dict):
                header = [key for key in obj if key != REJECT_REASON_KEY]
                break
            if len(peeked) >= 1000:
                break
        if not any(line.strip() for line in peeked):
            raise ImportFileError(f"{path}: the file has no JSON lines")
    except BaseException:
        handle.close()
        raise
    return SourceFile(
        path, "jsonl", encoding, header, _jsonl_rows(handle, chain(peeked, handle), encoding),
        _text_hint(path, size, encoding, None), closer=handle.close,
    )


def _jsonl_rows(handle: io.TextIOBase, lines: Iterator[str], encoding: str) -> Iterator[SourceRow | RowError]:
    with handle:
        for number, line in enumerate(lines, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:
                detail = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else str(exc)
                yield RowError(number, f"line {number}: not valid JSON ({detail})", line)
                continue
            yield _object_row(number, obj, line, "line", encoding)


def _open_open311(path: Path, explicit: bool) -> SourceFile:
    encoding = _encoding(path)
    try:
        data = json.loads(path.read_text(encoding, errors="surrogateescape"))
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})") from None
    if not isinstance(data, list):
        raise ImportFileError(
            f"{path}: expected a JSON array of Open311 service requests, found a {type(data).__name__}"
        )
    if not data:
        raise ImportFileError(f"{path}: the JSON array is empty")
    if not explicit and not any(isinstance(o, dict) and any(k in o for k in _OPEN311_ID_KEYS) for o in data):
        raise ImportFileError(f"{path}: a JSON array, but not of Open311 service requests (no service_request_id)")
    header = list(dict.fromkeys(k for o in data if isinstance(o, dict) for k in o if k != REJECT_REASON_KEY))
    rows = (_object_row(i, obj, obj, "record", encoding) for i, obj in enumerate(data, 1))
    return SourceFile(path, "open311", encoding, header, rows, len(data))
