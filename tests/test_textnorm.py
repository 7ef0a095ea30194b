"""Citizen text reaches a terminal with its invisible characters made visible (bidi overrides,
zero-width and other format characters, C0/C1 controls), and JSON output carries them as escapes
that decode to exactly what was typed."""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Callable

from click.testing import Result

from models.text.textnorm import printable, terminal_safe_json

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# "退款100元" with a right-to-left override: a terminal would show the digits reversed.
HOSTILE = "退款\u202e001\u202c元，\u200b零宽\u200d连接\ufeff\u2060标签\U000e0041\u2028换行\x9b31m"


def test_every_invisible_format_character_is_shown_as_an_escape() -> None:
    invisible = [chr(c) for c in range(sys.maxunicode + 1)
                 if unicodedata.category(chr(c)) in ("Cf", "Zl", "Zp", "Cc") and chr(c) not in "\t\n"]
    assert len(invisible) > 200
    for char in invisible:
        shown = printable(f"a{char}b")
        assert char not in shown and shown.startswith("a\\") and shown.endswith("b"), hex(ord(char))
    assert printable(BIDI) == "\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069"
    assert printable("标签\U000e0041") == "标签\\U000e0041"


def test_ordinary_text_is_untouched() -> None:
    text = "群众反映：东关社区3号楼 Room 5 积水 😀 ①②③ Ａ１２ —— 谢谢！\t第二行\n"
    assert printable(text) == text


def test_json_output_escapes_them_and_decodes_to_the_exact_text() -> None:
    encoded = terminal_safe_json(json.dumps({"text": HOSTILE}, ensure_ascii=False))
    assert all(ch not in encoded for ch in BIDI + "\u200b\u200d\ufeff\u2060\U000e0041\u2028\x9b")
    assert "\\u202e" in encoded and "\\udb40\\udc41" in encoded
    assert json.loads(encoded) == {"text": HOSTILE}


def test_the_cli_never_passes_them_to_the_terminal(cli_run: Callable[..., Result]) -> None:
    assert cli_run("init").exit_code == 0
    added = cli_run("intake", "add", "--channel", "grid", "--text", HOSTILE, "--title", HOSTILE)
    assert added.exit_code == 0, added.output
    for args in (("case", "show", "1"), ("case", "list"), ("case", "show", "1", "--json"),
                 ("audit", "export", "--from", "2026-11-01", "--to", "2026-12-01")):
        shown = cli_run(*args)
        assert shown.exit_code == 0, shown.output
        assert not any(ch in shown.stdout for ch in BIDI + "\u200b\ufeff\u2028\x9b"), args
    detail = json.loads(cli_run("case", "show", "1", "--json").stdout)
    assert detail["reports"][0]["text"] == HOSTILE  # stored and exported exactly as typed
