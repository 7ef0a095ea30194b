"""Re-triage (重新分类): the dispatch office corrects a case's category, township, priority or duty-list
item after triage, with a reason (issue 16 item 9).

The case's old values stay in the history: the step is one `retriage` event whose `before` holds
them and whose `after` holds the new ones and the reason. Clocks are recomputed from the rules for
the new priority and category: the dispatch clock while the case waits for dispatch, the resolve
clock while it is unresolved and no extension was approved (an approved extension fixed its due),
and each active assignment's sign-for and arrival clocks not yet met. A new deadline starts its own
reminder → notice ladder (the ladder is per deadline).

The decision changes between local and whistle while no department holds the case (rules.
decision_change_refusal): a local case becomes a whistle waiting for dispatch (its dispatch clock
starts from the rule, as at triage), a whistle not yet dispatched becomes local (its dispatch clock
stops, as a local triage's does).

退回乡镇 (`send_back`): a whistle waiting for dispatch that cites one of the township's own duty-list
items (scope "township") goes back to the township as local, with a reason, in its own `send_back`
event. The township board counts it (乱吹, models/reports/measures.py township_measures); a re-triage
to local is the office correcting itself and is not counted against the township.
"""

from __future__ import annotations

from models.cases.casebase import load_for, require_text, save, snapshot
from models.cases.department import all_assignments
from models.cases.rules import decision_change_refusal, retriage_refusal, send_back_refusal
from models.clocks.clocks import deadline
from models.errors import ValidationError
from models.org.context import Context
from models.store.schema import Assignment, Case
from models.store.states import A_ACKNOWLEDGED, LOCAL, PENDING, WHISTLED

STATE_OF = {"local": LOCAL, "whistle": WHISTLED}


def retriage(ctx: Context, case_id: int, *, reason: str, category: str | None = None, township: str | None = None,
             priority: str | None = None, duty_item: str | None = None, village: str | None = None,
             decision: str | None = None, expected_version: int | None = None) -> Case:
    """Change what triage decided about a case (only what is given), with the reason."""
    require_text(reason, "retriage_reason")
    config = ctx.config
    with ctx.write():
        case = load_for(ctx, case_id, "retriage", expected_version)
        if (refusal := retriage_refusal(case)) is not None:
            raise refusal
        if decision is not None and decision != case.decision and (
                refusal := decision_change_refusal(case, decision)) is not None:
            raise refusal
        before = snapshot(case)
        town = config.township(township) if township else config.townships[case.township]
        if village and village not in town.villages:
            raise ValidationError("case.bad_village", village=village, township=town.name)
        if category:
            case.category = config.category(category)
        if township:
            case.township, case.village = town.id, village
        elif village:
            case.village = village
        if priority:
            case.priority = config.priority(priority).id
        if duty_item:
            case.duty_item = config.duty_item(duty_item).code
        if decision is not None and decision != case.decision:
            case.decision, case.state = decision, STATE_OF[decision]
        if snapshot(case) == before:
            raise ValidationError("case.retriage_nothing")
        everything = recompute_after_triage(ctx, case)
        return save(ctx, case, before, "retriage", assignments=everything, extra_after={"reason": reason})


def recompute_after_triage(ctx: Context, case: Case) -> list[Assignment]:
    """The clocks per the rules after triage's values changed: the dispatch clock of a case not yet
    dispatched (as triage sets it: a local case's is stopped), the resolve clock unless an approved extension fixed it, and
    each active assignment's sign-for and arrival clocks not yet met. Returns every assignment."""
    confirmed = True
    if case.dispatched_at is None:
        case.dispatch_due, ok = deadline(ctx, case, "dispatch")  # as triage sets it (stopped for local)
        confirmed = confirmed and ok
    if case.extension_count == 0:
        case.resolve_due, ok = deadline(ctx, case, "resolve")
        confirmed = confirmed and ok
    everything = all_assignments(case)
    for a in everything:
        if not a.active:
            continue
        if a.state == PENDING:
            a.ack_due, _ = deadline(ctx, case, "acknowledge", a)
        if a.state in (PENDING, A_ACKNOWLEDGED):
            a.arrive_due, _ = deadline(ctx, case, "arrive", a)
        a.save()
    case.due_confirmed = confirmed
    return everything


def send_back(ctx: Context, case_id: int, *, reason: str, expected_version: int | None = None) -> Case:
    """退回乡镇: a whistle citing the township's own duty goes back to it as local (属地办理)."""
    require_text(reason, "send_back_reason")
    with ctx.write():
        case = load_for(ctx, case_id, "send_back", expected_version)
        if (refusal := send_back_refusal(ctx, case)) is not None:
            raise refusal
        before = snapshot(case)
        case.decision, case.state = "local", LOCAL
        case.last_progress_at = ctx.now()
        everything = recompute_after_triage(ctx, case)
        return save(ctx, case, before, "send_back", assignments=everything,
                    extra_after={"reason": reason, "duty_item": case.duty_item})
