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
from dataclasses import dataclass, field
from typing import Any

from models.cases import department, lifecycle, pausing, queries, retriage
from models.cases.allowed import steps_now
from models.cases.views import case_detail
from models.errors import DomainError
from models.intake import merge
from models.intake.duplicates import candidate_rows, duplicate_candidates
from models.notify import inbox
from models.org.context import Context
from models.org.permissions import masked
from models.store.schema import Case
from models.store.states import NEW, OPEN_STATES, RETURNED, WHISTLED
from models.supervision.supervision_orders import issue_order, order_refusal
from models.text.messages import Ref
from models.worktime.timeutil import parse_iso, to_epoch

OPERATIONS: dict[str, Callable[..., Any]] = {
    "triage": lifecycle.triage, "dispatch": lifecycle.dispatch, "acknowledge": department.acknowledge,
    "return": department.return_case, "review_return": department.review_return, "arrive": department.arrive,
    "note": lifecycle.note, "resolve": lifecycle.resolve, "evaluate": lifecycle.evaluate,
    "reopen": lifecycle.reopen, "close": lifecycle.close,
    "pause": pausing.pause, "resume": pausing.resume, "decide_extension": pausing.decide_extension,
    "retriage": retriage.retriage, "send_back": retriage.send_back,
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
    duplicates: list[dict[str, Any]] = field(default_factory=list)  # candidate_rows, best first
    pending_extension: bool = False
    refusals: dict[str, DomainError] = field(default_factory=dict)  # step → why not now (models' words)
    notifications: list[dict[str, Any]] = field(default_factory=list)  # what was sent about it (inbox.for_case)


def load_bundle(ctx: Context, case_id: int) -> CaseBundle:
    case = queries.show(ctx, case_id)
    suggestion = suggestion_for(ctx, case_id) if case.state in (NEW, WHISTLED, RETURNED) else None
    duplicates = ([masked(ctx, "case", row) for row in candidate_rows(ctx, duplicate_candidates(ctx, case_id))]
                  if case.state in OPEN_STATES else [])
    detail = case_detail(ctx, case)
    now = steps_now(ctx, case, detail["merged_sources"])
    # Shown only when they can do something: a merge needs a candidate, a pause a running clock.
    hidden = {"merge"} if not duplicates else set()
    hidden |= {"pause"} if case.paused_since else set()
    available = [s for s in now.available if s not in hidden]
    refusals = dict(now.refusals)
    supervise_refusal = order_refusal(ctx, case)  # 督办令: the supervision group's, asked of models/ too
    if supervise_refusal is None:
        available.append("supervise")
    else:
        refusals["supervise"] = supervise_refusal
    return CaseBundle(case, detail, available, suggestion, duplicates, now.pending_extension is not None, refusals,
                      inbox.for_case(ctx, case_id))


def merge_pair(ctx: Context, case_id: int, *, other: int, force: bool = False) -> int:
    """Merge two cases into the earlier-received one (the first report starts the clocks); its id."""
    target, source = sorted((queries.show(ctx, case_id), queries.show(ctx, other)),
                            key=lambda c: (int(c.received_at), int(c.id)))
    merge.merge(ctx, int(target.id), [int(source.id)], force=force)
    return int(target.id)


def request_extension(ctx: Context, case_id: int, *, reason: str, by: str | None = None,
                      until: str | None = None, expected_version: int | None = None) -> Any:
    """The extension request with `until` as typed (ISO 8601, office zone), like `clock extend`."""
    moment = to_epoch(parse_iso(until, ctx.config.tz, Ref("field", "extension_until"))) if until else None
    return pausing.request_extension(ctx, case_id, reason=reason, by=by, until=moment,
                                     expected_version=expected_version)


def supervise_order(ctx: Context, case_id: int, *, instruction: str, level: str, deadline: str | None = None,
                    expected_version: int | None = None) -> Any:
    """督办令 with its deadline as typed (ISO 8601, office zone), like `supervise order`."""
    moment = to_epoch(parse_iso(deadline, ctx.config.tz, Ref("field", "order_deadline"))) if deadline else None
    return issue_order(ctx, case_id, instruction=instruction, level=level, deadline=moment,
                       expected_version=expected_version)


OPERATIONS["supervise"] = supervise_order

# Operations that take no expected_version (they check the case's state themselves).
UNVERSIONED: dict[str, Callable[..., Any]] = {
    "merge": merge_pair, "split": lambda ctx, case_id, parts: merge.split(ctx, case_id, parts),
    # from the merged case itself, or from the case it went into naming the source
    "unmerge": lambda ctx, case_id, source=None: merge.unmerge(ctx, source or case_id),
}
OPERATIONS["extend"] = request_extension


def run_step(ctx: Context, step: str, case_id: int, version: int, values: dict[str, Any]) -> Any:
    """Take the step; refusals (DomainError, Conflict) propagate to the caller."""
    if step in UNVERSIONED:
        return UNVERSIONED[step](ctx, case_id, **values)
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
