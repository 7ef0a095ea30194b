"""The frame every step dialog shares: a title, the fields, a line for what is wrong, OK / Cancel.

A dialog validates what it can see (required fields, lead not also cooperating …) before it
closes with its values; the models/ operation then checks everything again (state, permission,
staleness) and its refusal is shown by the screen that runs it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Label, OptionList, RadioButton, RadioSet, Static, TextArea

from models.org.context import Context
from screens import keymap
from screens.base import ConsoleModal, literal, ui
from screens.dialogs.summary import summary_line
from screens.picker import Picker
from screens.widgets.case_sections import Names
from screens.widgets.footer import ConsoleFooter

Values = dict[str, Any]


class Choice(RadioButton):
    """A radio button whose state shows in its glyph, not only in colour: ▐●▌ chosen, ▐ ▌ not. On a
    terminal with few colours (tmux, a plain SSH client) every stock button looked alike."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "●" if self.value else " "
        return super()._button


class ChoiceSet(RadioSet):
    """A radio set where ←/→ (↑/↓) choose, as in any form: the stock set only moved a cursor and
    needed Enter or Space besides, so a trainee who arrowed to 不予受理 and pressed Tab had chosen
    nothing. Enter and Space still choose the button under the cursor. (Own actions: the stock
    next_button also runs on mount, where it must not choose.)"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,right", "choose(1)", show=False),
        Binding("up,left", "choose(-1)", show=False),
    ]

    def action_choose(self, step: int) -> None:
        if step > 0:
            self.action_next_button()
        else:
            self.action_previous_button()
        if self._selected is not None:
            button = self._nodes[self._selected]
            if isinstance(button, RadioButton) and not button.value:
                button.value = True


def step_title(language: str, action: str, case_id: int) -> str:
    """"分类 · 案件 #12": the step's label and the case."""
    return ui("dialog_title", language, action=ui(action, language), id=case_id)


class FormDialog(ConsoleModal[Values | None]):
    """Subclasses yield their fields from `fields()` and return values or an error from `collect()`."""

    KEYS = keymap.DIALOG_KEYS
    BINDINGS = keymap.bindings(keymap.DIALOG_KEYS)
    SUBMIT_ON_ENTER = True  # Enter in a text field submits (pickers keep their Enter)
    ASK_BEFORE_DISCARD = True  # Esc with typed text asks first
    SUMMARY = False  # a line above the buttons with every value ctrl+o would submit now

    def __init__(self, ctx: Context, language: str, title: str, subtitle: Text | None = None) -> None:
        super().__init__(ctx, language)
        self.title_text = title
        self.subtitle = subtitle
        # Set by a screen that runs the step itself: the dialog stays open until the step is done, and a
        # refusal is shown in it (`refused`) with everything typed still there.
        self.on_submit: Callable[[Values], None] | None = None
        self.pending = False
        self._typed_at_open: dict[str, str] = {}
        # The first field is focused by on_mount without scrolling to it: Textual's auto focus
        # scrolled the body after a refresh that raced the body's fitting, so the dialog opened one
        # line down or not depending on timing (its 80×24 picture changed with test order).
        self.first_field = self.AUTO_FOCUS or "*"
        self.AUTO_FOCUS = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            if self.subtitle is not None:
                yield Static(self.subtitle, classes="dialog-subtitle")
            with VerticalScroll(classes="dialog-body"):
                yield from self.fields()
            if self.SUMMARY:
                yield Static("", classes="dialog-summary")
            yield Static("", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.t("ok"), id="ok", variant="primary")
                yield from self.extra_buttons()
                yield Button(self.t("cancel"), id="cancel")
        yield ConsoleFooter()  # ^o and Esc stay in sight, as on every screen

    def on_mount(self) -> None:
        for widget in self.query(self.first_field):
            if widget.focusable:
                self.set_focus(widget, scroll_visible=False)
                break
        self.call_after_refresh(self._fit_body)
        self.call_after_refresh(self._remember_typed)

    def typed(self) -> dict[str, str]:
        """The text fields' contents (a picker's search box is not typed text to keep)."""
        out = {f"input-{i}": w.value for i, w in enumerate(self.query(Input))
               if not any(isinstance(a, Picker) for a in w.ancestors)}
        out.update({f"area-{i}": w.text for i, w in enumerate(self.query(TextArea))})
        return out

    def _remember_typed(self) -> None:
        self._typed_at_open = self.typed()
        self.show_summary()

    def show_summary(self) -> None:
        if self.SUMMARY and self.is_mounted:
            line = summary_line(self.collect(), Names(self.ctx.config, self.lang), self.lang)
            summary = self.query_one(".dialog-summary", Static)
            before = summary.outer_size.height
            summary.update(line)
            if line.cell_len // max(1, summary.size.width or 1) + 1 != before:
                self.call_after_refresh(self._fit_body)  # the line grew or shrank: keep the buttons in view

    @on(Input.Changed)
    @on(RadioSet.Changed)
    @on(Picker.Changed)
    @on(OptionList.OptionHighlighted)
    def _values_changed(self) -> None:
        if self.SUMMARY:
            self.call_after_refresh(self.show_summary)

    def on_resize(self, event: events.Resize) -> None:
        """The terminal changed size (an SSH window resized): fit the body to the new height."""
        self.call_after_refresh(self._fit_body)

    def _fit_body(self) -> None:
        """Give the scrolling body an exact height (its content, at most 70% of the screen): an
        auto height would size the frame for the uncapped content and leave blank rows below."""
        body = self.query_one(".dialog-body", VerticalScroll)
        frame = self.query_one(".dialog", Vertical)
        chrome = frame.outer_size.height - body.outer_size.height  # title, summary, error, buttons, border
        height = self.app.size.height - self.query_one(ConsoleFooter).outer_size.height
        room = height - chrome - 1 if chrome > 0 else height  # the buttons stay on screen, above the footer
        body.styles.height = max(1, min(body.virtual_size.height, int(self.app.size.height * 0.7), room))
        for options in self.query(OptionList):  # lists sized only now: show their current choice
            options.scroll_to_highlight()
        self.call_after_refresh(self._show_top, body)

    def _show_top(self, body: VerticalScroll) -> None:
        """Focusing the first field scrolled the body to show that whole field, hiding its label and
        the suggestion's reasons above it; go back to the top when the focused input stays in view."""
        focused = self.focused
        if focused is None or body not in focused.ancestors:
            return
        bottom = focused.region.bottom - body.region.y + body.scroll_y
        if bottom <= body.size.height:
            body.scroll_home(animate=False, immediate=True)

    def fields(self) -> ComposeResult:
        yield from ()

    def why(self, suggestion: dict[str, Any] | None, fields: tuple[str, ...]) -> ComposeResult:
        """The suggestion's reasons for these fields, shown under the field's label (they quote the
        citizen: shown literally)."""
        why = (suggestion or {}).get("why", {})
        lines = [line for name in fields for line in why.get(name, ())]
        if lines:
            yield Static(literal("\n".join(lines)), classes="hint suggestion-why")

    def collect(self) -> Values | str:
        return {}

    def extra_buttons(self) -> ComposeResult:
        yield from ()

    def field_label(self, key: str) -> Label:
        return Label(self.t(key), classes="field-label")

    def radio(self, options: list[tuple[str, str]], selected: str | None, id: str) -> RadioSet:
        """A ChoiceSet whose buttons carry their ids (read back with `chosen`): ←/→ choose."""
        buttons = []
        for ident, text in options:
            button = Choice(Text(text), value=ident == selected, name=ident)
            buttons.append(button)
        return ChoiceSet(*buttons, id=id)

    def chosen(self, id: str) -> str | None:
        pressed = self.query_one(f"#{id}", RadioSet).pressed_button
        return pressed.name if pressed is not None else None

    def set_radio(self, id: str, ident: str) -> None:
        for button in self.query_one(f"#{id}", RadioSet).query(RadioButton):
            if button.name == ident:
                button.value = True

    def text_value(self, id: str) -> str:
        return self.query_one(f"#{id}", Input).value.strip()

    def submit(self) -> None:
        if self.pending:
            return  # the step is on its way
        result = self.collect()
        if isinstance(result, str):
            self.show_error(result)
            return
        if self.on_submit is None:
            self.dismiss(result)
            return
        self.pending = True
        self.query_one(".dialog-error", Static).update(Text(self.t("submitting")))
        self.on_submit(result)

    def refused(self, message: str) -> None:
        """The step was refused: say why here; the operator corrects and submits again, or leaves."""
        self.pending = False
        self.show_error(message)

    def show_error(self, message: str) -> None:
        """Say what is wrong under the fields; the dialog and everything typed in it stay."""
        self.query_one(".dialog-error", Static).update(Text(message))
        self.app.bell()

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.submit()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        if self.SUBMIT_ON_ENTER:
            event.stop()
            self.submit()

    def action_accept(self) -> None:
        self.submit()

    def action_cancel(self) -> None:
        if self.pending:
            return  # the step is being taken: its answer comes back to this dialog
        if self.ASK_BEFORE_DISCARD and self.typed() != self._typed_at_open:
            self.app.push_screen(DiscardQuestion(self.ctx, self.lang),
                                 callback=lambda discard: self.dismiss(None) if discard else None)
            return
        self.dismiss(None)


class DiscardQuestion(ConsoleModal[bool]):
    """"Discard what you typed?" — y or Enter discards, n or Esc goes back to the dialog."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("y", "answer(True)", show=False),
                                             Binding("n,escape", "answer(False)", show=False)]
    AUTO_FOCUS = "#keep"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-small"):
            yield Label(self.t("discard_title"), classes="dialog-title")
            yield Static(Text(self.t("discard_question")))
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.t("discard_yes"), id="discard", variant="error")
                yield Button(self.t("discard_no"), id="keep", variant="primary")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "discard")

    def action_answer(self, discard: bool) -> None:
        self.dismiss(discard)
