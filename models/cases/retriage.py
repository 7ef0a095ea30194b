"""Re-triage (重新分类): the dispatch office corrects a case's category, township, priority or duty-list
item after triage, with a reason (issue 16 item 9).

The case's old values stay in the history: the step is one `retriage` event whose `before` holds
them and whose `after` holds the new ones and the reason. Clocks are recomputed from the rules for
the new priority and category: the dispatch clock while the case waits for dispatch, the resolve
clock while it is unresolved and no extension was approved (an approved extension fixed its due),
and each active assignment's sign-for and arrival clocks not yet met. A new deadline starts its own
reminder → notice ladder (the ladder is per deadline). The decision itself (local / whistle /
reject) is not changed here: a whistled case has departments working on it.
"""

from __future__ import annotations

from models.cases.casebase import load_for, require_text, save, snapshot
from models.cases.department import all_assignments
from models.clocks.clocks import deadline
from models.errors import InvalidState, ValidationError
from models.org.context import Context
from models.store.schema import Case
from models.store.states import A_ACKNOWLEDGED, CLOSED, MERGED, NEW, PENDING, REJECTED, RESOLVED, SPLIT
from models.text.messages import Ref

FINAL = (NEW, RESOLVED, CLOSED, MERGED, SPLIT, REJECTED)


def retriage(ctx: Context, case_id: int, *, reason: str, category: str | None = None, township: str | None = None,
             priority: str | None = None, duty_item: str | None = None, village: str | None = None,
             expected_version: int | None = None) -> Case:
    """Change what triage decided about a case (only what is given), with the reason."""
    require_text(reason, "retriage_reason")
    config = ctx.config
    with ctx.write():
        case = load_for(ctx, case_id, "retriage", expected_version)
        if case.state in FINAL:
            raise InvalidState("case.retriage_untriaged" if case.state == NEW else "case.retriage_state",
                               case=case.id, state=Ref("state", case.state))
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
        if snapshot(case) == before:
            raise ValidationError("case.retriage_nothing")
        confirmed = True
        if case.dispatched_at is None:
            case.dispatch_due, ok = deadline(ctx, case, "dispatch")
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
        return save(ctx, case, before, "retriage", assignments=everything, extra_after={"reason": reason})
