"""JSON readers: JSON Lines (one object a line, each with its own keys) and Open311 GeoReport v2
(an array of service requests)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

from models.intake.importing.records import (
    REJECT_REASON_KEY,
    ImportFileError,
    RowError,
    SourceFile,
    SourceRow,
    cell_problem,
    record_hint,
    text_encoding,
)
from models.intake.importing.text import json_text

HEADER_LINES = 1000
OPEN311_ID_KEYS = ("service_request_id", "token")  # `token` is GeoReport's id before one is assigned


def _object_row(number: int, obj: object, raw: object, label: str, encoding: str | None) -> SourceRow | RowError:
    if not isinstance(obj, dict):
        return RowError(number, f"{label} {number}: not a JSON object", raw)
    fields: dict[str, str] = {}
    for key, value in obj.items():
        if key == REJECT_REASON_KEY:
            continue
        text = json_text(value)
        problem = cell_problem(key, encoding) or cell_problem(text, encoding)
        if problem:
            return RowError(number, f"{label} {number}: {problem} in field {key!r}", raw)
        fields[key] = text
    return SourceRow(number, fields, raw)


def open_jsonl(path: Path, size: int) -> SourceFile:
    encoding = text_encoding(path)
    handle = path.open(encoding=encoding, errors="surrogateescape", newline="")
    peeked: list[str] = []
    keys: dict[str, None] = {}
    try:
        # The header is for checking the mapping only: every row keeps its own object's keys. It is the
        # keys of the objects on the first HEADER_LINES lines; the lines read here are replayed.
        for line in handle:
            peeked.append(line)
            try:
                obj = json.loads(line) if line.strip() else None
            except ValueError:
                obj = None
            if isinstance(obj, dict):
                keys.update(dict.fromkeys(key for key in obj if key != REJECT_REASON_KEY))
            if len(peeked) >= HEADER_LINES:
                break
        if not any(line.strip() for line in peeked):
            raise ImportFileError("import.no_json_lines", path=path)
    except BaseException:
        handle.close()
        raise
    header = list(keys)
    return SourceFile(
        path, "jsonl", encoding, header, _jsonl_rows(handle, chain(peeked, handle), encoding),
        record_hint(path, size, encoding, None), closer=handle.close,
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


def open_open311(path: Path, explicit: bool) -> SourceFile:
    encoding = text_encoding(path)
    try:
        data = json.loads(path.read_text(encoding, errors="surrogateescape"))
    except json.JSONDecodeError as exc:
        raise ImportFileError("import.bad_json", path=path, problem=exc.msg, line=exc.lineno, column=exc.colno) from None
    if not isinstance(data, list):
        raise ImportFileError("import.not_open311_array", path=path, found=type(data).__name__)
    if not data:
        raise ImportFileError("import.empty_json_array", path=path)
    if not explicit and not any(isinstance(o, dict) and any(k in o for k in OPEN311_ID_KEYS) for o in data):
        raise ImportFileError("import.not_open311", path=path)
    header = list(dict.fromkeys(k for o in data if isinstance(o, dict) for k in o if k != REJECT_REASON_KEY))
    rows = (_object_row(i, obj, obj, "record", encoding) for i, obj in enumerate(data, 1))
    return SourceFile(path, "open311", encoding, header, rows, len(data))
