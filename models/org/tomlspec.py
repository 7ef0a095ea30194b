"""A small declarative checker for TOML documents that reports every problem with its line.

tomllib gives no positions, so `line_index` scans the text once for table headers and keys and maps
each key path to its line. Good enough for the hand-edited config files offices keep; a key it
cannot place gets the line of its table.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from models.errors import ConfigError

Path_ = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*(.+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r'^\s*((?:"[^"]*"|\'[^\']*\'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:"[^"]*"|\'[^\']*\'|[A-Za-z0-9_\-]+))*)\s*=')


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([A-Za-z0-9_\-]+)', text)
    return [a or b or c for a, b, c in parts]


def _depth_change(line: str) -> int:
    depth, in_str, quote = 0, False, ""
    for ch in line:
        if in_str:
            if ch == quote:
                in_str = False
        elif ch in "\"'":
            in_str, quote = True, ch
        elif ch == "#":
            break
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return depth


def line_index(text: str) -> dict[Path_, int]:
    """Map key paths (array-of-table entries by index) to 1-based line numbers."""
    index: dict[Path_, int] = {}
    counters: dict[tuple[str | int, ...], int] = {}
    current: list[str | int] = []
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if depth > 0:
            depth += _depth_change(line)
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        header = _HEADER.match(line) if stripped.startswith("[") else None
        if header:
            names = _split_dotted(header.group(2))
            resolved: list[str | int] = []
            for position, name in enumerate(names):
                resolved.append(name)
                key = tuple(resolved)
                if header.group(1) == "[[" and position == len(names) - 1:
                    counters[key] = counters.get(key, -1) + 1
                    resolved.append(counters[key])
                elif key in counters:
                    resolved.append(counters[key])
            current = resolved
            index.setdefault(tuple(current), number)
            continue
        key_match = _KEY.match(line)
        if key_match:
            path = tuple(current + _split_dotted(key_match.group(1)))
            index.setdefault(path, number)
            depth = max(0, _depth_change(line[key_match.end():]))
    return index


@dataclass
class Checker:
    """Collects problems as 'file:line: key: why'."""

    filename: str
    lines: dict[Path_, int]
    problems: list[str] = field(default_factory=list)

    def line_of(self, path: Path_) -> int | None:
        probe = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return None

    def add(self, path: Path_, why: str) -> None:
        line = self.line_of(path)
        where = f"{self.filename}:{line}" if line else self.filename
        self.problems.append(f"{where}: {dotted(path) or '(top level)'}: {why}")


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part if re.fullmatch(r"[A-Za-z0-9_\-]+", part) else f'"{part}"'
            out += ("." if out else "") + text
    return out


def check_document(text: str, filename: str, spec: Validator) -> tuple[dict[str, Any], Checker]:
    """Parse a TOML document and run its spec; a syntax error is one `file:line: not valid TOML` problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise ConfigError([f"{filename}:{found.group(1) if found else 1}: not valid TOML: {exc}"]) from None
    checker = Checker(filename, line_index(text))
    spec(checker, (), data)
    return data, checker


# --- spec nodes ---------------------------------------------------------------------------

Validator = Callable[[Checker, Path_, Any], None]


def type_name(value: Any) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "true/false",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


def string(pattern: str | None = None, choices: tuple[str, ...] | None = None,
           check: Callable[[str], str | None] | None = None) -> Validator:
    def run(chk: Checker, path: Path_, value: Any) -> None:
        if not isinstance(value, str):
            chk.add(path, f"expected a string, got {type_name(value)}")
        elif choices is not None and value not in choices:
            chk.add(path, f"'{value}' is not one of: {', '.join(choices)}")
        elif pattern is not None and not re.fullmatch(pattern, value):
            chk.add(path, f"'{value}' does not match {pattern}")
        elif check is not None and (why := check(value)):
            chk.add(path, why)
    return run


def number(kind: type = float, low: float | None = None, high: float | None = None) -> Validator:
    def run(chk: Checker, path: Path_, value: Any) -> None:
        ok = isinstance(value, int) and not isinstance(value, bool) if kind is int else (
            isinstance(value, int | float) and not isinstance(value, bool))
        if not ok:
            chk.add(path, f"expected {'an integer' if kind is int else 'a number'}, got {type_name(value)}")
        elif (low is not None and value < low) or (high is not None and value > high):
            chk.add(path, f"{value} is out of range [{low}, {high}]")
    return run


def boolean() -> Validator:
    def run(chk: Checker, path: Path_, value: Any) -> None:
        if not isinstance(value, bool):
            chk.add(path, f"expected true or false, got {type_name(value)}")
    return run


def array(item: Validator, min_len: int = 0, max_len: int | None = None) -> Validator:
    def run(chk: Checker, path: Path_, value: Any) -> None:
        if not isinstance(value, list):
            chk.add(path, f"expected a list, got {type_name(value)}")
            return
        if len(value) < min_len or (max_len is not None and len(value) > max_len):
            chk.add(path, f"expected {min_len}..{max_len or 'any'} entries, got {len(value)}")
        for i, element in enumerate(value):
            item(chk, (*path, i), element)
    return run


def table(fields: dict[str, Validator], required: tuple[str, ...] = (),
          extra: Validator | None = None) -> Validator:
    """A table with known keys; `extra` validates any other key's value (else unknown keys fail)."""
    def run(chk: Checker, path: Path_, value: Any) -> None:
        if not isinstance(value, dict):
            chk.add(path, f"expected a table, got {type_name(value)}")
            return
        for key in required:
            if key not in value:
                chk.add(path, f"missing required key '{key}'")
        for key, element in value.items():
            if key in fields:
                fields[key](chk, (*path, key), element)
            elif extra is not None:
                extra(chk, (*path, key), element)
            else:
                known = ", ".join(sorted(fields)) or "none"
                chk.add((*path, key), f"unknown key (known here: {known})")
    return run


def either(*options: tuple[Callable[[Any], bool], Validator], what: str) -> Validator:
    def run(chk: Checker, path: Path_, value: Any) -> None:
        for accepts, validator in options:
            if accepts(value):
                validator(chk, path, value)
                return
        chk.add(path, f"expected {what}, got {type_name(value)}")
    return run
