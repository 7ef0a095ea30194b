"""What the office decided for similar cases: the live, always up-to-date half of 智能分哨's learning.

"Similar" is concrete enough to tell an operator: a past case shares one of the text's key phrases
(a duty-list or signal word it contains, a phrase the model found telling, or a piece of its
title) and enough of its wording overall (cosine of the two texts' character-bigram sets, place
names left out: ≥ MIN_SIMILARITY, or TITLE_SIMILARITY when only a title piece is shared). Only
decided cases count: triaged (a category), not merged away, not this case.

The cost is bounded whatever the size of the database: each phrase is one full-text lookup of the
newest PER_PHRASE matching cases (FTS5 walks its index backwards and stops at the limit), at most
MAX_PHRASES phrases, then one primary-key fetch of the candidates and one indexed fetch of their
cooperating assignments. Newest-first also means the office's current practice outweighs old habits.
Every triage and dispatch is visible to the next suggestion at once: nothing needs retraining.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from models.store import engine, prepared
from models.store.schema import Assignment, Case
from models.text import search

MAX_PHRASES = 4
PER_PHRASE = 30
MIN_SIMILARITY = 0.12  # a case sharing a telling phrase needs this much overlap (cosine of bigram sets) …
TITLE_SIMILARITY = 0.3  # … one sharing only a piece of the title, much more
SHARED_BONUS = 1.25  # every further shared phrase makes a case this much more similar
MAX_SIMILAR = 60
CHUNK = 64
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")
_FUNCTION = re.compile(r"[的了是在和与及或有我你他她们这那个也都就吗呢吧啊把被让给对向从]")
WINDOW = 4  # title pieces: 4 characters, a typical two-word phrase (共享单车, 乱停乱放)


@dataclass
class Precedents:
    """Weighted tallies of the decisions taken for similar cases (weights = similarity)."""

    cases: int = 0
    phrases: tuple[str, ...] = ()
    category: Counter[str] = field(default_factory=Counter)
    lead: Counter[str] = field(default_factory=Counter)
    cooperating: Counter[str] = field(default_factory=Counter)
    decision: Counter[str] = field(default_factory=Counter)
    duty_item: Counter[str] = field(default_factory=Counter)
    counts: dict[str, Counter[str]] = field(default_factory=dict)  # unweighted, for the reasons
    matched: dict[str, list[str]] = field(default_factory=dict)  # category path → phrases its cases shared


def title_pieces(title: str, limit: int) -> list[str]:
    """Phrases cut from a title: short CJK runs whole, longer ones in WINDOW-character pieces."""
    out: list[str] = []
    for run in (piece for whole in _CJK_RUN.findall(title) for piece in _FUNCTION.split(whole) if len(piece) >= 2):
        if len(run) <= WINDOW:
            out.append(run)
        else:
            out.extend(run[i:i + WINDOW] for i in range(0, len(run) - WINDOW + 1, WINDOW - 1))
        if len(out) >= limit:
            break
    return out[:limit]


def _core(phrase: str) -> str:
    """The longest piece of a phrase between function characters (村道的问 → 村道, 的劳动 → 劳动)."""
    return max(_FUNCTION.split(phrase.strip()), key=len)


def key_phrases(signal: list[str], model_words: list[str], topic: str) -> list[tuple[str, float]]:
    """(phrase, least similarity) to look cases up by.

    Telling phrases (configured signal words; words the model found telling, cut at function
    characters, since the model's grams straddle them) are topical by
    themselves, so a case sharing one needs little more overlap. Only when there are few does the
    title help, in pieces, and then a case must share much more of the wording to count.
    """
    # At most WINDOW characters each: a long phrase of common bigrams that no case contains makes the
    # full-text index walk every bigram's list to prove it (30 ms on a million cases); 4 characters
    # stay under a millisecond and are specific enough.
    telling = [p.strip()[:WINDOW] for p in signal] + [_core(p)[:WINDOW] for p in model_words]
    phrases = [p for p in dict.fromkeys(telling) if len(p) >= 2 and _CJK_RUN.fullmatch(p) and p in topic]
    phrases = phrases[:MAX_PHRASES]
    out = [(p, MIN_SIMILARITY) for p in phrases]
    if len(out) < MAX_PHRASES // 2 + 1:  # one or two telling words (小区?) may well miss the point
        pieces = [p for p in title_pieces(topic.partition("\n")[0], MAX_PHRASES) if p not in phrases]
        out.extend((p, TITLE_SIMILARITY) for p in pieces[:MAX_PHRASES - len(out)])
    return out


def similar_cases(db: pw.Database, text: str, phrases: list[tuple[str, float]],
                  exclude: int | None = None) -> Precedents:
    """Tally the decisions of the decided cases most similar to `text` among those sharing a phrase.

    A case's weight is its similarity, raised a little for every further phrase it shares.
    """
    query = set(search.tokens(text).split())  # bigrams (plus runs' last characters: close enough)
    names = tuple(p for p, _ in phrases)
    if not query or not phrases:
        return Precedents(phrases=names)
    candidates: dict[int, tuple[float, list[str]]] = {}
    refused: set[int] = set()
    for phrase, least in phrases:
        expression = search.match_expression(phrase)
        if expression is None:
            continue
        for case_id, body in engine.match_newest(db, expression, PER_PHRASE):
            if case_id in candidates:
                sim, shared = candidates[case_id]
                candidates[case_id] = (sim * SHARED_BONUS, shared + [phrase])
                continue
            if case_id == exclude or case_id in refused:
                continue
            other = body.split()  # (a list: building a set per candidate costs more than it saves)
            sim = len(query.intersection(other)) / math.sqrt(len(query) * len(other)) if other else 0.0
            if sim >= least:
                candidates[case_id] = (sim, [phrase])
            else:
                refused.add(case_id)
    best = sorted(candidates.items(), key=lambda kv: -kv[1][0])[: MAX_SIMILAR * 2]
    return _tally(db, dict(best), names)


def _in_chunks(db: pw.Database, key: str, build: Callable[[list[int]], pw.Query], ids: list[int],
               extra: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of a cached `… IN (ids)` statement: fixed-size id lists (padded with -1, never an id),
    so peewee builds the SQL once, not on every suggestion (building it costs more than running it)."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        params = chunk + [-1] * (CHUNK - len(chunk))
        rows.extend(prepared.execute(db, ("suggest", key), lambda: build([0] * CHUNK), [*params, *extra]).fetchall())
    return rows


def _tally(db: pw.Database, candidates: dict[int, tuple[float, list[str]]], phrases: tuple[str, ...]) -> Precedents:
    out = Precedents(phrases=phrases, counts={k: Counter() for k in
                                              ("category", "lead", "cooperating", "decision", "duty_item")})
    if not candidates:
        return out
    rows = _in_chunks(db, "cases", lambda ids: Case.select(
        Case.id, Case.category, Case.lead, Case.decision, Case.duty_item, Case.state).where(
        Case.id.in_(ids) & Case.category.is_null(False) & Case.merged_into.is_null()), list(candidates))
    decided = sorted(rows, key=lambda r: -candidates[int(r[0])][0])[:MAX_SIMILAR]
    coop = _in_chunks(db, "cooperating", lambda ids: Assignment.select(Assignment.case, Assignment.department).where(
        Assignment.case.in_(ids) & (Assignment.role == "x") & (Assignment.active == True)),
        [int(r[0]) for r in decided], ("cooperating", True))
    cooperating: dict[int, set[str]] = {}
    for case_id, dept in coop:
        cooperating.setdefault(int(case_id), set()).add(str(dept))
    for case_id, category, lead, decision, duty_item, state in decided:
        weight = candidates[int(case_id)][0]
        out.cases += 1
        values = {"category": category, "decision": decision, "duty_item": duty_item,
                  # a lead that returned the case was the wrong choice: do not learn it
                  "lead": lead if state != "returned" else None}
        for kind, value in values.items():
            if value:
                getattr(out, kind)[value] += weight
                out.counts[kind][str(value)] += 1
        for dept in cooperating.get(int(case_id), ()):
            out.cooperating[dept] += weight
            out.counts["cooperating"][dept] += 1
        shared = out.matched.setdefault(str(category), [])
        shared.extend(p for p in candidates[int(case_id)][1] if p not in shared)
    return out
