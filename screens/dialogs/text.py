"""Small dialogs: a step that needs only a text (return, note, resolve, reopen, close), a step that
needs only a yes (acknowledge, arrive), and the question before quitting."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Select

from models.org.context import Context
from screens.dialogs.base import FormDialog, Values


def department_field(dialog: ReasonDialog | ConfirmDialog) -> ComposeResult:
    """For a dispatcher or admin taking a department's step: which department (the lead first)."""
    if dialog.departments:
        yield dialog.field_label("field_department")
        yield Select([(text, ident) for ident, text in dialog.departments], value=dialog.departments[0][0],
                     allow_blank=False, id="department")


def chosen_department(dialog: ReasonDialog | ConfirmDialog) -> Values:
    return {"department": dialog.query_one("#department", Select).value} if dialog.departments else {}


class ReasonDialog(FormDialog):
    """One line of text, required unless `required` is False; returns {field: text}."""

    AUTO_FOCUS = "#text"

    def __init__(self, ctx: Context, language: str, title: str, prompt: str, field: str,
                 required: bool = True, subtitle: Text | None = None,
                 departments: list[tuple[str, str]] | None = None) -> None:
        super().__init__(ctx, language, title, subtitle)
        self.prompt, self.field, self.required = prompt, field, required
        self.departments = departments or []

    def fields(self) -> ComposeResult:
        yield from department_field(self)
        yield self.field_label(self.prompt)
        yield Input(id="text")

    def collect(self) -> Values | str:
        text = self.text_value("text")
        if self.required and not text:
            return self.t("error_required", what=self.t(self.prompt))
        return {self.field: text or None, **chosen_department(self)}


class ConfirmDialog(FormDialog):
    """A question answered with OK (Enter, y) or Cancel (Esc, n); returns {} or the department."""

    BINDINGS: ClassVar[list[BindingType]] = [*FormDialog.BINDINGS, Binding("y", "yes", show=False),
                                             Binding("n", "cancel", show=False)]
    AUTO_FOCUS = "#ok"  # Enter confirms; the department choice is a Tab away

    def __init__(self, ctx: Context, language: str, title: str, question: Text,
                 departments: list[tuple[str, str]] | None = None) -> None:
        super().__init__(ctx, language, title, question)
        self.departments = departments or []

    def fields(self) -> ComposeResult:
        yield from department_field(self)

    def collect(self) -> Values | str:
        return chosen_department(self)

    def action_yes(self) -> None:
        self.submit()
