"""Who is acting, on which database, under which configuration, at what time.

Every models/ operation takes a Context, so the console, batch commands and tests share one
permission check and one audit record. `clock` is injectable: the demo generator and tests replay
history at chosen times.
"""

from __future__ import annotations

import os
import pwd
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any

import peewee as pw

from models.errors import DomainError, NotFound, PermissionDenied, UsageError
from models.org.config import Config
from models.store import engine
from models.store.schema import Operator
from models.text.messages import Ref
from models.worktime.timeutil import now_utc, to_epoch

if TYPE_CHECKING:
    from models.worktime.calendar import WorkCalendar


@dataclass
class Context:
    config: Config
    db: pw.Database
    operator: Operator  # whose role and scope apply
    actor: str  # who acted: the operator's name, or the admin's when acting --as someone
    clock: Callable[[], datetime] = field(default=now_utc)

    def now(self) -> int:
        return to_epoch(self.clock())

    @property
    def on_behalf_of(self) -> str | None:
        return self.operator.name if self.actor != self.operator.name else None

    @cached_property
    def calendar(self) -> WorkCalendar:
        from models.worktime.calendar import WorkCalendar

        return WorkCalendar.from_config(self.config.section("calendar"),
                                        self.config.section("office")["timezone"])

    def write(self) -> WriteTransaction:
        """A write transaction (BEGIN IMMEDIATE on SQLite); nested calls are savepoints.

        A lock that cannot be had becomes `DatabaseBusy` (a DomainError), never a raw
        "database is locked" traceback.
        """
        return WriteTransaction(self.db)


class DatabaseBusy(DomainError):
    """Another process held the write lock longer than the busy timeout; nothing was saved."""


# BEGIN IMMEDIATE waits up to the busy timeout for the write lock. A refusal well before that means
# SQLite skipped the wait (a reader rebuilding the WAL index, a lock race at WAL restart): try
# again, briefly. A refusal after the full wait is reported, not retried — the operator has waited
# long enough, and the message says nothing was saved.
BEGIN_ATTEMPTS = 3
QUICK_FAILURE_S = engine.BUSY_TIMEOUT_MS / 2000


def is_locked(exc: Exception) -> bool:
    return engine.is_busy_error(exc)


class WriteTransaction:
    """`with ctx.write():` — one short write transaction with a bounded retry of its BEGIN."""

    def __init__(self, db: pw.Database) -> None:
        self.db = db
        self.inner: Any = None

    def __enter__(self) -> Any:
        for attempt in range(1, BEGIN_ATTEMPTS + 1):
            started = time.monotonic()
            inner = engine.write_transaction(self.db)
            try:
                entered = inner.__enter__()
            except pw.OperationalError as exc:
                waited = time.monotonic() - started
                if not is_locked(exc):
                    raise
                if attempt == BEGIN_ATTEMPTS or waited >= QUICK_FAILURE_S:
                    raise busy(waited) from None
                time.sleep(0.05 * attempt)
                continue
            self.inner = inner
            return entered
        raise AssertionError("unreachable")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> Any:
        try:
            return self.inner.__exit__(exc_type, exc, tb)
        except pw.OperationalError as error:
            if is_locked(error):
                raise busy(0.0) from None
            raise


def busy(waited: float) -> DatabaseBusy:
    if waited >= 1:
        return DatabaseBusy("store.busy_for", seconds=f"{waited:.0f}")
    return DatabaseBusy("store.busy")


# The privilege-separation wrapper (README, "SSH"): operators run `sudo -u chuishao chuishao …`
# through a sudoers rule, and only the service account can open the 600 database. Under it the
# process runs as this account and sudo names the invoking user in SUDO_UID. Fixed here, not read
# from a config file or the environment: whoever could name the service account could name anyone.
SERVICE_ACCOUNT = "chuishao"


def _account(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid{uid}"


def os_user() -> str:
    """The operator's OS account, from the kernel: the real uid's account, never $LOGNAME or $USER.

    Under the wrapper — the real and effective uid both the service account's, started by sudo —
    the operator is the account sudo vouches for (SUDO_UID). Anywhere else SUDO_UID means nothing:
    a user who sets it in their own shell stays themselves.
    """
    uid = os.getuid()
    name = _account(uid)
    invoker = os.environ.get("SUDO_UID", "")
    if name == SERVICE_ACCOUNT and os.geteuid() == uid and invoker.isdigit() and int(invoker) != uid:
        return _account(int(invoker))
    return name


def _configured(entry: dict[str, Any]) -> dict[str, Any]:
    return {"display": entry.get("display", entry["name"]), "role": entry["role"],
            "township": entry.get("township"), "department": entry.get("department"),
            "os_user": entry.get("os_user")}


def seed_config_operators(config: Config, now: int) -> list[Operator]:
    """Insert the operators listed in the config into a database that has none yet; returns them.

    Only an empty database is seeded: after that, who may do what changes only through `operator`
    commands (each an event naming the admin), never by editing or swapping a config file.
    """
    if Operator.select().exists():
        return []
    return [Operator.create(name=entry["name"], created_at=now, **_configured(entry)) for entry in config.operators]


def config_drift(config: Config) -> list[str]:
    """Where the config's operators disagree with the database's, one line each (not applied)."""
    lines = []
    for entry in config.operators:
        stored = Operator.get_or_none(Operator.name == entry["name"])
        if stored is None:
            lines.append(f"the config declares operator '{entry['name']}', who is not in the database "
                         f"(not added: an admin adds operators with `chuishao operator add`)")
            continue
        differ = [f"{key} {value!r} (database: {getattr(stored, key)!r})"
                  for key, value in _configured(entry).items() if getattr(stored, key) != value]
        if differ:
            lines.append(f"the config's operator '{entry['name']}' differs: {', '.join(differ)}; "
                         f"not applied — the database decides (change it with `chuishao operator …`)")
    return lines


def admins_who_can_log_in() -> pw.ModelSelect:
    return Operator.select().where((Operator.role == "admin") & Operator.os_user.is_null(False)
                                   & (Operator.active == True))


def ensure_first_admin(user: str, now: int) -> Operator | None:
    """Whoever initialises a database no admin can log in to becomes its first admin.

    Config-listed admins without an OS user mapping do not count: nobody could act as them.
    """
    if admins_who_can_log_in().exists():
        return None
    mapped = Operator.get_or_none(Operator.os_user == user)
    if mapped is not None:
        Operator.update(role="admin", active=True).where(Operator.id == mapped.id).execute()
        return Operator.get_by_id(mapped.id)
    name = user if not Operator.select().where(Operator.name == user).exists() else f"{user}_admin"
    return Operator.create(name=name, display=user, role="admin", os_user=user, created_at=now)


def operator_for(user: str) -> Operator:
    """The operator an OS user logs in as (who just set the database up: they exist)."""
    return Operator.get(Operator.os_user == user)


def _lookup(name: str) -> Operator:
    found = Operator.get_or_none(Operator.name == name)
    if found is None:
        raise NotFound("org.no_operator", name=name, command="chuishao org operators")
    return found


def resolve_identity(config: Config, db: pw.Database, as_name: str | None = None,
                     user: str | None = None, clock: Callable[[], datetime] = now_utc) -> Context:
    """The Context for this process: the OS user's operator, or --as another one (admins only).

    `clock` is the time the context acts at: the wall clock, or a clock a test (or the demo
    builder) injects from code; no command-line option or environment variable sets it.
    """
    user = user or os_user()
    me = Operator.get_or_none(Operator.os_user == user)
    if me is None:
        if not Operator.select().exists():
            raise UsageError("org.no_operators_yet", init="chuishao init", demo="chuishao demo")
        raise PermissionDenied("org.not_an_operator", user=user,
                               command=f"chuishao operator add NAME --role ROLE --os-user {user}")
    if not me.active:
        raise PermissionDenied("org.operator_disabled", operator=me.name)
    if as_name and as_name != me.name:
        if me.role != "admin":
            raise PermissionDenied("org.only_admin_acts_as", operator=me.name, role=Ref("role", me.role))
        target = _lookup(as_name)
        if not target.active:
            raise PermissionDenied("org.operator_disabled", operator=target.name)
        return Context(config, db, target, actor=me.name, clock=clock)
    return Context(config, db, me, actor=me.name, clock=clock)
