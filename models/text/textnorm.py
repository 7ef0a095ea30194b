"""Normalising citizen text for matching (never for display: display shows text exactly as typed)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

MAX_TEXT_CHARS = 20_000
"""The one limit on a citizen's or an operator's text (intake, note, imported cell): no real report
is that long, and an imported cell that long is usually a broken quote swallowing rows."""

_NOISE = re.compile(r"[\s\u3000,，.。、;；:：!！?？'\"“”‘’()（）\[\]【】<>《》\-—_/\\|·~`]+")
_PHONE = re.compile(r"\D+")


def first_line(text: str, limit: int = 80) -> str:
    """The first non-empty line of a text, trimmed: the case title when none was given."""
    for line in text.splitlines():
        if line.strip():
            stripped = line.strip()
            return stripped if len(stripped) <= limit else stripped[:limit] + "…"
    return ""


def too_long(text: str | None, what: str) -> str | None:
    """Why `text` breaks the text limit ("the note is 20001 characters (limit 20000)"), or None."""
    if text is not None and len(text) > MAX_TEXT_CHARS:
        return f"{what} is {len(text)} characters (limit {MAX_TEXT_CHARS})"
    return None


def normalise_text(text: str) -> str:
    """A comparison key for a report's text: NFKC, no spaces or punctuation, lower case."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()


def normalise_address(address: str | None) -> str | None:
    """The address key before schema 10 (NFKC, no spaces or punctuation): what a report row's digest
    holds in place of its `address_key` (models/store/rowdigest.py), so events written before the
    canonical key still verify. Duplicate detection uses `address_key`."""
    if not address:
        return None
    key = _NOISE.sub("", unicodedata.normalize("NFKC", address)).lower()
    return key or None


@dataclass(frozen=True)
class Places:
    """The county's own place names, for stripping what a caller may or may not say before the place.

    `names`: the county's and its townships' full names (示范县, 城关镇), stripped wherever they open
    an address. `aliases`: each township's short names with its villages (城关 → 东关社区, …): a short
    name is stripped only when one of its villages follows (城关东关社区), since a short name also
    opens names of its own (城关中学 is not 中学). `villages`: an address that opens with a village
    has no prefix left (桥头社区 keeps 桥头 although 桥头 is a short name of 桥头镇).
    """

    names: tuple[str, ...] = ()
    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    villages: tuple[str, ...] = ()
    # address → key already computed (a county's places recur: one building, many reports), bounded
    keys: dict[str, str | None] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @staticmethod
    def of(county: Iterable[str], townships: Iterable[tuple[str, Iterable[str], Iterable[str]]]) -> Places:
        """From the county's names and each township's (name, short names, villages)."""
        names: set[str] = {_key(n) for n in county}
        aliases: dict[str, set[str]] = {}
        villages: set[str] = set()
        for name, shorts, its_villages in townships:
            names.add(_key(name))
            villages.update(_key(v) for v in its_villages)
            for short in shorts:
                aliases.setdefault(_key(short), set()).update(_key(v) for v in its_villages)
        return Places(_longest(names), tuple((a, _longest(aliases[a])) for a in _longest(aliases)),
                      _longest(villages))


def _key(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()


def _longest(items: Iterable[str]) -> tuple[str, ...]:
    """Non-empty names, longest first (城关镇 is tried before 城关)."""
    return tuple(sorted({i for i in items if i}, key=lambda i: (-len(i), i)))


KEYS_KEPT = 100_000  # addresses whose key a Places keeps
_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2}
_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_NUMBER = re.compile("[〇零一二三四五六七八九两十百千]+")
# A building's number however it is written: 5号楼 = 5栋 = 5幢 = 5#楼 = 5# (5号 alone may be a street
# number, and 5楼 a floor: both are left alone). 201室 = 201 after a unit. Applied after numerals.
_BUILDING = re.compile(r"(\d+)(?:号楼|号栋|号幢|栋楼|幢楼|#楼|#|栋|幢)")
_UNIT_NO = re.compile(r"(\d+)(?:单元|门洞)")
_ROOM = re.compile(r"(单元\d+)(?:室|号房|号|房)")


def chinese_numeral(text: str) -> str | None:
    """The digits of a Chinese numeral (五 → 5, 二十一 → 21, 一百零五 → 105, 一二零 → 120), or None
    when the run is not plainly one number (百 without a digit, 一二十, 一百五 — 105 or 150?)."""
    if not any(c in _UNIT for c in text):
        return "".join(str(_DIGIT[c]) for c in text)
    total, pending, last_unit, zero = 0, None, 10_000, False
    for c in text:
        if c in _UNIT:
            unit = _UNIT[c]
            if unit >= last_unit:
                return None
            if pending is None and not (unit == 10 and total == 0):
                return None
            total += (1 if pending is None else pending) * unit
            pending, last_unit, zero = None, unit, False
        elif pending is not None:
            return None  # two digits in a row inside a 十/百/千 number
        elif _DIGIT[c] == 0:
            zero = True
        else:
            pending = _DIGIT[c]
    if pending is not None:
        if last_unit > 10 and not zero:
            return None
        total += pending
    return str(total)


def _arabic(match: re.Match[str]) -> str:
    return chinese_numeral(match.group()) or match.group()


def address_key(address: str | None, places: Places | None = None) -> str | None:
    """The canonical key of an address, computed at intake (`Report.address_key`): the same place
    written differently gives the same key, two different places never one.

    NFKC (full-width → half-width), lower case, no spaces or punctuation; the county's and a
    township's name dropped from the front (and a township's short name when one of its villages
    follows, see `Places`); Chinese numerals as digits (五号楼 → 5号楼); 号楼/栋/幢/#楼/# after a
    number as 栋, N门洞 as N单元, and 室/号/房 after a unit's room number dropped.
    东关社区5号楼 and 城关镇东关社区五号楼 both give 东关社区5栋. Not unified, on purpose: 小区 and
    社区 (a 社区 holds many 小区), 5号 and 5号楼 (a street number or a building), 5楼 (a floor).
    """
    if not address:
        return None
    if places is not None:
        found = places.keys.get(address, "")
        if found != "":
            return found
    key = _key(address)
    if places is not None:
        key = _strip_places(key, places)
    key = _CN_NUMBER.sub(_arabic, key)
    if "号" in key or "栋" in key or "幢" in key or "#" in key:  # each sub only where it can apply
        key = _BUILDING.sub(r"\1栋", key)
    if "单元" in key or "门洞" in key:
        key = _ROOM.sub(r"\1", _UNIT_NO.sub(r"\1单元", key))
    if places is not None:
        if len(places.keys) >= KEYS_KEPT:
            places.keys.clear()
        places.keys[address] = key or None
    return key or None


def _strip_places(key: str, places: Places) -> str:
    """`key` without the county and township names that open it (see `Places`)."""
    names, aliases = _openers(places.names, places.aliases)
    while True:
        if key.startswith(places.villages):
            return key
        # the longest that opens it: 东城街道办 (a short name, a village following) before 东城街道
        found = [m.end() for m in (names.match(key), aliases.match(key)) if m]
        if not found:
            return key
        key = key[max(found):]


@lru_cache(maxsize=8)
def _openers(names: tuple[str, ...], aliases: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """One pattern matching the longest full name that opens a key with more after it, and one the
    longest short name that a village of its own follows (an address's hot path: one regex match
    instead of a test per name). Both lists are longest first, and an alternation takes its first
    alternative that matches."""
    never = "(?!)"
    full = "|".join(re.escape(n) for n in names) or never
    short = "|".join(f"{re.escape(a)}(?=" + "|".join(map(re.escape, villages)) + ")"
                     for a, villages in aliases if villages) or never
    return re.compile(f"(?:{full})(?=.)", re.DOTALL), re.compile(f"(?:{short})")


def normalise_phone(phone: str | None) -> str | None:
    """Digits only, country code dropped: 138-1234-5678 and +86 13812345678 compare equal."""
    if not phone:
        return None
    digits = _PHONE.sub("", unicodedata.normalize("NFKC", phone))
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits or None


# What a report must never hand to a terminal, shown instead as a visible escape (`\x1b`, `\u202e`):
# - C0 and C1 control characters except tab and newline: they move the cursor, retitle the
#   terminal or change colours on an operator's screen;
# - Unicode format characters (category Cf): bidi embeddings, overrides and isolates (U+202A–U+202E,
#   U+2066–U+2069) that make "退款100元" read backwards, zero-width spaces and joiners, the BOM,
#   soft hyphens, invisible tag characters — text that is there but cannot be seen;
# - line and paragraph separators (U+2028, U+2029), which some terminals treat as a line break;
# - other characters that render as nothing: the combining grapheme joiner and the Hangul fillers.
# The Cf list is Unicode 14's; tests/test_textnorm.py checks it against the running Python's tables.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0"
    "\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str | None, *, single_line: bool = False) -> str:
    """Text safe to hand to a terminal: control and invisible format characters become visible
    escapes (`\x1b`, `\u202e`); everything else exactly as typed."""
    if not text:
        return ""
    cleaned = _CONTROL.sub(_visible, text)
    if single_line:
        cleaned = " ".join(cleaned.split())
    return cleaned


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    high, low = divmod(code - 0x10000, 0x400)
    return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"


def terminal_safe_json(encoded: str) -> str:
    """JSON text (`json.dumps(..., ensure_ascii=False)`) with the characters `printable` escapes
    written as JSON `\\uXXXX` escapes: it decodes to exactly the same data, and a terminal never
    receives a bidi override or a C1 control (json.dumps escapes only U+0000–U+001F)."""
    return _CONTROL.sub(_json_escape, encoded)
