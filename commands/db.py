"""`chuishao db copy`: move a county to another database (e.g. up to a city's PostgreSQL server)."""

from __future__ import annotations

import sys

import click

from commands.common import Group, State, emit_json, json_option, pass_state, say
from models.ledger.copy import copy_database


@click.group(cls=Group)
def db() -> None:
    """Whole-database operations (admins).

    Example: chuishao db copy --from sqlite:///county.db --to postgresql://chuishao@db.city/county
    """


@db.command("copy")
@click.option("--from", "source", required=True, help="The database to copy (URL); you must be its admin.")
@click.option("--to", "target", required=True, help="An empty database (URL) to copy everything into.")
@json_option
@pass_state
def copy(state: State, source: str, target: str, as_json: bool) -> None:
    """Copy everything (ids, events, hash chain, search index) into an empty database, then verify the
    row counts and the audit chain on the target; refuses a target that holds any rows. Exit 1 when
    the check finds a difference.

    Example: chuishao db copy --from sqlite:///county.db --to postgresql://chuishao@db.city/county
    """
    done = copy_database(state.config, source, target)
    if as_json:
        emit_json(done.as_dict())
    else:
        total = sum(done.rows.values())
        say(state.out, f"copied {done.source} to {done.target}: {total} rows in {len(done.rows)} tables "
                       f"({done.rows.get('case', 0)} cases, {done.rows.get('event', 0)} events), "
                       f"{done.indexed} cases indexed")
        for problem in done.problems:
            say(state.out, f"check failed: {problem}")
        if done.ok:
            say(state.out, f"checked: row counts equal, audit chain intact on the target "
                           f"({done.chain_checked} events, head {done.head})")
    if not done.ok:
        sys.exit(1)
