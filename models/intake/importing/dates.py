"""Dates as offices actually write them in exported spreadsheets and hotline dumps.

Accepted (surrounding whitespace and full-width digits/punctuation allowed everywhere):

- ``2020/1/6 12:09:38``, ``2020/1/6 12:09``, ``2020-01-06``, ``2020.1.6`` (one separator throughout)
- ISO 8601: ``2019-08-01T08:30:00+08:00``, ``2019-08-01T00:30:00Z``, fractional seconds
- Chinese: ``2019年8月1日``, ``2019年8月1日 8时30分``, ``2019年8月1日下午3点``, ``2019年8月1号 08:30``
- compact: ``20190801``, ``201908010830``, ``20190801083000``

Excel serial day numbers are not accepted here: only the XLSX reader knows a cell is a date (its
number format), and a bare ``43836`` in a CSV is far more likely an id than a day.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

__all__ = ["parse_datetime"]

# Years outside this range are typos (0219, 20190) rather than real report times; refusing them
# here keeps them out of clocks and scoreboards.
_MIN_YEAR = 1900
_MAX_YEAR = 2100

_TIME = (
    r"(?P<hour>\d{1,2})(?::(?P<minute>\d{1,2})(?::(?P<second>\d{1,2})(?:\.(?P<frac>\d{1,9}))?)?)?"
)
_OFFSET = r"(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)"

# One separator used throughout the date part (the backreference), so "2019-08/01" is refused.
_NUMERIC = re.compile(
    r"(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
    rf"(?:(?:[ T]+|T){_TIME})?\s*{_OFFSET}?"
)
_CHINESE = re.compile(
    r"(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*[日号]?"
    r"(?:\s*(?P<ampm>上午|下午|晚上|早上|中午)?\s*"
    r"(?P<hour>\d{1,2})\s*(?:[时点]|:)\s*"
    r"(?:(?P<minute>\d{1,2})\s*(?:分|:)?\s*(?:(?P<second>\d{1,2})\s*秒?)?)?)?"
)
_COMPACT = re.compile(
    r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})"
    r"(?:[ T]?(?P<hour>\d{2})(?P<minute>\d{2})(?P<second>\d{2})?)?"
)


def _message(text: str) -> str:
    shown = text if len(text) <= 40 else text[:40] + "…"
    return f"unrecognised date '{shown}'; expected e.g. 2020/1/6 12:09:38 or 2019-08-01"


def _offset(code: str) -> timezone:
    if code == "Z":
        return UTC
    sign = -1 if code[0] == "-" else 1
    digits = code[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:  # real offsets span -12:00..+14:00
        raise ValueError(code)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_datetime(text: str, tz: ZoneInfo) -> datetime:
    """Parse a date or date-time as offices write it; return an aware datetime in ``tz``.

    Inputs without an offset are taken to be in ``tz``; inputs with one (``+08:00``, ``Z``) are
    converted to ``tz``. A date alone means midnight. Raises ``ValueError`` with a message fit to
    show a user for anything unrecognised or impossible (``2020-02-30``, ``25:00``).
    """
    # NFKC folds full-width digits, slashes, colons and the ideographic space to ASCII, which is
    # how text pasted from Word or typed with a Chinese IME usually arrives.
    normal = unicodedata.normalize("NFKC", text).strip()
    groups: dict[str, str | None] | None = None
    for pattern in (_NUMERIC, _CHINESE, _COMPACT):
        match = pattern.fullmatch(normal)
        if match:
            groups = match.groupdict()
            break
    if groups is None:
        raise ValueError(_message(text))

    def number(key: str) -> int:
        value = groups.get(key)
        return int(value) if value else 0

    hour = number("hour")
    ampm = groups.get("ampm")
    # 下午3点 is 15:00, but 中午12点 is noon and 中午1点 is 13:00.
    if (ampm in ("下午", "晚上") and hour < 12) or (ampm == "中午" and hour < 11):
        hour += 12
    frac = groups.get("frac") or ""
    micro = int((frac + "000000")[:6]) if frac else 0
    year = number("year")
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise ValueError(_message(text))
    try:
        moment = datetime(year, number("month"), number("day"), hour, number("minute"), number("second"), micro)
    except ValueError:
        raise ValueError(_message(text)) from None
    code = groups.get("tz")
    if code:
        try:
            zone = _offset(code)
        except ValueError:
            raise ValueError(_message(text)) from None
        return moment.replace(tzinfo=zone).astimezone(tz)
    return moment.replace(tzinfo=tz)
