"""Small named JSON values in the Setting table: write one (with its event), read one."""

from __future__ import annotations

import json
from typing import Any

import peewee as pw

from models.store import engine, events, rowdigest
from models.store.schema import Setting


def write_setting(key: str, value: Any, now: int, actor: str) -> None:
    """Write one Setting and record it as an event "setting" carrying the row's digest, so
    `audit verify` names a setting changed in the table directly (a demo mark lets anyone replace
    the database; the suggestion model steers triage). updated_at
    always moves forward so readers' caches notice the change."""
    db = Setting._meta.database
    with engine.write_transaction(db):  # the row and its event together (a savepoint inside a step)
        _write(db, key, value, now, actor)


def _write(db: pw.Database, key: str, value: Any, now: int, actor: str) -> None:
    previous = Setting.select(Setting.updated_at).where(Setting.key == key).scalar() or 0
    stamp = max(now, int(previous) + 1)
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    (Setting.insert(key=key, value=text, updated_at=stamp)
     .on_conflict(conflict_target=[Setting.key], update={Setting.value: text, Setting.updated_at: stamp})
     .execute())
    events.append(db, actor, "setting", None, now, after={"key": key},
                  digests=rowdigest.of_rows(db, "setting", [key]))


def read_setting(key: str) -> Any:
    """A Setting's JSON value, or None when it is not there."""
    row = Setting.get_or_none(Setting.key == key)
    return None if row is None else json.loads(row.value)
