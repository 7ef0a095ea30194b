"""Dialogs of the workspace's merge, split and extension keys: which possible duplicate to merge
with, the problems a report is split into, an extension request and the decision on it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Select, TextArea

from models.org.context import Context
from models.supervision.supervision_orders import LEVELS
from models.text.labels import label
from models.text.textnorm import printable
from models.worktime.durations import format_timedelta
from screens.base import literal, ui
from screens.dialogs.base import FormDialog, Values
from screens.dialogs.text import ConfirmDialog
from screens.widgets.case_sections import Names
from screens.widgets.duplicates import received, short_time


class MergeDialog(FormDialog):
    """Pick one possible duplicate (the best pre-selected); returns {"other": case id}."""

    AUTO_FOCUS = "#other"

    def __init__(self, ctx: Context, language: str, title: str, subtitle: Text, case: dict[str, Any],
                 rows: list[dict[str, Any]]) -> None:
        super().__init__(ctx, language, title, subtitle)
        self.case, self.rows = case, rows

    def fields(self) -> ComposeResult:
        yield self.field_label("field_merge_with")
        options = [(str(r["case_id"]), self.t("dup_line", id=r["case_id"], score=f"{r['score']:.2f}",
                                                state=label("state", r["state"], self.lang),
                                                received=received(r))
                    + "  " + literal(str(r["title"]), single_line=True).plain) for r in self.rows]
        yield self.radio(options, options[0][0] if options else None, "other")

    def collect(self) -> Values | str:
        chosen = self.chosen("other")
        if chosen is None:
            return self.t("error_required", what=self.t("field_merge_with"))
        return {"other": int(chosen)}


class UnmergeDialog(ConfirmDialog):
    """From the case others were merged into: which of them to make a case again; {"source": id}."""

    def __init__(self, ctx: Context, language: str, title: str, question: Text, sources: list[int]) -> None:
        super().__init__(ctx, language, title, question)
        self.sources = sources

    def fields(self) -> ComposeResult:
        yield self.field_label("field_unmerge_source")
        yield Select([(f"#{c}", c) for c in self.sources], value=self.sources[0], allow_blank=False, id="source")

    def collect(self) -> Values | str:
        return {"source": int(self.query_one("#source", Select).value)}  # type: ignore[arg-type]


class SplitDialog(FormDialog):
    """One problem per line, at least two; returns {"parts": [...]}. It opens with the text of the
    report the split divides (control characters made visible), for the operator to cut into parts."""

    AUTO_FOCUS = "#parts"

    def __init__(self, ctx: Context, language: str, title: str, subtitle: Text | None = None,
                 report_text: str = "") -> None:
        super().__init__(ctx, language, title, subtitle)
        self.report_text = report_text

    def fields(self) -> ComposeResult:
        yield self.field_label("field_split_parts")
        yield TextArea(printable(self.report_text), id="parts")

    def collect(self) -> Values | str:
        parts = [line.strip() for line in self.query_one("#parts", TextArea).text.splitlines() if line.strip()]
        if len(parts) < 2:
            return self.t("error_split_parts")
        return {"parts": parts}


class ExtensionDialog(FormDialog):
    """A duration ("3wd") or a new deadline (ISO), and the reason; returns the request's values."""

    AUTO_FOCUS = "#by"

    def fields(self) -> ComposeResult:
        yield self.field_label("field_extend_by")
        yield Input(id="by")
        yield self.field_label("field_extend_until")
        yield Input(id="until")
        yield self.field_label("field_extend_reason")
        yield Input(id="reason")

    def collect(self) -> Values | str:
        by, until, reason = self.text_value("by"), self.text_value("until"), self.text_value("reason")
        if bool(by) == bool(until):
            return self.t("error_by_or_until")
        if not reason:
            return self.t("error_required", what=self.t("field_extend_reason"))
        return {"by": by or None, "until": until or None, "reason": reason}


class SuperviseDialog(FormDialog):
    """督办令: level, optional deadline and the instruction; the department ordered (the case's lead)
    is named above the fields. Returns the values `supervise order` takes."""

    AUTO_FOCUS = "#instruction"

    def fields(self) -> ComposeResult:
        yield self.field_label("field_order_level")
        yield self.radio([(level, label("supervision_level", level, self.lang)) for level in LEVELS], "normal",
                         "level")
        yield self.field_label("field_order_deadline")
        yield Input(id="deadline")
        yield self.field_label("field_order_instruction")
        yield Input(id="instruction")

    def collect(self) -> Values | str:
        instruction = self.text_value("instruction")
        if not instruction:
            return self.t("error_required", what=self.t("field_order_instruction"))
        return {"level": self.chosen("level") or "normal", "deadline": self.text_value("deadline") or None,
                "instruction": instruction}


def extension_request(detail: dict[str, Any], names: Names, language: str, limit: int) -> Text:
    """What the office decides on: who asked, for how much longer, until when, why, and how many
    extensions the case already had (the reason as typed)."""
    row = next((x for x in reversed(detail["extensions"]) if x["status"] == "pending"), None)
    if row is None:
        return Text()
    longer = datetime.fromisoformat(row["new_due"]) - datetime.fromisoformat(row["old_due"])
    text = Text(ui("extension_request", language, who=row["requested_by"], dept=names.dept(detail["lead"]),
                   longer=format_timedelta(int(longer.total_seconds())), old=short_time(row["old_due"]),
                   new=short_time(row["new_due"]), count=detail["extension_count"], limit=limit))
    text.append("\n" + ui("extension_reason", language))
    text.append_text(literal(row["reason"], single_line=True))
    return text


class DecideExtensionDialog(FormDialog):
    """Approve or refuse the waiting request (shown in full above the choice), with an optional note."""

    AUTO_FOCUS = "#decision"

    def fields(self) -> ComposeResult:
        yield self.field_label("field_extension_decision")
        yield self.radio([("approve", self.t("extension_approve")), ("refuse", self.t("extension_refuse"))],
                         "approve", "decision")
        yield self.field_label("field_decision_note")
        yield Input(id="note")

    def collect(self) -> Values | str:
        return {"approve": self.chosen("decision") != "refuse", "note": self.text_value("note") or None}
