"""Small named JSON values in the Setting table: write one, read one."""

from __future__ import annotations

import json
from typing import Any

from models.store.schema import Setting


def write_setting(key: str, value: Any, now: int) -> None:
    """Write one Setting; updated_at always moves forward so readers' caches notice the change."""
    previous = Setting.select(Setting.updated_at).where(Setting.key == key).scalar() or 0
    stamp = max(now, int(previous) + 1)
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    (Setting.insert(key=key, value=text, updated_at=stamp)
     .on_conflict(conflict_target=[Setting.key], update={Setting.value: text, Setting.updated_at: stamp})
     .execute())


def read_setting(key: str) -> Any:
    """A Setting's JSON value, or None when it is not there."""
    row = Setting.get_or_none(Setting.key == key)
    return None if row is None else json.loads(row.value)
