"""`chuishao db copy`: move a county to another database (e.g. up to a city's PostgreSQL server)."""

from __future__ import annotations

import sys

import click

from commands.common import Group, State, emit_json, json_option, pass_state, say
from models.ledger.copy import copy_database
from models.org.dbroles import apply_grants, grant_sql


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


@db.command("grants")
@click.option("--apply", "apply_now", is_flag=True, help="Apply the statements (as the tables' owner) "
              "instead of printing them.")
@pass_state
def grants(state: State, apply_now: bool) -> None:
    """PostgreSQL: the SQL that makes the database enforce the rules (admins): a login role per operator
    (named after their OS user, for peer authentication), the application's privileges (the event log
    and other append-only tables INSERT and SELECT only; nothing deletable), and row-level security
    limiting township and department roles to their own cases, as the console does. Prints the SQL;
    --apply runs it in one transaction. Apply it again after adding, disabling or changing operators.

    Example: chuishao --db postgresql:///county db grants --apply
    """
    if not apply_now:
        for statement in grant_sql(state.ctx):
            click.echo(statement + ("" if statement.startswith("--") else ";"))
        return
    count = apply_grants(state.ctx)
    say(state.out, f"applied {count - 1} statements: operators' roles, privileges and row-level security")
