"""What every batch command shares: the lazily opened state, --json, printing, and error exits.

Exit codes: 0 success, 1 refused by the domain (wrong state, no permission, not found, conflict),
2 usage or configuration error. Nothing a user can cause prints a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

import click
import peewee as pw
from rich.console import Console
from rich.table import Table
from rich.text import Text

from models.errors import ChuishaoError, UsageError
from models.org.config import Config, load_config
from models.org.context import Context, resolve_identity
from models.org.db import connect, database_url, read_database
from models.store.migrations import CURRENT_VERSION, schema_version
from models.text.textnorm import printable, terminal_safe_json
from models.training.sandbox import sandbox_clock
from models.worktime.timeutil import now_utc

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    """Global options, and the config / database / identity opened on first use."""

    config_path: str | None = None
    db_url: str | None = None
    as_name: str | None = None
    # The time commands act at. Only code sets it (tests hand the CLI a State with their clock);
    # no option or environment variable does, so nobody backdates a step from the command line.
    clock: Callable[[], datetime] = now_utc
    _config: Config | None = None
    _db: pw.Database | None = None
    _ctx: Context | None = None
    out: Console = field(default_factory=lambda: Console(highlight=False, soft_wrap=True))

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @property
    def url(self) -> str:
        return database_url(self.config, self.db_url)

    def database(self, *, require_schema: bool = True) -> pw.Database:
        if self._db is None:
            self._db = connect(self.url)
        if require_schema:
            version = schema_version(self._db)
            if version == 0:
                raise UsageError(f"database {self.url} is not initialised: run `chuishao init` "
                                 f"(or `chuishao demo` for a demo county)")
            if version < CURRENT_VERSION:
                raise UsageError(f"database {self.url} has schema version {version}; run `chuishao init` "
                                 f"to upgrade it to {CURRENT_VERSION}")
        return self._db

    @property
    def ctx(self) -> Context:
        if self._ctx is None:
            db = self.database()
            # On a training sandbox every command acts at the sandbox's simulated time (stored in it);
            # any other database (the county's) has no such clock and acts at self.clock.
            clock = sandbox_clock(db, self.clock) or self.clock
            self._ctx = resolve_identity(self.config, db, self.as_name, clock=clock)
            self._ctx.read_db = read_database(self.config, self.url)
        return self._ctx


pass_state = click.make_pass_decorator(State, ensure=True)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


def emit_json(data: Any) -> None:
    click.echo(terminal_safe_json(json.dumps(data, ensure_ascii=False, indent=2, default=str)))


def cell(value: Any) -> Text:
    """A table cell that shows citizen text literally: no markup, no control characters."""
    if value is None:
        return Text("")
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    return Text(printable(str(value), single_line=True))


def table(out: Console, columns: Iterable[str], rows: Iterable[Iterable[Any]], title: str | None = None) -> None:
    grid = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*[cell(v) for v in row])
    out.print(grid)


def warn(message: str) -> None:
    """A warning line on stderr (the step was taken; --json output on stdout stays clean)."""
    click.echo(f"warning: {printable(message)}", err=True)


def say(out: Console, message: str) -> None:
    """A plain line of output (never parsed as markup)."""
    out.print(Text(printable(message)))


def fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {printable(message)}", err=True)
    sys.exit(code)


class Group(click.Group):
    """A click group whose commands' user errors end as one message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        return handle_errors(super().invoke)(ctx)


def handle_errors(func: F) -> F:
    """Turn the errors a user can cause into one message and the documented exit code."""
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ChuishaoError as exc:
            fail(exc.message, exc.exit_code)
        except pw.OperationalError as exc:
            hint = " (another process held the write lock too long; try again)" if "locked" in str(exc) else ""
            fail(f"database error: {exc}{hint}", 1)
        except pw.IntegrityError as exc:
            fail(f"database refused the change: {exc}", 1)
        except KeyboardInterrupt:
            fail("interrupted; nothing half-written was kept", 130)
    return wrapper  # type: ignore[return-value]
