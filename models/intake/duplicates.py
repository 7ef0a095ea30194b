"""Possible duplicates of a report or a case, found in the database by indexed lookups only.

Candidates come from "blocking" keys, never from scanning: the same phone and the same address key
(indexed report columns, newest first, bounded), and shared *rare* bigrams (the search index,
newest first, bounded; "rare" judged on a sample of the newest indexed cases). Township and
category only add to the score (models/intake/dupscore.py): as blocking keys they would match thousands
of cases. So the cost of one intake does not grow with the size of the database.

Nothing here is stored except by the caller: intake records the top candidates (ids and scores)
in its event so the queue can say "possible duplicate"; everything else is recomputed on demand.
`duplicate_candidates(ctx, case_id)` is what the console and `case duplicates` call.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Iterable
from itertools import chain
from typing import Any

import peewee as pw

from models.cases.queries import show
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
    blocking_terms,
    category_path,
    rank,
    settings,
    terms_of,
)
from models.org.context import Context
from models.org.permissions import can_see
from models.store import engine, prepared
from models.store.schema import Case, Report
from models.worktime.timeutil import local_iso

SAMPLE_DOCS = 3000  # newest indexed cases whose term frequencies judge "rare" for single intakes

__all__ = [
    "Candidate",
    "Probe",
    "Target",
    "candidate_rows",
    "duplicate_candidates",
    "find_in_db",
    "load_targets",
    "note_indexed",
    "probe_of_case",
    "targets_in_db",
    "term_stats",
]


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
    return [rank(s, probe, targets, min_score) for probe, targets in zip(probes, targets_in_db(ctx, probes))]


def targets_in_db(ctx: Context, probes: list[Probe]) -> list[list[Target]]:
    """The cases each probe's blocking keys find in the database, unscored (see `find_in_db`)."""
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
    return [[targets[i] for i in ids if i in targets] for ids in wanted]


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
