"""What a suggestion looks like: plain frozen dataclasses that any face can render.

Every option carries a score in 0..1 and its reasons as short sentences. The `Suggestion` also
exposes the single best value of each field under the names the triage and dispatch dialogs read
(`category`, `township`, `village`, `priority`, `decision`, `duty_item`, `lead`, `cooperating`), so
a dialog can pre-select them and show `explain()` beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.suggest.words import WORDS


def say(language: str, key: str, **values: Any) -> str:
    """One sentence of the suggestion vocabulary in the office's language."""
    zh, en = WORDS[key]
    return (zh if language == "zh" else en).format(**values)


def quoted(words: list[str] | tuple[str, ...], language: str, limit: int = 4) -> str:
    """Matched words as an operator reads them: 燃气、漏气 / '燃气', '漏气'."""
    shown = list(dict.fromkeys(words))[:limit]
    return "、".join(shown) if language == "zh" else ", ".join(shown)


ROW_KEYS = {"category": "row_category", "township": "row_township", "village": "row_township",
            "priority": "row_priority", "duty_item": "row_duty", "decision": "row_decision", "lead": "row_lead",
            "cooperating": "row_cooperating"}


@dataclass(frozen=True)
class Option:
    """One ranked choice: `value` is the id to submit (category path, township id, department id …)."""

    value: str
    label: str
    score: float
    reasons: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label, "score": round(self.score, 4),
                "reasons": list(self.reasons)}


@dataclass(frozen=True)
class DutyMatch(Option):
    """A duty-list item the text touches, with the decision its scope implies."""

    scope: str = "township"  # township | whistle
    decision: str = "local"  # local | whistle
    category: str = ""
    lead: str | None = None
    cooperating: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "code": self.value, "scope": self.scope, "decision": self.decision,
                "category": self.category, "lead": self.lead, "cooperating": list(self.cooperating)}


@dataclass(frozen=True)
class Suggestion:
    """Everything 智能分哨 proposes for one text or case, each part ranked, scored and explained."""

    categories: tuple[Option, ...]
    townships: tuple[Option, ...]
    villages: tuple[Option, ...]
    priorities: tuple[Option, ...]
    duty_items: tuple[DutyMatch, ...]
    decisions: tuple[Option, ...]
    leads: tuple[Option, ...]
    cooperating_departments: tuple[Option, ...]
    similar_cases: int = 0
    notes: tuple[str, ...] = ()
    case_id: int | None = None
    language: str = "zh"
    cooperating_threshold: float = field(default=0.35, repr=False)

    @staticmethod
    def _best(options: tuple[Option, ...]) -> str | None:
        return options[0].value if options else None

    @property
    def category(self) -> str | None:
        return self._best(self.categories)

    @property
    def township(self) -> str | None:
        return self._best(self.townships)

    @property
    def village(self) -> str | None:
        return self._best(self.villages)

    @property
    def priority(self) -> str | None:
        return self._best(self.priorities)

    @property
    def decision(self) -> str | None:
        return self._best(self.decisions)

    @property
    def duty_item(self) -> str | None:
        return self._best(self.duty_items)

    @property
    def lead(self) -> str | None:
        return self._best(self.leads)

    @property
    def cooperating(self) -> tuple[str, ...]:
        """The cooperating departments worth pre-selecting (never the suggested lead)."""
        return tuple(o.value for o in self.cooperating_departments
                     if o.score >= self.cooperating_threshold and o.value != self.lead)

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reasons behind the best choice of every part, one line each ("分类：城乡建设 — why")."""
        return tuple(line for lines in self.explain().values() for line in lines)

    def explain(self) -> dict[str, tuple[str, ...]]:
        """Field → lines saying what is suggested and why, in the office's language, for a dialog to
        show beside the pre-selected values (triage: category … decision; dispatch: lead, cooperating)."""
        out: dict[str, tuple[str, ...]] = {}
        for name, option in self.top():
            if option.reasons:
                head = say(self.language, ROW_KEYS[name])
                shown = f"{option.value} {option.label}" if name == "duty_item" else option.label
                line = f"{head}{'：' if self.language == 'zh' else ': '}{shown} — {'；'.join(option.reasons)}"
                out[name] = out.get(name, ()) + (line,)
        return out

    def top(self) -> list[tuple[str, Option]]:
        """(field, best option) for every part that has one, in the order a triage form asks them."""
        parts = [("category", self.categories), ("township", self.townships), ("village", self.villages),
                 ("priority", self.priorities), ("duty_item", self.duty_items), ("decision", self.decisions),
                 ("lead", self.leads)]
        out = [(name, options[0]) for name, options in parts if options]
        out.extend(("cooperating", o) for o in self.cooperating_departments if o.value in self.cooperating)
        return out

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of `suggest text/case --json`: best values first, then every ranked list."""
        return {
            "case_id": self.case_id, "category": self.category, "township": self.township,
            "village": self.village, "priority": self.priority, "duty_item": self.duty_item,
            "decision": self.decision, "lead": self.lead, "cooperating": list(self.cooperating),
            "similar_cases": self.similar_cases, "notes": list(self.notes),
            "categories": [o.as_dict() for o in self.categories],
            "townships": [o.as_dict() for o in self.townships],
            "villages": [o.as_dict() for o in self.villages],
            "priorities": [o.as_dict() for o in self.priorities],
            "duty_items": [o.as_dict() for o in self.duty_items],
            "decisions": [o.as_dict() for o in self.decisions],
            "leads": [o.as_dict() for o in self.leads],
            "cooperating_departments": [o.as_dict() for o in self.cooperating_departments],
        }
