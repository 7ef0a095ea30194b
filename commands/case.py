"""`chuishao case …`: list, show and move cases through their life."""

from __future__ import annotations

from collections.abc import Callable

import click

from commands.common import Group, State, emit_json, json_option, pass_state, say, table, warn
from models.cases import department, lifecycle, queries
from models.cases.queries import CaseQuery
from models.cases.retriage import retriage, send_back
from models.cases.views import case_detail, case_row, event_row
from models.clocks.clocks import window_seconds
from models.store.states import STATES


@click.group(cls=Group)
def case() -> None:
    """List, show and work cases.

    Example: chuishao case list --state new --limit 20
    """


version_option = click.option("--expect-version", "expected_version", type=int, default=None,
                              help="Refuse if the case changed since this version was read.")


def _done(state: State, case_obj: object, action: str, as_json: bool = False) -> None:
    row = case_row(state.ctx, case_obj)  # type: ignore[arg-type]
    if as_json:
        emit_json(row)
    else:
        say(state.out, f"case {row['id']}: {action} → {row['state']}")


@case.command("list")
@click.option("--state", "states", multiple=True, type=click.Choice(STATES), help="Only these states.")
@click.option("--view", type=click.Choice(list(queries.VIEWS)), default="all", help="A queue view.")
@click.option("--township", help="Township id or name.")
@click.option("--dept", help="Department id or name (cases it has an assignment on).")
@click.option("--channel", help="Channel id.")
@click.option("--priority", help="urgent | utility | general | complex.")
@click.option("--search", "text", help="Words in the title or reports (Chinese words of any length).")
@click.option("--sort", type=click.Choice(queries.SORTS), default="next_due", show_default=True)
@click.option("--desc", is_flag=True, help="Sort descending.")
@click.option("--limit", type=int, default=None, help="At most N cases (default: all).")
@click.option("--overdue", is_flag=True, help="Only cases with a running clock past due.")
@click.option("--due-within", help="Only cases with a running clock due within e.g. 4h, 2d, 1wd (or overdue).")
@json_option
@pass_state
def list_(state: State, states: tuple[str, ...], view: str, township: str | None, dept: str | None,
          channel: str | None, priority: str | None, text: str | None, sort: str, desc: bool,
          limit: int | None, overdue: bool, due_within: str | None, as_json: bool) -> None:
    """List cases in scope, by next deadline.

    Example: chuishao case list --view overdue --township 城关镇 --json
    """
    ctx = state.ctx
    q = CaseQuery(view=view, states=states, township=township, department=dept, channel=channel,
                  priority=priority, text=text, sort=sort, descending=desc, overdue=overdue,
                  due_within=window_seconds(ctx, due_within) if due_within else None)
    cases = queries.list_cases(ctx, q, limit=limit)
    by_case = queries.assignments_by_case([c.id for c in cases])
    rows = [case_row(ctx, c, by_case[c.id]) for c in cases]
    if as_json:
        emit_json(rows)
        return
    table(state.out, ["id", "state", "priority", "township", "lead", "next due", "title"],
          [[r["id"], r["state"], r["priority"], r["township"], r["lead"], r["next_due"] or "", r["title"]]
           for r in rows], title=f"{len(rows)} cases")


@case.command("show")
@click.argument("case_id", type=int)
@json_option
@pass_state
def show(state: State, case_id: int, as_json: bool) -> None:
    """Show one case with its reports, assignments and events.

    Example: chuishao case show 42 --json
    """
    ctx = state.ctx
    detail = case_detail(ctx, queries.show(ctx, case_id))
    if as_json:
        emit_json(detail)
        return
    out = state.out
    table(out, ["field", "value"], [[k, detail[k]] for k in (
        "id", "state", "title", "channel", "township", "village", "category", "priority", "decision",
        "duty_item", "lead", "cooperating", "received_at", "next_due", "report_count", "result")])
    table(out, ["report", "channel", "source id", "received", "text"],
          [[r["id"], r["channel"], r["source_id"], r["received_at"], r["text"]] for r in detail["reports"]],
          title="reports")
    if detail["assignments"]:
        table(out, ["department", "role", "state", "ack due", "acknowledged", "arrive due", "arrived"],
              [[a["department"], a["role"], a["state"], a["ack_due"], a["acknowledged_at"], a["arrive_due"],
                a["arrived_at"]] for a in detail["assignments"]], title="assignments")


@case.command("history")
@click.argument("case_id", type=int)
@json_option
@pass_state
def history(state: State, case_id: int, as_json: bool) -> None:
    """The case's events, oldest first, each with its operator.

    Example: chuishao case history 42 --json
    """
    ctx = state.ctx
    rows = [event_row(ctx, e) for e in queries.history(ctx, case_id)]
    if as_json:
        emit_json(rows)
        return
    table(state.out, ["at", "operator", "action", "from", "to", "details"],
          [[r["at"], r["operator"] + (f" (as {r['on_behalf_of']})" if r["on_behalf_of"] else ""), r["action"],
            r["state_before"], r["state_after"], r["after"]] for r in rows])


@case.command("retriage")
@click.argument("case_id", type=int)
@click.option("--reason", required=True, help="Why the triage is corrected.")
@click.option("--category", help="The new category path or unique name.")
@click.option("--township", help="The new township id or name.")
@click.option("--priority", help="The new priority: urgent | utility | general | complex.")
@click.option("--duty-item", help="The duty-list item code now cited.")
@click.option("--village", help="Village or community of the (new) township.")
@click.option("--decision", type=click.Choice(["local", "whistle"]),
              help="Change the decision: a local case to a whistle, or a whistle not yet dispatched to local.")
@version_option
@json_option
@pass_state
def retriage_cmd(state: State, case_id: int, reason: str, category: str | None, township: str | None,
                 priority: str | None, duty_item: str | None, village: str | None, decision: str | None,
                 expected_version: int | None, as_json: bool) -> None:
    """Correct a triaged case's category, township, priority, duty item or decision; clocks follow the
    new rules and the old values stay in the history.

    Example: chuishao case retriage 42 --priority urgent --reason "来电补充：有人被困"
    """
    result = retriage(state.ctx, case_id, reason=reason, category=category, township=township, priority=priority,
                      duty_item=duty_item, village=village, decision=decision, expected_version=expected_version)
    _warn_own_duty(state, result)
    _done(state, result, "retriage", as_json)


def _reason_step(name: str, func: Callable[..., object], reason_help: str, summary: str, example: str) -> None:
    """`chuishao case NAME ID --reason …`: a step whose only input is its reason."""
    @case.command(name, help=f"{summary}\n\nExample: {example}")
    @click.argument("case_id", type=int)
    @click.option("--reason", required=True, help=reason_help)
    @version_option
    @json_option
    @pass_state
    def command(state: State, case_id: int, reason: str, expected_version: int | None, as_json: bool) -> None:
        _done(state, func(state.ctx, case_id, reason=reason, expected_version=expected_version),
              name.replace("-", " "), as_json)


_reason_step("send-back", send_back, "Why the whistle is the township's own duty.",
             "退回乡镇: send a whistle citing one of the township's own duty-list items back to it as local "
             "(counted on the township scoreboard as a wrong whistle, 乱吹).",
             'chuishao case send-back 42 --reason "属乡镇履职清单 XZ-001，由镇自行处置"')


def _warn_own_duty(state: State, case_obj: object) -> None:
    """The triage-time warning (not a refusal) for a whistle citing the township's own duty."""
    from models.cases.rules import own_duty_warning

    found = own_duty_warning(state.ctx, str(getattr(case_obj, "decision", "") or ""),
                             getattr(case_obj, "township", None), getattr(case_obj, "duty_item", None))
    if found is not None:
        warn(found.message)


@case.command("triage")
@click.argument("case_id", type=int)
@click.option("--category", required=True, help="Category path or unique name (e.g. 城管执法).")
@click.option("--township", required=True, help="Township id or name.")
@click.option("--priority", required=True, help="urgent | utility | general | complex.")
@click.option("--decision", required=True, type=click.Choice(["local", "whistle", "reject"]))
@click.option("--duty-item", help="Duty-list item code cited.")
@click.option("--village", help="Village or community of the township.")
@click.option("--reason", help="Why (required for reject).")
@version_option
@json_option
@pass_state
def triage(state: State, case_id: int, category: str, township: str, priority: str, decision: str,
           duty_item: str | None, village: str | None, reason: str | None, expected_version: int | None,
           as_json: bool) -> None:
    """Classify a new case and decide local / whistle / reject.

    Example: chuishao case triage 42 --category 城管执法 --township chengguan --priority general --decision whistle
    """
    result = lifecycle.triage(state.ctx, case_id, category=category, township=township, priority=priority,
                              decision=decision, duty_item=duty_item, reason=reason, village=village,
                              expected_version=expected_version)
    _warn_own_duty(state, result)
    _done(state, result, "triage", as_json)


@case.command("dispatch")
@click.argument("case_id", type=int)
@click.option("--lead", required=True, help="Lead department id or name.")
@click.option("--coop", multiple=True, help="Cooperating department (repeatable).")
@version_option
@json_option
@pass_state
def dispatch(state: State, case_id: int, lead: str, coop: tuple[str, ...], expected_version: int | None,
             as_json: bool) -> None:
    """Dispatch a whistled case to a lead and cooperating departments.

    Example: chuishao case dispatch 42 --lead zhujian --coop chengguan_zf --coop shichang
    """
    result = lifecycle.dispatch(state.ctx, case_id, lead=lead, cooperating=list(coop),
                                expected_version=expected_version)
    _done(state, result, "dispatch", as_json)


def _dept_step(name: str, func_name: str, summary: str, example: str) -> None:
    @case.command(name, help=f"{summary}\n\nExample: {example}")
    @click.argument("case_id", type=int)
    @click.option("--dept", help="Department acting (admins; a department operator acts for its own).")
    @version_option
    @json_option
    @pass_state
    def command(state: State, case_id: int, dept: str | None, expected_version: int | None, as_json: bool) -> None:
        result = getattr(department, func_name)(state.ctx, case_id, department=dept,
                                                expected_version=expected_version)
        _done(state, result, name, as_json)


_dept_step("ack", "acknowledge", "Sign for a department's assignment (签收).", "chuishao case ack 42 --dept zhujian")
_dept_step("arrive", "arrive", "Report a department's arrival on site (报到).", "chuishao case arrive 42")


@case.command("return")
@click.argument("case_id", type=int)
@click.option("--reason", required=True, help="Why it is not this department's.")
@click.option("--dept", help="Department returning (admins).")
@version_option
@json_option
@pass_state
def return_(state: State, case_id: int, reason: str, dept: str | None, expected_version: int | None,
            as_json: bool) -> None:
    """Return an assignment to the dispatch office (退单).

    Example: chuishao case return 42 --reason "属供水公司管网，非本局职责"
    """
    result = department.return_case(state.ctx, case_id, reason=reason, department=dept,
                                    expected_version=expected_version)
    _done(state, result, "return", as_json)


@case.command("review-return")
@click.argument("case_id", type=int)
@click.option("--redispatch", is_flag=True, help="Send it to other departments.")
@click.option("--uphold", is_flag=True, help="Refuse the return: the department must take it.")
@click.option("--lead", help="New lead (with --redispatch).")
@click.option("--coop", multiple=True, help="Cooperating departments (with --redispatch).")
@click.option("--note", help="The review's reasoning.")
@version_option
@json_option
@pass_state
def review_return(state: State, case_id: int, redispatch: bool, uphold: bool, lead: str | None,
                  coop: tuple[str, ...], note: str | None, expected_version: int | None, as_json: bool) -> None:
    """Review a return: re-dispatch or uphold.

    Example: chuishao case review-return 42 --redispatch --lead gongshui
    """
    if redispatch == uphold:
        raise click.UsageError("give exactly one of --redispatch or --uphold")
    if redispatch and not lead:
        raise click.UsageError("--redispatch needs --lead")
    result = department.review_return(state.ctx, case_id, uphold=uphold, lead=lead, cooperating=list(coop),
                                      note=note, expected_version=expected_version)
    _done(state, result, "review-return", as_json)


@case.command("note")
@click.argument("case_id", type=int)
@click.option("--text", required=True, help="The progress note.")
@pass_state
def note(state: State, case_id: int, text: str) -> None:
    """Add a progress note (办理进展).

    Example: chuishao case note 42 --text "已联系施工方，明日整改"
    """
    created = lifecycle.note(state.ctx, case_id, text=text)
    say(state.out, f"case {case_id}: note {created.id} added")


@case.command("resolve")
@click.argument("case_id", type=int)
@click.option("--result", required=True, help="What was done.")
@version_option
@json_option
@pass_state
def resolve(state: State, case_id: int, result: str, expected_version: int | None, as_json: bool) -> None:
    """Report the result (办结): the lead department, or the township for a local case.

    Example: chuishao case resolve 42 --result "已清理占道堆放物"
    """
    _done(state, lifecycle.resolve(state.ctx, case_id, result=result, expected_version=expected_version),
          "resolve", as_json)


@case.command("evaluate")
@click.argument("case_id", type=int)
@click.option("--source", required=True, type=click.Choice(lifecycle.SOURCES))
@click.option("--rating", type=click.Choice(lifecycle.RATINGS), help="The rating (omit with --unreachable).")
@click.option("--unreachable", is_flag=True, help="A callback attempt that reached nobody.")
@click.option("--comment", help="What the evaluator said.")
@click.option("--dept", "dept", help="Township evaluations: the department rated (lead or cooperating; default the lead).")
@version_option
@json_option
@pass_state
def evaluate(state: State, case_id: int, source: str, rating: str | None, unreachable: bool,
             comment: str | None, dept: str | None, expected_version: int | None, as_json: bool) -> None:
    """Record an evaluation (回访/评价); a township rates each department on the case with --dept.

    Example: chuishao case evaluate 42 --source township --rating satisfied --dept 供电公司
    """
    if (rating is None) == (not unreachable):
        raise click.UsageError("give exactly one of --rating RATING or --unreachable")
    _done(state, lifecycle.evaluate(state.ctx, case_id, source=source, rating=rating, comment=comment,
                                    unreachable=unreachable, expected_version=expected_version,
                                    department=dept),
          "evaluate", as_json)


@case.command("reopen")
@click.argument("case_id", type=int)
@click.option("--reason", required=True, help="Why the result is not accepted.")
@version_option
@json_option
@pass_state
def reopen(state: State, case_id: int, reason: str, expected_version: int | None, as_json: bool) -> None:
    """Send a resolved case back to its lead (重办).

    Example: chuishao case reopen 42 --reason "群众反映问题未解决"
    """
    _done(state, lifecycle.reopen(state.ctx, case_id, reason=reason, expected_version=expected_version),
          "reopen", as_json)


@case.command("close")
@click.argument("case_id", type=int)
@click.option("--reason", help="Needed to close despite an unsatisfied evaluation.")
@version_option
@json_option
@pass_state
def close(state: State, case_id: int, reason: str | None, expected_version: int | None, as_json: bool) -> None:
    """Close the loop (归档) once the required evaluations are in.

    Example: chuishao case close 42
    """
    _done(state, lifecycle.close(state.ctx, case_id, reason=reason, expected_version=expected_version),
          "close", as_json)
