"""The message catalogue: every sentence models/ says to a user, by code, in each office language.

A refusal is raised as `PermissionDenied("perm.only_lead", department=Ref("department", "shengtai"))`:
a code from CATALOGUE and its parameters. Each face renders it: the console in `[office] language`
with departments and townships by their configured names, the CLI in English (scripts and logs grep
one stable language; `--json` errors carry the code and parameters). No sentence is written twice.

Parameters that name something are `Ref(kind, id)`: `kind` is "department", "township" (shown by the
configured name through the face's `names` lookup), "step" (a step or permission: its action label in
Chinese, the id in words in English, as the CLI always said it), "field" (the text a step requires,
FIELDS) or any kind of models.text.labels ("state", "priority" …, shown by its label). A parameter
that is itself a refusal (a ChuishaoError) is rendered in the same language. Lists and tuples of refs are joined in the language's
way. Everything else is shown as given (numbers, times already formatted, citizen-free values).

Pure data and functions. May import: models.text only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from models.text.catalogue_cases import CASES
from models.text.catalogue_office import OFFICE
from models.text.catalogue_org import ORG
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

# Ref("step", id): what a role may do, in the CLI's words (`review_return` → "review return") and
# in Chinese by the action label, plus the permissions that are no case step.
STEPS_ZH: dict[str, str] = {
    "decide_extension": "延期审批", "retriage": "重新分类", "audit": "查看审计记录", "backup": "备份数据库",
    "manage_operators": "管理操作员", "notify": "发送通知", "read_accountability": "查看追责记录",
    "suggest_train": "训练分类建议",
}

# Ref("field", id): the text a step requires (require_text), or a value a console dialog parses (a
# time typed into it), as the sentence names it — the office's word, never the parameter's name.
FIELDS: dict[str, tuple[str, str]] = {
    "retriage_reason": ("重新分类的理由", "the reason for re-triage"),
    "send_back_reason": ("退回乡镇的理由", "the reason for sending the case back"),
    "proposal_reason": ("确认或驳回追责建议的理由", "the reason"),
    "reject_reason": ("不予受理的理由", "a rejection's reason"),
    "result": ("办理结果", "the result"),
    "reopen_reason": ("重办的理由", "the reason for reopening"),
    "note": ("办理进展", "the note"),
    "pause_reason": ("挂起的理由", "the reason for pausing"),
    "extension_reason": ("延期理由", "the reason for the extension"),
    "return_reason": ("退单理由", "the reason for returning"),
    "order_instruction": ("督办要求", "the supervision order's instruction"),
    "order_answer": ("督办反馈", "the answer"),
    "accountability_reason": ("追责理由", "the reason"),
    "report_text": ("来件内容", "the report text"),
    "extension_until": ("延至", "the new deadline"),
    "order_deadline": ("办理期限", "the order's deadline"),
}

# code -> (zh, en), templates with str.format fields named after the parameters. Each area keeps its
# codes in its own block of its part (code prefix = the area), so work on one area never touches
# another's lines; a code given twice is an error at import, never a silent override.
CATALOGUE: dict[str, tuple[str, str]] = {"plain": ("{text}", "{text}")}
for _part in (ORG, CASES, OFFICE):
    _twice = CATALOGUE.keys() & _part.keys()
    if _twice:
        raise ValueError(f"message codes given twice: {sorted(_twice)}")
    CATALOGUE.update(_part)


def _show(value: Any, language: str, names: Names | None) -> str:
    if isinstance(value, Ref):
        if names is not None:
            found = names(value.kind, value.ident)
            if found:
                return found
        if value.kind == "step":  # a step or permission as the CLI has always said it ("may not note")
            if language != "zh":
                return value.ident.replace("_", " ")
            return STEPS_ZH.get(value.ident) or label("action", value.ident, language)
        if value.kind == "field":
            pair = FIELDS.get(value.ident)
            return value.ident if pair is None else pair[0] if language == "zh" else pair[1]
        if value.kind in LABELS:
            return label(value.kind, value.ident, language)
        return value.ident
    if hasattr(value, "code") and hasattr(value, "render"):  # a nested refusal (a ChuishaoError)
        return str(value.render(language, names))
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
