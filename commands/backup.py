"""`chuishao backup FILE` and `chuishao restore FILE`: SQLite's online backup, while others work."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from commands.common import State, emit_json, json_option, pass_state, say
from models.ledger import backup as backup_ops

file_argument = click.argument("file", type=click.Path(dir_okay=False, path_type=Path))


@click.command("backup")
@file_argument
@json_option
@pass_state
def backup(state: State, file: Path, as_json: bool) -> None:
    """Write a consistent copy of the database to a new FILE, even while others work (admins).

    Example: chuishao backup /var/backups/chuishao/county-2026-11-27.db
    """
    found = backup_ops.backup(state.ctx, file)
    if as_json:
        emit_json(found.as_dict())
        return
    say(state.out, f"backup {found.path}: {found.cases} cases, {found.events} events, {found.bytes} bytes")
    say(state.out, f"chain head {found.head} (keep it: `chuishao audit verify --anchor {found.head}`)")


@click.command("restore")
@file_argument
@click.option("--force", is_flag=True, help="Restore even over a database other processes have open.")
@json_option
@pass_state
def restore(state: State, file: Path, force: bool, as_json: bool) -> None:
    """Replace the database's content with backup FILE; refuses while others have it open (admins).

    The current content is kept first as DB.before-restore-TIMESTAMP next to the database.

    Example: chuishao restore /var/backups/chuishao/county-2026-11-27.db
    """
    done = backup_ops.restore(state.database(require_schema=False), file, force=force,
                              identify=lambda: state.ctx)
    if as_json:
        emit_json(done.as_dict())
    else:
        say(state.out, f"restored {done.target} from {file}: {done.source.cases} cases, "
                       f"{done.source.events} events")
        if done.safety_copy:
            say(state.out, f"previous content kept in {done.safety_copy}")
        say(state.out, "audit chain intact" if done.chain_ok else f"audit chain BROKEN: {done.chain_problem}")
        if done.schema_note:
            say(state.out, done.schema_note)
    if not done.chain_ok:
        sys.exit(1)
