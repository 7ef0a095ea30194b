"""Scoring a sandbox against its exercise's answer key, from the cases and events the trainee left.

The same code scores work done in the console or by batch commands: it reads only the database.
Each answer compares the case as it stands after the trainee's steps (decision, lead, active
cooperating assignments, merges) or the trainee's own events (the review of a return) with the
acceptable answers; each penalty counts the trainee's events that did the wrong thing (whistling a
township duty item, re-dispatching to the department that just returned the case, closing a case
the citizen called unsatisfied, approving an extension requested after the deadline). Attempts are kept in the sandbox (Setting "training.attempts", carried over when it is rebuilt).
"""

from __future__ import annotations

import json
from typing import Any

import peewee as pw

from models.errors import UsageError
from models.org.config import Config
from models.store.schema import Assignment, Case, Evaluation, Event, Extension
from models.store.settings import read_setting, write_setting
from models.text.labels import label
from models.training.exercises import Exercise
from models.training.sandbox import ATTEMPTS, marker


def _root(case_id: int) -> int:
    """The case a case ended up in, following merges."""
    seen: set[int] = set()
    current = Case.get_by_id(case_id)
    while current.merged_into_id is not None and current.id not in seen:
        seen.add(current.id)
        current = Case.get_by_id(current.merged_into_id)
    return int(current.id)


def _trainee_events(baseline: int, action: str, case_id: int | None = None) -> list[dict[str, Any]]:
    query = Event.select().where((Event.id > baseline) & (Event.action == action))
    if case_id is not None:
        query = query.where(Event.case == case_id)
    return [{"id": e.id, "action": e.action, "case": e.case, "after": json.loads(e.after), "at": e.at}
            for e in query.order_by(Event.id)]


def _latest_callback(case_id: int, baseline: int) -> str | None:
    """The trainee's latest citizen callback on the case: its rating, or "unreachable"."""
    events = [e for e in _trainee_events(baseline, "evaluate", case_id) if e["after"].get("source") == "citizen"]
    if not events:
        return None
    last = events[-1]["after"]
    return "unreachable" if last.get("outcome") == "unreachable" else last.get("rating")


_EXTENSION = {"approve": "批准延期", "refuse": "不予延期"}


def _late_approval(event: dict[str, Any]) -> bool:
    """An approval of a request made when the resolve deadline had already passed."""
    row = Extension.get_or_none(Extension.id == event["after"].get("extension_id"))
    return row is not None and row.old_due is not None and row.requested_at >= row.old_due


def _rating(rating: str) -> str:
    return "联系不上" if rating == "unreachable" else label("rating", rating)


def _closed_unsatisfied(event: dict[str, Any]) -> bool:
    """A close over the citizen's word: the round's latest rated evaluation was 不满意."""
    case = Case.get_by_id(event["case"])
    latest = (Evaluation.select().where((Evaluation.case == case.id) & (Evaluation.outcome == "rated")
                                        & (Evaluation.round == case.reopen_count) & (Evaluation.created_at <= event["at"]))
              .order_by(Evaluation.id.desc()).first())
    return latest is not None and latest.rating == "unsatisfied"


def _dept(config: Config, dept: str | None) -> str:
    if not dept:
        return "（未定）"
    return config.departments[dept].name if dept in config.departments else dept


def _answer(config: Config, answer: dict[str, Any], refs: dict[str, int], baseline: int) -> dict[str, Any]:
    case_id = refs[answer["case"]]
    case = Case.get_by_id(case_id)
    kind, expect = answer["kind"], list(answer.get("expect", []))
    if kind == "decision":
        right, got = case.decision in expect, label("decision", case.decision) or "（未分类）"
        wanted = " 或 ".join(label("decision", e) for e in expect)
    elif kind == "lead":
        want_ids = [config.department(e).id for e in expect]
        right, got = case.lead in want_ids, _dept(config, case.lead)
        wanted = " 或 ".join(_dept(config, e) for e in want_ids)
    elif kind == "cooperating":
        have = {a.department for a in Assignment.select().where(
            (Assignment.case == case_id) & Assignment.active & (Assignment.role == "cooperating"))}
        want_ids = [config.department(e).id for e in expect]
        right = set(want_ids) <= have
        got = "、".join(_dept(config, d) for d in sorted(have)) or "（无）"
        wanted = "、".join(_dept(config, e) for e in want_ids)
    elif kind == "review":
        reviews = _trainee_events(baseline, "review_return", case_id)
        decided = reviews[-1]["after"].get("decision") if reviews else None
        right, got = decided in expect, label("review", decided) or "（未审核）"
        wanted = " 或 ".join(label("review", e) for e in expect)
    elif kind == "split_parts":
        parts = Case.select().where(Case.parent == case_id).count() if case.state == "split" else 0
        right, got = str(parts) in expect, f"拆分为 {parts} 件" if parts else "未拆分"
        wanted = " 或 ".join(f"拆分为 {e} 件" if e != "0" else "不拆分" for e in expect)
    elif kind == "evaluation":
        rated = _latest_callback(case_id, baseline)
        right, got = rated in expect, _rating(rated) if rated else "（未回访）"
        wanted = " 或 ".join(_rating(e) for e in expect)
    elif kind == "extension":
        decided = [e for action in ("extension_approve", "extension_refuse")
                   for e in _trainee_events(baseline, action, case_id)]
        last = max(decided, key=lambda e: e["id"], default=None)
        choice = None if last is None else ("approve" if last["action"] == "extension_approve" else "refuse")
        right, got = choice in expect, _EXTENSION.get(choice or "", "（未审批）")
        wanted = " 或 ".join(_EXTENSION[e] for e in expect)
    elif kind in ("reopened", "closed", "paused"):
        done = (bool(_trainee_events(baseline, "reopen", case_id)) if kind == "reopened"
                else case.state == "closed" if kind == "closed"
                else bool(case.paused_since) and bool(_trainee_events(baseline, "pause", case_id)))
        right = ("yes" if done else "no") in expect
        verb = label("answer_kind", kind)
        got, wanted = (f"已{verb}" if done else f"未{verb}"), (f"应{verb}" if "yes" in expect else f"不应{verb}")
    else:
        root = _root(case_id)
        together = [_root(refs[other]) == root for other in expect]
        right = all(together) if kind == "merged_with" else not any(together)
        got = "已合并为同一案件" if any(together) else "仍为各自独立的案件"
        wanted = "合并为同一案件" if kind == "merged_with" else "保持为各自独立的案件"
    points = int(answer["points"])
    return {"case": answer["case"], "case_id": case_id, "title": case.title, "kind": kind, "kind_label": label("answer_kind", kind),
            "right": right, "got": got, "expected": wanted, "rule": answer["rule"],
            "explain": answer.get("explain", ""), "points": points, "earned": points if right else 0}


def _penalties(config: Config, exercise: Exercise, refs: dict[str, int], baseline: int) -> list[dict[str, Any]]:
    ours = set(refs.values())
    out = []
    for penalty in exercise.penalties:
        if penalty["kind"] == "whistle_own_duty":
            hits = [e for e in _trainee_events(baseline, "triage") if e["case"] in ours
                    and e["after"].get("decision") == "whistle" and e["after"].get("duty_scope") == "township"]
        elif penalty["kind"] == "approve_late_extension":
            hits = [e for e in _trainee_events(baseline, "extension_approve") if e["case"] in ours and _late_approval(e)]
        elif penalty["kind"] == "close_unsatisfied":
            hits = [e for e in _trainee_events(baseline, "close") if e["case"] in ours and _closed_unsatisfied(e)]
        else:
            hits = [e for e in _trainee_events(baseline, "review_return") if e["case"] in ours
                    and e["after"].get("decision") == "redispatch"
                    and e["after"].get("lead") in e["after"].get("returned", [])]
        if hits:
            out.append({"kind": penalty["kind"], "label": label("penalty", penalty["kind"]),
                        "count": len(hits), "points": -int(penalty["points"]) * len(hits), "rule": penalty["rule"],
                        "cases": sorted({int(e["case"]) for e in hits})})
    return out


def check(config: Config, db: pw.Database, exercise: Exercise, *, wall_now: int, sim_now: int) -> dict[str, Any]:
    """Score the sandbox's exercise; the result names every decision, penalty and the time taken."""
    made = marker(db)
    if made is None:
        raise UsageError("training.not_training", command="chuishao training start")
    if made["exercise"] != exercise.id:
        raise UsageError("training.other_exercise", made=made["exercise"], exercise=exercise.id)
    refs = {k: int(v) for k, v in made["cases"].items()}
    baseline = int(made["baseline_event"])
    answers = [_answer(config, a, refs, baseline) for a in exercise.answers]
    penalties = _penalties(config, exercise, refs, baseline)
    earned = sum(a["earned"] for a in answers) + sum(p["points"] for p in penalties)
    score = max(0, earned)
    return {"exercise": exercise.id, "title": exercise.title, "skill": exercise.skill,
            "trainee": made["trainee"], "score": score, "max": exercise.max_points,
            "percent": round(100 * score / exercise.max_points), "right": sum(a["right"] for a in answers),
            "decisions": answers, "penalties": penalties,
            "seconds_taken": max(0, wall_now - int(made["started_wall"])),
            "simulated_seconds": max(0, sim_now - int(made["sim_start"]))}


def record_attempt(result: dict[str, Any], wall_now: int) -> list[dict[str, Any]]:
    """Keep this check as an attempt of the trainee; returns every attempt kept in the sandbox."""
    attempts = list(read_setting(ATTEMPTS) or [])
    attempts.append({key: result[key] for key in ("exercise", "skill", "trainee", "score", "max", "percent",
                                                  "seconds_taken")} | {"at": wall_now})
    write_setting(ATTEMPTS, attempts, wall_now)
    return attempts


def progress(trainee: str | None = None) -> dict[str, Any]:
    """Progress per skill over the kept attempts: attempts, exercises tried, best, latest."""
    attempts = [a for a in read_setting(ATTEMPTS) or [] if trainee is None or a["trainee"] == trainee]
    skills: dict[str, dict[str, Any]] = {}
    for attempt in attempts:
        row = skills.setdefault(attempt["skill"], {"skill": attempt["skill"], "label": label("skill", attempt["skill"]),
                                                   "attempts": 0, "exercises": [], "best": 0, "latest": 0})
        row["attempts"] += 1
        if attempt["exercise"] not in row["exercises"]:
            row["exercises"].append(attempt["exercise"])
        row["best"] = max(row["best"], attempt["percent"])
        row["latest"] = attempt["percent"]
    return {"trainee": trainee, "attempts": len(attempts), "skills": list(skills.values())}


def situation(db: pw.Database) -> list[tuple[int, str, str]]:
    """The exercise's cases in the sandbox: (case number, title, state label), for the trainee's list."""
    made = marker(db) or {}
    ids = sorted(int(v) for v in made.get("cases", {}).values())
    return [(c.id, c.title, label("state", c.state)) for c in Case.select().where(Case.id.in_(ids)).order_by(Case.id)]


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours} 小时 {rest // 60} 分" if hours else f"{rest // 60} 分 {rest % 60} 秒"


def feedback_lines(result: dict[str, Any]) -> list[str]:
    """The feedback a trainee reads, in plain Chinese (the console and `training check` show it)."""
    lines = [f"练习：{result['title']}（{label('skill', result['skill'])}）",
             (f"得分：{result['score']} / {result['max']}（{result['percent']}%），"
             f"答对 {result['right']} / {len(result['decisions'])} 项；用时 {_duration(result['seconds_taken'])}，"
             f"模拟时间过去 {_duration(result['simulated_seconds'])}")]
    for d in result["decisions"]:
        mark = "✓ 正确" if d["right"] else "✗ 错误"
        lines.append(f"{mark}  案件 #{d['case_id']} {d['title']} · {d['kind_label']}："
                     f"你的处理是 {d['got']}，答案是 {d['expected']}（{d['earned']:+d} 分）")
        lines.append(f"    依据：{d['rule']}")
    for p in result["penalties"]:
        cases = "、".join(f"#{c}" for c in p["cases"])
        lines.append(f"✗ 扣分  {p['label']} ×{p['count']}（{cases}）（{p['points']:+d} 分）")
        lines.append(f"    依据：{p['rule']}")
    return lines
