"""Time in one place: stored as UTC epoch seconds, shown in the office's zone.

Integers keep sorting and SQL aggregates cheap on a million rows and mean the same on every engine.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from models.errors import UsageError
from models.text.messages import Ref


def now_utc() -> datetime:
    """The current moment, aware, in UTC."""
    return datetime.now(UTC).replace(microsecond=0)


def to_epoch(moment: datetime) -> int:
    """Epoch seconds of an aware datetime (naive values are refused: they are ambiguous)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: times must carry a zone")
    return int(moment.timestamp())


def from_epoch(seconds: int | None) -> datetime | None:
    """Aware UTC datetime from epoch seconds (None stays None)."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(int(seconds), UTC)


def local_iso(seconds: int | None, tz: ZoneInfo) -> str | None:
    """ISO 8601 with the office's offset, e.g. 2026-11-27T13:10:00+08:00."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(int(seconds), tz).isoformat()


def local_short(seconds: int | None, tz: ZoneInfo) -> str:
    """Compact local time for tables: 11-27 13:10."""
    if seconds is None:
        return ""
    return datetime.fromtimestamp(int(seconds), tz).strftime("%m-%d %H:%M")


_ISO_SPACE = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](.*)$")


def parse_iso(text: str, tz: ZoneInfo, what: str | Ref = "time") -> datetime:
    """Parse ISO 8601 with or without offset (no offset = the office's zone); `Z` accepted.

    `what` names the field in the refusal: the CLI's option ("--until"), or on a console
    `Ref("field", id)` so the sentence says the office's word for it (FIELDS)."""
    raw = text.strip()
    candidate = raw.replace("Z", "+00:00") if raw.endswith("Z") else raw
    match = _ISO_SPACE.match(candidate)
    if match:
        candidate = f"{match.group(1)}T{match.group(2)}"
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        raise UsageError("time.not_iso", what=what, text=text) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)
