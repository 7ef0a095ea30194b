"""分哨 and the review of a return: a lead department and cooperating ones, from the same picker."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, RadioSet

from models.org.context import Context
from models.org.pinyin_index import Entry
from screens.base import literal, ui
from screens.dialogs.base import FormDialog, Values, step_title
from screens.picker import Picker
from screens.widgets.case_sections import Names


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
    SUMMARY = True

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


def returns_waiting(detail: dict[str, Any]) -> list[dict[str, Any]]:
    """The assignments whose return waits for the office's review."""
    return [a for a in detail["assignments"] if a["state"] == "returned" and a["active"]]


def review_defaults(detail: dict[str, Any], lead: str | None, cooperating: list[str]) -> tuple[str | None,
                                                                                             list[str]]:
    """What a re-dispatch starts from: the departments that stay on the case, then the suggestion —
    never a department that just returned it, which Enter would send straight back (ping-pong)."""
    returners = {a["department"] for a in returns_waiting(detail)}
    staying = [a["department"] for a in detail["assignments"]
               if a["active"] and a["role"] == "cooperating" and a["department"] not in returners]
    if detail["lead"] and detail["lead"] not in returners:  # a cooperating one returned: the rest stay
        lead, cooperating = detail["lead"], staying
    else:  # the lead returned: its cooperating departments stay, the suggestion proposes the rest
        cooperating = [*staying, *cooperating]
    chosen_lead = lead if lead not in returners else None
    return chosen_lead, [d for d in dict.fromkeys(cooperating) if d not in returners and d != chosen_lead]


class ReviewReturnDialog(DispatchDialog):
    """Uphold the return (the department must take the case) or re-dispatch to others."""

    AUTO_FOCUS = "#review"

    def __init__(self, ctx: Context, language: str, detail: dict[str, Any], indexes: dict[str, list[Entry]],
                 suggestion: dict[str, Any] | None = None) -> None:
        names = Names(ctx.config, language)
        returns = Text()
        for a in returns_waiting(detail):  # "城管执法局 退单：…" — the reason as the department typed it
            returns.append(("\n" if returns else "") + ui("returned_by", language, dept=names.dept(a["department"])))
            returns.append_text(literal(a["return_reason"] or "", single_line=True))
        super().__init__(ctx, language, detail, indexes, suggestion, step="review_return",
                         subtitle=returns if returns else literal(str(detail["title"]), single_line=True))
        self.lead, self.cooperating = review_defaults(detail, self.lead, self.cooperating)

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
