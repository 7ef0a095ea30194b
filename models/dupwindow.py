"""Duplicate detection for batch import: the open and recent cases held in memory, by blocking key.

A single intake asks the database (models/duplicates.py: indexed phone and address lookups, an FTS
query for rare bigrams). An import of 100k rows cannot afford three queries per row, so it loads
once the cases that can be candidates at all — open ones, and those received within the window of
the rows' dates — and keeps the same blocking keys in dictionaries: phone → cases, address key →
cases, bigram → cases for every bigram still rare in the window (a bigram that turns common is
dropped: it could not block anything, and memory stays bounded). Each imported case joins the window as soon as it is scored, so a
row can match a row above it in the same file. Scoring is the same `duplicates.rank`.

Memory and load time grow with the open and recent cases (a county's working set), never with the
whole history; per row, the cost is bounded by KEY_LIMIT and TEXT_LIMIT like the database path.
"""

from __future__ import annotations

from collections import Counter

import peewee as pw

from models import engine
from models.context import Context
from models.duplicates import (
    KEY_LIMIT,
    TEXT_LIMIT,
    Candidate,
    Probe,
    Settings,
    Target,
    TermStats,
    add_report,
    best_shared,
    is_blocking,
    rank,
    settings,
    terms_of,
)
from models.schema import Case, Report
from models.states import MERGED, OPEN_STATES, SPLIT


class Window:
    """Candidates for a batch of reports, held in memory (see the module docstring)."""

    def __init__(self, ctx: Context, s: Settings | None = None) -> None:
        self.ctx = ctx
        self.s = s or settings(ctx.config)
        self.targets: dict[int, Target] = {}
        self.by_phone: dict[str, list[int]] = {}
        self.by_address: dict[str, list[int]] = {}
        self.postings: dict[str, list[int]] = {}  # rare term → cases; dropped once the term turns common
        self.common: set[str] = set()
        self.stats = TermStats()
        self.covered: list[tuple[int, int]] = []
        self.open_loaded = False

    # --- loading ----------------------------------------------------------------------------
    def cover(self, lo: int, hi: int) -> None:
        """Load every case that can be a candidate for reports received between lo and hi."""
        if not self.open_loaded:
            self.open_loaded = True
            self._load(Case.state.in_(sorted(OPEN_STATES)))
        for a, b in self._missing(lo - self.s.window, hi + self.s.window):
            self._load(Case.received_at.between(a, b) & Case.state.not_in([MERGED, SPLIT]))

    def _missing(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """Parts of [lo, hi] not loaded yet; marks them loaded."""
        gaps, start = [], lo
        for a, b in sorted(self.covered):
            if b < start or a > hi:
                continue
            if a > start:
                gaps.append((start, a - 1))
            start = max(start, b + 1)
        if start <= hi:
            gaps.append((start, hi))
        self.covered = _merge_intervals([*self.covered, (lo, hi)])
        return gaps

    def _load(self, condition: pw.Expression) -> None:
        # Plain cursors over peewee-built SQL: a window can hold 100k+ cases, and peewee's per-row
        # conversion would cost more than reading them.
        db, config = self.ctx.db, self.ctx.config
        fresh: dict[int, Target] = {}
        cases = Case.select(Case.id, Case.state, Case.township, Case.category, Case.received_at,
                            Case.repeat_count).where(condition)
        for cid, state, town, category, received, repeats in db.execute_sql(*cases.sql()):
            if cid not in self.targets:
                fresh[cid] = Target(cid, state, town, category, int(received), int(repeats or 0))
        if not fresh:
            return
        reports = (Report.select(Report.case, Report.phone, Report.address_key, Report.category_hint)
                   .join(Case, on=(Report.case == Case.id)).where(condition))
        for cid, phone, key, hint in db.execute_sql(*reports.sql()):
            target = fresh.get(cid)
            if target is not None:
                add_report(config, target, phone, key, hint)
        ids = sorted(fresh)
        bodies = engine.indexed_text(db, ids)
        stats = self.stats
        terms: dict[int, frozenset[str]] = {}
        for cid in ids:
            fresh[cid].body = bodies.get(cid, "")
            terms[cid] = terms_of(fresh[cid].body)
            stats.add(terms[cid])  # all counted first, so rarity is judged on the whole window
        ceiling, postings = stats.ceiling(), self.postings
        rare = set()
        for term, n in stats.df.items():
            if term not in self.common and is_blocking(term):
                if n <= ceiling:
                    rare.add(term)
                else:
                    self.common.add(term)
                    postings.pop(term, None)
        for cid in ids:
            self._keys(fresh[cid])
            for term in terms[cid] & rare:  # one C-level intersection instead of a loop over every term
                postings.setdefault(term, []).append(cid)

    # --- the window as reports arrive ------------------------------------------------------
    def _keys(self, target: Target) -> None:
        cid = target.case_id
        self.targets[cid] = target
        for phone in target.phones:
            self.by_phone.setdefault(phone, []).append(cid)
        for key in target.address_keys:
            self.by_address.setdefault(key, []).append(cid)

    def _index(self, target: Target, terms: frozenset[str]) -> None:
        self._keys(target)
        cid = target.case_id
        df, ceiling, postings, common = self.stats.df, self.stats.ceiling(), self.postings, self.common
        for term in terms:
            if term in common or not is_blocking(term):
                continue
            if df[term] > ceiling:  # too common to block on: forget it for good, keep memory bounded
                common.add(term)
                postings.pop(term, None)
            else:
                postings.setdefault(term, []).append(cid)

    def add(self, target: Target, terms: frozenset[str]) -> None:
        """A case just registered by this import joins the window."""
        self.stats.add(terms)
        target._terms = terms
        self._index(target, terms)

    def find(self, probe: Probe) -> list[Candidate]:
        """The candidates for one report, scored and ranked like a single intake's."""
        ids: set[int] = set()
        for phone in probe.phones:
            ids.update(self.by_phone.get(phone, ())[-KEY_LIMIT:])
        for key in probe.address_keys:
            ids.update(self.by_address.get(key, ())[-KEY_LIMIT:])
        rare = self.stats.rare(t for t in probe.terms if t not in self.common)
        if rare:
            shared: Counter[int] = Counter()
            for term in rare:
                shared.update(self.postings.get(term, ())[-TEXT_LIMIT:])
            ids.update(best_shared(shared, rare))
        if not ids:
            return []
        targets = self.targets
        return rank(self.s, probe, [targets[i] for i in ids])


def _merge_intervals(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
