"""The batch CLI end to end: the acceptance flow, refusals, help, demo and upgrades."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import click
from click.testing import Result

from console.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_a_case_through_its_whole_life(cli_run: Callable[..., Result]) -> None:
    ok(cli_run("init"))
    created = json.loads(ok(cli_run("intake", "add", "--channel", "hotline_12345", "--text", "西关村路面塌陷，车辆无法通行",
                                    "--phone", "13812345678", "--township", "城关镇", "--source-id", "GD-1",
                                    "--received", "2026-11-26T09:00", "--json")))
    case_id = str(created["case_id"])
    ok(cli_run("case", "triage", case_id, "--category", "城乡建设", "--township", "chengguan",
               "--priority", "general", "--decision", "whistle", "--duty-item", "CS-027"))
    ok(cli_run("case", "dispatch", case_id, "--lead", "县交通运输局", "--coop", "zhujian", "--coop", "jiaojing"))
    for dept in ("jiaotong", "zhujian", "jiaojing"):
        ok(cli_run("case", "ack", case_id, "--dept", dept))
        ok(cli_run("case", "arrive", case_id, "--dept", dept))
    ok(cli_run("case", "note", case_id, "--text", "已设置围挡"))
    ok(cli_run("case", "resolve", case_id, "--result", "已修复路面"))
    ok(cli_run("case", "evaluate", case_id, "--source", "citizen", "--rating", "satisfied"))
    ok(cli_run("case", "close", case_id))
    shown = json.loads(ok(cli_run("case", "show", case_id, "--json")))
    assert shown["state"] == "closed" and shown["lead"] == "jiaotong"
    assert sorted(shown["cooperating"]) == ["jiaojing", "zhujian"]
    assert shown["reports"][0]["source_id"] == "GD-1" and shown["received_at"] == "2026-11-26T09:00:00+08:00"
    history = json.loads(ok(cli_run("case", "history", case_id, "--json")))
    assert [e["action"] for e in history] == ["intake", "triage", "dispatch", "acknowledge", "arrive", "acknowledge",
                                              "arrive", "acknowledge", "arrive", "note", "resolve", "evaluate", "close"]
    assert all(e["operator"] == "root" for e in history)
    assert history[-1]["state_before"] == "resolved" and history[-1]["state_after"] == "closed"


def test_refused_step_exits_1_with_one_line(cli_run: Callable[..., Result]) -> None:
    ok(cli_run("init"))
    ok(cli_run("intake", "add", "--channel", "grid", "--text", "垃圾没人清运"))
    result = cli_run("case", "close", "1")
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "case 1 is new: cannot close; steps allowed now: triage" in result.output
    assert "Traceback" not in result.output
    missing = cli_run("case", "show", "42")
    assert missing.exit_code == 1 and "case 42 does not exist" in missing.output


def test_usage_errors_exit_2(cli_run: Callable[..., Result], tmp_path: Path) -> None:
    ok(cli_run("init"))
    bad_time = cli_run("intake", "add", "--channel", "grid", "--text", "x", "--received", "yesterday")
    assert bad_time.exit_code == 2 and "not ISO 8601" in bad_time.output
    fresh = cli_run("case", "list", db=tmp_path / "empty.db")
    assert fresh.exit_code == 2 and "chuishao init" in fresh.output


def test_case_list_json_fields_and_filters(cli_run: Callable[..., Result]) -> None:
    ok(cli_run("init"))
    ok(cli_run("intake", "add", "--channel", "grid", "--text", "楼上噪音扰民", "--township", "qiaotou"))
    ok(cli_run("intake", "add", "--channel", "walk_in", "--text", "家里漏水", "--township", "chengguan"))
    rows = json.loads(ok(cli_run("case", "list", "--json")))
    assert len(rows) == 2
    for key in ("id", "state", "title", "township", "category", "priority", "decision", "lead", "cooperating",
                "received_at", "updated_at", "next_due"):
        assert key in rows[0]
    assert [r["township"] for r in json.loads(ok(cli_run("case", "list", "--township", "桥头镇", "--json")))] == ["qiaotou"]
    assert [r["title"] for r in json.loads(ok(cli_run("case", "list", "--search", "漏水", "--json")))] == ["家里漏水"]


def test_citizen_markup_is_printed_literally(cli_run: Callable[..., Result]) -> None:
    ok(cli_run("init"))
    hostile = "[bold red]紧急[/bold red] [@click=app.quit]x[/] \x1b]0;pwned\x07"
    ok(cli_run("intake", "add", "--channel", "grid", "--text", hostile))
    out = ok(cli_run("case", "list", env={"COLUMNS": "250"}))
    assert "[bold red]紧急[/bold red] [@click=app.quit]x[/]" in out
    assert "\x1b" not in out and "\\x1b]0;pwned\\x07" in out


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, f"{prefix}{name} "))
    return found


def test_every_command_has_help_with_an_example() -> None:
    found = _commands(cli)
    missing = [name for name, command in found if "Example:" not in (command.help or "")]
    assert missing == [] and len(found) > 40


def test_demo_is_deterministic_and_covers_the_lifecycle(cli_run: Callable[..., Result], tmp_path: Path) -> None:
    args = ("demo", "--cases", "150", "--seed", "7", "--now", "2026-11-20T00:00", "--json")
    first = json.loads(ok(cli_run(*args, db=tmp_path / "a.db")))
    second = json.loads(ok(cli_run(*args, db=tmp_path / "b.db")))
    assert first["states"] == second["states"] and first["cases"] == 150
    assert len(first["states"]) >= 6
    refused = cli_run(*args, db=tmp_path / "a.db")
    assert refused.exit_code == 2 and "--force" in refused.output

    def dump(path: Path) -> list[tuple[object, ...]]:
        con = sqlite3.connect(path)
        try:
            rows = []
            for table in ("case", "report", "assignment", "evaluation", "note"):
                rows += con.execute(f'SELECT * FROM "{table}" ORDER BY id').fetchall()
            rows += con.execute("SELECT case_id, at, operator, action, hash FROM event ORDER BY id").fetchall()
            return rows
        finally:
            con.close()
    assert dump(tmp_path / "a.db") == dump(tmp_path / "b.db")
    channels = {r["channel"] for r in json.loads(ok(cli_run("case", "list", "--json", db=tmp_path / "a.db")))}
    assert len(channels) >= 6


def test_init_upgrades_a_version_1_database(cli_run: Callable[..., Result], tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    con = sqlite3.connect(old)
    con.executescript((ROOT / "tests" / "fixtures" / "schema_v1.sql").read_text(encoding="utf-8"))
    con.close()
    assert cli_run("case", "list", db=old).exit_code == 2  # refuses to run on an old schema
    from models.store.migrations import CURRENT_VERSION

    result = json.loads(ok(cli_run("init", "--json", db=old)))
    assert (result["schema_before"], result["schema"]) == (1, CURRENT_VERSION)
    assert json.loads(ok(cli_run("init", "--json", db=old)))["schema_before"] == CURRENT_VERSION  # idempotent
    rows = json.loads(ok(cli_run("case", "list", "--json", db=old)))
    assert {r["state"] for r in rows} == {"new", "dispatched"}
    assert [r["id"] for r in json.loads(ok(cli_run("case", "list", "--search", "停水", "--json", db=old)))] == [2]
    history = json.loads(ok(cli_run("case", "history", "2", "--json", db=old)))
    assert [e["action"] for e in history] == ["intake", "triage", "dispatch"]
    ok(cli_run("case", "ack", "2", "--dept", "gongshui", db=old))
