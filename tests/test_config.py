"""Configuration: the shipped county is valid and complete; every mistake is named with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.errors import ConfigError
from models.org.config import Config, find_config, load_config, parse_config

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = (ROOT / "chuishao.toml").read_text(encoding="utf-8")


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("county.toml"))
    return info.value.problems


def test_shipped_config_is_a_complete_county(config: Config) -> None:
    assert len(config.townships) >= 10 and len(config.departments) >= 20 and len(config.duty_items) >= 40
    assert all(t.villages for t in config.townships.values())
    first_level = {p for p in config.categories if "/" not in p}
    assert len(first_level) == 15 and "城乡建设" in first_level
    assert len([p for p in config.categories if p.count("/") == 2]) == 517
    assert {"urgent", "utility", "general", "complex"} == set(config.priorities)
    assert config.clock_rule("urgent", "dispatch", None).limit == "1h"
    assert {"tipdm", "hotline"} <= set(config.import_profiles)


def test_lookups_by_id_and_chinese_name(config: Config) -> None:
    assert config.department("县住房和城乡建设局").id == config.department("zhujian").id == "zhujian"
    assert config.township("城关镇").id == "chengguan"
    assert config.category("城管执法") == "城乡建设/城市建设和市政管理/城管执法"
    assert config.channel("12345热线") == "hotline_12345"


def test_unknown_key_names_file_line_and_key() -> None:
    text = SHIPPED.replace('[office]\n', '[office]\ncolour = "red"\n', 1)
    line = text.splitlines().index('colour = "red"') + 1
    assert problems(text) == [(f"county.toml:{line}: office.colour: unknown key (known here: county, language, "
                               "name, timezone)")]


def test_wrong_type_and_bad_duration() -> None:
    text = SHIPPED.replace('timezone = "Asia/Shanghai"', 'timezone = 8', 1)
    text = text.replace('dispatch = "1h"', 'dispatch = "1 fortnight"', 1)
    found = problems(text)
    assert any("office.timezone: expected a string, got an integer" in p for p in found)
    assert any("priorities.urgent.clocks.dispatch:" in p and "1 fortnight" in p for p in found)
    assert all(p.startswith("county.toml:") and p.split(":")[1].isdigit() for p in found)


def test_duty_item_naming_an_unknown_department() -> None:
    text = SHIPPED.replace('lead = "gongshui"', 'lead = "nosuchdept"', 1)
    found = problems(text)
    assert len(found) == 1 and "lead: unknown department 'nosuchdept'" in found[0]
    line = int(found[0].split(":")[1])
    assert 'lead = "nosuchdept"' in text.splitlines()[line - 1]


def test_duplicate_ids_are_named() -> None:
    text = SHIPPED.replace('id = "qiaotou"', 'id = "chengguan"', 1)
    found = problems(text)
    assert any("townships[" in p and "duplicate id 'chengguan'" in p for p in found)


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    assert problems("[office\n")[0].startswith("county.toml:1: not valid TOML")
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(str(tmp_path / "nope.toml"))


def test_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("CHUISHAO_CONFIG", raising=False)
    assert find_config() == ROOT / "chuishao.toml"  # the packaged default
    user = tmp_path / "xdg" / "chuishao" / "chuishao.toml"
    user.parent.mkdir(parents=True)
    user.write_text(SHIPPED, encoding="utf-8")
    assert find_config() == user
    (tmp_path / "chuishao.toml").write_text(SHIPPED, encoding="utf-8")
    assert find_config() == tmp_path / "chuishao.toml"
    monkeypatch.setenv("CHUISHAO_CONFIG", "/etc/county.toml")
    assert find_config() == Path("/etc/county.toml")
    assert find_config("given.toml") == Path("given.toml")


def test_broken_config_exits_2_without_traceback(tmp_path: Path, cli_run) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.toml"
    bad.write_text(SHIPPED.replace('[office]\n', '[office]\ncolour = "red"\n', 1), encoding="utf-8")
    from click.testing import CliRunner

    from console.cli import cli

    result = CliRunner().invoke(cli, ["--config", str(bad), "org", "townships"])
    assert result.exit_code == 2
    assert f"{bad}:" in result.output and "office.colour" in result.output
    assert "Traceback" not in result.output
