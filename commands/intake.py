"""`chuishao intake …`: register citizens' reports from any channel."""

from __future__ import annotations

import click

from commands.common import Group, State, emit_json, json_option, pass_state, say
from models.intake import NewReport, intake as intake_op
from models.timeutil import parse_iso, to_epoch


@click.group(cls=Group)
def intake() -> None:
    """Register reports (one by one, or in batches).

    Example: chuishao intake add --channel hotline_12345 --text "小区门口路灯不亮"
    """


@intake.command("add")
@click.option("--channel", required=True, help="Channel id, e.g. hotline_12345, grid, walk_in.")
@click.option("--text", required=True, help="The report as the citizen gave it.")
@click.option("--title", help="A short title (default: the text's first line).")
@click.option("--phone", help="The citizen's phone number.")
@click.option("--name", "citizen_name", help="The citizen's name.")
@click.option("--address", help="Where the problem is.")
@click.option("--township", help="Township id, name or village.")
@click.option("--source-id", help="The channel's own id (e.g. the 12345 work-order number).")
@click.option("--received", help="ISO 8601, with or without offset (default: now).")
@json_option
@pass_state
def add(state: State, channel: str, text: str, title: str | None, phone: str | None, citizen_name: str | None,
        address: str | None, township: str | None, source_id: str | None, received: str | None,
        as_json: bool) -> None:
    """Register one report; prints the new case id.

    Example: chuishao intake add --channel grid --text "东关社区3号楼下水道堵塞" --township chengguan --json
    """
    ctx = state.ctx
    received_at = to_epoch(parse_iso(received, ctx.config.tz, "--received")) if received else None
    case, report = intake_op(ctx, NewReport(channel=channel, text=text, title=title, phone=phone,
                                            address=address, township=township, source_id=source_id,
                                            received_at=received_at, citizen_name=citizen_name))
    if as_json:
        emit_json({"case_id": case.id, "report_id": report.id})
    else:
        say(state.out, f"case {case.id} opened (report {report.id})")
