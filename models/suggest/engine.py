"""智能分哨: suggestions for a text or a case — category, township and village, priority, duty-list
items with the decision they imply, lead and cooperating departments — each scored and explained.

Where each part comes from:
* categories: the trained model (models/suggest/training.py: a labelled file plus the office's
  decided cases) ranks the first level; the decisions operators took for similar cases
  (history.py) add to it, the more so the more such cases there are, and a matched duty item backs
  its class a little; the deeper path within a first-level class is the one those cases, or a
  matched duty item, point to. Without a trained model the duty list and the similar cases still
  give categories, and a note says so.
* township / village: place names in the text and address (places.py), or what the case knows.
* priority, duty items, decision, departments: configured signal words and the duty list, weighed
  with similar cases' decisions (signals.py).

`suggest_case` is what the console's triage and dispatch dialogs call; its answer is a plain
dataclass (models/suggest/result.py) whose best values pre-select the form and whose `.reasons`
(one line per field) a dialog can show beside them. Latency is bounded: a cached model, one pass of the classifier, and a handful of
index lookups (see history.py), whatever the size of the database.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from models.cases import queries
from models.intake.intake import township_from_hint
from models.org.config import Config
from models.org.context import Context
from models.store.schema import Report
from models.suggest.classifier import Prediction, prepare_text
from models.suggest.history import Precedents, key_phrases, similar_cases
from models.suggest.places import rank_places, without_places
from models.suggest.result import DutyMatch, Option, Suggestion, quoted, say
from models.suggest.signals import (
    Scan,
    confidence,
    match_duty,
    suggest_decisions,
    suggest_departments,
    suggest_priority,
)
from models.suggest.training import load_model, model_is_stale
from models.text.textnorm import first_line

MODEL_RANKS = 5  # the classifier's softmax mass beyond its fifth label is negligible
HISTORY_SCALE = 2.0  # many similar cases decided alike outweigh a confident model
DUTY_SCALE = 0.5  # without a model, duty items alone rank the categories
DUTY_WITH_MODEL = 0.25  # with one, a matched duty item backs a class the model knows
DEEP_PATH_MIN = 0.25  # a second/third-level path is proposed only on this much evidence …
DEEP_MARGIN = 1.2  # … and only when it is clearly ahead of the next one
MAX_TEXT = 6000


@dataclass(frozen=True)
class Known:
    """What a case already has: a suggestion for a case starts from it."""

    category: str | None = None
    township: str | None = None
    village: str | None = None
    priority: str | None = None
    duty_item: str | None = None
    address: str | None = None
    hint: tuple[str | None, str | None] = (None, None)


def _path_label(path: str) -> str:
    return path.replace("/", " › ")


def _deep_path(top: str, precedents: Precedents, duty: list[DutyMatch], language: str) -> tuple[str, list[str]]:
    """The most specific path within first-level class `top` that enough evidence points to."""
    weights: Counter[str] = Counter()
    reasons: dict[str, list[str]] = {}
    total = sum(precedents.category.values()) or 1.0
    for path, w in precedents.category.items():
        if path.split("/")[0] == top and "/" in path:
            weights[path] += w / total
    for item in duty:
        if item.category.split("/")[0] == top and "/" in item.category:
            weights[item.category] += DUTY_SCALE * item.score
            reasons.setdefault(item.category, []).append(say(language, "cat_duty", code=item.value,
                                                             words=item.reasons[0] if item.reasons else ""))
    ranked = weights.most_common(2)
    if not ranked or ranked[0][1] < DEEP_PATH_MIN or (len(ranked) > 1 and ranked[0][1] < DEEP_MARGIN * ranked[1][1]):
        return top, []  # too little, or two paths equally likely: the operator picks below the class
    return ranked[0][0], reasons.get(ranked[0][0], [])


def rank_categories(config: Config, predictions: list[Prediction], precedents: Precedents,
                    duty: list[DutyMatch], language: str, known: str | None = None,
                    known_classes: frozenset[str] = frozenset()) -> list[Option]:
    """First-level classes ranked by the model (which knows `known_classes`), similar cases' decisions
    and matched duty items."""
    mass: Counter[str] = Counter()
    why: dict[str, list[str]] = {}
    for p in predictions:
        mass[p.label] += p.score
        why.setdefault(p.label, []).append(say(language, "cat_model", words=quoted(p.reasons, language))
                                           if p.reasons else say(language, "cat_model_plain"))
    decided = sum(precedents.counts.get("category", {}).values())
    if decided:
        scale = HISTORY_SCALE * float(config.section("suggest")["history_weight"]) * confidence(decided)
        total = sum(precedents.category.values())
        for path, w in precedents.category.items():
            mass[path.split("/")[0]] += scale * w / total
    duty_scale = DUTY_WITH_MODEL if predictions else DUTY_SCALE
    for item in duty:
        top = item.category.split("/")[0]
        if known_classes and top not in known_classes:
            continue  # a keyword can be a coincidence: with a model, the duty list backs its classes only
        mass[top] += duty_scale * item.score
        why.setdefault(top, []).append(say(language, "cat_duty", code=item.value, words=item.reasons[0]))
    z = sum(mass.values())
    out: list[Option] = []
    for top, m in sorted(mass.items(), key=lambda kv: (-kv[1], kv[0])):
        path, reasons = _deep_path(top, precedents, duty, language)
        n = sum(c for p, c in precedents.counts.get("category", {}).items() if p == path or p.startswith(path + "/"))
        if n:
            shared = [w for p, words in precedents.matched.items() if p.split("/")[0] == top for w in words]
            reasons.insert(0, say(language, "cat_history", n=n, phrases=quoted(shared, language, 3)))
        out.append(Option(path, _path_label(path), m / z, tuple(dict.fromkeys(why.get(top, []) + reasons))))
    if known:
        top = known.split("/")[0]
        out = [Option(known, _path_label(known), 1.0, (say(language, "cat_known"),))] + [
            o for o in out if o.value.split("/")[0] != top]
    keep = float(config.section("suggest")["min_score"])
    return [o for i, o in enumerate(out) if i < 3 or o.score >= keep][:5]


def _suggest(ctx: Context, title: str, text: str, known: Known, exclude: int | None = None) -> Suggestion:
    config, language = ctx.config, ctx.config.language
    title = (title or "").strip() or first_line(text)
    prepared = prepare_text(title, text[:MAX_TEXT])
    model = load_model(ctx.db)
    predictions = model.classifier.predict(prepared, k=MODEL_RANKS) if model else []
    scan = Scan(config, prepared)
    telling = [w for p in predictions[:2] for w in p.reasons]
    topic = without_places(config, prepared)
    precedents = similar_cases(ctx.db, topic, key_phrases(scan.all_found(), telling, topic), exclude)
    rough = match_duty(config, scan, [], precedents, language, known.duty_item)
    categories = rank_categories(config, predictions, precedents, rough, language, known.category,
                                 frozenset(model.classifier.labels) if model else frozenset())
    duty = match_duty(config, scan, categories, precedents, language, known.duty_item)
    towns, villages = rank_places(config, prepared, language, address=known.address, known=known.township,
                                  hint=known.hint, known_village=known.village)
    leads, cooperating = suggest_departments(config, duty, precedents, language)
    notes = []
    if model is None:
        notes.append(say(language, "note_stale_model" if model_is_stale(ctx.db) else "note_no_model"))
    if precedents.cases:
        notes.append(say(language, "note_similar", n=precedents.cases))
    return Suggestion(tuple(categories), tuple(towns), tuple(villages),
                      tuple(suggest_priority(config, scan, language, known.priority)), tuple(duty),
                      tuple(suggest_decisions(duty, precedents, language)), tuple(leads), tuple(cooperating),
                      precedents.cases, tuple(notes), exclude, language)


def suggest_text(ctx: Context, text: str, title: str = "") -> Suggestion:
    """Suggestions for a free text (and optional title), e.g. a call being typed in."""
    return _suggest(ctx, title, text, Known())


def suggest_case(ctx: Context, case_id: int) -> Suggestion:
    """Suggestions for a case (within the operator's scope), starting from what it already has.

    A triaged case keeps its category, priority and duty item as the first suggestion (the dispatch
    dialog then only needs the departments); a new case is read from its reports alone.
    """
    case = queries.show(ctx, case_id)
    reports = list(Report.select(Report.text, Report.address, Report.township_hint)
                   .where(Report.case == case.id).order_by(Report.id))
    text = "\n".join(r.text for r in reports)
    address = "\n".join(r.address for r in reports if r.address) or None
    hint = next((township_from_hint(ctx.config, r.township_hint) for r in reports if r.township_hint), (None, None))
    triaged = case.triaged_at is not None
    known = Known(category=case.category, township=case.township, village=case.village,
                  priority=case.priority if triaged else None, duty_item=case.duty_item,
                  address=address, hint=hint)
    return _suggest(ctx, case.title or "", text, known, exclude=case.id)
