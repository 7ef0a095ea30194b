"""Checking 智能分哨 against labelled files: batch suggestions and honest accuracy.

`evaluate_file` runs every row of a labelled file through the same `suggest_text` the operators
see and scores the first level of the ranked categories: top-1 (the first suggestion is right),
top-3 (the right class is among the first three), and a confusion table. It refuses a file whose
rows the model was trained on (same source id or exactly the same text): accuracy on training rows
says nothing. With `skip_overlap` it evaluates only the unseen rows, and says how many it skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.errors import UsageError
from models.org.context import Context
from models.suggest.engine import suggest_text
from models.suggest.training import LabelledRow, Model, load_model, read_labelled, text_key

SHOWN_OVERLAPS = 5


def _title_text(row: LabelledRow) -> tuple[str, str]:
    title, _, text = row.text.partition("\n")
    return title, text


def batch(ctx: Context, path: str | Path, profile: str | None, top: int = 3) -> Iterator[dict[str, Any]]:
    """One result per usable row: its row number, source id, label (if any) and the top categories."""
    labelled = read_labelled(ctx.config, path, profile, need_label=False)
    for row in labelled.rows:
        title, text = _title_text(row)
        suggestion = suggest_text(ctx, text, title)
        yield {"row": row.number, "source_id": row.source_id, "label": row.label,
               "categories": [{"path": o.value, "score": round(o.score, 4)} for o in suggestion.categories[:top]],
               "township": suggestion.township, "priority": suggestion.priority,
               "duty_item": suggestion.duty_item, "lead": suggestion.lead}
    for number, reason in labelled.skipped:
        yield {"row": number, "skipped": reason}


@dataclass
class Evaluation:
    """Accuracy at the first level of the category tree on one labelled file."""

    file: str
    rows: int = 0
    top1: int = 0
    top3: int = 0
    skipped: list[str] = field(default_factory=list)
    overlap: int = 0
    confusion: dict[str, Counter[str]] = field(default_factory=dict)
    per_label: dict[str, list[int]] = field(default_factory=dict)  # label → [rows, top1, top3]

    @property
    def top1_accuracy(self) -> float:
        return self.top1 / self.rows if self.rows else 0.0

    @property
    def top3_accuracy(self) -> float:
        return self.top3 / self.rows if self.rows else 0.0

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "rows": self.rows, "top1": round(self.top1_accuracy, 4),
                "top3": round(self.top3_accuracy, 4), "skipped": len(self.skipped),
                "skipped_overlap": self.overlap,
                "per_category": {k: {"rows": v[0], "top1": round(v[1] / v[0], 4), "top3": round(v[2] / v[0], 4)}
                                 for k, v in sorted(self.per_label.items())},
                "confusion": {k: dict(sorted(v.items())) for k, v in sorted(self.confusion.items())}}


def overlapping(model: Model | None, rows: list[LabelledRow]) -> list[LabelledRow]:
    """The rows the model was trained on, by source id or by exact text."""
    if model is None:
        return []
    return [r for r in rows if (r.source_id and r.source_id in model.source_ids)
            or text_key(r.text) in model.text_keys]


def evaluate_file(ctx: Context, path: str | Path, profile: str | None, *, skip_overlap: bool = False) -> Evaluation:
    """Top-1 / top-3 first-level accuracy and the confusion table on a labelled file not trained on."""
    labelled = read_labelled(ctx.config, path, profile, need_label=True)
    result = Evaluation(str(path), skipped=[reason for _, reason in labelled.skipped])
    seen = overlapping(load_model(ctx.db), labelled.rows)
    if seen and not skip_overlap:
        rows = ", ".join(str(r.number) for r in seen[:SHOWN_OVERLAPS])
        raise UsageError("suggest.overlap", path=path, seen=len(seen), rows_total=len(labelled.rows),
                         rows=rows + (" …" if len(seen) > SHOWN_OVERLAPS else ""))
    skip = {id(r) for r in seen}
    result.overlap = len(seen)
    for row in labelled.rows:
        if id(row) in skip or row.label is None:
            continue
        title, text = _title_text(row)
        ranked = [o.value.split("/")[0] for o in suggest_text(ctx, text, title).categories[:3]]
        first = ranked[0] if ranked else "-"
        stats = result.per_label.setdefault(row.label, [0, 0, 0])
        result.rows += 1
        stats[0] += 1
        if first == row.label:
            result.top1 += 1
            stats[1] += 1
        if row.label in ranked:
            result.top3 += 1
            stats[2] += 1
        result.confusion.setdefault(row.label, Counter())[first] += 1
    if not result.rows:
        raise UsageError("suggest.no_rows_left", path=path)
    return result
