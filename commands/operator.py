"""`chuishao operator …`: who may log in, as which role (admins only)."""

from __future__ import annotations

import click

from commands.common import Group, State, emit_json, json_option, pass_state, say, table
from models.org.operators import NewOperator, add_operator, list_operators, operator_row, set_active
from models.org.permissions import ROLES


@click.group(cls=Group)
def operator() -> None:
    """Add, list, disable and enable operators (admins).

    Example: chuishao operator add wangli --role township --township chengguan --os-user wangli
    """


@operator.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the operator may do.")
@click.option("--township", help="The township of a township operator (id or name).")
@click.option("--dept", help="The department of a department operator (id or name).")
@click.option("--os-user", help="The login that acts as this operator (SSH users arrive as themselves).")
@click.option("--display", help="The name shown on screen (default: NAME).")
@json_option
@pass_state
def add(state: State, name: str, role: str, township: str | None, dept: str | None, os_user: str | None,
        display: str | None, as_json: bool) -> None:
    """Add an operator; with --os-user, that login acts as them.

    Example: chuishao operator add yangfan2 --role department --dept zhujian --os-user yangfan2 --display 杨帆
    """
    created = add_operator(state.ctx, NewOperator(name=name, role=role, township=township, department=dept,
                                                  os_user=os_user, display=display))
    if as_json:
        emit_json(operator_row(created))
        return
    login = f", logs in as {created.os_user}" if created.os_user else " (no login yet: add --os-user)"
    say(state.out, f"operator {created.name} added: {created.role}{login}")


@operator.command("list")
@json_option
@pass_state
def list_(state: State, as_json: bool) -> None:
    """Every operator, disabled ones included.

    Example: chuishao operator list --json
    """
    rows = [operator_row(o) for o in list_operators(state.ctx)]
    if as_json:
        emit_json(rows)
        return
    table(state.out, ["name", "display", "role", "township", "department", "os user", "active"],
          [[r["name"], r["display"], r["role"], r["township"], r["department"], r["os_user"],
            "yes" if r["active"] else "disabled"] for r in rows], title=f"{len(rows)} operators")


def _switch(name: str, active: bool, summary: str, example: str) -> None:
    @operator.command(name, help=f"{summary}\n\nExample: {example}")
    @click.argument("operator_name", metavar="NAME")
    @json_option
    @pass_state
    def command(state: State, operator_name: str, as_json: bool) -> None:
        changed = set_active(state.ctx, operator_name, active)
        if as_json:
            emit_json(operator_row(changed))
        else:
            say(state.out, f"operator {changed.name} {'enabled' if active else 'disabled'}")


_switch("disable", False, "Disable an operator: refused from their next step on, even in an open console.",
        "chuishao operator disable lixia")
_switch("enable", True, "Enable a disabled operator again.", "chuishao operator enable lixia")
