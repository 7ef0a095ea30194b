"""The case workspace: reports, assignments with their clocks, timeline, notes, evaluations, and a
key for every step of the case's life.

A key opens a small dialog; its values go to the models/ operation in a worker thread with the
version the operator saw. A refusal is shown as the domain words it; a conflict (someone else
changed the case meanwhile) says who, and the case is reloaded instead of overwritten.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from models.cases import queries
from models.errors import ChuishaoError, Conflict
from models.intake.merge import NeedsConfirmation
from models.org.context import Context
from models.store.states import OPEN_STATES
from models.text.labels import label
from screens import keymap
from screens.base import ConsoleScreen, in_thread, literal, shown_error
from screens.dialogs.base import FormDialog
from screens.messages import CaseLoaded, LoadFailed, StepFinished
from screens.steps import CaseBundle, department_choices, load_bundle, run_step
from screens.widgets import case_sections as sections
from screens.widgets import duplicates as dup_sections
from screens.widgets.footer import ConsoleFooter

STEPS = tuple(k.action.split("'")[1] for k in keymap.STEP_KEYS)
STEP_LABELS = {k.action.split("'")[1]: k.text for k in keymap.STEP_KEYS}
SECTIONS = ("summary", "related", "duplicates", "reports", "assignments", "timeline", "notes", "evaluations")
UNTITLED = ("summary", "related")
MORE_DIALOGS = ("merge", "split", "unmerge", "pause", "resume", "extend", "decide_extension", "supervise")


class CaseScreen(ConsoleScreen):
    """One case and the steps the operator may take on it."""

    KEYS = keymap.CASE_KEYS
    BINDINGS = keymap.bindings(keymap.CASE_KEYS)
    AUTO_FOCUS = "#workspace"

    def __init__(self, ctx: Context, language: str, case_id: int) -> None:
        super().__init__(ctx, language)
        self.case_id = case_id
        self.bundle: CaseBundle | None = None
        self.names = sections.Names(ctx.config, language)
        self.busy = False
        self._last_values: dict[str, dict[str, Any]] = {}  # what each step's dialog returned last
        self.step_dialog: FormDialog | None = None  # the dialog whose step is running
        self.changed_since: int | None = None  # the version shown before others changed the case

    def compose(self) -> ComposeResult:
        yield Static(Text(f" {self.t('case_heading', id=self.case_id)}"), id="topbar")
        with VerticalScroll(id="workspace"):
            yield Static(Text(self.t("loading")), id="title")
            for name in SECTIONS:
                if name not in UNTITLED:
                    yield Label(self.t(f"section_{name}"), classes="section-title", id=f"title-{name}")
                yield Static(id=f"sec-{name}", classes="section")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.load()
        # follows the case live, like the queue: a cheap look at its version, a reload when it moved
        self.set_interval(float(getattr(self.app, "poll_interval", 1.5)), self.poll)

    @work(thread=True, exclusive=True, group="case-poll")
    def poll(self) -> None:
        bundle = self.bundle
        if bundle is None or self.busy or self not in self.app.screen_stack:
            return
        if self.app.screen is not self and not isinstance(self.app.screen, ModalScreen):
            return  # another full screen is on top; resumed, it polls again
        try:
            case = in_thread(self.ctx, queries.show, self.case_id)
        except Exception:  # noqa: BLE001 - a busy database or a lost scope: the next tick (or F5) says
            return
        seen = int(bundle.detail["version"])
        if int(case.version) != seen:
            self.app.call_from_thread(self.follow, seen)

    def follow(self, seen: int) -> None:
        """The case moved on under the operator's eyes: reload, then say what others did."""
        if self.bundle is not None and int(self.bundle.detail["version"]) == seen and self.changed_since is None:
            self.changed_since = seen
            self.load()

    def say_what_changed(self, detail: dict[str, Any], seen: int) -> None:
        me = (self.ctx.actor, self.ctx.on_behalf_of)  # (an admin acting for someone is that someone)
        others = [e for e in detail["events"][seen:] if (e["operator"], e["on_behalf_of"]) != me]
        if not others:
            return
        steps = "、".join(dict.fromkeys(label("action", e["action"], self.lang) for e in others))
        who = "、".join(dict.fromkeys(str(e["on_behalf_of"] or e["operator"]) for e in others))
        self.notify(self.t("case_changed", id=detail["id"], who=who, steps=steps,
                           state=label("state", detail["state"], self.lang), version=detail["version"]),
                    title=self.t("case_changed_title"), severity="warning", markup=False, timeout=10)

    # --- loading -------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="case")
    def load(self) -> None:
        try:
            bundle = in_thread(self.ctx, load_bundle, self.case_id)
        except ChuishaoError as exc:
            self.post_message(LoadFailed(shown_error(self.ctx, exc)))
            return
        self.post_message(CaseLoaded(self.case_id, bundle))

    def on_case_loaded(self, message: CaseLoaded) -> None:
        self.bundle = bundle = message.bundle
        if self.changed_since is not None:
            seen, self.changed_since = self.changed_since, None
            self.say_what_changed(bundle.detail, seen)
        d, lang, now = bundle.detail, self.lang, self.ctx.now()
        state = label("state", d["state"], lang)
        self.query_one("#topbar", Static).update(Text(f" {self.t('case_heading', id=d['id'])} · {state}"))
        title = literal(d["title"])
        title.stylize("bold")
        self.query_one("#title", Static).update(title)
        rendered = {
            "summary": sections.summary(d, self.names, lang, now),
            "related": dup_sections.related(d, bundle.pending_extension, lang),
            "duplicates": dup_sections.duplicates(bundle.duplicates, lang, self.names.town),
            "reports": sections.reports(d, self.names, lang),
            "assignments": sections.assignments(d, self.names, lang, now),
            "timeline": sections.timeline(d, self.names, lang),
            "notes": sections.notes(d, self.names, lang),
            "evaluations": sections.evaluations(d, lang),
        }
        for name, renderable in rendered.items():
            self.query_one(f"#sec-{name}", Static).update(renderable)
        self.query_one("#sec-related", Static).display = bool(rendered["related"])
        # duplicates are looked for only while a case is open; no candidates, no section
        for ident in ("#title-duplicates", "#sec-duplicates"):
            self.query_one(ident).display = bool(bundle.duplicates) and d["state"] in OPEN_STATES
        self.refresh_bindings()

    def on_load_failed(self, message: LoadFailed) -> None:
        self.notify(message.message, severity="error", markup=False)
        if self.bundle is None:
            self.dismiss_screen()

    # --- keys ----------------------------------------------------------------------------------
    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The footer shows the steps that apply now; every step key still answers (with the reason
        it is refused) so the operator is never left wondering."""
        shown = Screen.active_bindings.fget(self)  # type: ignore[attr-defined]
        available = set(self.bundle.available) if self.bundle else set()
        return {key: b for key, b in shown.items()
                if not b.binding.action.startswith("step(") or b.binding.action.split("'")[1] in available}

    def palette_commands(self) -> list[tuple[str, str, str]]:
        available = set(self.bundle.available) if self.bundle else set()
        return [c for c in super().palette_commands()
                if not c[2].startswith("step(") or c[2].split("'")[1] in available]

    def action_back(self) -> None:
        self.dismiss_screen()

    def dismiss_screen(self) -> None:
        if self.app.screen is self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_scroll(self, direction: int) -> None:
        area = self.query_one("#workspace", VerticalScroll)
        area.scroll_relative(y=direction * 3, animate=False)

    def action_reload(self) -> None:
        self.load()

    def action_step(self, step: str) -> None:
        bundle = self.bundle
        if bundle is None or self.busy:
            return
        refusal = bundle.refusals.get(step)  # models' answer, read with the case (no SQL here)
        if refusal is not None:
            self.notify(shown_error(self.ctx, refusal), severity="error", markup=False)
            return
        if step == "merge" and not bundle.duplicates:
            self.notify(self.t("no_duplicates"), severity="warning", markup=False)
            return
        dialog = self.dialog_for(step, bundle)
        # The step runs with the version the operator saw when the dialog opened; after a conflict,
        # with the reloaded one (the dialog has said what happened and the workspace shows it).
        seen = {"version": int(bundle.detail["version"])}

        def submitted(values: dict[str, Any]) -> None:
            self._last_values[step] = values
            self.busy, self.step_dialog = True, dialog
            version = seen.pop("version", None)
            self.take_step(step, int(self.bundle.detail["version"]) if version is None or self.bundle is None
                           else version, values)
        if isinstance(dialog, FormDialog):
            dialog.on_submit = submitted  # the dialog stays open until the step is done or refused
        self.app.push_screen(dialog)

    def dialog_for(self, step: str, bundle: CaseBundle) -> Screen[Any]:
        from screens.dialogs.dispatch import DispatchDialog, ReviewReturnDialog
        from screens.dialogs.evaluate import EvaluateDialog
        from screens.dialogs.text import ConfirmDialog, ReasonDialog
        from screens.dialogs.triage import TriageDialog

        ctx, lang, d = self.ctx, self.lang, bundle.detail
        indexes = getattr(self.app, "indexes", {})
        title = self.t("dialog_title", action=self.step_name(step), id=d["id"])
        subtitle = literal(d["title"], single_line=True)
        depts = department_choices(bundle, step, self.names.dept) if ctx.operator.role != "department" else []
        if step == "triage":
            return TriageDialog(ctx, lang, d, indexes, bundle.suggestion)
        if step == "dispatch":
            return DispatchDialog(ctx, lang, d, indexes, bundle.suggestion)
        if step == "review_return":
            return ReviewReturnDialog(ctx, lang, d, indexes, bundle.suggestion)
        if step == "evaluate":
            return EvaluateDialog(ctx, lang, d)
        if step in MORE_DIALOGS:
            return self.more_dialog(step, bundle, title, subtitle)
        if step in ("acknowledge", "arrive"):
            question = Text(self.t(f"confirm_{step}", id=d["id"])).append_text(Text("\n")).append_text(subtitle)
            return ConfirmDialog(ctx, lang, title, question, departments=depts)
        prompts = {"return": ("field_return_reason", "reason", True), "note": ("field_note", "text", True),
                   "resolve": ("field_result", "result", True), "reopen": ("field_reopen_reason", "reason", True),
                   "close": ("field_close_reason", "reason", False)}
        prompt, field, required = prompts[step]
        return ReasonDialog(ctx, lang, title, prompt, field, required, subtitle,
                            departments=depts if step == "return" else None)

    def more_dialog(self, step: str, bundle: CaseBundle, title: str, subtitle: Text) -> Screen[Any]:
        """Dialogs of merge, split, unmerge, pause, resume and the extension steps."""
        from screens.dialogs import more
        from screens.dialogs.text import ConfirmDialog, ReasonDialog

        ctx, lang, case_id = self.ctx, self.lang, bundle.detail["id"]
        if step == "merge":
            return more.MergeDialog(ctx, lang, title, subtitle, bundle.detail, bundle.duplicates)
        if step == "unmerge" and bundle.detail["state"] != "merged":  # from the target: which source
            return more.UnmergeDialog(ctx, lang, title, Text(self.t("confirm_unmerge_source")),
                                      bundle.detail["merged_sources"])
        if step in ("unmerge", "resume"):
            return ConfirmDialog(ctx, lang, title, Text(self.t(f"confirm_{step}", id=case_id)))
        if step == "pause":
            return ReasonDialog(ctx, lang, title, "field_pause_reason", "reason", True, subtitle)
        if step == "decide_extension":
            limit = int(ctx.config.section("supervision")["max_extensions"])
            request = more.extension_request(bundle.detail, self.names, lang, limit)
            return more.DecideExtensionDialog(ctx, lang, title, request)
        if step == "supervise":
            ordered = Text(self.t("order_to", dept=self.names.dept(bundle.detail["lead"]) if bundle.detail["lead"]
                                  else "—"))
            return more.SuperviseDialog(ctx, lang, title, ordered.append("\n").append_text(subtitle))
        if step == "split":  # the report models' split divides: the case's first
            reports = bundle.detail["reports"]
            return more.SplitDialog(ctx, lang, title, subtitle, reports[0]["text"] if reports else "")
        return more.ExtensionDialog(ctx, lang, title, subtitle)

    def step_name(self, step: str) -> str:
        return self.t(STEP_LABELS.get(step, f"action:{step}"))

    @work(thread=True, group="step")
    def take_step(self, step: str, version: int, values: dict[str, Any]) -> None:
        try:
            result = in_thread(self.ctx, run_step, step, self.case_id, version, values)
        except Conflict as exc:
            self.post_message(StepFinished(self.case_id, step, False, shown_error(self.ctx, exc), conflict=True))
        except NeedsConfirmation as exc:  # across townships / into a closed case: ask, then force
            self.post_message(StepFinished(self.case_id, step, False, shown_error(self.ctx, exc), confirm=True))
        except ChuishaoError as exc:
            self.post_message(StepFinished(self.case_id, step, False, shown_error(self.ctx, exc)))
        except Exception as exc:  # noqa: BLE001 - e.g. the database stayed locked: say so, keep running
            self.post_message(StepFinished(self.case_id, step, False, f"{type(exc).__name__}: {exc}"))
        else:
            # after a merge the workspace follows the case that was kept
            shown = result if step == "merge" and isinstance(result, int) else self.case_id
            self.post_message(StepFinished(shown, step, True, ""))

    def on_step_finished(self, message: StepFinished) -> None:
        self.busy = False
        step_name = self.step_name(message.step)
        dialog, self.step_dialog = self.step_dialog, None
        open_dialog = dialog if dialog is not None and dialog in self.app.screen_stack else None
        if open_dialog is not None and (message.ok or message.confirm):
            open_dialog.dismiss(None)
        if message.confirm:
            self.confirm_force(message)
            return
        self.case_id = message.case_id
        if message.ok:
            self.notify(self.t("step_done", action=step_name, id=message.case_id), markup=False)
        elif open_dialog is not None:  # refused: said in the dialog, which keeps what was typed
            open_dialog.refused(message.message)
        elif message.conflict:
            self.notify(message.message, title=self.t("conflict_title"), severity="warning", markup=False,
                        timeout=10)
        else:
            self.notify(message.message, title=self.t("refused_title", action=step_name), severity="error",
                        markup=False, timeout=8)
        self.load()

    def confirm_force(self, message: StepFinished) -> None:
        """A merge the domain wants confirmed: say why and, on OK, take it again with force."""
        from screens.dialogs.text import ConfirmDialog

        values = dict(self._last_values.get(message.step, {}))
        title = self.t("dialog_title", action=self.step_name(message.step), id=self.case_id)
        question = Text(self.t("confirm_merge_force", why=message.message))

        def answered(answer: dict[str, Any] | None) -> None:
            if answer is not None:
                self.busy = True
                self.take_step(message.step, 0, {**values, "force": True})
        self.app.push_screen(ConfirmDialog(self.ctx, self.lang, title, question), callback=answered)
