"""Go to a case by its number (`#` or `:` in the queue and the workspace, or from the palette).

The number is looked up (in a worker, with the operator's scope) before the dialog closes: a case
that does not exist or is outside the operator's scope is said beside the field, and the typed
number stays for correcting.
"""

from __future__ import annotations

import unicodedata

from textual import work
from textual.app import ComposeResult
from textual.widgets import Input

from models.cases import queries
from models.errors import ChuishaoError
from screens.base import in_thread, shown_error
from screens.dialogs.base import FormDialog, Values


class GotoDialog(FormDialog):
    """Returns {"case_id": n} for a case the operator may open."""

    AUTO_FOCUS = "#number"
    ASK_BEFORE_DISCARD = False  # a case number is no text to keep

    def fields(self) -> ComposeResult:
        yield self.field_label("field_goto")
        yield Input(id="number")

    def collect(self) -> Values | str:
        typed = unicodedata.normalize("NFKC", self.text_value("number")).lstrip("#").strip()  # ＃１２ → 12
        if not typed.isdecimal():
            return self.t("error_goto")
        return {"case_id": int(typed)}

    def submit(self) -> None:
        result = self.collect()
        if isinstance(result, str):
            self.show_error(result)
            return
        self.look_up(int(result["case_id"]))

    @work(thread=True, exclusive=True, group="goto")
    def look_up(self, case_id: int) -> None:
        try:
            in_thread(self.ctx, queries.show, case_id)
        except ChuishaoError as exc:
            self.app.call_from_thread(self.show_error, shown_error(self.ctx, exc))
            return
        self.app.call_from_thread(self.dismiss, {"case_id": case_id})
