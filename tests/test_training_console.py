"""Training mode in the console at 80×24: the banner on every screen of a sandbox and never on the
county, the refusals, and an exercise finished by key presses alone, scored on F6."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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
from tests.console_support import notifications, open_first_case, run_async, screen_text, settle
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
        assert first.startswith(" 培训模式 │ 模拟时间 11-20 09:00 │ F6 任务与评分 │ 三件吹哨件"), first
        await pilot.press("f6")  # the task, and which cases are the exercise's
        await settle(pilot)
        shown = screen_text(app)
        assert "培训任务：三件吹哨件：一个主责，几个配合" in shown and f"#{refs['gas_leak']}" in shown
        assert shown.startswith(" 培训模式")
        await pilot.press("escape", "2")  # the queue's 待分哨 view holds the three whistled cases
        for _ in range(3):
            screen = await open_first_case(pilot)
            assert "培训模式" in screen_text(app).splitlines()[0]
            assert screen.case_id in refs.values()
            await pilot.press("d")  # the dispatch dialog opens with the duty list's lead and cooperating
            await settle(pilot)
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
        assert "得分：45 / 45（100%），答对 6 / 6 项" in shown, shown
        await pilot.press("d")  # simulated time one day on, shown in the banner
        await settle(pilot)
        assert "模拟时间 11-21 09:00" in screen_text(app).splitlines()[0]
