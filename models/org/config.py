"""Loading and validating chuishao.toml, and looking things up in it.

Lookup order: --config PATH, $CHUISHAO_CONFIG, ./chuishao.toml, the user config dir, the packaged
default. A wrong file raises ConfigError with one line per problem: file:line: key: why.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from models.errors import ConfigError, ValidationError
from models.org.config_spec import CLOCKS, CONFIG_SPEC, PRIORITIES
from models.org.tomlspec import Checker, check_document

DEFAULT_CLOCK_FROM = {"dispatch": "received", "acknowledge": "dispatched", "arrive": "dispatched",
                      "resolve": "received"}
DEFAULTS: dict[str, dict[str, Any]] = {
    "office": {"name": "吹哨办", "county": "", "timezone": "Asia/Shanghai", "language": "zh"},
    "database": {"url": ""},
    "calendar": {"office_hours": ["09:00-12:00", "13:30-17:30"], "years": {}},
    # Notifications (models/notify/): no channels, nothing is sent; lead times before a deadline.
    "notify": {"secrets": "", "max_attempts": 8, "backoff_seconds": 30, "max_backoff_seconds": 3600,
               "timeout_seconds": 5.0, "quiet_hours": True, "channels": [],
               "lead_time": {"urgent": "10m", "utility": "1h", "general": "2h", "complex": "4h"}},
    "supervision": {"repeat_count": 3, "repeat_days": 30, "stall_days": 5, "pingpong_returns": 2,
                    "reminder_after": "1wd", "notice_after": "5wd", "max_extensions": 2},
    "evaluation": {"close_requires": ["citizen"], "callback_attempts": 3, "satisfaction_floor": 0.85},
    "duplicates": {"window_days": 30, "threshold": 0.55, "max_candidates": 10,
                   "weights": {"phone": 0.35, "address": 0.25, "text": 0.3, "township": 0.05,
                               "category": 0.05}},
    "scoring": {"whistle_band": [0.1, 0.6],
                "weights": {"response": 0.2, "arrival": 0.1, "resolution": 0.2, "on_time": 0.2,
                            "satisfaction": 0.3},
                "deductions": {"return": 0.5, "reopen": 0.5, "supervision": 1.0, "accountability": 2.0}},
    "suggest": {"min_score": 0.05, "history_weight": 1.0},
}
ARRIVAL_FIRST = ("urgent", "utility")  # priorities whose lead must arrive before resolving, unless configured
REQUIRED_SECTIONS = ("channels", "townships", "departments", "categories", "priorities")


@dataclass(frozen=True)
class Township:
    id: str
    name: str
    villages: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    short: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class DutyItem:
    code: str
    text: str
    category: str
    scope: str  # township | whistle
    lead: str | None
    cooperating: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class ClockRule:
    limit: str  # a duration string, parsed by models.worktime.durations
    start: str  # received | triaged | dispatched | acknowledged
    next_working_day: bool = False


@dataclass(frozen=True)
class Priority:
    id: str
    name: str
    name_en: str
    urgent_keywords: tuple[str, ...]
    clocks: dict[str, ClockRule]
    # 事不完，人不走: the lead must have reported on site (报到) before it resolves (default: urgent, utility).
    resolve_requires_arrival: bool = False


@dataclass
class Config:
    """The validated configuration with lookups by id or Chinese name."""

    path: Path
    data: dict[str, Any]
    channels: dict[str, str]
    townships: dict[str, Township]
    departments: dict[str, Department]
    categories: tuple[str, ...]  # every path: level 1, 1/2 and 1/2/3
    duty_items: dict[str, DutyItem]
    priorities: dict[str, Priority]
    clock_overrides: list[tuple[str, dict[str, ClockRule]]]
    village_township: dict[str, str] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        merged = dict(DEFAULTS.get(name, {}))
        merged.update(self.data.get(name, {}))
        return merged

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.section("office")["timezone"])

    @property
    def language(self) -> str:
        return str(self.section("office")["language"])

    @property
    def operators(self) -> list[dict[str, Any]]:
        return list(self.data.get("operators", []))

    @property
    def import_profiles(self) -> dict[str, dict[str, Any]]:
        return dict(self.data.get("import_profiles", {}))

    @property
    def keymap(self) -> dict[str, str]:
        return dict(self.data.get("keymap", {}))

    # --- lookups accepting an id or the exact Chinese name ---------------------------------
    def department(self, text: str) -> Department:
        found = self.departments.get(text) or next(
            (d for d in self.departments.values() if text in (d.name, d.short, *d.aliases)), None)
        if found is None:
            raise ValidationError("org.unknown_department", text=text, command="chuishao org departments")
        return found

    def township(self, text: str) -> Township:
        found = self.townships.get(text) or next(
            (t for t in self.townships.values() if text in (t.name, *t.aliases)), None)
        if found is None:
            raise ValidationError("org.unknown_township", text=text, command="chuishao org townships")
        return found

    def category(self, text: str) -> str:
        """A category path from a path or a unique name at any level (e.g. 城管执法)."""
        cleaned = text.strip().replace(" › ", "/").replace(">", "/")
        if cleaned in self.categories:
            return cleaned
        hits = [path for path in self.categories if path.rsplit("/", 1)[-1] == cleaned]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise ValidationError("org.ambiguous_category", text=text, hits=", ".join(hits[:5]))
        raise ValidationError("org.unknown_category", text=text, command="chuishao org categories")

    def channel(self, text: str) -> str:
        if text in self.channels:
            return text
        for key, name in self.channels.items():
            if text == name:
                return key
        raise ValidationError("org.unknown_channel", text=text, known=", ".join(self.channels))

    def duty_item(self, code: str) -> DutyItem:
        if code not in self.duty_items:
            raise ValidationError("org.unknown_duty_item", code=code, command="chuishao org duty-list")
        return self.duty_items[code]

    def priority(self, text: str) -> Priority:
        found = self.priorities.get(text) or next(
            (p for p in self.priorities.values() if text in (p.name, p.name_en)), None)
        if found is None:
            raise ValidationError("org.unknown_priority", text=text, known=", ".join(self.priorities))
        return found

    def clock_rule(self, priority: str, clock: str, category: str | None) -> ClockRule | None:
        """The rule for one clock: the longest matching category override, else the priority's."""
        best: tuple[int, ClockRule] | None = None
        for prefix, rules in self.clock_overrides:
            matches = clock in rules and category and (category == prefix or category.startswith(prefix + "/"))
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), rules[clock])
        if best:
            return best[1]
        return self.priorities[priority].clocks.get(clock)


def user_config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "chuishao"


def user_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "chuishao"


def packaged_default() -> Path:
    """The chuishao.toml shipped with the code (repo root when editable, share/ when installed)."""
    beside = Path(__file__).resolve().parents[2] / "chuishao.toml"
    if beside.exists():
        return beside
    return Path(sys.prefix) / "share" / "chuishao" / "chuishao.toml"


def find_config(explicit: str | None = None) -> Path:
    """The config file to use, by the documented lookup order."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("CHUISHAO_CONFIG")
    if env:
        return Path(env)
    for candidate in (Path.cwd() / "chuishao.toml", user_config_dir() / "chuishao.toml"):
        if candidate.is_file():
            return candidate
    return packaged_default()


def load_config(explicit: str | None = None) -> Config:
    """Find, parse and validate the configuration; ConfigError lists every problem."""
    path = find_config(explicit)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: config file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read config: {exc}"]) from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    """Validate a config document's text; `path` names it in messages."""
    data, checker = check_document(text, str(path), CONFIG_SPEC)
    for section in REQUIRED_SECTIONS:
        if section not in data:
            checker.add((), f"missing required section [{section}]")
    if checker.problems:
        raise ConfigError(checker.problems)
    config = _build(path, data, checker)
    if checker.problems:
        raise ConfigError(checker.problems)
    return config


def _unique(checker: Checker, section: str, entries: list[dict[str, Any]], key: str) -> None:
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        value = entry.get(key)
        if value in seen:
            checker.add((section, i, key), f"duplicate {key} '{value}' (first at entry {seen[value] + 1})")
        else:
            seen[value] = i


def _clock_rules(raw: dict[str, Any]) -> dict[str, ClockRule]:
    rules: dict[str, ClockRule] = {}
    for name in CLOCKS:
        if name not in raw:
            continue
        value = raw[name]
        if isinstance(value, str):
            rules[name] = ClockRule(value, DEFAULT_CLOCK_FROM[name])
        else:
            rules[name] = ClockRule(value["limit"], value.get("from", DEFAULT_CLOCK_FROM[name]),
                                    bool(value.get("next_working_day", False)))
    return rules


def _build(path: Path, data: dict[str, Any], checker: Checker) -> Config:
    for section, key in (("channels", "id"), ("townships", "id"), ("departments", "id"),
                         ("duty_items", "code"), ("operators", "name")):
        _unique(checker, section, data.get(section, []), key)
    channels = {c["id"]: c["name"] for c in data["channels"]}
    townships = {t["id"]: Township(t["id"], t["name"], tuple(t.get("villages", ())), tuple(t.get("aliases", ())))
                 for t in data["townships"]}
    departments = {d["id"]: Department(d["id"], d["name"], d.get("short", d["name"]), tuple(d.get("aliases", ())))
                   for d in data["departments"]}
    village_township: dict[str, str] = {}
    for i, town in enumerate(data["townships"]):
        for village in town.get("villages", []):
            if village in village_township and village_township[village] != town["id"]:
                checker.add(("townships", i, "villages"),
                            f"village '{village}' is also listed under '{village_township[village]}'")
            village_township.setdefault(village, town["id"])
    categories: list[str] = []
    for level1, children in data["categories"].items():
        categories.append(level1)
        for level2, leaves in children.items():
            categories.append(f"{level1}/{level2}")
            categories.extend(f"{level1}/{level2}/{leaf}" for leaf in leaves)
    category_set = set(categories)
    duty: dict[str, DutyItem] = {}
    for i, item in enumerate(data.get("duty_items", [])):
        where = ("duty_items", i)
        if item["category"] not in category_set:
            checker.add((*where, "category"), f"unknown category path '{item['category']}'")
        for key in ("lead",):
            if key in item and item[key] not in departments:
                checker.add((*where, key), f"unknown department '{item[key]}'")
        for dept in item.get("cooperating", []):
            if dept not in departments:
                checker.add((*where, "cooperating"), f"unknown department '{dept}'")
        if item["scope"] == "whistle" and "lead" not in item:
            checker.add(where, "a whistle item needs a default lead department")
        duty[item["code"]] = DutyItem(item["code"], item["text"], item["category"], item["scope"],
                                      item.get("lead"), tuple(item.get("cooperating", ())),
                                      tuple(item.get("keywords", ())))
    priorities = {}
    for name in PRIORITIES:
        raw = data["priorities"][name]
        priorities[name] = Priority(name, raw["name"], raw.get("name_en", name),
                                    tuple(raw.get("urgent_keywords", ())), _clock_rules(raw["clocks"]),
                                    bool(raw.get("resolve_requires_arrival", name in ARRIVAL_FIRST)))
    overrides = []
    for i, override in enumerate(data.get("clock_overrides", [])):
        if override["category"] not in category_set:
            checker.add(("clock_overrides", i, "category"), f"unknown category path '{override['category']}'")
        overrides.append((override["category"], _clock_rules(override)))
    for i, op in enumerate(data.get("operators", [])):
        if op["role"] == "township" and op.get("township") not in townships:
            checker.add(("operators", i, "township"), "a township operator needs a known township id")
        if op["role"] == "department" and op.get("department") not in departments:
            checker.add(("operators", i, "department"), "a department operator needs a known department id")
    for name, profile in data.get("import_profiles", {}).items():
        if "channel" in profile and profile["channel"] not in channels:
            checker.add(("import_profiles", name, "channel"), f"unknown channel '{profile['channel']}'")
    return Config(path, data, channels, townships, departments, tuple(categories), duty, priorities,
                  overrides, village_township)
