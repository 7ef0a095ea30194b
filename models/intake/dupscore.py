"""Possible duplicates, the scoring: how alike a report (or a case) and an existing case are, and why.

Signals, weights, threshold and window come from [duplicates] in chuishao.toml: same phone
(normalised), same or near address (`Report.address_key`), text similarity, same township, same
category. The score is the weighted mean over the signals *both* sides carry: a report without a
phone number is judged on what it has instead of being marked down for the number it lacks.

Text similarity is the cosine (Ochiai) coefficient of the two texts' sets of character bigrams —
the very tokens the search index stores (models/text/search.py), so a candidate's text comes out of the
index without re-reading or re-tokenising its reports. Why not rapidfuzz's token_set_ratio over the
same bigrams: it compares the sorted token strings character by character, so two unrelated
complaints share enough single characters (的, 小, 区 …) to score 30–40 % and two reports of the
same broken street lamp only 45–55 %; bigram cosine gives about 3 % against 20–30 %, ignores word
order, and costs one set intersection. Addresses are compared by their canonical keys, computed at
intake (models/text/textnorm.py `address_key`: 城关镇东关社区五号楼 and 东关社区5号楼 are one key);
keys that still differ are compared by `place_similarity` (numbers must agree, then rapidfuzz's
fuzz.ratio, where character edits matter).

A case is eligible when it is neither merged nor split, and is open or was received within
window_days of the report. Where candidates come from: models/intake/duplicates.py (the database, for one
intake and `case duplicates`) and models/intake/dupwindow.py (memory, for an import).
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from typing import Any

from rapidfuzz import fuzz

from models.errors import ValidationError
from models.org.config import Config
from models.org.permissions import mask_phone
from models.store.states import MERGED, OPEN_STATES, SPLIT

DAY = 86400
KEY_LIMIT = 50  # newest cases per phone / address key: a placeholder number must not fetch 100k rows
TEXT_LIMIT = 50  # newest cases per rare term (text query)
TEXT_CANDIDATES = 8  # of those, the ones sharing most rare terms are scored
RARE_TERMS = 8  # a report's rarest bigrams used as blocking keys (two must be shared)
SIGNALS = ("phone", "address", "text", "township", "category")
ADDRESS_NEAR = 0.8  # address keys at least this similar count (partially) as the same place
# Evidence against: a signal both sides carry that disagrees adds (span × its weight) to the weights
# the score is the mean over and counts (against × its weight) against the candidate. Two addresses
# or two townships that differ are two places: the signal counts fully against (the township's
# small weight twice). Two phone numbers are often two neighbours reporting one problem (the
# labelled set: benchmarks/duplicates_quality.py), so they only lower the score by a quarter of
# the phone's weight in the mean instead of the whole of it.
AGAINST = {"phone": (0.25, 0.0), "address": (1.0, 1.0), "township": (1.0, 2.0)}
SAME_TEXT = 0.9  # texts this similar are "the same text" when counting how common a text is


@dataclass(frozen=True)
class Settings:
    """[duplicates] (and the repeat window from [supervision]) in the units the code uses."""

    window: int
    threshold: float
    max_candidates: int
    weights: dict[str, float]
    repeat_window: int


def settings(config: Config) -> Settings:
    section = config.section("duplicates")
    weights = dict.fromkeys(SIGNALS, 0.0)
    weights.update({k: float(v) for k, v in dict(section.get("weights") or {}).items()})
    return Settings(int(section["window_days"]) * DAY, float(section["threshold"]),
                    int(section.get("max_candidates", 10)), weights,
                    int(config.section("supervision")["repeat_days"]) * DAY)


AGAINST_WORDS = {"other_phone": "different phone", "other_address": "different address",
                 "other_township": "different township"}


@dataclass(frozen=True)
class Reason:
    """Why a candidate scored: kind is phone | address (the same canonical place, detail the key) |
    address_near (detail the similarity) | text | township | category, or what counted against it:
    other_phone | other_address (detail "this place / that place") | other_township | common_text."""

    kind: str
    detail: str = ""

    def __str__(self) -> str:
        if self.kind in AGAINST_WORDS:
            return AGAINST_WORDS[self.kind] + (f" {self.detail}" if self.detail else "")
        if self.kind == "common_text":
            return f"text common in the window: {self.detail} cases"
        if self.kind == "phone":
            return f"same phone {self.detail}"
        if self.kind == "address_near":
            return f"address {self.detail} similar"
        if self.kind == "text" and self.detail:
            return f"text {self.detail} similar"
        return f"same {self.kind}" + (f" {self.detail}" if self.detail else "")


@dataclass(frozen=True)
class Candidate:
    """A case that may report the same problem, with its score (0–1) and the reasons."""

    case_id: int
    score: float
    reasons: tuple[Reason, ...]
    state: str
    received_at: int
    repeat_count: int

    def as_json(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "score": round(self.score, 3), "state": self.state,
                "reasons": [str(r) for r in self.reasons], "reason_kinds": [r.kind for r in self.reasons],
                "reason_details": [r.detail for r in self.reasons]}


@dataclass
class Probe:
    """What a report (or a case) offers for comparison."""

    phones: frozenset[str]
    address_keys: frozenset[str]
    township: str | None
    category: str | None
    terms: frozenset[str]
    received_at: int
    exclude: frozenset[int] = frozenset()


@dataclass(slots=True)
class Target:
    """An existing case as the scorer sees it; `body` is its indexed token text.

    Compact (slots, tuples): an import holds one per open or recent case.
    """

    case_id: int
    state: str
    township: str | None
    category: str | None
    received_at: int
    repeat_count: int
    phones: tuple[str, ...] = ()
    address_keys: tuple[str, ...] = ()
    body: str = ""
    size: int = 0  # distinct terms in body (set with it: see `with_body`)

    def with_body(self, body: str, size: int | None = None) -> Target:
        self.body = body
        self.size = len(set(body.split())) if size is None else size
        return self


# What a report offers for comparison, as a plain tuple (cheap to send to another process):
# (phone, address key, township, category hint, received at, search tokens).
ScoredFields = tuple[str | None, str | None, str | None, str | None, int, str]


def probe_of(config: Config, phone: str | None, address_key: str | None, township: str | None,
             category_hint: str | None, received: int, tokens: str) -> Probe:
    """The probe of a report's fields (`ScoredFields`)."""
    return Probe(frozenset([phone]) if phone else frozenset(), frozenset([address_key]) if address_key else frozenset(),
                 township, category_path(config, category_hint), terms_of(tokens), received)


def new_target(case_id: int, probe: Probe, tokens: str) -> Target:
    """A report's case-to-be as a target, for the reports after it to be compared with."""
    return Target(case_id, "new", probe.township, probe.category, probe.received_at, 1, tuple(probe.phones),
                  tuple(probe.address_keys), tokens, len(probe.terms))


def terms_of(tokens: str) -> frozenset[str]:
    """The comparable terms of a token text (its bigrams, words, and each run's last character)."""
    return frozenset(tokens.split())


def is_blocking(term: str) -> bool:
    """Specific enough to look up: a CJK bigram, or an ASCII word of 4+ characters (numbers, plates)."""
    return len(term) == 2 and not term.isascii() or len(term) >= 4 and term.isascii()


def blocking_terms(terms: Iterable[str]) -> list[str]:
    return [t for t in terms if is_blocking(t)]


_CATEGORY_CACHE: dict[tuple[int, str], str] = {}


def category_path(config: Config, text: str | None) -> str | None:
    """A category path for a hint ("城乡建设" → its path); unknown hints compare as written."""
    if not text:
        return None
    key = (id(config), text)
    found = _CATEGORY_CACHE.get(key)
    if found is None:
        try:
            found = config.category(text)
        except ValidationError:
            found = text.strip()
        _CATEGORY_CACHE[key] = found
    return found


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


_NUMBERS = re.compile(r"\d+")


@lru_cache(maxsize=1 << 16)
def _numbers(key: str) -> tuple[str, ...]:
    """The numbers of an address key, in order (a key meets many others in one import)."""
    return tuple(_NUMBERS.findall(key))


def place_similarity(a: str, b: str) -> float:
    """How alike two address keys are as places (0–1). The keys are canonical already (numerals as
    digits, township prefixes dropped: textnorm.address_key). Their numbers must agree, one key's
    being the start of the other's (5栋 and 5栋3单元201 agree; 9栋 and 19栋, 5栋 and 6栋 do not:
    other buildings, however alike the rest of the text); an address inside a longer one is the
    same place; otherwise the edit similarity of the two keys."""
    if a == b:
        return 1.0
    numbers_a, numbers_b = _numbers(a), _numbers(b)
    if numbers_a[:len(numbers_b)] != numbers_b[:len(numbers_a)]:
        return 0.0
    short, long = sorted((a, b), key=len)
    if len(short) >= 4 and short in long:
        return 1.0
    return fuzz.ratio(a, b) / 100


def cosine(terms: frozenset[str], t: Target) -> float:
    """Cosine of the report's term set and the target's, without building the target's set: one
    C-level pass of its tokens against the report's set (a window holds 100k+ targets)."""
    if not terms or not t.size:
        return 0.0
    return len(terms.intersection(t.body.split())) / math.sqrt(len(terms) * t.size)


def eligible(s: Settings, probe: Probe, t: Target) -> bool:
    """Neither merged nor split, not excluded, and open or received within the window."""
    if t.case_id in probe.exclude or t.state in (MERGED, SPLIT):
        return False
    return t.state in OPEN_STATES or abs(t.received_at - probe.received_at) <= s.window


def _evaluate(s: Settings, probe: Probe, t: Target, reasons: list[Reason] | None,
              bar: float | None = None, common: int = 1, similar: dict[int, float] | None = None) -> float:
    """The score; with a `reasons` list, also why (kept apart: most candidates fall below the bar).

    With a `bar`, the text cosine (the costly signal) is skipped when even a perfect text match
    could not lift the other signals to the bar; the value returned then is only known to be
    below it. Signals are summed in one fixed order either way, so a score is the same float.
    A signal both sides carry that disagrees counts against (AGAINST); a text shared by `common`
    eligible cases counts 1/common of its similarity (a template says little about the place).
    `similar`: text cosines known already, by case id (ranking computes each target's once).
    """
    w = s.weights
    phone = address = township = category = 0.0  # what each signal adds to total / got
    phone_got = address_got = township_got = category_got = 0.0
    found: list[Reason] = []
    if probe.phones and t.phones:
        phone = w["phone"]
        if not probe.phones.isdisjoint(t.phones):
            phone_got = w["phone"]
            if reasons is not None:
                same = min(p for p in t.phones if p in probe.phones)
                found.append(Reason("phone", mask_phone(same) or ""))
        else:
            phone, phone_got = w["phone"] * AGAINST["phone"][0], -w["phone"] * AGAINST["phone"][1]
            if reasons is not None:
                found.append(Reason("other_phone"))
    if probe.address_keys and t.address_keys:
        address = w["address"]
        if not probe.address_keys.isdisjoint(t.address_keys):
            address_got = w["address"]
            if reasons is not None:
                found.append(Reason("address", min(k for k in t.address_keys if k in probe.address_keys)))
        else:
            near = max(place_similarity(a, b) for a in probe.address_keys for b in t.address_keys)
            if near >= ADDRESS_NEAR:
                address_got = w["address"] * near
                if reasons is not None:
                    found.append(Reason("address_near", f"{near:.0%}"))
            else:
                address, address_got = w["address"] * AGAINST["address"][0], -w["address"] * AGAINST["address"][1]
                if reasons is not None:
                    found.append(Reason("other_address", f"{min(probe.address_keys)} / {min(t.address_keys)}"))
    has_text = bool(probe.terms) and t.size > 0
    text = w["text"] if has_text else 0.0
    same_township = False
    if probe.township and t.township:
        township = w["township"]
        if same_township := probe.township == t.township:
            township_got = w["township"]
        else:
            township, township_got = w["township"] * AGAINST["township"][0], -w["township"] * AGAINST["township"][1]
    same_category = False
    if probe.category and t.category:
        category = w["category"]
        if same_category := _related(probe.category, t.category):
            category_got = w["category"]
    total = 0.0 + phone + address + text + township + category
    if not total:
        return 0.0
    text_got = 0.0
    if has_text:
        if bar is not None:
            # cosine <= min(a, b) / sqrt(a * b): the shorter set entirely inside the longer one
            most = min(len(probe.terms), t.size) / math.sqrt(len(probe.terms) * t.size)
            best = 0.0 + phone_got + address_got + text * most + township_got + category_got
            if best / total < bar - 1e-9:
                return max(0.0, best / total)  # (a bar of 0 keeps a score of 0, as scoring in full does)
        similar = _similar(probe, t, similar)
        text_got = text * similar / common
        if reasons is not None and similar >= 0.2:
            found.append(Reason("text", f"{similar:.0%}"))
            if common > 1:
                found.append(Reason("common_text", str(common)))
    if reasons is not None:
        if same_township:
            found.append(Reason("township", t.township or ""))
        elif township_got:
            found.append(Reason("other_township", t.township or ""))
        if same_category:
            found.append(Reason("category", (t.category or "").split("/")[0]))
        reasons.extend(found)
    return max(0.0, 0.0 + phone_got + address_got + text_got + township_got + category_got) / total


def _similar(probe: Probe, t: Target, known: dict[int, float] | None) -> float:
    """The text cosine of probe and target, remembered in `known` (when given)."""
    if known is None:
        return cosine(probe.terms, t)
    value = known.get(t.case_id)
    if value is None:
        value = known[t.case_id] = cosine(probe.terms, t)
    return value


def score(s: Settings, probe: Probe, t: Target, common: int = 1, similar: dict[int, float] | None = None) -> Candidate:
    """The weighted mean of the signals both sides carry (those that disagree counting against),
    with a reason per signal that matched or disagreed."""
    reasons: list[Reason] = []
    value = _evaluate(s, probe, t, reasons, common=common, similar=similar)
    return Candidate(t.case_id, value, tuple(reasons), t.state, t.received_at, t.repeat_count)


def text_frequency(probe: Probe, targets: Iterable[Target], similar: dict[int, float] | None = None) -> int:
    """How many of the targets carry (nearly) the probe's very text: 1 for a text of its own, more
    for a template ("Noise: Construction Before/After Hours") that many reports share."""
    n = len(probe.terms)
    if not n:
        return 1
    low = SAME_TEXT * SAME_TEXT  # cosine >= SAME_TEXT needs sizes within this ratio
    same = sum(1 for t in targets if t.size and low * max(n, t.size) <= min(n, t.size)
               and _similar(probe, t, similar) >= SAME_TEXT)
    return max(same, 1)


def rank(s: Settings, probe: Probe, targets: Iterable[Target], min_score: float | None = None) -> list[Candidate]:
    """Eligible targets scoring at least the threshold, best first, at most max_candidates.

    The targets are the candidates the blocking keys found (phone, address, rare terms): how often
    the probe's text recurs among them is its frequency in the window, as far as it matters.
    """
    bar = s.threshold if min_score is None else min_score
    pool = [t for t in targets if eligible(s, probe, t)]
    similar: dict[int, float] = {}  # each target's text cosine, computed once
    # A common text only lowers a score (its text counts 1/common): a target below the bar as if
    # the text were the probe's own is below it anyway, and for most reports every target is, so
    # how common the text is (a cosine with each target of about its length) is not asked at all.
    within = [t for t in pool if _evaluate(s, probe, t, None, bar, 1, similar) >= bar]
    if not within:
        return []
    common = text_frequency(probe, pool, similar)
    kept = [(value, t) for t in within if (value := _evaluate(s, probe, t, None, bar, common, similar)) >= bar]
    kept.sort(key=lambda pair: (-pair[0], -pair[1].case_id))
    return [score(s, probe, t, common, similar) for _, t in kept[:s.max_candidates]]


def repeat_count(s: Settings, received_at: int, candidates: list[Candidate]) -> int:
    """How often this problem has now been reported within the repeat window: the reports (this one
    and its duplicates) received inside the window that ends at the newest of them. A duplicate's own
    count is not added: 09-01, 09-21 and 10-06 span 35 days, and 10-06's window holds two, not three."""
    times = [received_at, *(c.received_at for c in candidates)]
    newest = max(times)
    return sum(1 for t in times if newest - t <= s.repeat_window)


# --- targets from the database ------------------------------------------------------------------

def add_report(config: Config, t: Target, phone: str | None, key: str | None, hint: str | None) -> None:
    """Fold one of a case's reports into its target."""
    if phone and phone not in t.phones:
        t.phones += (phone,)
    if key and key not in t.address_keys:
        t.address_keys += (key,)
    if t.category is None and hint:
        t.category = category_path(config, hint)


def best_shared(shared: Counter[int], rare: list[str]) -> list[int]:
    """Cases sharing at least two of the rare terms (or the only one), most shared first, bounded."""
    need = min(2, len(rare))
    # Most cases share one term: pick those with `need` or more in C (compress over a comparison
    # map) before any Python loop touches them.
    enough = list(compress(shared, map(need.__le__, shared.values())))
    if len(enough) > TEXT_CANDIDATES:
        return [cid for _, cid in heapq.nlargest(TEXT_CANDIDATES, [(shared[cid], cid) for cid in enough])]
    return enough
