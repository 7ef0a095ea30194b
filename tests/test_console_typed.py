"""Typed text is never thrown away: a refused step keeps its dialog open with the refusal in it, and
Esc on a dialog with typed text asks before discarding it."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input, Static

from models.cases import department
from models.org.context import Context
from models.store.schema import Extension, Note
from screens.case_view import CaseScreen
from screens.dialogs.base import DiscardQuestion, FormDialog
from tests.console_support import (
    SIZE,
    console,
    dispatched_case,
    fixed,
    new_case,
    open_first_case,
    run_async,
    settle,
)


@run_async
async def test_a_refused_step_keeps_the_dialog_and_what_was_typed(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = dispatched_case(admin, lead="zhujian")
    lead = fixed(ctx_for("yangfan"))  # 住建局
    department.acknowledge(lead, cid)
    app = console(lead)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot)
        await pilot.press("E", *"abc", "tab", "tab", *"需协调产权单位", "enter")  # a duration that is none
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog), "the refusal closed the dialog"
        assert dialog.query_one("#reason", Input).value == "需协调产权单位"
        error = str(dialog.query_one(".dialog-error", Static).render())
        assert "abc" in error  # the models' refusal, beside the fields
        assert Extension.select().where(Extension.case == cid).count() == 0
        dialog.query_one("#by", Input).value = "3wd"  # corrected, submitted again: the reason was kept
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
    assert Extension.get(Extension.case == cid).reason == "需协调产权单位"


@run_async
async def test_escape_asks_before_discarding_typed_text(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = new_case(admin, "路灯不亮")
    app = console(admin)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot)
        await pilot.press("n", "escape")  # nothing typed: Esc just closes
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("n", *"已联系路灯所", "escape")
        await settle(pilot)
        assert isinstance(app.screen, DiscardQuestion)
        await pilot.press("n")  # keep editing: the text is still there
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog) and dialog.query_one("#text", Input).value == "已联系路灯所"
        await pilot.press("escape", "y")  # discard, this time on purpose
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
    assert Note.select().where(Note.case == cid).count() == 0
