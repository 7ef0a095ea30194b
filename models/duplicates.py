"""Possible duplicates: score a new report (or an existing case) against open and recent cases.

Signals, weights, threshold and window come from [duplicates] in chuishao.toml: same phone
(normalised), same or near address (`Report.address_key`), text similarity, same township, same
category. The score is the weighted mean over the signals *both* sides carry: a report without a
phone number is judged on what it has instead of being marked down for the number it lacks.

Text similarity is the cosine (Ochiai) coefficient of the two texts' sets of character bigrams —
the very tokens the search index stores (models/search.py), so a candidate's text comes out of the
index without re-reading or re-tokenising its reports. Why not rapidfuzz's token_set_ratio over the
same bigrams: it compares the sorted token strings character by character, so two unrelated
complaints share enough single characters (的, 小, 区 …) to score 30–40 % and two reports of the
same broken street lamp only 45–55 %; bigram cosine gives about 3 % against 20–30 %, ignores word
order, and costs one set intersection. rapidfuzz is used where character edits matter: addresses
("3号楼" vs "3栋"), with fuzz.ratio on the normalised keys.

Candidates come only from indexed lookups ("blocking"), never from scanning: the same phone and
the same address key (indexed report columns, newest first, bounded), and shared *rare* bigrams
(the search index, newest first, bounded). Township and category only add to the score: as
blocking keys they would match thousands of cases. A case is eligible when it is neither merged
nor split, and is open or was received within window_days of the report.

Nothing here is stored except by the caller: intake records the top candidates (ids and scores)
in its event so the queue can say "possible duplicate"; everything else is recomputed on demand.
"""

from __future__ import annotations

import heapq
import math
import weakref
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any

import peewee as pw
from rapidfuzz import fuzz

from models import engine, prepared
from models.config import Config
from models.context import Context
from models.errors import ValidationError
from models.permissions import can_see, mask_phone
from models.queries import show
from models.schema import Case, Report
from models.states import MERGED, OPEN_STATES, SPLIT
from models.timeutil import local_iso

DAY = 86400
KEY_LIMIT = 50  # newest cases per phone / address key: a placeholder number must not fetch 100k rows
TEXT_LIMIT = 50  # newest cases per rare term (text query)
TEXT_CANDIDATES = 8  # of those, the ones sharing most rare terms are scored
RARE_TERMS = 8  # a report's rarest bigrams used as blocking keys (two must be shared)
SAMPLE_DOCS = 3000  # newest indexed cases whose term frequencies judge "rare" for single intakes
SIGNALS = ("phone", "address", "text", "township", "category")
ADDRESS_NEAR = 0.8  # address keys at least this similar count (partially) as the same place


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


@dataclass(frozen=True)
class Reason:
    """Why a candidate scored: kind is phone | address | text | township | category."""

    kind: str
    detail: str = ""

    def __str__(self) -> str:
        if self.kind == "phone":
            return f"same phone {self.detail}"
        if self.kind in ("address", "text") and self.detail:
            return f"{self.kind} {self.detail} similar"
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
                "reasons": [str(r) for r in self.reasons], "reason_kinds": [r.kind for r in self.reasons]}


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


def _evaluate(s: Settings, probe: Probe, t: Target, reasons: list[Reason] | None) -> float:
    """The score; with a `reasons` list, also why (kept apart: most candidates fall below the bar)."""
    w = s.weights
    total = got = 0.0
    if probe.phones and t.phones:
        total += w["phone"]
        if not probe.phones.isdisjoint(t.phones):
            got += w["phone"]
            if reasons is not None:
                same = min(p for p in t.phones if p in probe.phones)
                reasons.append(Reason("phone", mask_phone(same) or ""))
    if probe.address_keys and t.address_keys:
        total += w["address"]
        if not probe.address_keys.isdisjoint(t.address_keys):
            got += w["address"]
            if reasons is not None:
                reasons.append(Reason("address"))
        else:
            near = max(fuzz.ratio(a, b) for a in probe.address_keys for b in t.address_keys) / 100
            if near >= ADDRESS_NEAR:
                got += w["address"] * near
                if reasons is not None:
                    reasons.append(Reason("address", f"{near:.0%}"))
    if probe.terms and t.size:
        total += w["text"]
        similar = cosine(probe.terms, t)
        got += w["text"] * similar
        if reasons is not None and similar >= 0.2:
            reasons.append(Reason("text", f"{similar:.0%}"))
    if probe.township and t.township:
        total += w["township"]
        if probe.township == t.township:
            got += w["township"]
            if reasons is not None:
                reasons.append(Reason("township", t.township))
    if probe.category and t.category:
        total += w["category"]
        if _related(probe.category, t.category):
            got += w["category"]
            if reasons is not None:
                reasons.append(Reason("category", t.category.split("/")[0]))
    return got / total if total else 0.0


def score(s: Settings, probe: Probe, t: Target) -> Candidate:
    """The weighted mean of the signals both sides carry, with a reason per signal that matched."""
    reasons: list[Reason] = []
    value = _evaluate(s, probe, t, reasons)
    return Candidate(t.case_id, value, tuple(reasons), t.state, t.received_at, t.repeat_count)


def rank(s: Settings, probe: Probe, targets: Iterable[Target], min_score: float | None = None) -> list[Candidate]:
    """Eligible targets scoring at least the threshold, best first, at most max_candidates."""
    bar = s.threshold if min_score is None else min_score
    kept = [(value, t) for t in targets if eligible(s, probe, t) and (value := _evaluate(s, probe, t, None)) >= bar]
    kept.sort(key=lambda pair: (-pair[0], -pair[1].case_id))
    return [score(s, probe, t) for _, t in kept[:s.max_candidates]]


def repeat_count(s: Settings, received_at: int, candidates: list[Candidate]) -> int:
    """How often this problem has now been reported within the repeat window: this report, plus the
    most-repeated duplicate received within the window (its own count includes its earlier ones)."""
    earlier = [max(c.repeat_count, 1) for c in candidates if abs(c.received_at - received_at) <= s.repeat_window]
    return 1 + max(earlier, default=0)


# --- targets from the database ------------------------------------------------------------------

def load_targets(ctx: Context, case_ids: Iterable[int], bodies: dict[int, str] | None = None) -> dict[int, Target]:
    """Targets for these cases: case columns, their reports' phones and addresses, indexed text."""
    ids = sorted(set(case_ids))
    out: dict[int, Target] = {}
    config = ctx.config
    db = ctx.db
    for start in range(0, len(ids), 100):
        chunk = ids[start:start + 100]
        size = len(chunk)  # statements are cached per IN-list length: peewee's building costs more than SQLite
        cases = prepared.execute(db, ("targets_cases", size), lambda size=size: Case.select(
            Case.id, Case.state, Case.township, Case.category, Case.received_at, Case.repeat_count)
            .where(Case.id.in_([0] * size)), chunk)
        for cid, state, town, category, received, repeats in cases:
            out[cid] = Target(cid, state, town, category, int(received), int(repeats or 0))
        reports = prepared.execute(db, ("targets_reports", size), lambda size=size: Report.select(
            Report.case, Report.phone, Report.address_key, Report.category_hint)
            .where(Report.case.in_([0] * size)), chunk)
        for cid, phone, key, hint in reports:
            add_report(config, out[cid], phone, key, hint)
    known = bodies or {}
    missing = [cid for cid in out if cid not in known]
    texts = {**known, **engine.indexed_text(ctx.db, missing)}
    for cid, target in out.items():
        target.with_body(texts.get(cid, ""))
    return out


def add_report(config: Config, t: Target, phone: str | None, key: str | None, hint: str | None) -> None:
    """Fold one of a case's reports into its target."""
    if phone and phone not in t.phones:
        t.phones += (phone,)
    if key and key not in t.address_keys:
        t.address_keys += (key,)
    if t.category is None and hint:
        t.category = category_path(config, hint)


class TermStats:
    """Document frequencies of terms over a sample of the newest indexed cases (for "rare")."""

    def __init__(self, bodies: Iterable[str] = ()) -> None:
        self.df: Counter[str] = Counter()
        self.docs = 0
        self.add_many([terms_of(body) for body in bodies])

    def add(self, terms: Iterable[str]) -> None:
        self.df.update(terms)
        self.docs += 1

    def add_many(self, documents: list[frozenset[str]]) -> None:
        """Count many documents at once (one C-level pass instead of a call per document)."""
        self.df.update(chain.from_iterable(documents))
        self.docs += len(documents)

    def ceiling(self) -> int:
        """Terms in more documents than this are too common to block on (0.2 %, at least 20)."""
        return max(20, self.docs // 500)

    def rare(self, terms: Iterable[str], limit: int = RARE_TERMS, seen: bool = True,
             own: frozenset[str] = frozenset()) -> list[str]:
        """The `limit` least frequent blocking terms, skipping common ones (see `ceiling`).

        `seen`: only terms some other counted document has (a term nobody else used finds nothing
        when the counts cover every candidate); otherwise only terms no counted document has.
        `own`: the terms of a document that is itself counted, discounted.
        """
        ceiling, df = self.ceiling(), self.df
        ranked = sorted((df.get(t, 0) - (t in own), t) for t in blocking_terms(terms))
        if seen:
            return [t for n, t in ranked if 1 <= n <= ceiling][:limit]
        return [t for n, t in ranked if n <= 0][:limit]


_STATS: weakref.WeakKeyDictionary[pw.Database, TermStats] = weakref.WeakKeyDictionary()


def term_stats(db: pw.Database) -> TermStats:
    """This process's term sample for a database, read once and extended as it indexes new cases."""
    stats = _STATS.get(db)
    if stats is None:
        stats = _STATS[db] = TermStats(engine.newest_indexed(db, SAMPLE_DOCS))
    return stats


def best_shared(shared: Counter[int], rare: list[str]) -> list[int]:
    """Cases sharing at least two of the rare terms (or the only one), most shared first, bounded."""
    need = min(2, len(rare))
    enough = [(n, cid) for cid, n in shared.items() if n >= need]
    if len(enough) > TEXT_CANDIDATES:
        enough = heapq.nlargest(TEXT_CANDIDATES, enough)
    return [cid for _, cid in enough]


def text_hits(rare: list[str], docs: Iterable[tuple[int, str]]) -> dict[int, str]:
    """The documents sharing enough of the rare terms (see `best_shared`), with their text."""
    shared: Counter[int] = Counter()
    bodies: dict[int, str] = {}
    for cid, body in docs:
        words = set(body.split())
        shared[cid] = sum(1 for t in rare if t in words)
        bodies[cid] = body
    return {cid: bodies[cid] for cid in best_shared(shared, rare)}


def find_in_db(ctx: Context, probes: list[Probe], s: Settings | None = None,
               min_score: float | None = None) -> list[list[Candidate]]:
    """Candidates for each probe by indexed lookups in the database (single intake, `case duplicates`)."""
    s = s or settings(ctx.config)
    stats = term_stats(ctx.db)
    wanted: list[set[int]] = []
    bodies: dict[int, str] = {}
    for probe in probes:
        ids: set[int] = set()
        for phone in probe.phones:
            ids.update(_newest_cases(ctx.db, "phone", phone))
        for key in probe.address_keys:
            ids.update(_newest_cases(ctx.db, "address_key", key))
        # Rare in the sample (seen in newer cases), and absent from it (maybe in older ones).
        own = probe.terms if probe.exclude else frozenset()
        rare = stats.rare(probe.terms, RARE_TERMS // 2, own=own) + stats.rare(probe.terms, RARE_TERMS // 2, False, own)
        if rare:
            match = " OR ".join(f'"{t}"' for t in rare)
            hits = text_hits(rare, engine.match_newest(ctx.db, match, TEXT_LIMIT))
            bodies.update(hits)
            ids.update(hits)
        wanted.append(ids - probe.exclude)
    targets = load_targets(ctx, set().union(*wanted) if wanted else set(), bodies)
    return [rank(s, probe, [targets[i] for i in ids if i in targets], min_score)
            for probe, ids in zip(probes, wanted)]


def _newest_cases(db: pw.Database, column: str, value: str) -> list[int]:
    """The cases of the newest reports with this phone / address key (indexed, bounded)."""
    key = getattr(Report, column)
    cursor = prepared.execute(db, ("newest_by", column), lambda: Report.select(Report.case).where(key == "")
                              .order_by(Report.id.desc()).limit(KEY_LIMIT), (value, KEY_LIMIT))
    return [int(cid) for (cid,) in cursor]


def note_indexed(db: pw.Database, terms: Iterable[str]) -> None:
    """Tell this process's term sample about a case it just indexed."""
    stats = _STATS.get(db)
    if stats is not None:
        stats.add(terms)


def probe_of_case(ctx: Context, case: Case) -> Probe:
    """A probe from an existing case: its reports' phones and addresses, its text, its family excluded."""
    config = ctx.config
    reports = list(Report.select(Report.phone, Report.address_key, Report.category_hint)
                   .where(Report.case == case.id).tuples())
    family = {case.id}
    if case.parent_id:
        family.add(case.parent_id)
        family.update(c for (c,) in Case.select(Case.id).where(Case.parent == case.parent_id).tuples())
    family.update(c for (c,) in Case.select(Case.id).where(Case.parent == case.id).tuples())
    hint = next((h for _, _, h in reports if h), None)
    body = engine.indexed_text(ctx.db, [case.id]).get(case.id, "")
    return Probe(frozenset(p for p, _, _ in reports if p), frozenset(k for _, k, _ in reports if k),
                 case.township, case.category or category_path(config, hint), terms_of(body),
                 int(case.received_at), frozenset(family))


def duplicate_candidates(ctx: Context, case_id: int, min_score: float | None = None) -> list[Candidate]:
    """Possible duplicates of an existing case, best first, within the operator's scope."""
    case = show(ctx, case_id)
    found = find_in_db(ctx, [probe_of_case(ctx, case)], min_score=min_score)[0]
    if ctx.operator.role in ("township", "department"):
        visible = {c.id: c for c in Case.select().where(Case.id.in_([f.case_id for f in found]))}
        found = [f for f in found if f.case_id in visible and can_see(ctx, visible[f.case_id])]
    return found


def candidate_rows(ctx: Context, found: list[Candidate]) -> list[dict[str, Any]]:
    """Candidates as JSON rows for `--json` and the console, with each case's title and received time."""
    titles = dict(Case.select(Case.id, Case.title).where(Case.id.in_([f.case_id for f in found])).tuples()) if found else {}
    return [{**f.as_json(), "title": titles.get(f.case_id, ""), "received_at": local_iso(f.received_at, ctx.config.tz)}
            for f in found]
