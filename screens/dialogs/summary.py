"""The line a step dialog keeps above its buttons: every value it would submit now, compact, so an
80×24 terminal shows what ctrl+o sends even when fields are scrolled out of sight."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from models.text.labels import label
from screens.base import literal, ui
from screens.widgets.case_sections import Names

# submitted field → the label it is shown under (ui kind), in the order shown
FIELDS = {
    "uphold": "field_review", "category": "field_category", "township": "col_township",
    "priority": "field_priority", "decision": "field_decision", "duty_item": "detail_duty_item",
    "lead": "detail_lead", "cooperating": "detail_cooperating", "reason": "detail_reason",
    "note": "detail_note",
}


def summary_line(values: dict[str, Any] | str, names: Names, language: str) -> Text:
    """"将提交：分类 噪音污染 · 属地 城关镇 · …" — or what is still missing (the dialog's own words)."""
    out = Text(ui("summary_prefix", language), style="bold")
    if isinstance(values, str):
        return out.append(values, style="dim")
    parts = [(key, values[key]) for key in FIELDS if key in values]
    for n, (key, value) in enumerate(parts):
        if n:
            out.append(" · ", style="dim")
        out.append(ui(FIELDS[key], language) + " ", style="dim")
        out.append_text(_shown(key, value, names, language))
    return out


def _shown(key: str, value: Any, names: Names, language: str) -> Text:
    if value in (None, "", []):
        return Text("—")
    if key == "uphold":
        return Text(ui("review_uphold" if value else "review_redispatch", language))
    if key == "category":
        return Text(str(value).split("/")[-1])
    if key == "township":
        return Text(names.town(value))
    if key in ("lead", "cooperating"):
        return Text("、".join(names.dept(d) for d in (value if isinstance(value, list) else [value])))
    if key in ("priority", "decision"):
        return Text(label(key, value, language))
    return literal(str(value), single_line=True)  # typed text (reason, note) as typed
