"""`chuishao notify …`: the notification sender (a service) and its outbox: status, list, retry."""

from __future__ import annotations

import time

import click

from commands.common import Group, State, emit_json, json_option, pass_state, say, table
from models.notify import queries, sender
from models.notify.settings import load


@click.group(cls=Group)
def notify() -> None:
    """Notifications to departments, townships and the office: send, list, retry.

    Example: chuishao notify run --once && chuishao notify status
    """


@notify.command("run")
@click.option("--once", is_flag=True, help="One pass, then exit (for cron and tests).")
@click.option("--interval", type=click.FloatRange(min=0.5), default=15.0, show_default=True,
              help="Seconds between passes.")
@json_option
@pass_state
def run(state: State, once: bool, interval: float, as_json: bool) -> None:
    """Deliver pending notifications with retries; runs until stopped unless --once.

    Example: chuishao notify run --interval 15
    """
    ctx = state.ctx
    settings = load(ctx)  # a bad secrets file or channel is refused before anything is sent
    while True:
        result = sender.run_once(ctx, settings)
        if as_json:
            emit_json(result.as_dict())
        else:
            say(state.out, f"sent {result.sent}, failed {result.failed}, dead {result.dead}, held {result.held}, "
                           f"unrouted {result.unrouted}, deadline notices {result.near}")
        if once:
            return
        time.sleep(interval)


@notify.command("status")
@json_option
@pass_state
def status(state: State, as_json: bool) -> None:
    """How many notifications are pending, sent, dead (the dead-letter list) or unrouted.

    Example: chuishao notify status --json
    """
    counts = queries.status(state.ctx)
    if as_json:
        emit_json(counts)
    else:
        say(state.out, ", ".join(f"{k} {v}" for k, v in counts.items()))


@notify.command("list")
@click.option("--state", "state_", type=click.Choice(sender.STATES), help="Only rows in this state.")
@click.option("--case", "case_id", type=int, help="Only notifications about this case.")
@click.option("--limit", type=int, default=200, show_default=True)
@json_option
@pass_state
def list_(state: State, state_: str | None, case_id: int | None, limit: int, as_json: bool) -> None:
    """The outbox, newest first: to whom, about what, delivered or not.

    Example: chuishao notify list --state dead --json
    """
    rows = queries.rows(state.ctx, state=state_, case_id=case_id, limit=limit)
    if as_json:
        emit_json(rows)
        return
    table(state.out, ["id", "state", "to", "attempts", "created", "sent", "text"],
          [[r["id"], r["state"], r["recipient"], r["attempts"], r["created_at"], r["sent_at"], r["text"]]
           for r in rows], title=f"{len(rows)} notifications")


@notify.command("retry")
@click.argument("ids", type=int, nargs=-1)
@json_option
@pass_state
def retry(state: State, ids: tuple[int, ...], as_json: bool) -> None:
    """Put dead notifications (these ids, or all) back for sending.

    Example: chuishao notify retry 12 13
    """
    count = queries.retry(state.ctx, list(ids) or None)
    if as_json:
        emit_json({"retried": count})
    else:
        say(state.out, f"{count} notification(s) back to pending")
