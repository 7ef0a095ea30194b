"""回访/评价: who evaluates (citizen callback, township, third party) and how satisfied they are.

A township evaluation (基层评价) rates one department on the case at a time: the dialog lists the lead
and each cooperating department, marks those the township already rated this round and starts at
the first one not yet rated; pressing the key again rates the next."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input

from models.cases.lifecycle import RATINGS, SOURCES
from models.org.context import Context
from models.text.labels import label
from screens.base import literal
from screens.dialogs.base import FormDialog, Values, step_title
from screens.widgets.case_sections import Names

UNREACHABLE = "unreachable"


class EvaluateDialog(FormDialog):
    AUTO_FOCUS = "#rating"

    def __init__(self, ctx: Context, language: str, detail: dict[str, Any]) -> None:
        super().__init__(ctx, language, step_title(language, "action:evaluate", detail["id"]),
                         literal(str(detail.get("result") or detail["title"])))
        self.detail = detail
        self.names = Names(ctx.config, language)

    def departments(self) -> list[tuple[str, bool]]:
        """The departments a township rates (lead first), each with whether it was rated this round."""
        d = self.detail
        on_case = [a for a in d["assignments"] if a["active"]]
        on_case.sort(key=lambda a: a["role"] != "lead")
        rated = {e["department"] for e in d["evaluations"]
                 if e["source"] == "township" and e["round"] == d["reopen_count"] and e["department"]}
        return [(dept, dept in rated) for dept in dict.fromkeys(a["department"] for a in on_case)]

    def fields(self) -> ComposeResult:
        # A township operator records the township's evaluation; everyone else starts at the callback.
        source = "township" if self.ctx.operator.role == "township" else "citizen"
        yield self.field_label("field_source")
        yield self.radio([(s, label("source", s, self.lang)) for s in SOURCES], source, "source")
        depts = self.departments() if self.ctx.operator.role in ("township", "admin") else []
        if depts:
            yield self.field_label("field_rated_department")
            first = next((dept for dept, done in depts if not done), depts[0][0])
            yield self.radio([(dept, self.names.dept(dept) + (self.t("rated_already") if done else ""))
                              for dept, done in depts], first, "department")
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
        source = self.chosen("source") or "citizen"
        values: Values = {"source": source, "rating": None if unreachable else rating,
                          "unreachable": unreachable, "comment": self.text_value("comment") or None}
        if source == "township" and self.query("#department"):
            values["department"] = self.chosen("department")
        return values
