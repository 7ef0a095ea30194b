"""Duplicate detection for batch import: the open and recent cases held in memory, by blocking key.

A single intake asks the database (models/intake/duplicates.py: indexed phone and address lookups, an FTS
query for rare bigrams). An import of 100k rows cannot afford three queries per row, so it loads
once the cases that can be candidates at all — open ones, and those received within the window of
the rows' dates — and keeps the same blocking keys in dictionaries: phone → cases, address key →
cases, bigram → cases for every bigram still rare in the window. A list's length is the bigram's
document frequency, so a report's rarest bigrams are picked without any other statistics; a bigram
in more than 0.2 % of the window is dropped for good (it could not block anything, and memory stays
bounded). Each imported case joins the window as soon as it is scored, so a row can match a row
above it in the same file. Scoring is the same `duplicates.rank`.

Memory and load time grow with the open and recent cases (a county's working set), never with the
whole history; per row, the cost is bounded by KEY_LIMIT and TEXT_LIMIT like the database path.

Loading that working set is worth it only for a large file: at a million cases it holds a few
hundred thousand and takes seconds, while ten rows cost milliseconds by the database path. So an
import (`ImportCandidates`, models/intake/dupscorer.py) chooses at its first batch: a file small
next to the working set asks the database row by row (plus a window of its own rows, so a row still
finds the rows above it); a larger one loads the window — in a second process for a large file,
scoring beside the writing. Both paths score with `rank`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import peewee as pw

from models.intake.dupscore import (
    KEY_LIMIT,
    RARE_TERMS,
    TEXT_LIMIT,
    Candidate,
    Probe,
    Settings,
    Target,
    add_report,
    best_shared,
    is_blocking,
    rank,
    settings,
)
from models.org.config import Config
from models.org.context import Context
from models.store import engine, prepared
from models.store.schema import Case, Report
from models.store.states import MERGED, OPEN_STATES, SPLIT


@dataclass
class Reading:
    """What a window reads from: the database and the configuration (a Context has both)."""

    db: pw.Database
    config: Config


class Window:
    """Candidates for a batch of reports, held in memory (see the module docstring)."""

    def __init__(self, ctx: Context | Reading, s: Settings | None = None, *, preload: bool = True,
                 below: int | None = None) -> None:
        """`preload=False`: a window of the reports added to it only (`cover` loads nothing).
        `below`: load no case numbered from it (an import's own rows: see models/intake/dupscorer.py)."""
        self.ctx = ctx
        self.below = below
        self.preload = preload
        self.s = s or settings(ctx.config)
        self.targets: dict[int, Target] = {}
        self.by_phone: dict[str, list[int]] = {}
        self.by_address: dict[str, list[int]] = {}
        # rare term → the cases holding it. A list's length is the term's document frequency in
        # the window; once it passes `ceiling` the term is too common to block on and is dropped.
        self.postings: dict[str, list[int]] = {}
        self.skip: set[str] = set()  # dropped terms, and tokens that are no blocking terms at all
        self.covered: list[tuple[int, int]] = []
        self.open_loaded = False

    @staticmethod
    def ceiling(cases: int) -> int:
        """Terms in more cases than this are too common to block on (0.2 %, at least 20)."""
        return max(20, cases // 500)

    # --- loading ----------------------------------------------------------------------------
    def cover(self, lo: int, hi: int) -> None:
        """Load every case that can be a candidate for reports received between lo and hi."""
        if not self.preload:
            return
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
        if self.below is not None:
            condition = condition & (Case.id < self.below)
        cases = Case.select(Case.id, Case.state, Case.township, Case.category, Case.received_at,
                            Case.repeat_count).where(condition)
        for cid, state, town, category, received, repeats in db.execute_sql(*cases.sql()):
            if cid not in self.targets:
                fresh[cid] = Target(cid, state, town, category, int(received), int(repeats or 0))
        if not fresh:
            return
        ids = sorted(fresh)
        # The reports of the new cases only (a date range re-finds the open cases loaded already), by
        # case id in order: seeks along report.case_id, each case's reports in their own order.
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            size = len(chunk)
            # SQL cached per IN-list length: peewee takes longer to build it than SQLite to run it.
            cursor = prepared.execute(db, ("window_reports", size), lambda size=size: Report.select(
                Report.case, Report.phone, Report.address_key, Report.category_hint).where(
                Report.case.in_([0] * size)), chunk)
            for cid, phone, key, hint in cursor:
                add_report(config, fresh[cid], phone, key, hint)
        ceiling = self.ceiling(len(self.targets) + len(ids))  # judged on the whole window, not the first few
        for start in range(0, len(ids), 5000):
            chunk = ids[start:start + 5000]
            bodies = engine.indexed_text(db, chunk)
            for cid in chunk:
                body = bodies.get(cid, "")
                terms = set(body.split())
                self._index(fresh[cid].with_body(body, len(terms)), terms, ceiling)

    # --- the window as reports arrive ------------------------------------------------------
    def _index(self, target: Target, tokens: AbstractSet[str], ceiling: int) -> None:
        cid = target.case_id
        self.targets[cid] = target
        for phone in target.phones:
            self.by_phone.setdefault(phone, []).append(cid)
        for key in target.address_keys:
            self.by_address.setdefault(key, []).append(cid)
        postings, skip = self.postings, self.skip
        for term in tokens - skip:  # one C-level difference drops the common terms at once
            cases = postings.get(term)
            if cases is None:
                if not is_blocking(term):
                    skip.add(term)
                    continue
                postings[term] = [cid]
            elif len(cases) >= ceiling:  # too common to block on: forget it for good, memory stays bounded
                skip.add(term)
                del postings[term]
            else:
                cases.append(cid)

    def add(self, target: Target, terms: frozenset[str]) -> None:
        """A case just registered by this import joins the window (its body and size set)."""
        self._index(target, terms, self.ceiling(len(self.targets) + 1))

    def rare(self, terms: Iterable[str]) -> list[str]:
        """The report's terms held by the fewest cases of the window (at least one)."""
        postings = self.postings
        ranked = sorted([(len(postings[t]), t) for t in postings.keys() & terms])
        return [t for _, t in ranked[:RARE_TERMS]]

    def find(self, probe: Probe) -> list[Candidate]:
        """The candidates for one report, scored and ranked like a single intake's."""
        targets = self.targets_for(probe)
        return rank(self.s, probe, targets) if targets else []

    def targets_for(self, probe: Probe) -> list[Target]:
        """The cases one report's blocking keys find in the window, unscored."""
        ids: set[int] = set()
        for phone in probe.phones:
            ids.update(self.by_phone.get(phone, ())[-KEY_LIMIT:])
        for key in probe.address_keys:
            ids.update(self.by_address.get(key, ())[-KEY_LIMIT:])
        rare = self.rare(probe.terms)
        if rare:
            shared: Counter[int] = Counter()
            for term in rare:
                shared.update(self.postings[term][-TEXT_LIMIT:])
            ids.update(best_shared(shared, rare))
        targets = self.targets
        return [targets[i] for i in ids]


def _merge_intervals(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
