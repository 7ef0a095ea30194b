"""分哨 and the review of a return: a lead department and cooperating ones, from the same picker."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, RadioSet

from models.org.context import Context
from models.org.pinyin_index import Entry
from screens.base import literal
from screens.dialogs.base import FormDialog, Values, step_title
from screens.picker import Picker


def default_departments(ctx: Context, detail: dict[str, Any], suggestion: dict[str, Any]) -> tuple[str | None,
                                                                                                  list[str]]:
    """Lead and cooperating to start from: the suggestion, else the cited duty item's."""
    lead = suggestion.get("lead")
    coop = list(suggestion.get("cooperating") or [])
    code = detail.get("duty_item")
    if lead is None and code and code in ctx.config.duty_items:
        item = ctx.config.duty_items[code]
        lead, coop = item.lead, list(item.cooperating)
    return lead, coop


class DispatchDialog(FormDialog):
    AUTO_FOCUS = "#lead Input"

    def __init__(self, ctx: Context, language: str, detail: dict[str, Any], indexes: dict[str, list[Entry]],
                 suggestion: dict[str, Any] | None = None, step: str = "dispatch",
                 subtitle: Text | None = None) -> None:
        super().__init__(ctx, language, step_title(language, f"action:{step}", detail["id"]),
                         subtitle or literal(str(detail["title"]), single_line=True))
        self.detail, self.indexes = detail, indexes
        self.suggestion = suggestion or {}
        self.lead, self.cooperating = default_departments(ctx, detail, self.suggestion)

    def fields(self) -> ComposeResult:
        yield self.field_label("field_lead")
        yield from self.why(self.suggestion, ("lead",))
        yield Picker(self.indexes["department"], value=self.lead, placeholder=self.t("picker_placeholder"),
                     chosen_label=self.t("chosen"), id="lead")
        yield self.field_label("field_cooperating")
        yield from self.why(self.suggestion, ("cooperating",))
        yield Picker(self.indexes["department"], value=self.cooperating, multiple=True,
                     placeholder=self.t("picker_placeholder_multi"), chosen_label=self.t("chosen"),
                     id="cooperating", rows=4)

    def departments(self) -> tuple[str | None, list[str]] | str:
        lead = self.query_one("#lead", Picker).value
        coop = self.query_one("#cooperating", Picker).values
        if not lead:
            return self.t("error_required", what=self.t("field_lead"))
        if lead in coop:
            return self.t("error_lead_cooperating")
        return lead, coop

    def collect(self) -> Values | str:
        chosen = self.departments()
        if isinstance(chosen, str):
            return chosen
        return {"lead": chosen[0], "cooperating": chosen[1]}


class ReviewReturnDialog(DispatchDialog):
    """Uphold the return (the department must take the case) or re-dispatch to others."""

    AUTO_FOCUS = "#review"

    def __init__(self, ctx: Context, language: str, detail: dict[str, Any], indexes: dict[str, list[Entry]],
                 suggestion: dict[str, Any] | None = None) -> None:
        returns = [f"{a['department']}: {a['return_reason'] or ''}" for a in detail["assignments"]
                   if a["state"] == "returned" and a["active"]]
        super().__init__(ctx, language, detail, indexes, suggestion, step="review_return",
                         subtitle=literal("\n".join(returns) or str(detail["title"])))

    def fields(self) -> ComposeResult:
        yield self.field_label("field_review")
        yield self.radio([("redispatch", self.t("review_redispatch")), ("uphold", self.t("review_uphold"))],
                         "redispatch", "review")
        yield from super().fields()
        yield self.field_label("field_note")
        yield Input(id="note")

    @on(RadioSet.Changed, "#review")
    def _mode(self) -> None:
        redispatch = self.chosen("review") == "redispatch"
        for picker in self.query(Picker):
            picker.disabled = not redispatch

    def collect(self) -> Values | str:
        note = self.text_value("note") or None
        if self.chosen("review") == "uphold":
            return {"uphold": True, "note": note}
        chosen = self.departments()
        if isinstance(chosen, str):
            return chosen
        return {"uphold": False, "lead": chosen[0], "cooperating": chosen[1], "note": note}
