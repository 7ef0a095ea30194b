"""The township duty-list items a case touches: what the triage decision must be checked against.

A township may not whistle a matter its duty list says it handles itself (乱吹哨), so the triage
dialog shows the items whose category is the case's (or an ancestor/descendant of it) or whose
keywords appear in the case's text, the category matches first.
"""

from __future__ import annotations

from models.org.config import Config, DutyItem


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def matching_duty_items(config: Config, category: str | None, text: str, limit: int = 8) -> list[DutyItem]:
    """Duty items for a case: category matches first, then keyword hits by how many keywords hit."""
    scored: list[tuple[int, int, DutyItem]] = []
    for order, item in enumerate(config.duty_items.values()):
        hits = sum(1 for word in item.keywords if word and word in text)
        by_category = bool(category) and _related(item.category, category or "")
        if by_category or hits:
            scored.append((-(100 if by_category else 0) - hits, order, item))
    scored.sort(key=lambda t: (t[0], t[1]))
    return [item for _, _, item in scored[:limit]]


def decision_for(item: DutyItem | None) -> str | None:
    """The decision a duty item implies: its scope says whether the township handles it."""
    if item is None:
        return None
    return "local" if item.scope == "township" else "whistle"
