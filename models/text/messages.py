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
    "store.upgrade_needs_config": (
        "数据库结构版本为 {version}，升级到 {current} 需要本县的配置（重新计算地址键）：请运行 `chuishao init`",
        ("the database has schema {version}; upgrading it to {current} needs the county's configuration "
         "(address keys are recomputed): run `chuishao init`")),
    # --- org: config, operators, identity, permissions (org.*, perm.*) ---
    # --- ledger: audit, backup, copy, output files (ledger.*, audit.*) ---
    # --- clocks and worktime (clock.*, time.*) ---
    # --- cases: lifecycle, steps, pauses, extensions, retriage (case.*) ---
    # --- intake: intake, import, duplicates, merge, split (intake.*, import.*, merge.*) ---
    # --- supervision: ladder, orders, meetings, accountability (supervision.*, meeting.*) ---
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
