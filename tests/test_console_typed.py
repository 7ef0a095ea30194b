"""Typed text is never thrown away: a refused step keeps its dialog open with the refusal in it, and
Esc on a dialog with typed text asks before discarding it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Static

from models.cases import department
from models.org.context import Context
from models.store.schema import Extension, Note, SupervisionOrder
from screens.case_view import CaseScreen
from screens.dialogs.base import DiscardQuestion, FormDialog
from tests.console_support import (
    SIZE,
    console,
    dispatched_case,
    fixed,
    new_case,
    open_first_case,
    press_into,
    run_async,
    settle,
)


def _acknowledged(ctx_for: Callable[..., Context]) -> tuple[Context, int, Context]:
    """The admin, a case dispatched to 住建局 and signed for, and 住建局's operator."""
    admin = fixed(ctx_for())
    cid = dispatched_case(admin, lead="zhujian")
    lead = fixed(ctx_for("yangfan"))  # 住建局
    department.acknowledge(lead, cid)
    return admin, cid, lead


async def _refused(pilot: Pilot[Any], *keys: str) -> tuple[FormDialog, str]:
    """Open the first case, type `keys` into a dialog and submit: the dialog, still open, and its error."""
    await open_first_case(pilot)
    await pilot.press(*keys)
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, FormDialog), "the refusal closed the dialog"
    return dialog, str(dialog.query_one(".dialog-error", Static).render())


@run_async
async def test_a_refused_step_keeps_the_dialog_and_what_was_typed(ctx_for: Callable[..., Context]) -> None:
    _, cid, lead = _acknowledged(ctx_for)
    app = console(lead)
    async with app.run_test(size=SIZE) as pilot:
        dialog, error = await _refused(pilot, "E", *"abc", "tab", "tab", *"需协调产权单位", "enter")  # no duration
        assert dialog.query_one("#reason", Input).value == "需协调产权单位"
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


@run_async
async def test_a_bad_date_is_refused_by_the_fields_name_in_the_offices_words(ctx_for: Callable[..., Context]) -> None:
    # Issue 17 item 8: the refusal names the field as the dialog does (延至, 办理期限), never by the
    # parameter's internal name ("until", "deadline"); the dialog stays open with what was typed.
    admin, cid, lead = _acknowledged(ctx_for)
    app = console(lead)
    async with app.run_test(size=SIZE) as pilot:
        dialog, error = await _refused(pilot, "E", "tab", *"abc", "tab", *"需协调产权单位", "enter")  # 延至 abc
        assert "延至：“abc”不是 ISO 8601 时间" in error and "until" not in error
        assert (dialog.query_one("#until", Input).value, dialog.query_one("#reason", Input).value) == (
            "abc", "需协调产权单位")
    assert Extension.select().where(Extension.case == cid).count() == 0
    app = console(admin)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot)
        dialog = await press_into(pilot, "D", FormDialog)
        dialog.query_one("#deadline", Input).value = "abc"
        dialog.query_one("#instruction", Input).value = "三日内处置完毕"
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert app.screen is dialog, "the refusal closed the dialog"
        error = str(dialog.query_one(".dialog-error", Static).render())
        assert "办理期限：“abc”不是 ISO 8601 时间" in error and "deadline" not in error
        assert dialog.query_one("#instruction", Input).value == "三日内处置完毕"
    assert SupervisionOrder.select().where(SupervisionOrder.case == cid).count() == 0
