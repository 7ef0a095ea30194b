"""The message catalogue: every sentence models/ says to a user, by code, in each office language.

A refusal is raised as `PermissionDenied("perm.only_lead", department=Ref("department", "shengtai"))`:
a code from CATALOGUE and its parameters. Each face renders it: the console in `[office] language`
with departments and townships by their configured names, the CLI in English (scripts and logs grep
one stable language; `--json` errors carry the code and parameters). No sentence is written twice.

Parameters that name something are `Ref(kind, id)`: `kind` is "department", "township" (shown by the
configured name through the face's `names` lookup) or any kind of models.text.labels ("state",
"action", "priority" …, shown by its label). Lists and tuples of refs are joined in the language's
way. Everything else is shown as given (numbers, times already formatted, citizen-free values).

Pure data and functions. May import: models.text only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from models.text.labels import LABELS, label


@dataclass(frozen=True)
class Ref:
    """An identifier a face shows by name, never as the id (`chengguan_zf` → 城管执法局)."""

    kind: str
    ident: str

    def __str__(self) -> str:  # English faces and logs: the id is the English name
        return self.ident


def refs(kind: str, idents: Iterable[str]) -> tuple[Ref, ...]:
    return tuple(Ref(kind, i) for i in idents)


Names = Callable[[str, str], "str | None"]

# code -> (zh, en). Templates use str.format fields named after the parameters.
# Each area keeps its codes in its own block (code prefix = the area), so work on one area never
# touches another's lines.
CATALOGUE: dict[str, tuple[str, str]] = {
    "plain": ("{text}", "{text}"),
    # --- store: database, engine, migrations (store.*) ---
    # --- org: config, operators, identity, permissions (org.*, perm.*) ---
    # --- ledger: audit, backup, copy, output files (ledger.*, audit.*) ---
    # --- clocks and worktime (clock.*, time.*) ---
    # --- cases: lifecycle, steps, pauses, extensions, retriage (case.*) ---
    "case.whistle_own_duty": ("吹哨引用了乡镇自身履职事项 {item}（{text}），属{township}本职，可能被退回乡镇（乱吹）",
                              ("the whistle cites {item} ({text}), a duty-list item of the township's own scope: "
                               "{township} should handle it itself and the office may send it back")),
    "case.retriage_untriaged": ("案件 {case} 尚未分类：请先分类", "case {case} is new: triage it first"),
    "case.retriage_final": ("案件 {case} 为{state}：只能对已分类、未办结的案件重新分类",
                            "case {case} is {state}: only a triaged, unresolved case can be re-triaged"),
    "case.retriage_decision": ("重新分类只能改为属地办理或吹哨，不能为 {decision}",
                               "re-triage changes the decision to local or whistle only, not {decision}"),
    "case.retriage_to_local_dispatched": ("案件 {case} 为{state}：只有尚未分哨的吹哨件可改为属地办理",
                                          "case {case} is {state}: only a whistle not yet dispatched can become local"),
    "case.retriage_to_whistle": ("案件 {case} 为{state}：只有属地办理中的案件可改为吹哨",
                                 "case {case} is {state}: only a case handled locally can become a whistle"),
    "case.retriage_nothing": ("重新分类没有改变任何内容：请给出新的类别、属地、优先级、决定、事项或村社区",
                              ("re-triage changes nothing: give a new category, township, priority, decision, "
                               "duty item or village")),
    "case.send_back_state": ("案件 {case} 为{state}：只能退回尚未分哨的吹哨件",
                             "case {case} is {state}: only a whistle waiting for dispatch can be sent back"),
    "case.send_back_not_own_duty": ("案件 {case} 引用的事项 {item} 不属乡镇自身履职清单：不能退回乡镇",
                                    ("case {case} cites {item}, not a duty-list item of the township's own "
                                     "scope: it cannot be sent back to the township")),
    # --- intake: intake, import, duplicates, merge, split (intake.*, import.*, merge.*) ---
    # --- supervision: ladder, orders, meetings, accountability (supervision.*, meeting.*) ---
    "supervision.proposal_notices": ("{department} {month} 被通报 {count} 次（达到 {threshold} 次）",
                                     "{department} publicly noticed {count} times in {month} (rule: {threshold})"),
    "supervision.proposal_late_arrival": ("{department} 在{priority}案件 {case_id} 报到超时 {late_minutes} 分钟",
                                          "{department} arrived {late_minutes} min late on {priority} case {case_id}"),
    "supervision.proposal_decided": ("追责建议 {proposal} 已确认或驳回", "proposal {proposal} was already decided"),
    "supervision.proposal_unknown": ("没有待处理的追责建议 {proposal}", "no open accountability proposal {proposal}"),
    # --- notify (notify.*) ---
    # --- reports: scoreboard, briefing, hot spots (report.*) ---
    # --- suggest (suggest.*) ---
    # --- demo and training (demo.*, training.*) ---
}


def _show(value: Any, language: str, names: Names | None) -> str:
    if isinstance(value, Ref):
        if names is not None:
            found = names(value.kind, value.ident)
            if found:
                return found
        if value.kind in LABELS:
            return label(value.kind, value.ident, language)
        return value.ident
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_show(v, language, names) for v in value]
        return ("、" if language == "zh" else ", ").join(items)
    if isinstance(value, bool):
        return ("是" if value else "否") if language == "zh" else ("yes" if value else "no")
    return str(value)


def render(code: str, params: dict[str, Any], language: str = "en", names: Names | None = None) -> str:
    """The sentence for `code` in `language`; an unknown code shows as itself with its parameters."""
    pair = CATALOGUE.get(code)
    shown = {key: _show(value, language, names) for key, value in params.items()}
    if pair is None:
        detail = ", ".join(f"{k}={v}" for k, v in shown.items())
        return f"{code} ({detail})" if detail else code
    template = pair[0] if language == "zh" else pair[1]
    return template.format(**shown)


def plain_params(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as JSON: refs become their ids, sequences lists."""
    def plain(value: Any) -> Any:
        if isinstance(value, Ref):
            return value.ident
        if isinstance(value, (list, tuple, set, frozenset)):
            return [plain(v) for v in value]
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        return str(value)
    return {key: plain(value) for key, value in params.items()}
