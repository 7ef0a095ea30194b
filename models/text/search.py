"""Chinese-aware search text: overlapping character bigrams that any FTS engine can index as words.

Chinese has no spaces, and most complaint words are two characters (噪音, 漏水, 停电). Indexing every
adjacent pair as a token makes a 2-character query one exact token lookup, a 1-character query a
prefix lookup, and a longer query a phrase of consecutive bigrams: correct for every length.
"""

from __future__ import annotations

import re
import unicodedata
from operator import add

# A run of CJK ideographs (and the compatibility block), or a run of letters/digits.
_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9A-Za-z]+")


def _separators() -> dict[int, str]:
    """Full-width punctuation (，。：！ …) whose NFKC form holds no indexable character, as spaces.

    They separate runs either way; taken out first, a typical Chinese report is already in NFKC,
    and normalising it is a quick check instead of a rewrite of the whole text (3x faster).
    """
    table = {}
    for point in (*range(0x3000, 0x3040), *range(0xFF00, 0xFFF0)):
        folded = unicodedata.normalize("NFKC", chr(point))
        # Marks excepted: they compose with what stands before them, so they are not mere separators.
        if folded != chr(point) and not _RUNS.search(folded.lower()) and not any(
                unicodedata.category(c).startswith("M") for c in folded):
            table[point] = " "
    return table


_SEPARATORS = str.maketrans(_separators())


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text.translate(_SEPARATORS)).lower()


def _run_tokens(run: str) -> list[str]:
    if run.isascii():
        return [run]
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)]


def tokens(text: str) -> str:
    """The indexable form of a text: space-separated bigrams and ASCII words."""
    out: list[str] = []
    for run in _RUNS.findall(_normal(text)):
        if run.isascii() or len(run) == 1:
            out.append(run)
        else:  # _run_tokens' bigrams, pairing the run with itself shifted by one (an import's hot loop)
            out.extend(map(add, run, run[1:]))
            out.append(run[-1])  # the final character alone, so 1-character prefix queries find it
    return " ".join(out)


_NUMBER = re.compile(r"\d{3,}")


def number_words(query: str) -> list[str]:
    """The words of a query that hold three or more digits in a row (full-width ones too): what a
    role that sees phone numbers masked may not search by."""
    return [run for run in _RUNS.findall(_normal(query)) if _NUMBER.search(run)]


def match_expression(query: str, *, digit_prefixes: bool = True) -> str | None:
    """An FTS5 MATCH expression finding every case containing each word of `query` (None if empty).

    Words are prefixes (`"138"*`), except, without `digit_prefixes`, words holding a digit: those
    match only a whole word ("3" finds 3号楼, never a number starting with 3).
    """
    clauses: list[str] = []
    for run in _RUNS.findall(_normal(query)):
        if run.isascii() or len(run) == 1:
            whole = not digit_prefixes and any(c.isdigit() for c in run)
            clauses.append(f'"{run}"' if whole else f'"{run}"*')
        else:
            clauses.append('"' + " ".join(_run_tokens(run)) + '"')
    return " AND ".join(clauses) if clauses else None
