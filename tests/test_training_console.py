"""Training mode in the console at 80×24: the banner on every screen of a sandbox and never on the
county, the refusals, and an exercise finished by key presses alone, scored on F6."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from console.app import create_app
from models.errors import UsageError
from models.org.config import Config
from models.org.context import Context, resolve_identity
from models.org.db import connect
from models.store.schema import Case
from models.training.sandbox import sandbox_clock
from screens.case_view import CaseScreen
from screens.training import TrainingScreen
from tests.cli_support import Clock
from tests.console_support import notifications, open_first_case, pinyin_ready, run_async, screen_text, settle
from tests.training_support import build_sandbox

SMALL = (80, 24)


def _sandbox_ctx(config: Config, tmp_path: Path, exercise: str, clock: Clock) -> tuple[Context, dict[str, int]]:
    path, refs = build_sandbox(tmp_path / "training", exercise)
    db = connect(f"sqlite:///{path}")
    sim = sandbox_clock(db, clock)
    assert sim is not None
    return resolve_identity(config, db, None, clock=sim), refs


def test_the_console_refuses_the_wrong_kind_of_database(config: Config, tmp_path: Path, clock: Clock,
                                                        ctx_for: Callable[..., Context]) -> None:
    county = ctx_for()
    with pytest.raises(UsageError, match="training mode never opens the county"):
        create_app(county, training=True)
    assert create_app(county).training is None
    ctx, _ = _sandbox_ctx(config, tmp_path, "dispatch-multi", clock)
    with pytest.raises(UsageError, match="this is a training database"):
        create_app(ctx, training=False)


@run_async
async def test_the_county_console_has_no_banner(ctx_for: Callable[..., Context]) -> None:
    app = create_app(ctx_for(), poll_interval=60)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert "培训模式" not in screen_text(app)
        await pilot.press("f6")
        await settle(pilot)
        assert not isinstance(app.screen, TrainingScreen)


@run_async
async def test_dispatch_exercise_by_keys_alone(config: Config, tmp_path: Path, clock: Clock) -> None:
    ctx, refs = _sandbox_ctx(config, tmp_path, "dispatch-multi", clock)
    app = create_app(ctx, training=True, poll_interval=60)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        first = screen_text(app).splitlines()[0]
        assert first.startswith(" 培训模式 │ 模拟时间 11-20 09:00 │ F6 任务与评分 │ 四件吹哨件"), first
        await pilot.press("f6")  # the task, and which cases are the exercise's
        await settle(pilot)
        shown = screen_text(app)
        assert "培训任务：四件吹哨件：一个主责，几个配合" in shown and f"#{refs['gas_leak']}" in shown
        assert shown.startswith(" 培训模式")
        await pinyin_ready(pilot)
        await pilot.press("escape", "2")  # the queue's 待分哨 view holds the four whistled cases
        for _ in range(4):
            screen = await open_first_case(pilot)
            assert "培训模式" in screen_text(app).splitlines()[0]
            assert screen.case_id in refs.values()
            await pilot.press("d")  # the dispatch dialog opens with the duty list's lead and cooperating
            await settle(pilot)
            if screen.case_id == refs["fire_lane"]:  # the suggestion follows the whistle's CS-031: correct it
                assert "将提交：主责 交警大队" in _summary(app), _summary(app)
                await pilot.press(*"xiaofang", "enter")  # the lead; Enter moves on to the cooperating
                await pilot.press(*"jiaotong", "enter", "ctrl+u", *"jiaojing", "enter")  # one off, one on
                await settle(pilot)
                assert "主责 消防大队" in _summary(app) and "配合 交警大队" in _summary(app), _summary(app)
            await pilot.press("ctrl+o")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen), notifications(app)
            await pilot.press("escape")
            await settle(pilot)
        assert {Case.get_by_id(i).state for i in refs.values()} == {"dispatched"}
        await pilot.press("4")  # not the training screen: a queue view key, nothing moves the clock
        await pilot.press("f6", "c")
        await settle(pilot)
        shown = screen_text(app)
        assert "得分：60 / 60（100%），答对 8 / 8 项" in shown, shown
        await pilot.press("d")  # simulated time one day on, shown in the banner
        await settle(pilot)
        assert "模拟时间 11-21 09:00" in screen_text(app).splitlines()[0]


TRIAGE_KEY = {"garbage": "属地办理", "waterpipe": "吹哨", "dispute": "属地办理", "illegal_build": "吹哨",
              "debt": "不予受理", "straw": "属地办理"}


def _summary(app: Any) -> str:
    """The dialog's 将提交 line as the trainee reads it (it may wrap over two rows)."""
    text = screen_text(app)
    start = text.find("将提交：")
    return "".join(line.strip(" │") for line in text[start:].splitlines()[:2])


async def _tab_to(pilot: Any, field: str) -> None:
    """Tab on to a field, as the trainee does, watching where the cursor is."""
    for _ in range(8):
        await settle(pilot)
        if pilot.app.focused is not None and pilot.app.focused.id == field:
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached #{field}")


@run_async
async def test_triage_exercise_by_keys_alone(config: Config, tmp_path: Path, clock: Clock) -> None:
    """The first exercise at 80×24 with keys only: every decision, 不予受理 with its reason included,
    chosen with ←/→ in the decision field (the choice shows as ▐●▌ even without colour)."""
    ctx, refs = _sandbox_ctx(config, tmp_path, "triage-mixed", clock)
    app = create_app(ctx, training=True, poll_interval=60)
    async with app.run_test(size=SMALL) as pilot:
        await pinyin_ready(pilot)
        await settle(pilot)
        for ref, decision in TRIAGE_KEY.items():
            await pilot.press("colon", *str(refs[ref]), "enter")  # go to the case by its number
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen) and app.screen.case_id == refs[ref]
            await pilot.press("t")
            await settle(pilot)
            if "请填写：分类" in _summary(app):  # nothing suggested: pick 其他 by its pinyin
                await pilot.press(*"qita", "enter")
            await _tab_to(pilot, "duty")
            if decision == "吹哨":
                await pilot.press("home")  # cite no township duty item when whistling
            await _tab_to(pilot, "decision")  # the decision field: ←/→ choose
            for _ in range(4):  # the 将提交 line says what is chosen (a reject first asks for its reason)
                await settle(pilot)
                if f"决定 {decision}" in _summary(app) or (decision == "不予受理" and "不予受理必须写明理由" in _summary(app)):
                    break
                await pilot.press("right")
            if decision != "不予受理":
                assert f"▐●▌ {decision}" in screen_text(app)  # the choice shows without colour too
            else:
                assert "不予受理必须写明理由" in _summary(app)  # the line says what is still missing
                await pilot.press("tab", *"民间借贷纠纷不属于政府职能，请通过诉讼途径解决")
                await settle(pilot)
            assert f"决定 {decision}" in _summary(app), _summary(app)
            assert "优先级 紧急" not in _summary(app)  # opening the dialog chose nothing the suggestion did not
            await pilot.press("ctrl+o")
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen), (screen_text(app), notifications(app))
            await pilot.press("escape")
            await settle(pilot)
        assert {ref: Case.get_by_id(i).decision for ref, i in refs.items()} == {
            "garbage": "local", "waterpipe": "whistle", "dispute": "local", "illegal_build": "whistle",
            "debt": "reject", "straw": "local"}
        await pilot.press("f6", "c")
        await settle(pilot)
        shown = screen_text(app)
        assert "得分：60 / 60（100%），答对 6 / 6 项" in shown, shown
        assert shown.startswith(" 培训模式")


@run_async
async def test_the_training_screen_reads_its_cases_on_a_worker(config: Config, tmp_path: Path, clock: Clock,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from models.training import scoring

    ctx, refs = _sandbox_ctx(config, tmp_path, "supervision-morning", clock)
    threads: list[str] = []
    situation = scoring.situation

    def watched(db: Any) -> list[tuple[int, str, str]]:
        threads.append(threading.current_thread().name)
        return situation(db)

    monkeypatch.setattr(scoring, "situation", watched)
    app = create_app(ctx, training=True, poll_interval=60)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, TrainingScreen)
        assert "督办岗的早晨" in screen_text(app)
        app.screen.query_one("#training-body").scroll_end(animate=False, immediate=True)
        await settle(pilot)
        assert f"#{refs['muck_trucks']} 渣土车夜里沿路撒漏" in screen_text(app)
    assert threads and threading.main_thread().name not in threads
