"""Normalising citizen text for matching (never for display: display shows text exactly as typed)."""

from __future__ import annotations

import re
import unicodedata

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
    """A comparison key for addresses: NFKC, no spaces or punctuation, 号/栋/单元 kept."""
    if not address:
        return None
    key = _NOISE.sub("", unicodedata.normalize("NFKC", address)).lower()
    return key or None


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
