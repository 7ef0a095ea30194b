"""The `chuishao` command: bare, it opens the console; with a subcommand, it runs headless.

Batch subcommands never import textual: the console is imported only when it is opened.
"""

from __future__ import annotations

import click

import commands.case_merge  # registers duplicates/merge/unmerge/split on `case`
import commands.clock  # noqa: F401  (registers clocks/pause/resume/extend/extension on `case`)
from commands.admin import demo, init
from commands.audit import audit
from commands.backup import backup, restore
from commands.case import case
from commands.common import Group, State
from commands.intake import intake
from commands.meeting import meeting
from commands.operator import operator
from commands.org import org
from commands.report import report
from commands.suggest import suggest
from commands.supervise import supervise


@click.group(cls=Group, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_path", envvar="CHUISHAO_CONFIG", help="Config file (default: see README).")
@click.option("--db", "db_url", help="Database URL, e.g. sqlite:///path/to/county.db.")
@click.option("--as", "as_name", help="Act as another operator (admins only; recorded).")
@click.version_option(package_name="chuishao")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, db_url: str | None, as_name: str | None) -> None:
    """吹哨 chuishao: the dispatch office's console and batch commands.

    Run bare to open the console; run a subcommand for batch work.

    Example: chuishao demo --cases 2000 && chuishao
    """
    ctx.obj = State(config_path=config_path, db_url=db_url, as_name=as_name)
    if ctx.invoked_subcommand is None:
        from console.app import run_console

        run_console(ctx.obj)


for command in (init, demo, org, intake, case, operator, audit, backup, restore, report, supervise, meeting, suggest):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="chuishao")
