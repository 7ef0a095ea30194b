"""Wiring from a workspace key to the models/ operation it runs: the same function the batch
command `chuishao case …` calls, with the version the operator saw as `expected_version`.

Also what the workspace loads for a case (in a worker thread) and the optional suggestion hook:
if `models.suggest.engine.suggest_case(ctx, case_id)` exists, the triage and dispatch dialogs open
with its answer pre-selected. It may return a mapping or an object with any of: category,
township, priority, decision, duty_item, lead (department ids / category path) and cooperating
(a list of department ids), and `explain()` (field → lines of reasons, shown in the dialog);
anything else is ignored.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from models import department, lifecycle, queries
from models.context import Context
from models.schema import Case
from models.states import NEW, RETURNED, WHISTLED
from models.views import case_detail

OPERATIONS: dict[str, Callable[..., Any]] = {
    "triage": lifecycle.triage, "dispatch": lifecycle.dispatch, "acknowledge": department.acknowledge,
    "return": department.return_case, "review_return": department.review_return, "arrive": department.arrive,
    "note": lifecycle.note, "resolve": lifecycle.resolve, "evaluate": lifecycle.evaluate,
    "reopen": lifecycle.reopen, "close": lifecycle.close,
}
SUGGEST_MODULE = "models.suggest.engine"
SUGGEST_FIELDS = ("category", "township", "priority", "decision", "duty_item", "lead")
log = logging.getLogger(__name__)


@dataclass
class CaseBundle:
    """A case as the workspace shows it, read in one go."""

    case: Case
    detail: dict[str, Any]
    available: list[str]
    suggestion: dict[str, Any] | None


def load_bundle(ctx: Context, case_id: int) -> CaseBundle:
    case = queries.show(ctx, case_id)
    suggestion = suggestion_for(ctx, case_id) if case.state in (NEW, WHISTLED, RETURNED) else None
    return CaseBundle(case, case_detail(ctx, case), queries.available_steps(ctx, case), suggestion)


def run_step(ctx: Context, step: str, case_id: int, version: int, values: dict[str, Any]) -> Any:
    """Take the step; refusals (DomainError, Conflict) propagate to the caller."""
    return OPERATIONS[step](ctx, case_id, expected_version=version, **values)


def suggestion_for(ctx: Context, case_id: int) -> dict[str, Any] | None:
    """The suggestion engine's proposal for a case, when that engine is installed."""
    try:
        if importlib.util.find_spec(SUGGEST_MODULE) is None:
            return None
        suggest = getattr(importlib.import_module(SUGGEST_MODULE), "suggest_case", None)
    except ImportError:
        return None
    if suggest is None:
        return None
    try:
        raw = suggest(ctx, case_id)
    except Exception:  # a suggestion is a convenience: its failure must not block the step
        log.exception("suggest_case failed for case %s", case_id)
        return None
    return normalise_suggestion(raw)


def normalise_suggestion(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    get = raw.get if isinstance(raw, dict) else (lambda k: getattr(raw, k, None))
    out: dict[str, Any] = {k: v for k in SUGGEST_FIELDS if isinstance(v := get(k), str) and v}
    coop = get("cooperating")
    if isinstance(coop, list | tuple) and all(isinstance(d, str) for d in coop):
        out["cooperating"] = list(coop)
    explain = get("explain")
    if callable(explain):  # field → lines saying why, shown in the dialog beside the pre-selection
        out["why"] = {field: list(lines) for field, lines in explain().items()}
    return out or None


def department_choices(bundle: CaseBundle, step: str, names: Callable[[str], str]) -> list[tuple[str, str]]:
    """For dispatchers and admins, the departments a department step could be taken for."""
    wanted = {"acknowledge": ("pending",), "arrive": ("acknowledged",),
              "return": ("pending", "acknowledged")}.get(step, ())
    out = [(a["department"], names(a["department"])) for a in bundle.detail["assignments"]
           if a["active"] and a["state"] in wanted]
    lead = bundle.detail["lead"]
    out.sort(key=lambda pair: pair[0] != lead)  # the lead first
    return out
