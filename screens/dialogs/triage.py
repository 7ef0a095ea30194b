"""分类: category (pinyin-searchable), township, priority, decision, and the duty-list items the case
touches — the township's own duties are shown so a whistle is never blown for one by mistake."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, OptionList, RadioSet, Static
from textual.widgets.option_list import Option

from models.cases.rules import own_duty_warning
from models.org.config import DutyItem
from models.org.context import Context
from models.org.dutymatch import decision_for, matching_duty_items
from models.org.pinyin_index import Entry
from models.text.labels import label
from screens.base import literal
from screens.dialogs.base import FormDialog, Values, step_title
from screens.picker import Picker
from screens.widgets.queue_table import fit

NO_ITEM = "-"
ITEM_WIDTH = 64  # one line in the dialog: OptionList would wrap a long duty item over three


class TriageDialog(FormDialog):
    SUMMARY = True
    AUTO_FOCUS = "#category Input"
    DECISIONS = ("local", "whistle", "reject")

    def __init__(self, ctx: Context, language: str, detail: dict[str, Any], indexes: dict[str, list[Entry]],
                 suggestion: dict[str, Any] | None = None) -> None:
        super().__init__(ctx, language, step_title(language, "action:triage", detail["id"]),
                         literal(str(detail["title"]), single_line=True))
        self.detail, self.indexes = detail, indexes
        self.suggestion = suggestion or {}
        self.text = "\n".join([str(detail["title"])] + [str(r["text"]) for r in detail["reports"]])
        self.items: list[DutyItem] = []

    def fields(self) -> ComposeResult:
        s, d = self.suggestion, self.detail
        own = self.ctx.operator.township if self.ctx.operator.role == "township" else None
        yield self.field_label("field_category")
        yield from self.why(s, ("category",))
        yield Picker(self.indexes["category"], value=s.get("category") or d.get("category"),
                     placeholder=self.t("picker_placeholder"), chosen_label=self.t("chosen"), id="category")
        yield self.field_label("field_township")
        yield from self.why(s, ("township", "village"))
        yield Picker(self.indexes["township"], value=own or s.get("township") or d.get("township"),
                     placeholder=self.t("picker_placeholder"), chosen_label=self.t("chosen"), id="township",
                     rows=3)
        yield self.field_label("field_priority")
        yield from self.why(s, ("priority",))
        yield self.radio([(p, label("priority", p, self.lang)) for p in self.ctx.config.priorities],
                         s.get("priority") or d.get("priority") or "general", "priority")
        yield self.field_label("field_duty_item")
        yield from self.why(s, ("duty_item",))
        yield OptionList(id="duty")
        yield Static("", id="duty-hint", classes="hint")
        yield self.field_label("field_decision")
        yield from self.why(s, ("decision",))
        yield self.radio([(x, label("decision", x, self.lang)) for x in self.DECISIONS],
                         s.get("decision"), "decision")
        yield self.field_label("field_reason")
        yield Input(id="reason")

    def on_mount(self) -> None:
        self.match_items(self.query_one("#category", Picker).value, self.suggestion.get("duty_item"))
        if self.chosen("decision") is None:
            self.propose_decision()

    def propose_decision(self) -> None:
        implied = decision_for(self.current_item())
        if implied is not None:
            self.set_radio("decision", implied)

    def match_items(self, category: str | None, keep: str | None = None) -> None:
        self.items = matching_duty_items(self.ctx.config, category, self.text)
        duty = self.query_one("#duty", OptionList)
        duty.set_options([Option(Text(self.t("no_duty_item")), id=NO_ITEM)] + [
            Option(Text(fit(f"{i.code} [{self.t('scope_' + i.scope)}] {i.text}", ITEM_WIDTH).rstrip()), id=i.code)
            for i in self.items])
        codes = [NO_ITEM] + [i.code for i in self.items]
        duty.highlighted = codes.index(keep) if keep in codes else (1 if self.items else 0)
        self.show_hint()

    def current_item(self) -> DutyItem | None:
        duty = self.query_one("#duty", OptionList)
        index = duty.highlighted
        if index is None or index == 0 or index > len(self.items):
            return None
        return self.items[index - 1]

    def show_hint(self) -> None:
        """Before submitting: models' warning for a whistle citing the township's own duty (乱吹), or
        the note that a whistle-scope item is for departments."""
        item = self.current_item()
        decision = self.chosen("decision")
        text = ""
        township = self.query_one("#township", Picker).value
        warning = own_duty_warning(self.ctx, decision or "", township, item.code if item else None)
        if warning is not None:
            text = warning.render(self.lang, self.ctx.config.display_name)
        elif item is not None and decision is not None and decision != "reject" and decision_for(item) != decision:
            text = self.t("hint_scope_" + item.scope, code=item.code)
        self.query_one("#duty-hint", Static).update(Text(text))

    @on(Picker.Changed, "#category")
    def _category(self, event: Picker.Changed) -> None:
        self.match_items(event.values[0] if event.values else None)

    @on(OptionList.OptionHighlighted, "#duty")
    def _duty(self) -> None:
        self.show_hint()

    @on(OptionList.OptionSelected, "#duty")
    def _duty_chosen(self) -> None:
        """Choosing a duty item proposes its decision (the township's own duty → local)."""
        self.propose_decision()
        self.show_hint()
        self.focus_next()

    @on(RadioSet.Changed, "#decision")
    def _decision(self) -> None:
        self.show_hint()

    def collect(self) -> Values | str:
        category = self.query_one("#category", Picker).value
        township = self.query_one("#township", Picker).value
        decision = self.chosen("decision")
        reason = self.text_value("reason")
        for value, what in ((category, "field_category"), (township, "field_township"),
                            (decision, "field_decision")):
            if not value:
                return self.t("error_required", what=self.t(what))
        if decision == "reject" and not reason:
            return self.t("error_reject_reason")
        item = self.current_item()
        return {"category": category, "township": township, "priority": self.chosen("priority") or "general",
                "decision": decision, "duty_item": item.code if item else None, "reason": reason or None}



class RetriageDialog(TriageDialog):
    """重新分类: the triage dialog opened on the case's current values. Only what the operator changes
    is sent, with the reason (required); the decision offers local and whistle (models say when each
    may change)."""

    DECISIONS = ("local", "whistle")
    FIELDS = ("category", "township", "priority", "duty_item", "decision")

    def __init__(self, ctx: Context, language: str, detail: dict[str, Any], indexes: dict[str, list[Entry]]) -> None:
        super().__init__(ctx, language, detail, indexes, {k: detail[k] for k in self.FIELDS if detail.get(k)})
        self.title_text = step_title(language, "action:retriage", detail["id"])

    def collect(self) -> Values | str:
        values = super().collect()
        if isinstance(values, str):
            return values
        if not values["reason"]:
            return self.t("error_required", what=self.t("field_reason"))
        changed = {k: values[k] for k in self.FIELDS if values[k] is not None and values[k] != self.detail.get(k)}
        return {**changed, "reason": values["reason"]}
