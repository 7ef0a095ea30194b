"""智能分哨 features: a message's character n-grams, counted, and weighed against a vocabulary.

The classifier (suggest.classifier) reads a message as sublinear tf-idf over character 1..n-grams
that never cross a separator, the title counted ``title_weight`` times. Fitting featurises every
training message, so this is the hot path of `suggest train`: each step is one C-level call over a
whole text (str.translate, map, Counter, itemgetter) rather than a Python loop over its grams, and
each character of a text is made into a string once. The functions are exact: the same floats, in
the same order, as the plain per-gram loops they replace (tests/test_suggest_features.py).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from itertools import chain, repeat
from operator import add, itemgetter, mul, truediv
from typing import Any

SEP = " "  # every separator becomes this; grams containing it are never features
MAX_TITLE, MAX_BODY = 200, 1000  # a pasted 100-page document must not stall the console


class _CharMap(dict):
    """str.translate table built lazily: NFKC + lower case per character, length-preserving.

    One output character per input character lets a gram's position in the normalised text point
    straight back into the original, so reasons are always substrings of what the citizen wrote.
    """

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = unicodedata.normalize("NFKC", ch).lower()
        out = out if len(out) == 1 else ch
        if unicodedata.category(out)[0] in "PZSC":  # punctuation, spaces, symbols, controls
            out = SEP
        elif out.isdigit():
            out = "0"  # house numbers and dates vary endlessly and say nothing about the category
        self[code] = out
        return out


_CHARMAP = _CharMap()
# CJK unified ideographs are their own NFKC and lower case, and letters (tested): most of a message
# needs no per-character translation, and skipping it saves a quarter of normalising.
_TRANSLATED = re.compile("([^\u4e00-\u9fff]+)")


def normalise(text: str) -> str:
    """The text grams are cut from: as long as ``text``, separators turned into spaces."""
    parts = _TRANSLATED.split(text)  # text, [changing, text]*: only the changing runs are translated
    parts[1::2] = map(str.translate, parts[1::2], repeat(_CHARMAP))
    return "".join(parts)


def grams(s: str, hi: int) -> Iterable[str]:
    """Character 1..hi-grams of normalised ``s`` without a separator: unigrams, then bigrams, ...,
    each in text order.

    A gram across a separator is never a feature; not making one spares its count and lookup (a
    tenth of them). Each character is made once (iterating a str makes a new 1-character string per
    CJK character) and shared by the grams it is in.
    """
    runs = list(map(list, s.split(SEP)))
    parts: list[Iterable[str]] = [chain.from_iterable(runs)]
    for n in range(2, hi + 1):
        level: Iterable[Iterable[str]] = runs
        for i in range(1, n):  # per run: map(add, ...map(add, run, run[1:])..., run[i:])
            level = map(map, repeat(add), level, [r[i:] for r in runs])
        parts.append(chain.from_iterable(level))
    return chain.from_iterable(parts)


def count_grams(text: str, max_n: int, title_weight: int) -> Counter[str]:
    """Gram counts of a prepared text (title, newline, body): the body's grams, then the grams only
    the title has; a title gram counts ``title_weight`` times."""
    title, _, body = text.partition("\n")
    counts = Counter(grams(normalise(body[:MAX_BODY]), max_n))
    get = counts.get  # not counts[gram] +=: a gram missing from the body is a Python-level __missing__ call
    for gram, n in Counter(grams(normalise(title[:MAX_TITLE]), max_n)).items():
        counts[gram] = get(gram, 0) + n * title_weight
    return counts


def getter(keys: Collection[Any]) -> Callable[[Any], Sequence[Any]]:
    """row -> tuple(row[k] for k in keys), in C: about twice as fast as map(row.__getitem__, keys)."""
    return itemgetter(*keys) if len(keys) > 1 else (lambda row: [row[k] for k in keys])  # itemgetter(k) is no tuple


class _Sublinear(dict[int, float]):
    """tf -> 1 + log(tf), filled as counts occur (small ints that repeat); read through getter."""

    def __missing__(self, n: int) -> float:
        self[n] = out = 1.0 + math.log(n)
        return out


_SUBLINEAR = _Sublinear()


class Columns(dict[str, int]):
    """gram -> column of a weight matrix, for ``grams``; any other gram -> the spare column
    ``len(grams)``, whose idf is 0 (so it weighs nothing): looking up a text's grams is then one C
    call, with no pass to drop unknown grams (they are rare: grams across separators are never made)."""

    def __init__(self, grams: Sequence[str]) -> None:
        # Keys are fresh copies made one after the other: a lookup compares the key's characters, and
        # the first grams (fitting puts the most frequent first) then share a few pages of memory,
        # instead of lying wherever the texts they came from were cut (about 10% of fit time).
        copies = "\0".join(grams).split("\0")
        super().__init__(zip(copies if len(copies) == len(grams) else grams, range(len(grams))))
        self.spare = len(grams)

    def __missing__(self, gram: str) -> int:
        return self.spare


def weigh(counts: Counter[str], columns: Columns, idf: Sequence[float]) -> tuple[Sequence[int], list[float]]:
    """Gram counts -> (columns, L2-normalised sublinear tf-idf), in the counts' order.

    ``idf`` has one more entry than the vocabulary: the spare column's 0. A gram outside the
    vocabulary thus gets the spare column and the value 0, which changes neither the norm nor any
    sum. Per gram, the lookups are memory-bound and, with the counting, most of fit time.
    """
    ix = getter(counts)(columns)
    vx = list(map(mul, getter(counts.values())(_SUBLINEAR), getter(ix)(idf)))
    norm = math.sqrt(sum(map(mul, vx, vx)))
    return ix, (list(map(truediv, vx, repeat(norm))) if norm else vx)  # x / norm, as a C pass
