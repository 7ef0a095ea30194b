"""The `chuishao` command: bare, it opens the console; with a subcommand, it runs headless.

Batch subcommands never import textual: the console is imported only when it is opened. Command
modules are imported only when their command runs (or help lists them), so the console and every
batch command start without loading the others (the briefing's openpyxl, the classifier …).
"""

from __future__ import annotations

import importlib
import sys
from typing import TextIO

import click

from commands.common import Group, State
from models.errors import UsageError

# name → "module:attribute" of the click command.
COMMANDS: dict[str, str] = {
    "init": "commands.admin:init",
    "demo": "commands.admin:demo",
    "org": "commands.org:org",
    "intake": "commands.intake:intake",
    "case": "commands.case:case",
    "operator": "commands.operator:operator",
    "audit": "commands.audit:audit",
    "backup": "commands.backup:backup",
    "restore": "commands.backup:restore",
    "db": "commands.db:db",
    "report": "commands.report:report",
    "supervise": "commands.supervise:supervise",
    "meeting": "commands.meeting:meeting",
    "suggest": "commands.suggest:suggest",
    "training": "commands.training:training",
    "notify": "commands.notify:notify",
}
# Modules that add subcommands to a group defined elsewhere (imported with that group).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "case": ("commands.case_merge", "commands.clock"),
}


class LazyGroup(Group):
    """The root group: resolves each subcommand's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        for extension in EXTENSIONS.get(cmd_name, ()):
            importlib.import_module(extension)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, invoke_without_command=True,
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
    preset = ctx.obj if isinstance(ctx.obj, State) else State()  # a caller in code may hand in its clock
    ctx.obj = State(config_path=config_path, db_url=db_url, as_name=as_name, clock=preset.clock)
    if ctx.invoked_subcommand is None:
        open_console(ctx.obj)


@cli.result_callback()
@click.pass_context
def after(ctx: click.Context, result: object, **_: object) -> None:
    """A command that ends by opening the console (`training start`) hands back OpenConsole."""
    if type(result).__name__ == "OpenConsole":
        open_console(ctx.obj, training=True)


def open_console(state: State, *, training: bool = False) -> None:
    """The console on a terminal, or one line and exit 2 when there is none."""
    problem = terminal_problem(sys.stdin, sys.stdout)
    if problem is not None:  # before textual loads: a console on no terminal reads EOF forever
        raise UsageError(problem)
    from console.app import run_console

    run_console(state, training=training)


def terminal_problem(stdin: TextIO | None, stdout: TextIO | None) -> str | None:
    """Why the console cannot open on these streams (`ssh -T`, ForceCommand under scp, a pipe), or None."""
    missing = [name for name, stream in (("stdin", stdin), ("stdout", stdout))
               if stream is None or not _isatty(stream)]
    if not missing:
        return None
    verb = "are not terminals" if len(missing) == 2 else "is not a terminal"
    return (f"the console needs a terminal, but {' and '.join(missing)} {verb}; "
            f"log in with a terminal (ssh -t) or run a subcommand (chuishao --help)")


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (ValueError, OSError):  # a closed stream
        return False


def main() -> None:
    cli(prog_name="chuishao")
