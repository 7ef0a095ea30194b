"""`chuishao init` and `chuishao demo`: create or upgrade a database, or fill it with the demo county."""

from __future__ import annotations

import time
from datetime import UTC

import click

from commands.common import State, emit_json, json_option, pass_state, say
from models.demo.replacing import clear_for_demo, mark_demo
from models.errors import UsageError
from models.org.context import Context, operator_for, os_user
from models.org.setup import set_up
from models.store import engine
from models.worktime.timeutil import parse_iso, to_epoch


@click.command("init")
@json_option
@pass_state
def init(state: State, as_json: bool) -> None:
    """Create the database, or upgrade an older one (safe to run again).

    Whoever initialises a database with no admin becomes its first admin. It also refreshes the
    query planner's statistics: run it again after a large import.

    Example: chuishao --db sqlite:///var/lib/chuishao/county.db init
    """
    db = state.database(require_schema=False)
    done = set_up(db, state.config, now=to_epoch(state.clock()))
    engine.refresh_statistics(db)
    before, after, admin = done.schema_before, done.schema, done.first_admin
    result = {"database": state.url, "schema_before": before, "schema": after,
              "operators_synced": done.operators_synced, "first_admin": admin.name if admin else None,
              "warnings": done.drift}
    if as_json:
        emit_json(result)
        return
    what = "created" if before == 0 else ("upgraded" if before < after else "already current")
    say(state.out, f"database {state.url}: {what} (schema {after})")
    if admin:
        say(state.out, f"first admin: {admin.name} (OS user {admin.os_user})")
    for line in done.drift:
        say(state.out, f"warning: {line}")


@click.command("demo")
@click.option("--cases", default=2000, show_default=True, help="How many cases to generate.")
@click.option("--seed", default=1, show_default=True, help="Same seed and --now, same database.")
@click.option("--now", "now_text", help="Pretend the demo is built at this ISO time (default: today 00:00).")
@click.option("--force", is_flag=True, help="Replace the content of a non-empty database.")
@json_option
@pass_state
def demo(state: State, cases: int, seed: int, now_text: str | None, force: bool, as_json: bool) -> None:
    """Fill a database with the demo county: cases in every state and channel over the past months.

    Example: chuishao --db sqlite:///tmp/demo.db demo --cases 2000 --seed 7
    """
    from models.demo.demo import build_demo

    if cases < 1:
        raise UsageError("--cases must be at least 1")
    config = state.config
    tz = config.tz
    if now_text:
        now = parse_iso(now_text, tz, "--now")
    else:
        today = state.clock().astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
        now = today.astimezone(UTC)
    db = state.database(require_schema=False)
    user = os_user()
    replaced = clear_for_demo(db, state.url, user, force)
    started = time.perf_counter()
    set_up(db, config, user=user, now=to_epoch(now))
    admin = operator_for(user)
    counts = build_demo(config, db, admin, cases, seed, now)
    mark_demo(Context(config, db, admin, admin.name, clock=state.clock), seed, cases, replaced)
    elapsed = time.perf_counter() - started
    if as_json:
        emit_json({"database": state.url, "cases": sum(counts.values()), "states": counts,
                   "seconds": round(elapsed, 2), "previous_kept_in": replaced.backup if replaced else None})
        return
    say(state.out, f"demo county in {state.url}: {sum(counts.values())} cases in {elapsed:.1f} s")
    say(state.out, "  " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if replaced is not None and replaced.backup:
        say(state.out, f"previous content ({replaced.cases} cases, {replaced.events} events) kept in "
                       f"{replaced.backup}")
