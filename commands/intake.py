"""`chuishao intake …`: register citizens' reports from any channel."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from commands.common import Group, State, emit_json, json_option, pass_state, say
from models.intake.importer import import_file
from models.intake.intake import NewReport
from models.intake.intake import intake as intake_op
from models.worktime.timeutil import parse_iso, to_epoch

SHOWN = 20  # duplicate / rejected rows listed in the summary


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


@contextmanager
def import_progress(quiet: bool) -> Iterator[Callable[[int, int | None], None] | None]:
    """A progress bar on stderr when it is a terminal (never with --json or when piped)."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("import", total=None)

        def advance(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=max(total, done) if total else None)
        yield advance


@intake.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--profile", help="Import profile in chuishao.toml (e.g. tipdm, hotline): which column is which.")
@click.option("--channel", help="Channel the reports came in on (default: the profile's).")
@click.option("--dry-run", is_flag=True, help="Read, check and score every row; write nothing.")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False),
              help="Write rejected rows here, in the input's own format, to fix and re-import.")
@json_option
@pass_state
def import_(state: State, file: str, profile: str | None, channel: str | None, dry_run: bool,
            rejects_path: str | None, as_json: bool) -> None:
    """Import a CSV (UTF-8 or GBK), XLSX, JSON Lines or Open311 file of reports.

    Re-importing adds nothing (channel + source id, or for a row without one its fingerprint:
    channel + received time + text + phone); every row ends imported, duplicate or rejected, and
    the counts add up. --rejects names a new file (an existing one is refused). Exit 0 when the file was read, even with rejected rows.

    Example: chuishao intake import messages.csv --profile tipdm --channel online --rejects bad.csv
    """
    ctx = state.ctx
    with import_progress(quiet=as_json) as progress:
        result = import_file(ctx, file, profile=profile, channel=channel, dry_run=dry_run,
                             rejects=rejects_path, progress=progress)
    if as_json:
        emit_json(result.as_json())
        return
    out = state.out
    verb = "would be imported" if dry_run else "imported"
    say(out, f"{file}: {result.read} rows read ({result.format}, {result.encoding or 'binary'}): "
             f"{result.imported} {verb}, {result.duplicate} duplicate, {result.rejected} rejected")
    if result.fingerprinted:
        say(out, f"{result.fingerprinted} rows had no source id: each is known by its fingerprint (channel + "
                 f"received time + text + phone), so importing this file again adds none of them twice")
    if result.first_case:
        say(out, f"cases {result.first_case}–{result.last_case}; {result.flagged} with possible duplicates "
                 f"(see `chuishao case duplicates ID`)")
    for what, rows in (("duplicate", result.duplicates), ("rejected", result.rejects)):
        for row in rows[:SHOWN]:
            say(out, f"  {what}: {row['reason']}")
        if len(rows) > SHOWN:
            say(out, f"  … {len(rows) - SHOWN} more {what} rows (--json lists them all)")
    if result.rejects_file:
        say(out, f"rejected rows written to {result.rejects_file}")
