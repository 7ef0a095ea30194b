"""`chuishao case clocks|pause|resume|extend|extension …`: countdowns, pauses and extensions.

Registered onto the existing `case` group (console/cli.py imports this module for that).
"""

from __future__ import annotations

import click

from commands.case import case, version_option
from commands.common import Group, State, emit_json, json_option, pass_state, say, table
from models.cases import pausing, queries
from models.cases.views import case_row
from models.clocks.clocks import clock_rows
from models.worktime.timeutil import local_iso, parse_iso, to_epoch


def _done(state: State, case_obj: object, message: str, as_json: bool) -> None:
    row = case_row(state.ctx, case_obj)  # type: ignore[arg-type]
    if as_json:
        emit_json(row)
    else:
        say(state.out, f"case {row['id']}: {message}")


@case.command("clocks")
@click.argument("case_id", type=int)
@json_option
@pass_state
def clocks(state: State, case_id: int, as_json: bool) -> None:
    """Every clock of a case: rule, due time, remaining or overdue, paused, confirmed.

    Example: chuishao case clocks 42 --json
    """
    ctx = state.ctx
    rows = clock_rows(ctx, queries.show(ctx, case_id))
    if as_json:
        emit_json(rows)
        return
    table(state.out, ["clock", "department", "rule", "status", "due", "left / late", "stopped", "note"],
          [[r["clock"], f"{r['department']} ({r['role']})" if r["department"] else "",
            f"{r['rule']['limit']} from {r['rule']['from']}" if r["rule"] else "", r["status"]
            + (" (paused)" if r["paused"] else ""), r["due"], r["remaining"], r["stopped_at"],
            "unconfirmed " + ",".join(str(y) for y in r["unconfirmed_years"]) if r["unconfirmed_years"] else ""]
           for r in rows], title=f"case {case_id} clocks")
    for warning in dict.fromkeys(r["warning"] for r in rows if r["warning"]):
        say(state.out, f"warning: {warning}")


@case.command("pause")
@click.argument("case_id", type=int)
@click.option("--reason", required=True, help="Why the clocks stop (awaiting the citizen, weather …).")
@version_option
@json_option
@pass_state
def pause(state: State, case_id: int, reason: str, expected_version: int | None, as_json: bool) -> None:
    """Pause a case's clocks (挂起; the dispatch office).

    Example: chuishao case pause 42 --reason "群众外出，约定下周现场核实"
    """
    result = pausing.pause(state.ctx, case_id, reason=reason, expected_version=expected_version)
    _done(state, result, "paused", as_json)


@case.command("resume")
@click.argument("case_id", type=int)
@version_option
@json_option
@pass_state
def resume(state: State, case_id: int, expected_version: int | None, as_json: bool) -> None:
    """Resume a paused case; running deadlines move later by the paused working time.

    Example: chuishao case resume 42
    """
    result = pausing.resume(state.ctx, case_id, expected_version=expected_version)
    _done(state, result, f"resumed, next due {case_row(state.ctx, result)['next_due'] or '-'}", as_json)


@case.command("extend")
@click.argument("case_id", type=int)
@click.option("--until", help="The new resolve deadline, ISO 8601 (office zone if no offset).")
@click.option("--by", help="Or: how much later, e.g. 3wd, 2d, 8wh.")
@click.option("--reason", required=True, help="Why more time is needed.")
@version_option
@json_option
@pass_state
def extend(state: State, case_id: int, until: str | None, by: str | None, reason: str,
           expected_version: int | None, as_json: bool) -> None:
    """Request an extension of the resolve deadline (延期申请; the lead, before the deadline).

    Example: chuishao case extend 42 --by 3wd --reason "需协调产权单位"
    """
    if (until is None) == (by is None):
        raise click.UsageError("give exactly one of --until or --by")
    ctx = state.ctx
    moment = to_epoch(parse_iso(until, ctx.config.tz, "--until")) if until else None
    row = pausing.request_extension(ctx, case_id, reason=reason, until=moment, by=by,
                                    expected_version=expected_version)
    tz = ctx.config.tz
    if as_json:
        emit_json({"extension_id": row.id, "case_id": case_id, "status": row.status,
                   "old_due": local_iso(row.old_due, tz), "new_due": local_iso(row.new_due, tz)})
    else:
        say(state.out, f"case {case_id}: extension {row.id} requested until {local_iso(row.new_due, tz)}; "
                       f"waiting for the dispatch office")


@case.group("extension", cls=Group)
def extension() -> None:
    """Decide a waiting extension request (the dispatch office).

    Example: chuishao case extension approve 42 --note "同意，限期办结"
    """


def _decision(name: str, approve: bool, summary: str, example: str) -> None:
    @extension.command(name, help=f"{summary}\n\nExample: {example}")
    @click.argument("case_id", type=int)
    @click.option("--note", help="The decision's note.")
    @version_option
    @json_option
    @pass_state
    def command(state: State, case_id: int, note: str | None, expected_version: int | None, as_json: bool) -> None:
        result = pausing.decide_extension(state.ctx, case_id, approve=approve, note=note,
                                          expected_version=expected_version)
        _done(state, result, f"extension {'approved' if approve else 'refused'}, resolve due "
                             f"{case_row(state.ctx, result)['resolve_due']}", as_json)


_decision("approve", True, "Approve the waiting extension: the resolve deadline moves.",
          "chuishao case extension approve 42")
_decision("refuse", False, "Refuse the waiting extension.", "chuishao case extension refuse 42 --note 理由不充分")
