"""Exercises as data: one TOML file each, shipped in models/training/exercises/ and added by trainers
in the folder `[training] exercises` of chuishao.toml names.

A file gives the situation (`[[cases]]`, each prepared by a template: `new` waiting for triage,
`whistled` waiting for dispatch, `returned` dispatched and sent back by its lead, `on_site` signed
for and reported on site, `resolved` with the lead's result, `extension` on site with an extension
request waiting), the task in plain
Chinese, the answer key (`[[answers]]`: per case the expected decision with its acceptable
alternatives, the rule that justifies it and its points) and penalties (`[[penalties]]`). Every
problem is reported as `file:line: key: why` (ConfigError, exit 2), and names of departments,
townships, duty items and situation refs are checked against the configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.errors import ChuishaoError, ConfigError, UsageError
from models.org.config import Config
from models.org.tomlspec import Checker, Validator, array, boolean, check_document, number, string, table

SHIPPED = Path(__file__).resolve().parent / "exercises"
SKILLS = ("triage", "duplicates", "split", "dispatch", "review", "extension", "supervision", "closing")
TEMPLATES = ("new", "whistled", "returned", "on_site", "resolved", "extension")
# What an answer checks, read from the case after the trainee's work (see models.training.scoring).
KINDS = ("decision", "lead", "cooperating", "review", "merged_with", "not_merged", "split_parts", "evaluation",
         "reopened", "closed", "extension", "paused")
PENALTIES = ("whistle_own_duty", "dispatch_returner", "close_unsatisfied", "approve_late_extension")
RATINGS = ("satisfied", "basically_satisfied", "unsatisfied", "unreachable")

ID = r"[a-z0-9][a-z0-9_\-]*"
STR = string()
STRS = array(string(), min_len=1)

SPEC: Validator = table({
    "id": string(ID), "title": STR, "skill": string(choices=SKILLS), "task": STR,
    "cases": array(table({
        "ref": string(ID), "template": string(choices=TEMPLATES), "channel": string(ID),
        "township": STR, "title": STR, "text": STR, "phone": STR, "name": STR, "address": STR,
        "category": STR, "duty_item": STR, "priority": STR, "lead": STR, "cooperating": array(STR),
        "return_reason": STR, "result": STR, "note": STR, "received_hours_ago": number(low=0),
        "extension_reason": STR, "extension_by": STR, "extension_after_deadline": boolean(),
    }, required=("ref", "template", "channel", "text")), min_len=1),
    "answers": array(table({
        "case": string(ID), "kind": string(choices=KINDS), "expect": STRS, "rule": STR,
        "points": number(int, 1), "explain": STR,
    }, required=("case", "kind", "rule", "points")), min_len=1),
    "penalties": array(table({
        "kind": string(choices=PENALTIES), "points": number(int, 1), "rule": STR,
    }, required=("kind", "points", "rule"))),
}, required=("id", "title", "skill", "task", "cases", "answers"))


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    skill: str
    task: str
    cases: tuple[dict[str, Any], ...]
    answers: tuple[dict[str, Any], ...]
    penalties: tuple[dict[str, Any], ...]
    path: str

    @property
    def max_points(self) -> int:
        return sum(int(a["points"]) for a in self.answers)


def parse_exercise(text: str, path: Path, config: Config) -> Exercise:
    """Validate one exercise file's text; ConfigError lists every problem with its line."""
    data, checker = check_document(text, str(path), SPEC)
    if not checker.problems:
        _check_names(checker, data, config)
    if checker.problems:
        raise ConfigError(checker.problems)
    return Exercise(data["id"], data["title"], data["skill"], _paragraphs(data["task"]), tuple(data["cases"]),
                    tuple(data["answers"]), tuple(data.get("penalties", [])), str(path))


def _paragraphs(text: str) -> str:
    """A task as the trainer wrote it, re-flowed: lines of a paragraph joined (Chinese needs no
    spaces), paragraphs kept apart by one blank line, so the console wraps it at any width."""
    blocks = [block.splitlines() for block in text.strip().split("\n\n")]
    return "\n\n".join("".join(line.strip() for line in block) for block in blocks if block)


def _known(checker: Checker, where: tuple[Any, ...], lookup: Any, value: str) -> None:
    try:
        lookup(value)
    except ChuishaoError as exc:
        checker.add(where, exc.message)


def _check_names(checker: Checker, data: dict[str, Any], config: Config) -> None:
    refs: dict[str, int] = {}
    for i, case in enumerate(data["cases"]):
        where = ("cases", i)
        if case["ref"] in refs:
            checker.add((*where, "ref"), f"duplicate ref '{case['ref']}' (first at case {refs[case['ref']] + 1})")
        refs.setdefault(case["ref"], i)
        if case["channel"] not in config.channels:
            checker.add((*where, "channel"), f"unknown channel '{case['channel']}'")
        for key, lookup in (("township", config.township), ("category", config.category),
                            ("duty_item", config.duty_item), ("lead", config.department)):
            if key in case:
                _known(checker, (*where, key), lookup, case[key])
        for j, dept in enumerate(case.get("cooperating", [])):
            _known(checker, (*where, "cooperating", j), config.department, dept)
        if case["template"] != "new":
            for key in ("township", "category", "priority"):
                if key not in case:
                    checker.add(where, f"template '{case['template']}' needs '{key}'")
            if case.get("priority", "general") not in config.priorities:
                checker.add((*where, "priority"), f"unknown priority '{case['priority']}'")
        if case["template"] == "returned" and not {"lead", "return_reason"} <= set(case):
            checker.add(where, "template 'returned' needs 'lead' (who returned it) and 'return_reason'")
        if case["template"] == "on_site" and "lead" not in case:
            checker.add(where, "template 'on_site' needs 'lead' (who is on site)")
        if case["template"] == "extension" and not {"lead", "extension_reason", "extension_by"} <= set(case):
            checker.add(where, "template 'extension' needs 'lead', 'extension_reason' and 'extension_by' (e.g. \"5wd\")")
        if case["template"] == "resolved" and not {"lead", "result"} <= set(case):
            checker.add(where, "template 'resolved' needs 'lead' and 'result' (what the lead reported)")
    for i, answer in enumerate(data["answers"]):
        where = ("answers", i)
        if answer["case"] not in refs:
            checker.add((*where, "case"), f"no situation case has ref '{answer['case']}'")
        expect = answer.get("expect", [])
        if answer["kind"] != "not_merged" and not expect:
            checker.add(where, f"kind '{answer['kind']}' needs 'expect' (the acceptable answers)")
        for j, value in enumerate(expect):
            at = (*where, "expect", j)
            if answer["kind"] == "decision" and value not in ("local", "whistle", "reject"):
                checker.add(at, f"'{value}' is not one of: local, whistle, reject")
            elif answer["kind"] == "review" and value not in ("uphold", "redispatch"):
                checker.add(at, f"'{value}' is not one of: uphold, redispatch")
            elif answer["kind"] == "split_parts" and not value.isdigit():
                checker.add(at, f"'{value}' is not a number of parts")
            elif answer["kind"] == "evaluation" and value not in RATINGS:
                checker.add(at, f"'{value}' is not one of: {', '.join(RATINGS)}")
            elif answer["kind"] == "extension" and value not in ("approve", "refuse"):
                checker.add(at, f"'{value}' is not one of: approve, refuse")
            elif answer["kind"] in ("reopened", "closed", "paused") and value not in ("yes", "no"):
                checker.add(at, f"'{value}' is not one of: yes, no")
            elif answer["kind"] in ("lead", "cooperating"):
                _known(checker, at, config.department, value)
            elif answer["kind"] in ("merged_with", "not_merged") and value not in refs:
                checker.add(at, f"no situation case has ref '{value}'")
        if answer["kind"] == "not_merged" and not expect:
            checker.add(where, "kind 'not_merged' needs 'expect': the refs it must stay apart from")


def folders(config: Config) -> list[Path]:
    """Where exercises come from: the shipped ones, then the trainers' folder (if configured)."""
    extra = config.section("training").get("exercises")
    return [SHIPPED] + ([Path(str(extra)).expanduser()] if extra else [])


def load_all(config: Config) -> dict[str, Exercise]:
    """Every exercise by id; a trainer's file with a shipped id replaces the shipped one."""
    found: dict[str, Exercise] = {}
    problems: list[str] = []
    for folder in folders(config):
        if not folder.is_dir():
            if folder != SHIPPED:
                problems.append(f"{folder}: the trainers' exercise folder does not exist "
                                f"([training] exercises in chuishao.toml)")
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                exercise = parse_exercise(path.read_text(encoding="utf-8"), path, config)
            except ConfigError as exc:
                problems.extend(exc.problems)
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"{path}:1: cannot read the exercise: {exc}")
            else:
                found[exercise.id] = exercise
    if problems:
        raise ConfigError(problems)
    return found


def get_exercise(config: Config, exercise_id: str) -> Exercise:
    exercises = load_all(config)
    if exercise_id not in exercises:
        raise UsageError("training.no_exercise", exercise=exercise_id, known=", ".join(sorted(exercises)))
    return exercises[exercise_id]
