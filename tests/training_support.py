"""Sandboxes for the training tests: each exercise's sandbox is built once through the real CLI and
copied (SQLite backup) for every scripted trainee, so each trainee starts from the same situation."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import Result

from tests.cli_support import ROOT, Clock, invoke

CONFIG = ROOT / "chuishao.toml"


class Sandbox:
    """One trainee's copy of an exercise's sandbox, driven through the CLI at a test clock."""

    def __init__(self, path: Path, refs: dict[str, int], clock: Clock) -> None:
        self.path, self.refs, self.clock = path, refs, clock

    def run(self, *args: str) -> Result:
        """A batch command on the sandbox (`chuishao --db SANDBOX …`)."""
        result = invoke(CONFIG, self.path, [str(a) for a in args], clock=self.clock)
        assert result.exit_code == 0, result.output
        return result

    def training(self, *args: str, config: Path = CONFIG) -> Result:
        return invoke(config, self.path.with_name("county.db"),
                      ["training", "--sandbox", str(self.path), *args], clock=self.clock)

    def check(self) -> dict:
        result = self.training("check", "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.output)


def build_sandbox(folder: Path, exercise: str) -> tuple[Path, dict[str, int]]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "training.db"
    result = invoke(CONFIG, folder / "county.db", ["training", "--sandbox", str(path), "start", "--exercise",
                                                   exercise, "--trainee", "小王", "--no-console", "--json"])
    assert result.exit_code == 0, result.output
    return path, {k: int(v) for k, v in json.loads(result.output)["cases"].items()}


def copy_of(template: tuple[Path, dict[str, int]], folder: Path, clock: Clock) -> Sandbox:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "training.db"
    with sqlite3.connect(template[0]) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return Sandbox(target, template[1], clock)




def sandbox_fixtures(names: tuple[str, ...]) -> tuple[object, object]:
    """A test module's `templates` (each exercise's sandbox, built once) and `sandbox` (a fresh copy
    of one for each trainee) fixtures: `templates, sandbox = sandbox_fixtures(EXERCISES)`."""
    @pytest.fixture(scope="module")
    def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, int]]]:
        base = tmp_path_factory.mktemp("sandboxes")
        return {name: build_sandbox(base / name, name) for name in names}

    @pytest.fixture
    def sandbox(templates: dict, tmp_path: Path, clock: Clock) -> object:
        return lambda name: copy_of(templates[name], tmp_path / name, clock)

    return templates, sandbox
