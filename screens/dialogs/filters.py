"""The queue's filters: state, township, department, channel, priority (blank = any)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Button, Select

from models.cases.queries import CaseQuery
from models.org.context import Context
from models.store.states import STATES
from models.text.labels import label
from screens.base import ui
from screens.dialogs.base import FormDialog, Values

FIELDS = ("states", "township", "department", "channel", "priority")


class FilterDialog(FormDialog):
    def __init__(self, ctx: Context, language: str, query: CaseQuery, indexes: dict[str, Any] | None = None) -> None:
        super().__init__(ctx, language, ui("filter_title", language))
        self.current = query

    def options(self, name: str) -> list[tuple[str, str]]:
        config, lang = self.ctx.config, self.lang
        english = lang != "zh"
        if name == "states":
            return [(label("state", s, lang), s) for s in STATES]
        if name == "township":
            return [(t.id if english else t.name, t.id) for t in config.townships.values()]
        if name == "department":
            return [(d.id if english else d.short or d.name, d.id) for d in config.departments.values()]
        if name == "channel":
            return [(c if english else n, c) for c, n in config.channels.items()]
        return [(label("priority", p, lang), p) for p in config.priorities]

    def fields(self) -> ComposeResult:
        for name in FIELDS:
            value = getattr(self.current, name)
            if name == "states":
                value = value[0] if value else None
            yield self.field_label(f"filter_{name}")
            yield Select(self.options(name), value=value if value else Select.NULL, prompt=self.t("any"),
                         id=f"f-{name}")

    def extra_buttons(self) -> ComposeResult:
        yield Button(self.t("clear_filters"), id="clear")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "clear":
            event.stop()
            self.dismiss({name: (() if name == "states" else None) for name in FIELDS})

    def collect(self) -> Values | str:
        out: Values = {}
        for name in FIELDS:
            value = self.query_one(f"#f-{name}", Select).value
            chosen = None if value is Select.NULL else str(value)
            out[name] = ((chosen,) if chosen else ()) if name == "states" else chosen
        return out

