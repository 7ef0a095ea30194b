"""`chuishao training`: a sandbox apart from the county, exercises, advancing its simulated time,
scoring and progress. Thin over models/training."""

from __future__ import annotations

import click

from commands.common import Group, State, emit_json, json_option, pass_state, say, table
from models.errors import UsageError
from models.org.context import os_user
from models.org.db import database_url
from models.store.engine import sqlite_path
from models.text.labels import label
from models.training import build, capture, exercises, scoring
from models.training.sandbox import SandboxClock, marker
from models.training.sandbox import advance as advance_clock
from models.worktime.timeutil import local_short, to_epoch


class OpenConsole:
    """Returned by a command that ends by opening the console on the sandbox (console/cli.py does)."""


@click.group("training", cls=Group)
@click.option("--sandbox", "sandbox_path", help="The training database file "
              "(default: [training] database in chuishao.toml, else training.db in the user data dir).")
@pass_state
def training(state: State, sandbox_path: str | None) -> None:
    """Training mode: scored exercises on a sandbox copy of the demo county, never the county.

    Example: chuishao training start --exercise triage-mixed --trainee 小王
    """
    county = database_url(state.config, state.db_url)
    click.get_current_context().meta["training.county"] = county  # `capture` reads the county
    state.db_url = build.sandbox_url(state.config, sandbox_path)
    if state.db_url == county:
        raise UsageError(f"the training sandbox cannot be the county's database ({county}); "
                         f"choose another --sandbox path")


def _sandbox(state: State) -> dict:
    path = sqlite_path(state.url)
    if path is not None and not path.exists():  # opening it would leave an empty file behind
        raise UsageError(f"{path}: no training sandbox here; run `chuishao training start` first")
    made = marker(state.database())
    if made is None:
        raise UsageError(f"{state.url} is not a training database; run `chuishao training start` first")
    return made


@training.command("list")
@json_option
@pass_state
def list_exercises(state: State, as_json: bool) -> None:
    """The exercises: shipped ones and the trainers' folder ([training] exercises).

    Example: chuishao training list
    """
    found = sorted(exercises.load_all(state.config).values(), key=lambda e: (exercises.SKILLS.index(e.skill), e.id))
    if as_json:
        emit_json([{"id": e.id, "title": e.title, "skill": e.skill, "max": e.max_points, "path": e.path}
                   for e in found])
        return
    table(state.out, ("练习", "技能", "标题", "满分"),
          [(e.id, label("skill", e.skill), e.title, e.max_points) for e in found])


@training.command("start")
@click.option("--exercise", "exercise_id", default="triage-mixed", show_default=True, help="Exercise id.")
@click.option("--trainee", help="Trainee's name (default: your login).")
@click.option("--restart", is_flag=True, help="Rebuild the sandbox even if it holds this exercise already.")
@click.option("--no-console", is_flag=True, help="Build only; do not open the console.")
@json_option
@pass_state
def start(state: State, exercise_id: str, trainee: str | None, restart: bool, no_console: bool,
          as_json: bool) -> OpenConsole | None:
    """Build (or reuse) the sandbox for an exercise and open the console on it.

    Example: chuishao training start --exercise triage-mixed --trainee 小王
    """
    exercise = exercises.get_exercise(state.config, exercise_id)
    db = state.database(require_schema=False)
    started = build.start(state.config, db, exercise, trainee or os_user(), wall=to_epoch(state.clock()),
                          restart=restart)
    if as_json:
        emit_json({"sandbox": state.url, "reused": started.reused, **started.marker})
        return None
    what = "继续" if started.reused else "已建好"
    say(state.out, f"培训沙盘{what}：{state.url}（不是县里的正式数据库）")
    say(state.out, f"练习：{exercise.title}")
    say(state.out, exercise.task)
    if no_console:
        say(state.out, f"在沙盘上操作：chuishao --db {state.url} …；评分：chuishao training check")
        return None
    return OpenConsole()


@training.command("console")
@pass_state
def console(state: State) -> OpenConsole:
    """Open the console on the sandbox again (with the 培训模式 banner).

    Example: chuishao training console
    """
    _sandbox(state)
    return OpenConsole()


@training.command("advance")
@click.argument("by")
@pass_state
def advance(state: State, by: str) -> None:
    """Move the sandbox's simulated time forward (30m, 4h, 1d): clocks run down, reminders come due.

    Example: chuishao training advance 1d
    """
    _sandbox(state)
    clock = state.ctx.clock
    assert isinstance(clock, SandboxClock)
    moment = advance_clock(state.database(), clock, by, state.ctx.actor)
    say(state.out, f"模拟时间已前进 {by}，现在是 {local_short(to_epoch(moment), state.config.tz)}")


@training.command("check")
@click.argument("exercise_id", required=False)
@json_option
@pass_state
def check(state: State, exercise_id: str | None, as_json: bool) -> None:
    """Score the sandbox against the exercise's answer key (the attempt is kept).

    Example: chuishao training check triage-mixed --json
    """
    made = _sandbox(state)
    exercise = exercises.get_exercise(state.config, exercise_id or made["exercise"])
    result = scoring.check(state.config, state.database(), exercise, wall_now=to_epoch(state.clock()),
                           sim_now=to_epoch(state.ctx.clock()))
    scoring.record_attempt(result, to_epoch(state.clock()), state.ctx.actor)
    if as_json:
        emit_json(result)
        return
    for line in scoring.feedback_lines(result):
        say(state.out, line)


@training.command("report")
@click.option("--trainee", help="Only this trainee's attempts.")
@json_option
@pass_state
def report(state: State, trainee: str | None, as_json: bool) -> None:
    """Progress per skill over the attempts kept in the sandbox.

    Example: chuishao training report --trainee 小王
    """
    _sandbox(state)
    result = scoring.progress(trainee)
    if as_json:
        emit_json(result)
        return
    table(state.out, ("技能", "次数", "练习", "最好", "最近"),
          [(s["label"], s["attempts"], ", ".join(s["exercises"]), f"{s['best']}%", f"{s['latest']}%")
           for s in result["skills"]], title=f"培训进度（共 {result['attempts']} 次）")


@training.command("capture")
@click.argument("case_ids", nargs=-1, type=int, required=True)
@click.option("--exercise-out", "out_path", required=True, type=click.Path(dir_okay=False),
              help="The exercise TOML to write (a new file).")
@click.option("--id", "exercise_id", default="captured", show_default=True, help="The new exercise's id.")
@pass_state
def capture_cases(state: State, case_ids: tuple[int, ...], out_path: str, exercise_id: str) -> None:
    """Copy real cases of the county's database into a new exercise, phones and names replaced.

    Example: chuishao training capture 1204 1377 --exercise-out ~/exercises/morning.toml
    """
    state.db_url = click.get_current_context().meta["training.county"]
    if marker(state.database()) is not None:
        raise UsageError(f"{state.url} is a training sandbox; capture copies cases from the county's database")
    ctx = state.ctx
    if ctx.operator.role not in ("admin", "dispatcher"):
        raise UsageError("capturing real cases for training is for the dispatch office and admins")
    cases = capture.capture(ctx, list(case_ids))
    try:
        with open(out_path, "x", encoding="utf-8") as out:
            out.write(capture.exercise_toml(exercise_id, cases))
    except OSError as exc:
        raise UsageError(f"{out_path}: cannot write the exercise ({exc.strerror}); give a new file") from None
    say(state.out, f"{len(cases)} case(s) written to {out_path} (phones and names replaced); "
                   f"write its task and answers, then put it in the [training] exercises folder")
