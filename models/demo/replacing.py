"""`demo --force` on a database that already holds cases: who may, and what is kept.

A database the demo built carries a mark (Setting "demo.county"); anyone may rebuild it. Any other
database is a county's record: only one of its admins may replace it. Either way the old content is
kept first as DB.before-demo-TIMESTAMP beside the file (models/ledger/backup.py), and the new
database's first event after the demo names who replaced what, and where the old content went.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import peewee as pw

from models.errors import UsageError
from models.ledger.backup import database_file, safety_copy
from models.org.context import Context
from models.org.setup import require_admin_of_existing
from models.store import events
from models.store.migrations import recreate, schema_version
from models.store.schema import Case, Event, Setting

DEMO_MARK = "demo.county"


@dataclass(frozen=True)
class Replaced:
    """What `demo --force` replaced."""

    was_demo: bool
    cases: int
    events: int
    backup: str | None


def is_demo(db: pw.Database) -> bool:
    return schema_version(db) > 0 and Setting.select().where(Setting.key == DEMO_MARK).exists()


def clear_for_demo(db: pw.Database, url: str, user: str, force: bool) -> Replaced | None:
    """Empty a database for the demo: nothing to do when it holds no cases; else only with `force`,
    by anyone on a demo database and by an admin on any other, after keeping a copy."""
    if schema_version(db) == 0 or not Case.select().exists():
        return None
    if not force:
        raise UsageError("demo.holds_cases", database=url)
    was_demo = is_demo(db)
    if not was_demo:
        require_admin_of_existing(db, user, "perm.admin_to_replace")
    replaced = Replaced(was_demo, Case.select().count(), Event.select().count(), None)
    path = database_file(db)
    if path is not None:
        replaced = Replaced(was_demo, replaced.cases, replaced.events, str(safety_copy(path, "before-demo")))
    recreate(db)
    return replaced


def mark_demo(ctx: Context, seed: int, cases: int, replaced: Replaced | None) -> None:
    """Mark the database as the demo's, and record the replacement (if any) as an event."""
    with ctx.write():
        text = json.dumps({"seed": seed, "cases": cases}, sort_keys=True)
        (Setting.insert(key=DEMO_MARK, value=text, updated_at=ctx.now())
         .on_conflict(conflict_target=[Setting.key], update={Setting.value: text}).execute())
        if replaced is not None:
            events.record(ctx, "demo_replace", None, after={
                "replaced_demo": replaced.was_demo, "cases_before": replaced.cases,
                "events_before": replaced.events, "backup": replaced.backup})
