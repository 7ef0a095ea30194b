"""Setting a database up for a configuration: what `chuishao init` does, for every caller.

Create or upgrade the schema, seed the config's operators into an empty database, and make the
acting OS user the first admin when no admin could log in yet. A database that has an admin is set
up again only by an admin; a config that disagrees with its operators is reported, not applied. The demo, tests and benchmarks use the same path.
"""

from __future__ import annotations

from dataclasses import dataclass

import peewee as pw

from models.errors import PermissionDenied
from models.org.config import Config
from models.org.context import (
    admins_who_can_log_in,
    config_drift,
    ensure_first_admin,
    os_user,
    seed_config_operators,
)
from models.store import engine
from models.store.migrations import migrate, schema_version
from models.store.schema import Operator
from models.worktime.timeutil import now_utc, to_epoch


@dataclass(frozen=True)
class Setup:
    schema_before: int
    schema: int
    operators_synced: int
    first_admin: Operator | None
    drift: list[str]  # config operators that disagree with the database (reported, not applied)


def set_up(db: pw.Database, config: Config, user: str | None = None, now: int | None = None) -> Setup:
    """Migrate, seed the configured operators and ensure a first admin (idempotent; admins only
    once the database has an admin who can log in)."""
    user = user or os_user()
    require_admin_of_existing(db, user, "initialise")
    before, after = migrate(db)
    stamp = to_epoch(now_utc()) if now is None else now
    with engine.write_transaction(db):
        seeded = seed_config_operators(config, stamp)
        admin = ensure_first_admin(user, stamp)
        drift = config_drift(config)
    return Setup(before, after, seeded, admin, drift)


def require_admin_of_existing(db: pw.Database, user: str, doing: str) -> None:
    """Refuse `user` unless the database has no admin who can log in yet, or `user` is one."""
    if schema_version(db) == 0:
        return
    admins = admins_who_can_log_in()
    if admins.exists() and not admins.where(Operator.os_user == user).exists():
        raise PermissionDenied(f"no permission: only an admin may {doing} this database "
                               f"(OS user '{user}' is not one of its admins)")
