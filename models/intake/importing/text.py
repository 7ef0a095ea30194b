"""Bytes and cell values to text: encoding detection for text files, XLSX and JSON values as text."""

from __future__ import annotations

import codecs
import json
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

__all__ = ["SURROGATE", "cell_text", "codec_label", "detect_encoding", "json_text"]

# surrogateescape maps each undecodable byte to U+DC80..U+DCFF; lone surrogates from JSON escapes match too.
SURROGATE = re.compile("[\ud800-\udfff]")
_CHUNK = 1 << 16
_FEW = 8  # "a few broken bytes": below this a file's other evidence decides


def detect_encoding(path: Path) -> str:
    """Choose "utf-8-sig", "utf-8" or "gb18030" ("utf-16" by BOM) for a file read with surrogateescape.

    BOM first; then strict UTF-8; then strict GB18030; else the one with fewer undecodable bytes
    (ties go to UTF-8), whose leftover bytes surface as surrogates and become row errors. One
    exception: a file with at most a few bytes invalid as UTF-8 whose GB18030 reading is mostly
    characters outside GB2312 is UTF-8 with damage, not GBK, even if GB18030 decodes it "cleanly".
    """
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # not supported: the reader refuses it with a message naming the file
    # Each scan stops as soon as its answer is known: counting every byte of a 100 MB GBK file as
    # invalid UTF-8 costs minutes, while only "none", "a few" or "more than GB18030" matters.
    if not _scan(path, "utf-8", limit=0)[0]:
        return "utf-8"
    utf8_bad = _scan(path, "utf-8", limit=_FEW)[0]
    gb_bad, wide, rare = _scan(path, "gb18030", rare=utf8_bad <= _FEW)
    # UTF-8 Chinese often decodes "cleanly" as GB18030 mojibake full of characters outside GB2312,
    # which real GBK office text almost never uses; a UTF-8 file with a stray bad byte stays UTF-8.
    if utf8_bad <= _FEW and wide and rare > wide // 4:
        return "utf-8"
    if gb_bad == 0:
        return "gb18030"
    if utf8_bad > _FEW:
        utf8_bad = _scan(path, "utf-8", limit=gb_bad)[0]
    return "utf-8" if utf8_bad <= gb_bad else "gb18030"


def _scan(path: Path, encoding: str, limit: int | None = None, rare: bool = False) -> tuple[int, int, int]:
    """(undecodable bytes, non-ASCII characters, characters outside GB2312) of a streamed decode.

    Stops early once more than `limit` bytes are undecodable; counts GB2312 misses only if `rare`.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="surrogateescape")
    bad = wide = outside = 0
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            text = decoder.decode(chunk, final=not chunk)
            bad += len(SURROGATE.findall(text))
            if limit is not None and bad > limit:
                break
            if rare:
                wide += len(text) - len(text.encode("ascii", "ignore"))
                outside += text.encode("gb2312", "replace").count(b"?") - text.count("?")
            if not chunk:
                break
    return bad, wide, outside


def codec_label(encoding: str | None) -> str:
    """The name shown to users for an encoding chosen by `detect_encoding`."""
    return "GB18030" if encoding == "gb18030" else "UTF-8"


def _number_text(value: float, number_format: str | None) -> str:
    """A number as Excel shows it: General → shortest form; fixed decimals, thousands and % honoured."""
    core = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", (number_format or "General").split(";")[0])
    if core.lower() in ("general", "@", "") or not re.search("[0#]", core):
        return str(value) if isinstance(value, int) else format(value, ".15g")
    if "%" in core:
        value *= 100
    fraction = re.search(r"\.([0#]+)", core)
    decimals = len(fraction.group(1)) if fraction else 0
    text = format(value, f"{',' if ',' in core else ''}.{decimals}f")
    return text + "%" if "%" in core else text


def cell_text(value: object, number_format: str | None) -> str:
    """An XLSX cell value as the cell shows it; datetimes as YYYY-MM-DD HH:MM:SS (date-only cells: YYYY-MM-DD)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.microsecond >= 500_000:  # Excel stores fractions of a day; round, don't truncate
            value += timedelta(microseconds=1_000_000 - value.microsecond)
        fmt = re.sub(r'"[^"]*"', "", (number_format or "").lower())
        if value.time() == time(0) and "h" not in fmt and "s" not in fmt:
            return value.strftime("%Y-%m-%d")  # a date-only cell shows no time
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, (int, float)):
        return _number_text(value, number_format)
    return str(value)


def json_text(value: object) -> str:
    """A JSON value as text: strings as-is, null → "", numbers and booleans as JSON writes them."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)  # nested objects/arrays stay JSON text
