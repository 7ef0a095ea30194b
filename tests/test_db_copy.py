"""`chuishao db copy`: a county moved whole (ids, events, hash chain, search) from an SQLite file into
an empty database on either engine (PostgreSQL when the suite has a server), checked on the target."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from models.ledger import copy

DEMO = ("demo", "--cases", "40", "--seed", "3", "--now", "2026-11-20T00:00")


def _json(result: Result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_copy_moves_everything_and_the_target_goes_on_numbering_and_chaining(
        cli_run: Callable[..., Result], db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(copy, "PARAMS", 300)  # many small batches: every table crosses batch boundaries
    monkeypatch.setattr(copy, "BATCH", 7)
    source = f"sqlite:///{tmp_path / 'source' / 'county.db'}"
    assert cli_run(*DEMO, db=source).exit_code == 0
    done = _json(cli_run("db", "copy", "--from", source, "--to", db_url, "--json", db=source))
    assert done["ok"] and done["problems"] == [] and done["rows"]["case"] >= 40  # type: ignore[index]
    assert done["indexed"] == done["rows"]["case"]  # type: ignore[index]
    for args in (("case", "list", "--view", "all", "--limit", "1000", "--json"), ("case", "history", "7", "--json"),
                 ("case", "list", "--search", "噪音", "--json"), ("report", "scoreboard", "--month", "2026-10",
                                                                  "--json")):
        assert _json(cli_run(*args, db=db_url)) == _json(cli_run(*args, db=source)), args
    head = _json(cli_run("audit", "verify", "--json", db=source))["head"]  # type: ignore[index]
    assert _json(cli_run("audit", "verify", "--anchor", head, "--json", db=db_url))["ok"]  # type: ignore[index]
    added = cli_run("intake", "add", "--channel", "grid", "--text", "复制后第一件：东关社区路灯不亮", db=db_url)
    assert added.exit_code == 0, added.output
    last = max(c["id"] for c in _json(cli_run("case", "list", "--view", "all", "--limit", "1000", "--json", db=source)))  # type: ignore[index,union-attr]
    assert f"#{last + 1}" in added.output or str(last + 1) in added.output
    assert _json(cli_run("audit", "verify", "--json", db=db_url))["ok"]  # type: ignore[index]


def test_copy_refuses_a_target_that_holds_anything(cli_run: Callable[..., Result], db_url: str,
                                                   tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'source' / 'county.db'}"
    assert cli_run(*DEMO, db=source).exit_code == 0
    assert cli_run("init", db=db_url).exit_code == 0  # an initialised county: its admin operator is a row
    refused = cli_run("db", "copy", "--from", source, "--to", db_url, db=source)
    assert refused.exit_code == 1 and "is not empty" in refused.output and "operator" in refused.output
    assert cli_run("db", "copy", "--from", source, "--to", source, db=source).exit_code == 2
