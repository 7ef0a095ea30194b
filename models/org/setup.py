"""Setting a database up for a configuration: what `chuishao init` does, for every caller.

Create or upgrade the schema, bring the config's operators in, and make the acting OS user the
first admin when no admin could log in yet. The demo, tests and benchmarks use the same path.
"""

from __future__ import annotations

from dataclasses import dataclass

import peewee as pw

from models.org.config import Config
from models.org.context import ensure_first_admin, os_user, sync_config_operators
from models.store import engine
from models.store.migrations import migrate
from models.store.schema import Operator
from models.worktime.timeutil import now_utc, to_epoch


@dataclass(frozen=True)
class Setup:
    schema_before: int
    schema: int
    operators_synced: int
    first_admin: Operator | None


def set_up(db: pw.Database, config: Config, user: str | None = None, now: int | None = None) -> Setup:
    """Migrate, sync the configured operators and ensure a first admin (idempotent)."""
    before, after = migrate(db)
    stamp = to_epoch(now_utc()) if now is None else now
    with engine.write_transaction(db):
        synced = sync_config_operators(config, stamp)
        admin = ensure_first_admin(user or os_user(), stamp)
    return Setup(before, after, synced, admin)
