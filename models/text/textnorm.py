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


# C0 and C1 control characters except tab and newline: shown as visible placeholders so a report
# cannot move the cursor, retitle the terminal or change colours on an operator's screen.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str | None, *, single_line: bool = False) -> str:
    """Text safe to hand to a terminal: control characters become U+FFFD-like visible marks."""
    if not text:
        return ""
    cleaned = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    if single_line:
        cleaned = " ".join(cleaned.split())
    return cleaned
