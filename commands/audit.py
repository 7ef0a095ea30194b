"""`chuishao audit …`: verify the hash-chained event log; export it for the inspection office."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from commands.common import Group, State, emit_json, json_option, pass_state, say
from models.ledger import audit as audit_ops
from models.ledger.outfile import new_text_file


@click.group(cls=Group)
def audit() -> None:
    """Check and export the audit trail (supervisors and admins).

    Example: chuishao audit verify
    """


@audit.command("verify")
@click.option("--anchor", help="A head hash noted earlier (verify, backup): it must still be in the chain.")
@json_option
@pass_state
def verify(state: State, anchor: str | None, as_json: bool) -> None:
    """Walk the event chain recomputing every hash; exit 1 naming the first broken event.

    Example: chuishao audit verify --json
    """
    report = audit_ops.verify(state.ctx, anchor)
    if as_json:
        emit_json(report.as_dict())
    elif report.ok:
        say(state.out, f"audit chain intact: {report.checked} events, last {report.last_id}, "
                       f"head {report.head}; {report.rows} audited rows match the events that wrote them")
    else:
        at = f"event {report.broken_id}" if report.broken_id is not None else "a row"
        say(state.out, f"audit chain BROKEN at {at}: {report.problem}")
        for problem in report.broken:
            say(state.out, f"  event {problem['id']}: {problem['detail']}" if problem["id"] is not None
                else f"  {problem['detail']}")
    if not report.ok:
        sys.exit(1)


@audit.command("export")
@click.option("--from", "start", required=True, help="ISO date or time (office zone unless an offset).")
@click.option("--to", "end", required=True, help="ISO date (the whole day) or time (exclusive).")
@click.option("--format", "fmt", type=click.Choice(list(audit_ops.WRITERS)), default="jsonl",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here (default: stdout).")
@pass_state
def export(state: State, start: str, end: str, fmt: str, output: Path | None) -> None:
    """Events between two moments with their hashes, as JSON Lines or CSV (masked for supervisors).

    Example: chuishao audit export --from 2026-11-01 --to 2026-11-30 --format csv --output 2026-11.csv
    """
    ctx = state.ctx
    lower, upper = audit_ops.parse_range(start, end, ctx)
    if output is None:
        count = audit_ops.export(ctx, lower, upper, fmt, sys.stdout)
    else:
        # utf-8-sig: Excel, which the office opens exports with, needs the BOM to read Chinese in CSV.
        with new_text_file(output, encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as out:
            count = audit_ops.export(ctx, lower, upper, fmt, out)
    click.echo(f"{count} events exported", err=True)
