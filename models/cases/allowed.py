"""The steps this operator may take on this case now — one answer for the console's footer, palette
and key refusals, built from the very checks the operations raise (role and scope, states.ALLOWED,
models/cases/rules.py, more_steps), so a step is offered exactly when its operation would run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from models.cases.department import all_assignments
from models.cases.lifecycle import UNSATISFIED, close_allowed
from models.cases.more_steps import AUTHORITY, more_refusal
from models.cases.pausing import pending_extension
from models.cases.queries import step_refusal
from models.cases.rules import (
    department_step_refusal,
    extension_refusal,
    resolve_refusal,
    review_refusal,
    whistled_refusal,
)
from models.errors import DomainError
from models.org.context import Context
from models.store.schema import Assignment, Case, Extension
from models.store.states import ALLOWED

STEPS = (*ALLOWED, *AUTHORITY)  # lifecycle order, then undoing a merge, resuming, deciding an extension


@dataclass(frozen=True)
class StepsNow:
    """`available`: the steps that would run now, in order; `refusals`: why each other one would not."""

    available: list[str]
    refusals: dict[str, DomainError] = field(default_factory=dict)
    pending_extension: Extension | None = None


def steps_now(ctx: Context, case: Case, merged_sources: Sequence[int] = ()) -> StepsNow:
    """Every step's answer for this operator on this case (reads its assignments, evaluations and any
    waiting extension request; `merged_sources` are the cases merged into it, from case_detail)."""
    assignments = all_assignments(case)
    waiting = pending_extension(case)
    refusals: dict[str, DomainError] = {}
    for step in STEPS:
        if step in AUTHORITY:
            refusal = more_refusal(ctx, case, step, waiting is not None, merged_sources)
        else:
            refusal = step_refusal(ctx, case, step) or _finer(ctx, case, step, assignments, waiting)
        if refusal is not None:
            refusals[step] = refusal
    return StepsNow([s for s in STEPS if s not in refusals], refusals, waiting)


def _finer(ctx: Context, case: Case, step: str, assignments: Sequence[Assignment],
           waiting: Extension | None) -> DomainError | None:
    if step in ("acknowledge", "arrive", "return"):
        return department_step_refusal(ctx, case, step, assignments)
    if step == "review_return":
        return review_refusal(case, assignments)
    if step == "resolve":
        return resolve_refusal(ctx, case)
    if step == "reopen":
        return whistled_refusal(ctx, case, step)
    if step == "close":
        why_not = close_allowed(ctx, case)
        # an unsatisfied rating still allows closing with a reason (asked for in the dialog)
        closing = why_not if why_not and why_not.code != UNSATISFIED else None
        return whistled_refusal(ctx, case, step) or closing
    if step == "extend":
        return extension_refusal(ctx, case, waiting)
    return None
