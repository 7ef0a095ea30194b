"""回访/评价: who evaluates (citizen callback, township, third party) and how satisfied they are."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input

from models.cases.lifecycle import RATINGS, SOURCES
from models.org.context import Context
from models.text.labels import label
from screens.base import literal
from screens.dialogs.base import FormDialog, Values, step_title

UNREACHABLE = "unreachable"


class EvaluateDialog(FormDialog):
    AUTO_FOCUS = "#rating"

    def __init__(self, ctx: Context, language: str, detail: dict[str, Any]) -> None:
        super().__init__(ctx, language, step_title(language, "action:evaluate", detail["id"]),
                         literal(str(detail.get("result") or detail["title"])))

    def fields(self) -> ComposeResult:
        # A township operator records the township's evaluation; everyone else starts at the callback.
        source = "township" if self.ctx.operator.role == "township" else "citizen"
        yield self.field_label("field_source")
        yield self.radio([(s, label("source", s, self.lang)) for s in SOURCES], source, "source")
        yield self.field_label("field_rating")
        yield self.radio([(r, label("rating", r, self.lang)) for r in RATINGS]
                         + [(UNREACHABLE, self.t("rating_unreachable"))], None, "rating")
        yield self.field_label("field_comment")
        yield Input(id="comment")

    def collect(self) -> Values | str:
        rating = self.chosen("rating")
        if rating is None:
            return self.t("error_required", what=self.t("field_rating"))
        unreachable = rating == UNREACHABLE
        return {"source": self.chosen("source") or "citizen", "rating": None if unreachable else rating,
                "unreachable": unreachable, "comment": self.text_value("comment") or None}
