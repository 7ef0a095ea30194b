"""Operators: who may log in, as which role, for which township or department (admins only).

An operator is mapped to an OS login (`os_user`): over SSH every user arrives as themselves, so the
login *is* the identity and there is no password of ours to leak. Nothing is deleted: a departed
clerk is disabled, and their name stays in the event log. Each change is an event in the chain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from models.errors import NotFound, ValidationError
from models.org.context import Context
from models.org.permissions import ROLES, require_role
from models.store import events, rowdigest
from models.store.schema import Operator
from models.text.messages import Ref, refs

# Operator names are typed after --as and stored in every event: keep them plain.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# POSIX portable login names (useradd's default rule).
_OS_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}\$?$")


@dataclass(frozen=True)
class NewOperator:
    """What `operator add` asks for."""

    name: str
    role: str
    township: str | None = None
    department: str | None = None
    os_user: str | None = None
    display: str | None = None


def operator_row(op: Operator) -> dict[str, Any]:
    """The one JSON shape of an operator (`operator list --json`, events)."""
    return {"name": op.name, "display": op.display, "role": op.role, "township": op.township,
            "department": op.department, "os_user": op.os_user, "active": bool(op.active)}


def _validated(ctx: Context, new: NewOperator) -> dict[str, Any]:
    if not _NAME.match(new.name or ""):
        raise ValidationError("org.bad_operator_name", name=new.name)
    if new.role not in ROLES:
        raise ValidationError("org.bad_role", role=new.role, ids=", ".join(ROLES), choices=refs("role", ROLES))
    township = ctx.config.township(new.township).id if new.township else None
    department = ctx.config.department(new.department).id if new.department else None
    if new.role == "township" and township is None:
        raise ValidationError("org.township_needs_township", command="chuishao org townships")
    if new.role == "department" and department is None:
        raise ValidationError("org.department_needs_dept", command="chuishao org departments")
    if new.role != "township" and township is not None:
        raise ValidationError("org.township_option_only", role=Ref("role", new.role))
    if new.role != "department" and department is not None:
        raise ValidationError("org.dept_option_only", role=Ref("role", new.role))
    if new.os_user is not None and not _OS_USER.match(new.os_user):
        raise ValidationError("org.bad_login", user=new.os_user)
    return {"name": new.name, "display": (new.display or "").strip() or new.name, "role": new.role,
            "township": township, "department": department, "os_user": new.os_user}


def add_operator(ctx: Context, new: NewOperator) -> Operator:
    """Add an operator (admin). The name and the OS login must both be unused, even by disabled ones."""
    require_role(ctx, "manage_operators")
    values = _validated(ctx, new)
    with ctx.write():
        if Operator.select().where(Operator.name == new.name).exists():
            raise ValidationError("org.operator_exists", name=new.name, command=f"chuishao operator enable {new.name}")
        if new.os_user is not None:
            holder = Operator.get_or_none(Operator.os_user == new.os_user)
            if holder is not None:
                raise ValidationError("org.login_taken", user=new.os_user, holder=holder.name)
        created = Operator.create(created_at=ctx.now(), active=True, **values)
        events.record(ctx, "operator_add", None, after=operator_row(created),
                      digests=rowdigest.operator_digests(created))
    return created


def list_operators(ctx: Context, include_disabled: bool = True) -> list[Operator]:
    """Every operator by name (admin)."""
    require_role(ctx, "manage_operators")
    query = Operator.select().order_by(Operator.name)
    if not include_disabled:
        query = query.where(Operator.active == True)
    return list(query)


def _get(name: str) -> Operator:
    found = Operator.get_or_none(Operator.name == name)
    if found is None:
        raise NotFound("org.no_operator", name=name, command="chuishao operator list")
    return found


def set_active(ctx: Context, name: str, active: bool) -> Operator:
    """Disable (or enable again) an operator (admin); a disabled one is refused at their next step.

    The last active admin that can log in cannot be disabled: nobody could undo it, and the next
    `chuishao init` would make whoever runs it the admin.
    """
    require_role(ctx, "manage_operators")
    action = "operator_enable" if active else "operator_disable"
    with ctx.write():
        target = _get(name)
        if bool(target.active) == active:
            raise ValidationError("org.already_active" if active else "org.already_disabled", name=name)
        if not active and target.role == "admin" and target.os_user is not None:
            others = Operator.select().where((Operator.role == "admin") & (Operator.active == True)
                                             & Operator.os_user.is_null(False) & (Operator.id != target.id))
            if not others.exists():
                raise ValidationError("org.last_admin", name=name)
        Operator.update(active=active).where(Operator.id == target.id).execute()
        target.active = active
        events.record(ctx, action, None, before={"name": name, "active": not active},
                      after={"name": name, "active": active}, digests=rowdigest.operator_digests(target))
    return target
