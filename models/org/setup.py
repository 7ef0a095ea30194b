"""Setting a database up for a configuration: what `chuishao init` does, for every caller.

Create or upgrade the schema, seed the config's operators into an empty database, and make the
acting OS user the first admin when no admin could log in yet. A database that has an admin is set
up again only by an admin; a config that disagrees with its operators is reported, not applied. The demo, tests and benchmarks use the same path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
from models.org.operators import operator_row
from models.store import engine, events, rowdigest
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
    require_admin_of_existing(db, user, "perm.admin_to_initialise")
    before, after = migrate(db)
    stamp = to_epoch(now_utc()) if now is None else now
    with engine.write_transaction(db):
        seeded = seed_config_operators(config, stamp)
        prior = Operator.get_or_none(Operator.os_user == user)
        was = operator_row(prior) if prior is not None else None
        admin = ensure_first_admin(user, stamp)
        _record(db, user, stamp, seeded, was, admin)
        drift = config_drift(config)
    return Setup(before, after, len(seeded), admin, drift)


def _record(db: pw.Database, user: str, at: int, seeded: list[Operator], was: dict[str, Any] | None,
            admin: Operator | None) -> None:
    """One event per operator that setting up wrote (seeded from the config, the first admin made or
    promoted), each with its row's digest, by the operator the acting OS user is now."""
    acting = Operator.get_or_none(Operator.os_user == user)
    actor = acting.name if acting is not None else user
    for op in seeded:
        events.append(db, actor, "operator_seed", None, at, after=operator_row(op),
                      digests=rowdigest.operator_digests(op))
    if admin is None:
        return
    if was is None:
        events.append(db, actor, "operator_add", None, at, after={**operator_row(admin), "first_admin": True},
                      digests=rowdigest.operator_digests(admin))
    else:  # the operator mapped to this login (seeded just now, or already there) made the first admin
        events.append(db, actor, "operator_first_admin", None, at, before=was, after=operator_row(admin),
                      digests=rowdigest.operator_digests(admin))


def require_admin_of_existing(db: pw.Database, user: str, code: str) -> None:
    """Refuse `user` unless the database has no admin who can log in yet, or `user` is one."""
    if schema_version(db) == 0:
        return
    admins = admins_who_can_log_in()
    if admins.exists() and not admins.where(Operator.os_user == user).exists():
        raise PermissionDenied(code, user=user)
