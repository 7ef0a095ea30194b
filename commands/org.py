"""`chuishao org …`: the county as configured (townships, departments, categories, duty list, operators)."""

from __future__ import annotations

import click

from commands.common import Group, State, emit_json, json_option, pass_state, table
from models.store.schema import Operator


@click.group(cls=Group)
def org() -> None:
    """Show the county's organisation as configured.

    Example: chuishao org departments --json
    """


@org.command("townships")
@json_option
@pass_state
def townships(state: State, as_json: bool) -> None:
    """Townships (乡镇/街道) with their villages and communities.

    Example: chuishao org townships
    """
    rows = [{"id": t.id, "name": t.name, "villages": list(t.villages), "aliases": list(t.aliases)}
            for t in state.config.townships.values()]
    if as_json:
        emit_json(rows)
    else:
        table(state.out, ["id", "name", "villages"], [[r["id"], r["name"], r["villages"]] for r in rows])


@org.command("departments")
@json_option
@pass_state
def departments(state: State, as_json: bool) -> None:
    """Functional departments that report for duty.

    Example: chuishao org departments --json
    """
    rows = [{"id": d.id, "name": d.name, "short": d.short, "aliases": list(d.aliases)}
            for d in state.config.departments.values()]
    if as_json:
        emit_json(rows)
    else:
        table(state.out, ["id", "name", "short", "aliases"], [list(r.values()) for r in rows])


@org.command("categories")
@json_option
@pass_state
def categories(state: State, as_json: bool) -> None:
    """The category tree, one path per line.

    Example: chuishao org categories | grep 城管
    """
    paths = list(state.config.categories)
    if as_json:
        emit_json(paths)
    else:
        table(state.out, ["category"], [[p] for p in paths])


@org.command("duty-list")
@json_option
@pass_state
def duty_list(state: State, as_json: bool) -> None:
    """The township duty list (乡镇履职事项清单).

    Example: chuishao org duty-list --json
    """
    rows = [{"code": d.code, "text": d.text, "category": d.category, "scope": d.scope, "lead": d.lead,
             "cooperating": list(d.cooperating), "keywords": list(d.keywords)}
            for d in state.config.duty_items.values()]
    if as_json:
        emit_json(rows)
    else:
        table(state.out, ["code", "scope", "lead", "text"], [[r["code"], r["scope"], r["lead"], r["text"]] for r in rows])


@org.command("operators")
@json_option
@pass_state
def operators(state: State, as_json: bool) -> None:
    """Operators of this database.

    Example: chuishao org operators
    """
    state.database()
    rows = [{"name": o.name, "display": o.display, "role": o.role, "township": o.township,
             "department": o.department, "os_user": o.os_user, "active": o.active}
            for o in Operator.select().order_by(Operator.name)]
    if as_json:
        emit_json(rows)
    else:
        table(state.out, ["name", "display", "role", "township", "department", "os user", "active"],
              [list(r.values()) for r in rows])
