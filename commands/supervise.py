"""`chuishao supervise …`: the supervision board, the sweep, orders (督办) and accountability (追责)."""

from __future__ import annotations

import click

from commands.common import Group, State, emit_json, json_option, pass_state, say, table
from models.supervision import proposals, supervision, supervision_orders
from models.supervision.supervision import FLAGS
from models.worktime.timeutil import parse_iso, to_epoch


@click.group(cls=Group)
def supervise() -> None:
    """Supervision: must-supervise and overdue cases, reminders, notices, orders, accountability.

    Example: chuishao supervise sweep && chuishao supervise list
    """


@supervise.command("list")
@click.option("--flag", type=click.Choice(FLAGS), help="Only cases with this must-supervise reason.")
@click.option("--limit", type=int, default=200, show_default=True)
@json_option
@pass_state
def list_(state: State, flag: str | None, limit: int, as_json: bool) -> None:
    """The supervision board: open must-supervise or overdue cases, most overdue first.

    Example: chuishao supervise list --flag repeat --json
    """
    rows = supervision_orders.board(state.ctx, flag=flag, limit=limit)
    if as_json:
        emit_json(rows)
        return
    table(state.out, ["id", "state", "lead", "flags", "next due", "reminded", "noticed", "orders", "title"],
          [[r["id"], r["state"], r["lead"], r["flags"], r["next_due"], r["reminded_at"], r["noticed_at"],
            len(r["orders"]), r["title"]] for r in rows], title=f"{len(rows)} cases under supervision")


@supervise.command("sweep")
@json_option
@pass_state
def sweep(state: State, as_json: bool) -> None:
    """Raise must-supervise flags and write due reminders (催办) and notices (通报); safe to repeat.

    Example: chuishao supervise sweep --json
    """
    result = supervision.sweep(state.ctx)
    if as_json:
        emit_json(result.as_dict())
        return
    say(state.out, f"flagged {len(result.flagged)} case(s), {len(result.reminders)} reminder(s), "
                   f"{len(result.notices)} notice(s)")


@supervise.command("order")
@click.argument("case_id", type=int)
@click.option("--instruction", required=True, help="What the department must do.")
@click.option("--level", default="normal", show_default=True, help="normal | key | listed (一般/重点/挂牌).")
@click.option("--deadline", help="By when, ISO 8601 (office zone if no offset).")
@click.option("--dept", help="The department ordered (default: the case's lead).")
@json_option
@pass_state
def order(state: State, case_id: int, instruction: str, level: str, deadline: str | None, dept: str | None,
          as_json: bool) -> None:
    """Issue a supervision order on a case (督办; the supervision group).

    Example: chuishao --as sunli supervise order 42 --level key --instruction "三日内办结并报告" --deadline 2026-12-01T17:30
    """
    ctx = state.ctx
    moment = to_epoch(parse_iso(deadline, ctx.config.tz, "--deadline")) if deadline else None
    row = supervision_orders.issue_order(ctx, case_id, instruction=instruction, level=level, deadline=moment,
                                         department=dept)
    if as_json:
        emit_json(supervision_orders.order_row(ctx, row))
    else:
        say(state.out, f"case {case_id}: supervision order {row.id} issued to {row.department or '-'}")


@supervise.command("orders")
@click.option("--case", "case_id", type=int, help="Only this case's.")
@click.option("--open", "open_only", is_flag=True, help="Only orders not answered yet.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["reminder", "notice", "order"]))
@click.option("--limit", type=int, default=200, show_default=True)
@json_option
@pass_state
def orders(state: State, case_id: int | None, open_only: bool, kinds: tuple[str, ...], limit: int,
           as_json: bool) -> None:
    """Orders, reminders and notices, newest first.

    Example: chuishao supervise orders --open --kind order --json
    """
    rows = supervision_orders.orders(state.ctx, case_id, open_only=open_only, kinds=kinds, limit=limit)
    if as_json:
        emit_json(rows)
        return
    table(state.out, ["id", "case", "kind", "level", "department", "issued", "deadline", "status", "instruction"],
          [[r["id"], r["case_id"], r["kind"], r["level"], r["department"], r["issued_at"], r["deadline"],
            r["status"], r["instruction"]] for r in rows], title=f"{len(rows)} orders")


@supervise.command("answer")
@click.argument("order_id", type=int)
@click.option("--text", required=True, help="What was done.")
@json_option
@pass_state
def answer(state: State, order_id: int, text: str, as_json: bool) -> None:
    """Answer a supervision order (督办反馈; the department it names).

    Example: chuishao supervise answer 7 --text "已于11月30日完成整改"
    """
    row = supervision_orders.answer_order(state.ctx, order_id, answer=text)
    if as_json:
        emit_json(supervision_orders.order_row(state.ctx, row))
    else:
        say(state.out, f"supervision order {row.id} answered")


@supervise.group("accountability", cls=Group)
def accountability() -> None:
    """Accountability records (追责) against a department or a person.

    Example: chuishao --as sunli supervise accountability add --dept zhujian --reason "多次超期" --case 42
    """


@accountability.command("add")
@click.option("--dept", help="Department id or name.")
@click.option("--person", help="The person held accountable.")
@click.option("--reason", required=True, help="Why.")
@click.option("--case", "cases", type=int, multiple=True, help="A linked case (repeatable).")
@json_option
@pass_state
def accountability_add(state: State, dept: str | None, person: str | None, reason: str, cases: tuple[int, ...],
                       as_json: bool) -> None:
    """Record accountability, linked to cases.

    Example: chuishao --as sunli supervise accountability add --dept zhujian --reason "签收超时三次" --case 42 --case 57
    """
    row = supervision_orders.record_accountability(state.ctx, reason=reason, department=dept, person=person,
                                                   cases=list(cases))
    if as_json:
        emit_json(supervision_orders.accountability_row(state.ctx, row))
    else:
        say(state.out, f"accountability record {row.id} added")


@accountability.command("list")
@click.option("--dept", help="Only this department's.")
@click.option("--limit", type=int, default=200, show_default=True)
@json_option
@pass_state
def accountability_list(state: State, dept: str | None, limit: int, as_json: bool) -> None:
    """Accountability records, newest first.

    Example: chuishao supervise accountability list --dept zhujian --json
    """
    rows = supervision_orders.accountability_records(state.ctx, dept, limit)
    if as_json:
        emit_json(rows)
        return
    table(state.out, ["id", "department", "person", "cases", "recorded", "by", "reason"],
          [[r["id"], r["department"], r["person"], r["cases"], r["recorded_at"], r["recorded_by"], r["reason"]]
           for r in rows], title=f"{len(rows)} accountability records")


@supervise.group("proposals", cls=Group, invoke_without_command=True)
@json_option
@pass_state
def proposals_(state: State, as_json: bool) -> None:
    """追责建议: accountability the configured rules propose ([accountability]), each with its evidence,
    for the supervision group to confirm or dismiss (supervisors and admins).

    Example: chuishao --as sunli supervise proposals --json
    """
    if click.get_current_context().invoked_subcommand is not None:
        return
    found = proposals.proposals(state.ctx)
    if as_json:
        emit_json([p.as_dict() for p in found])
        return
    table(state.out, ["id", "what", "cases", "evidence events"],
          [[p.id, p.summary("en"), ", ".join(str(c) for c in p.cases),
            ", ".join(f"{e['event_id']} {e['action']} {e['at'][5:16]}" for e in p.evidence)]
           for p in found], title=f"{len(found)} accountability proposals (details: --json)")


@proposals_.command("confirm")
@click.argument("proposal_id")
@click.option("--reason", required=True, help="Why the record is made (it becomes the record's reason).")
@json_option
@pass_state
def proposals_confirm(state: State, proposal_id: str, reason: str, as_json: bool) -> None:
    """Confirm a proposal: the accountability record is created, linked to its cases.

    Example: chuishao --as sunli supervise proposals confirm notices:zhujian:2026-10 --reason "十月两次通报"
    """
    record_id = proposals.confirm(state.ctx, proposal_id, reason=reason)
    if as_json:
        emit_json({"proposal": proposal_id, "accountability_id": record_id})
    else:
        say(state.out, f"proposal {proposal_id} confirmed: accountability record {record_id}")


@proposals_.command("dismiss")
@click.argument("proposal_id")
@click.option("--reason", required=True, help="Why no record is made.")
@pass_state
def proposals_dismiss(state: State, proposal_id: str, reason: str) -> None:
    """Dismiss a proposal with the reason; it is not proposed again.

    Example: chuishao --as sunli supervise proposals dismiss late_arrival:17 --reason "道路封闭，已报备"
    """
    proposals.dismiss(state.ctx, proposal_id, reason=reason)
    say(state.out, f"proposal {proposal_id} dismissed")
