"""The message catalogue: every refusal models/ raises is a code with parameters, said in Chinese
without an untranslated English sentence, and rendered with configured names."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from models.errors import ChuishaoError, PermissionDenied
from models.text.messages import CATALOGUE, Ref, refs, render

ROOT = Path(__file__).resolve().parent.parent
# a word of letters only: options (--force), identifiers (service_request_id), paths, codes (XZ-003),
# numbers and times are not words
_TOKENS = re.compile(r"[A-Za-z0-9_\-./@\[\]#+=%*]+|\s+|.", re.DOTALL)
_WORD = re.compile(r"[A-Za-z]{2,}")


def english_runs(text: str) -> list[str]:
    """Runs of two or more ASCII words in a row ("steps allowed", "no permission")."""
    found, run = [], []
    for token in _TOKENS.findall(text):
        if token.isspace():
            continue
        if _WORD.fullmatch(token):
            run.append(token)
            continue
        if len(run) >= 2:
            found.append(" ".join(run))
        run = []
    if len(run) >= 2:
        found.append(" ".join(run))
    return found


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_the_ascii_check_catches_sentences_and_spares_ids() -> None:
    assert english_runs("no permission: 案件 #3") == ["no permission"]
    assert english_runs("案件 #3 steps allowed now") == ["steps allowed now"]
    assert english_runs("注意：XZ-003 是乡镇履职事项，--force 确认，见 chuishao org townships") == [
        "chuishao org townships"]  # a command is a parameter, never the template's own words
    assert english_runs("文件 /tmp/a b.csv：第 3 行 2026-11-27T09:30+08:00，1d 2h") == []


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_message_reads_in_chinese(code: str) -> None:
    zh, en = CATALOGUE[code]
    sample = {name: "某" for name in fields(zh) | fields(en)}  # what a parameter stands for
    shown = render(code, sample, "zh")
    assert english_runs(shown) == [], f"{code}: {shown}"
    assert render(code, sample, "en")  # both faces format with the same parameters


def _error_classes(tree_by_file: dict[Path, ast.Module]) -> set[str]:
    """ChuishaoError and every class in models/ built on it (by name, through the base names)."""
    names = {"ChuishaoError", "DomainError", "NotFound", "PermissionDenied", "InvalidState", "Conflict",
             "ValidationError", "UsageError"}
    grew = True
    while grew:
        grew = False
        for tree in tree_by_file.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names and any(
                        isinstance(b, ast.Name) and b.id in names for b in node.bases):
                    names.add(node.name)
                    grew = True
    return names


def _codes(node: ast.expr) -> list[str] | None:
    """The catalogue codes a first argument can be: a literal, or either side of a conditional."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _codes(node.body), _codes(node.orelse)
        return body + orelse if body is not None and orelse is not None else None
    return None


AREA_CODE = re.compile(r"(case|perm|org|store|ledger|audit|clock|time|import|intake|merge|meeting|supervision|"
                       r"notify|report|suggest|demo|training)\.[a-z0-9_]+")


def _code_positions(node: ast.AST) -> list[ast.expr]:
    """Where a code can sit in a table or be passed on: tuple and list items, dict values, arguments,
    return values and either side of a conditional."""
    if isinstance(node, (ast.Tuple, ast.List)):
        return list(node.elts)
    if isinstance(node, ast.Dict):
        return list(node.values)
    if isinstance(node, ast.Call):
        return [*node.args, *(k.value for k in node.keywords)]
    if isinstance(node, ast.Return) and node.value is not None:
        return [node.value]
    if isinstance(node, ast.IfExp):
        return [node.body, node.orelse]
    return []


def test_no_raise_in_models_is_a_bare_sentence() -> None:
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "models").rglob("*.py"))}
    errors = _error_classes(trees) - {"ConfigError"}  # its problems are file:line lines, shown as given
    code_like = re.compile(r"[a-z]+\.[a-z0-9_]+")
    problems, dynamic = [], 0
    for path, tree in trees.items():
        if path.name == "errors.py":
            continue
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name not in errors:
                continue
            if not node.args:
                problems.append(f"{where}:{node.lineno}: no code")
                continue
            codes = _codes(node.args[0])
            if codes is None:  # a code chosen in code (a table of codes): each literal is checked below
                dynamic += 1
                continue
            passed = {k.arg for k in node.keywords if k.arg}
            spread = any(k.arg is None for k in node.keywords)
            for code in codes:
                if code not in CATALOGUE or code == "plain" or not code_like.fullmatch(code):
                    problems.append(f"{where}:{node.lineno}: {code!r} is not a catalogue code")
                    continue
                wanted = fields(CATALOGUE[code][0]) | fields(CATALOGUE[code][1])
                if not passed <= wanted or not (spread or passed == wanted):
                    problems.append(f"{where}:{node.lineno}: {code} takes {sorted(wanted)}, got {sorted(passed)}")
        # codes kept in tables or passed along (ASSIGNMENT_NEEDS, setup's `code`) must exist too; a
        # name assigned a dotted key, a dict's key or a file name (settings keys, training.db) is no code
        for parent in ast.walk(tree):
            for child in _code_positions(parent):
                if (isinstance(child, ast.Constant) and isinstance(child.value, str)
                        and AREA_CODE.fullmatch(child.value) and child.value not in CATALOGUE):
                    problems.append(f"{where}:{child.lineno}: {child.value!r} looks like a code but is not in "
                                    f"CATALOGUE")
    assert problems == []
    assert dynamic < 10  # the few tables of codes; a bare sentence in a variable would hide here


def test_refs_show_configured_names_in_chinese_and_ids_in_english() -> None:
    refusal = PermissionDenied("perm.only_lead_resolves", lead=Ref("department", "zhujian"), case=7)
    names = {("department", "zhujian"): "县住房和城乡建设局"}
    assert refusal.message == "no permission: only the lead department (zhujian) resolves case 7"
    assert refusal.render("zh", lambda kind, ident: names.get((kind, ident))) == (
        "无权限：只有主责部门（县住房和城乡建设局）可以办结案件 #7")
    steps = refs("step", ["triage", "review_return"])
    assert render("case.step_not_now", {"case": 3, "state": Ref("state", "new"), "step": Ref("step", "resolve"),
                                        "allowed": steps}, "zh") == "案件 #3 当前为待分类，不能办结；现在可以：分类、退单审核"
    assert render("case.step_not_now", {"case": 3, "state": Ref("state", "new"), "step": Ref("step", "resolve"),
                                        "allowed": steps}, "en") == (
        "case 3 is new: cannot resolve; steps allowed now: triage, review return")


def test_a_nested_refusal_is_said_in_the_same_language() -> None:
    inner = ChuishaoError("time.bad_duration", text="'abc'")
    outer = ChuishaoError("training.bad_advance", by="abc", problem=inner)
    assert outer.message.startswith("cannot move the training clock by 'abc': duration 'abc' is not understood")
    assert outer.render("zh").startswith("无法把培训时钟拨快“abc”：时长 'abc' 无法识别")
    assert outer.as_json()["params"]["problem"] == inner.message
