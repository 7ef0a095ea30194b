"""Training 智能分哨's category model: from a labelled file, from the office's own decisions, or both.

Two sources feed one classifier over the category tree's first level:
* a labelled file (`suggest train --from FILE --profile NAME`), read by models/importing through an
  import profile: text = title + text columns, label = the category column mapped to the first
  level of the tree (rows whose label is not in the tree are skipped and counted). The rows are kept
  in the database (Setting "suggest.seed") so that later retraining keeps them;
* the history: the newest HISTORY_LIMIT decided cases (category set by a triage, not merged away),
  weighted by [suggest] history_weight. Bounded so that retraining stays within seconds however
  old the office is; older decisions still count through the similar-case tallies (history.py).

Retraining is on demand (`suggest train`, e.g. nightly from cron). Between trainings every new
triage and dispatch is learnt at once anyway: the engine counts the decisions of similar cases
live. The trained model is stored as JSON in Setting "suggest.model" with the fingerprints (source
ids, text hashes) of every training row, so `suggest evaluate` can refuse a file it was trained on.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee as pw

from models.errors import DomainError, UsageError
from models.intake.importer import mapping_for
from models.intake.importing.readers import RowError, open_source
from models.org.config import Config
from models.org.context import Context
from models.org.permissions import require_role
from models.store import prepared
from models.store.schema import Case, Report, Setting
from models.store.settings import write_setting
from models.suggest.classifier import TextClassifier, prepare_text, tree_texts

MODEL_KEY = "suggest.model"
SEED_KEY = "suggest.seed"
HISTORY_LIMIT = 10_000
KNOWN_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".jsonl", ".ndjson", ".json")


@dataclass(frozen=True)
class LabelledRow:
    """One message to learn from or to check against: `label` is a first-level category (or None)."""

    number: int
    source_id: str | None
    text: str
    label: str | None


@dataclass
class LabelledFile:
    path: str
    profile: str | None
    label_column: str | None
    rows: list[LabelledRow] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)


def text_key(text: str) -> str:
    """A short fingerprint of a prepared text (for "was this row trained on?")."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def first_level(config: Config, name: str) -> str | None:
    """The first-level category a label names (a first-level name, a path, or a unique lower name)."""
    cleaned = name.strip().replace(" › ", "/")
    if not cleaned:
        return None
    top = cleaned.split("/")[0].strip()
    if top in config.data["categories"]:
        return top
    try:
        return config.category(cleaned).split("/")[0]
    except DomainError:
        return None


def read_labelled(config: Config, path: str | Path, profile: str | None, *, need_label: bool) -> LabelledFile:
    """The rows of a labelled (or, with need_label=False, unlabelled) file as prepared texts.

    File-level problems (missing file, no text column, no label column when one is needed) raise
    UsageError (exit 2); a bad row is skipped with its row number and reason.
    """
    fmt = None
    if profile and profile in config.import_profiles and Path(path).suffix.lower() not in KNOWN_SUFFIXES:
        fmt = config.import_profiles[profile].get("format")
    with open_source(path, fmt) as source:
        # The channel means nothing to a classifier, but mapping_for insists on one so that an import
        # never guesses it: name any configured channel unless the profile has its own.
        has_channel = bool(profile and config.import_profiles.get(profile, {}).get("channel"))
        mapping = mapping_for(config, source, profile, None if has_channel else next(iter(config.channels)))
        wanted = (config.import_profiles.get(profile, {}).get("columns", {}) if profile else {}).get(
            "category", "category")
        if need_label and mapping.columns.get("category") not in source.header:
            raise UsageError("suggest.no_label_column", path=path, column=wanted, header=", ".join(source.header))
        out = LabelledFile(str(path), profile, mapping.columns.get("category"))
        for row in source.rows:
            if isinstance(row, RowError):
                out.skipped.append((row.number, row.reason))
                continue
            text = prepare_text(mapping.value(row.fields, "title"), mapping.value(row.fields, "text"))
            if not text.strip():
                out.skipped.append((row.number, f"row {row.number}: the text is empty"))
                continue
            raw_label = mapping.value(row.fields, "category")
            label = first_level(config, raw_label) if raw_label.strip() else None
            if need_label and label is None:
                why = "no label" if not raw_label.strip() else f"label '{raw_label.strip()}' is not in the category tree"
                out.skipped.append((row.number, f"row {row.number}: {why}"))
                continue
            out.rows.append(LabelledRow(row.number, mapping.value(row.fields, "source_id").strip() or None,
                                        text, label))
    return out


def history_rows(limit: int = HISTORY_LIMIT) -> list[LabelledRow]:
    """The newest `limit` decided cases as training rows (title + first report, first-level label)."""
    cases = list(Case.select(Case.id, Case.title, Case.category)
                 .where(Case.category.is_null(False) & Case.merged_into.is_null())
                 .order_by(Case.id.desc()).limit(limit).tuples())
    first: dict[int, tuple[str, str | None]] = {}
    ids = [c[0] for c in cases]
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for case_id, text, source_id in (Report.select(Report.case, Report.text, Report.source_id)
                                         .where(Report.case.in_(chunk)).order_by(Report.id).tuples()):
            first.setdefault(case_id, (text, source_id))
    out = []
    for case_id, title, category in cases:
        text, source_id = first.get(case_id, ("", None))
        out.append(LabelledRow(case_id, source_id, prepare_text(title or "", text or ""), category.split("/")[0]))
    return out


@dataclass
class Model:
    """A trained category model with what it was trained on."""

    classifier: TextClassifier
    meta: dict[str, Any]
    source_ids: frozenset[str]
    text_keys: frozenset[str]

    def as_json(self) -> dict[str, Any]:
        return {"classifier": self.classifier.to_dict(), "meta": self.meta,
                "source_ids": sorted(self.source_ids), "text_keys": sorted(self.text_keys)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        return cls(TextClassifier.from_dict(data["classifier"]), dict(data.get("meta", {})),
                   frozenset(data.get("source_ids", ())), frozenset(data.get("text_keys", ())))


@dataclass
class TrainResult:
    seed_rows: int
    history_rows: int
    labels: dict[str, int]
    seconds: float
    file: str | None = None
    skipped: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "seed_rows": self.seed_rows, "history_rows": self.history_rows,
                "labels": self.labels, "seconds": round(self.seconds, 2), "skipped": len(self.skipped),
                "skipped_rows": self.skipped[:20]}


_cache: dict[tuple[int, str], tuple[int, Any]] = {}


def _store(ctx: Context, key: str, value: Any) -> None:
    """Write one Setting (readers' caches notice the change by its stamp)."""
    write_setting(key, value, ctx.now())


def _load(db: pw.Database, key: str) -> Any:
    """A stored Setting's JSON, parsed once per change (the stamp is one primary-key lookup)."""
    row = prepared.execute(db, "suggest_stamp", lambda: Setting.select(Setting.updated_at).where(
        Setting.key == "k"), (key,)).fetchone()
    if row is None:
        return None
    stamp = row[0]
    hit = _cache.get((id(db), key))
    if hit is not None and hit[0] == stamp:
        return hit[1]
    row = Setting.get_by_id(key)
    value = json.loads(row.value)
    if key == MODEL_KEY:
        try:
            value = Model.from_json(value)
        except (ValueError, TypeError, KeyError):
            value = STALE  # stored by another version of the classifier: retrain
    _cache[(id(db), key)] = (int(row.updated_at), value)
    return value


STALE = "stale"


def load_model(db: pw.Database) -> Model | None:
    """The trained category model, or None before the first `suggest train` (or when the stored
    model was written by a version of the classifier this one cannot read: see `model_is_stale`)."""
    value = _load(db, MODEL_KEY)
    return value if isinstance(value, Model) else None


def model_is_stale(db: pw.Database) -> bool:
    """A model is stored but cannot be used (an upgrade changed its format): `suggest train` again."""
    return _load(db, MODEL_KEY) == STALE


def stored_seed(db: pw.Database) -> dict[str, Any] | None:
    """The labelled file rows kept from the last `suggest train --from`, if any."""
    value = _load(db, SEED_KEY)
    return value if isinstance(value, dict) else None


def train(ctx: Context, *, path: str | Path | None = None, profile: str | None = None,
          use_history: bool = True, history_limit: int = HISTORY_LIMIT) -> TrainResult:
    """Train and store the category model from a labelled file and/or the office's decided cases.

    Without `path`, the rows of the last labelled file (if any) are reused. Refuses (UsageError)
    when fewer than two categories have examples: a one-class model would suggest nothing useful.
    """
    require_role(ctx, "suggest_train")
    started = time.perf_counter()
    skipped: list[str] = []
    if path is not None:
        labelled = read_labelled(ctx.config, path, profile, need_label=True)
        skipped = [reason for _, reason in labelled.skipped]
        if not labelled.rows:
            raise UsageError("suggest.no_usable_rows", path=path, skipped=len(skipped),
                             first=skipped[0] if skipped else "—")
        seed = [LabelledRow(0, r.source_id, r.text, r.label) for r in labelled.rows]
        seed_info: dict[str, Any] = {"file": str(path), "profile": profile}
    else:
        stored = stored_seed(ctx.db) or {}
        seed = [LabelledRow(0, s, t, lab) for s, t, lab in stored.get("rows", [])]
        seed_info = {"file": stored.get("file"), "profile": stored.get("profile")}
    history = history_rows(history_limit) if use_history else []
    rows = seed + history
    labels = Counter(r.label for r in rows if r.label)
    if len(labels) < 2:
        raise UsageError("suggest.nothing_to_train")
    weight = float(ctx.config.section("suggest")["history_weight"])
    # The tree's own second/third-level names, as short pseudo-texts per class, name the vocabulary
    # of sub-categories the examples never show (the classifier's cross-validated setting).
    classifier = TextClassifier(prior_texts=tree_texts(ctx.config.data["categories"]))
    classifier.fit([r.text for r in rows], [str(r.label) for r in rows],
                   [1.0] * len(seed) + [weight] * len(history))
    meta = {"trained_at": ctx.now(), "seed": {**seed_info, "rows": len(seed)},
            "history": {"rows": len(history), "upto_case": max((r.number for r in history), default=0)},
            "labels": dict(labels)}
    model = Model(classifier, meta, frozenset(r.source_id for r in rows if r.source_id),
                  frozenset(text_key(r.text) for r in rows))
    with ctx.write():
        if path is not None:
            _store(ctx, SEED_KEY, {**seed_info, "stored_at": ctx.now(),
                                   "rows": [[r.source_id, r.text, r.label] for r in seed]})
        _store(ctx, MODEL_KEY, model.as_json())
    return TrainResult(len(seed), len(history), dict(sorted(labels.items())), time.perf_counter() - started,
                       str(path) if path is not None else seed_info.get("file"), skipped)
