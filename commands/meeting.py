"""`chuishao meeting …`: the joint meeting's agenda, and recording its decisions (联席会议)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import click

from commands.common import Group, State, emit_json, json_option, pass_state, say, table
from models.errors import UsageError
from models.supervision import meetings
from models.worktime.timeutil import parse_iso, to_epoch


@click.group(cls=Group)
def meeting() -> None:
    """Joint meetings: which cases need one, and what it decided.

    Example: chuishao meeting agenda
    """


@meeting.command("agenda")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@pass_state
def agenda(state: State, limit: int, as_json: bool) -> None:
    """Cases that need a joint meeting (several departments, returned, must-supervise, complex).

    Example: chuishao meeting agenda --json
    """
    rows = meetings.agenda(state.ctx, limit)
    if as_json:
        emit_json(rows)
        return
    table(state.out, ["id", "state", "lead", "cooperating", "why", "next due", "title"],
          [[r["id"], r["state"], r["lead"], r["cooperating"], r["reasons"], r["next_due"], r["title"]]
           for r in rows], title=f"{len(rows)} cases for the joint meeting")


def _file_decisions(state: State, path: str) -> list[meetings.Decision]:
    """Decisions from a JSON list / {"decisions": [...]} or a TOML file with [[decisions]] tables."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
        data: Any = tomllib.loads(text) if file.suffix.lower() == ".toml" else json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: not valid {'TOML' if file.suffix.lower() == '.toml' else 'JSON'}: {exc}") from None
    items = data.get("decisions") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise UsageError(f"{path}: expected a list of decisions (case, lead, cooperating, plan, deadline)")
    return [meetings.decision_from_mapping(state.ctx, item, f"{path}: decision {n}")
            for n, item in enumerate(items, 1)]


@meeting.command("record")
@click.option("--date", "held", required=True, help="When it was held, ISO 8601.")
@click.option("--attendee", "attendees", multiple=True, required=True, help="An attending department (repeatable).")
@click.option("--decision", "decisions", multiple=True,
              help="CASE:LEAD[:COOP,COOP]:PLAN:DEADLINE (repeatable; deadline ISO or a date).")
@click.option("--decisions-file", type=click.Path(dir_okay=False), help="Decisions as JSON or TOML.")
@click.option("--title", default="", help="The meeting's title.")
@click.option("--notes", default="", help="Minutes.")
@json_option
@pass_state
def record(state: State, held: str, attendees: tuple[str, ...], decisions: tuple[str, ...],
           decisions_file: str | None, title: str, notes: str, as_json: bool) -> None:
    """Record a joint meeting and dispatch each case as decided (one event per case).

    Example: chuishao meeting record --date 2026-11-27T15:00 --attendee zhujian --attendee shichang --decision "42:zhujian:shichang:联合整治:2026-12-10"
    """
    ctx = state.ctx
    parsed = [meetings.parse_decision(ctx, text) for text in decisions]
    if decisions_file:
        parsed += _file_decisions(state, decisions_file)
    if not parsed:
        raise click.UsageError("give at least one --decision or a --decisions-file")
    held_at = to_epoch(parse_iso(held, ctx.config.tz, "--date"))
    stored, cases = meetings.record(ctx, held_at=held_at, attendees=list(attendees), decisions=parsed,
                                    title=title, notes=notes)
    if as_json:
        emit_json(meetings.meeting_row(ctx, stored))
        return
    say(state.out, f"meeting {stored.id} recorded; {len(cases)} case(s) dispatched as decided: "
                   + ", ".join(f"{c.id}→{c.lead}" for c in cases))


@meeting.command("list")
@click.option("--limit", type=int, default=50, show_default=True)
@json_option
@pass_state
def list_(state: State, limit: int, as_json: bool) -> None:
    """Recorded joint meetings with their decisions, newest first.

    Example: chuishao meeting list --json
    """
    rows = meetings.meetings(state.ctx, limit)
    if as_json:
        emit_json(rows)
        return
    table(state.out, ["id", "held", "title", "attendees", "decisions"],
          [[r["id"], r["held_at"], r["title"], r["attendees"],
            "; ".join(f"{d['case_id']}→{d['lead']}" for d in r["decisions"])] for r in rows],
          title=f"{len(rows)} meetings")
