"""Unified intake: one report from any channel becomes a case in the `new` queue.

One path for every way a report arrives: `intake()` (a keypress, `intake add`, the demo), a batch
import (models/intake/importer.py) and a split (models/intake/merge.py) all `prepare()` each report — the same
validation and derived fields — and `register()` the prepared reports inside the caller's write
transaction: cases with their clocks, reports, the search index, and one hash-chained `intake`
event per case that names the possible duplicates found. `register` writes many reports with one
statement per table, so an import pays SQLite's cost per row, not Python's per statement.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from types import SimpleNamespace
from typing import Any

import peewee as pw

from models.cases.casebase import require_text, snapshot
from models.clocks.clocks import deadline, refresh_next_due, rule_for
from models.errors import PermissionDenied, ValidationError
from models.intake.duplicates import find_in_db, note_indexed
from models.intake.dupscore import Candidate, Probe, ScoredFields, probe_of, repeat_count, settings
from models.org.config import ClockRule, Config
from models.org.context import Context
from models.org.permissions import require_role
from models.store import engine, events, prepared, rowdigest
from models.store.schema import Case, Event, Report
from models.store.states import NEW
from models.text import search
from models.text.messages import Ref
from models.text.textnorm import address_key, first_line, normalise_phone
from models.worktime.durations import Duration, parse_duration

TOP_CANDIDATES = 5  # possible duplicates named in the intake event


@dataclass
class NewReport:
    """One message as it arrived on one channel, kept verbatim."""

    channel: str
    text: str
    title: str | None = None
    phone: str | None = None
    address: str | None = None
    township: str | None = None
    source_id: str | None = None
    received_at: int | None = None  # epoch seconds; None = now
    citizen_name: str | None = None
    category_hint: str | None = None


@dataclass
class Prepared:
    """A report that passed validation, with everything intake derives from it."""

    new: NewReport
    channel: str
    township: str | None
    village: str | None
    title: str
    priority: str
    received: int
    phone: str | None
    address_key: str | None
    tokens: str

    derived: bool = True  # False: priority, address_key and tokens are still to be filled (`fill`)

    @property
    def source_id(self) -> str | None:
        return self.new.source_id or None

    def wording(self) -> Wording:
        """What `derive` reads, as one plain tuple (an import derives it in its scoring process)."""
        return self.title, self.new.text, self.new.address

    def fill(self, priority: str, key: str | None, tokens: str) -> None:
        """Set what `derive` gave for this report's wording."""
        self.priority, self.address_key, self.tokens, self.derived = priority, key, tokens, True

    def probe(self, config: Config) -> Probe:
        """What duplicate detection compares for this report."""
        return probe_of(config, *self.scored())

    def scored(self) -> ScoredFields:
        """The fields duplicate detection reads (`dupscore.probe_of`), as one plain tuple."""
        assert self.derived, "scored before its wording was derived"
        return (self.phone, self.address_key, self.township, self.new.category_hint, self.received, self.tokens)


@dataclass(frozen=True)
class Registered:
    case_id: int
    report_id: int
    candidates: list[Candidate]
    case_row: dict[str, Any]
    report_row: dict[str, Any]


def township_from_hint(config: Config, hint: str | None) -> tuple[str | None, str | None]:
    """(township id, village) from an id, a name, an alias or a village name; (None, None) if unknown."""
    if not hint or not hint.strip():
        return None, None
    text = hint.strip()
    if text in config.village_township:
        return config.village_township[text], text
    try:
        return config.township(text).id, None
    except ValidationError:
        return None, None


@functools.lru_cache(maxsize=32)
def _any_of(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern matching any of the words (a plain substring test each), or None for none."""
    words = tuple(w for w in words if w)
    return re.compile("|".join(map(re.escape, words))) if words else None


def priority_from_text(config: Config, text: str) -> str:
    """`urgent` or `utility` when the text holds one of their configured signal words, else general."""
    for name in ("urgent", "utility"):
        pattern = _any_of(config.priorities[name].urgent_keywords)
        if pattern is not None and pattern.search(text):
            return name
    return "general"


# A report's wording: (title, text, address).
Wording = tuple[str, str, str | None]


def derive(config: Config, wording: Wording) -> tuple[str, str | None, str]:
    """(priority, address key, search tokens): what intake derives from a report's words alone."""
    title, text, address = wording
    body = f"{title}\n{text}"
    return priority_from_text(config, body), address_key(address, config.places), search.tokens(body)


def prepare(ctx: Context, new: NewReport, now: int, *, wording: bool = True) -> Prepared:
    """Validate one report and derive its case's fields (no database access, no permission check
    beyond the township operator's own township). `wording=False` leaves what `derive` gives to be
    `fill`ed later: an import derives it in its scoring process (models/intake/dupscorer.py)."""
    config = ctx.config
    channel = config.channel(new.channel)
    require_text(new.text, "report_text")
    township, village = township_from_hint(config, new.township)
    if new.township and township is None:
        raise ValidationError("org.unknown_township", text=new.township, command="chuishao org townships")
    if ctx.operator.role == "township":
        if township and township != ctx.operator.township:
            raise PermissionDenied("perm.intake_own_township", operator=ctx.operator.name,
                                   own=Ref("township", ctx.operator.township), township=Ref("township", township))
        township = ctx.operator.township
    title = (new.title or "").strip() or first_line(new.text)
    phone = normalise_phone(new.phone) or (new.phone.strip() if new.phone and new.phone.strip() else None)
    received = new.received_at if new.received_at is not None else now
    item = Prepared(new, channel, township, village, title, "", received, phone, None, "", derived=False)
    if wording:
        item.fill(*derive(config, item.wording()))
    return item


def next_ids(db: pw.Database) -> tuple[int, int]:
    """The ids the next case and report will get (read under the write lock: nobody else inserts)."""
    heads = engine.owner_heads(db)
    if heads is not None:  # row-level security may hide other cases' rows from this role
        return heads[2] + 1, heads[3] + 1
    case_max = prepared.execute(db, "max_case_id", lambda: Case.select(pw.fn.MAX(Case.id)), ()).fetchone()[0]
    report_max = prepared.execute(db, "max_report_id", lambda: Report.select(pw.fn.MAX(Report.id)), ()).fetchone()[0]
    return int(case_max or 0) + 1, int(report_max or 0) + 1


def existing_sources(db: pw.Database, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Which (channel, source id) pairs are registered already, each with its report's case."""
    by_channel: dict[str, list[str]] = {}
    for channel, source_id in dict.fromkeys(keys):
        by_channel.setdefault(channel, []).append(source_id)
    out: dict[tuple[str, str], int] = {}
    for channel, ids in by_channel.items():
        for start in range(0, len(ids), 100):
            chunk = ids[start:start + 100]
            size = len(chunk)  # cached per IN-list length: building the SQL costs more than running it
            cursor = prepared.execute(db, ("sources", size), lambda size=size: Report.select(Report.source_id, Report.case)
                                      .where((Report.channel == "") & Report.source_id.in_([""] * size)),
                                      [channel, *chunk])
            for source_id, case_id in cursor:
                out[(channel, source_id)] = int(case_id)
    return out


def _fields(model: type[pw.Model]) -> list[pw.Field]:
    return list(model._meta.sorted_fields)


def _defaults(model: type[pw.Model]) -> dict[str, Any]:
    return {f.name: (f.default() if callable(f.default) else f.default) for f in _fields(model)}


def _columns(model: type[pw.Model], names: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The table's column names for these fields (default: every field, in `_fields` order)."""
    fields = model._meta.fields
    return tuple(fields[n].column_name for n in names) if names else tuple(f.column_name for f in _fields(model))


def _start_clocks(ctx: Context, rules: dict[tuple[str, str], tuple[ClockRule | None, Duration | None]],
                  case: SimpleNamespace) -> None:
    """The dispatch and resolve clocks of a new case, as `clocks.deadline` computes them.

    At intake a case has no category, so its rules depend on the priority only and are looked up
    once per batch; a natural-time rule (m/h/d) counted from the received time is a plain addition
    (WorkCalendar.add's definition), the rest go through `deadline` and the work calendar.
    """
    confirmed = True
    for clock in ("dispatch", "resolve"):
        key = (case.priority, clock)
        if key not in rules:
            rule = rule_for(ctx, case, clock)  # type: ignore[arg-type]
            rules[key] = (rule, parse_duration(rule.limit) if rule is not None else None)
        rule, duration = rules[key]
        if rule is not None and duration is not None and rule.start == "received" and not duration.is_working:
            due, ok = int(case.received_at) + duration.natural_seconds, True
        else:
            due, ok = deadline(ctx, case, clock)  # type: ignore[arg-type]
        setattr(case, f"{clock}_due", due)
        confirmed = confirmed and ok
    case.due_confirmed = confirmed


@dataclass
class Built:
    """Prepared reports as the rows `write_built` inserts, everything computed but the event chain:
    each event's id, predecessor and hash come from the chain's head, read under the write lock."""

    first_ids: tuple[int, int]
    cases: list[tuple[Any, ...]]
    reports: list[tuple[Any, ...]]
    texts: list[tuple[int, str]]
    events: list[tuple[Any, ...]]  # EVENT_COLUMNS but prev_hash and hash
    hashed: list[str]  # each event's canonical hashed text (events.HashedText)
    registered: list[Registered]

    def __len__(self) -> int:
        return len(self.cases)

    def extend(self, more: Built) -> None:
        """Append the rows built for the cases numbered right after these."""
        assert more.first_ids == (self.first_ids[0] + len(self), self.first_ids[1] + len(self))
        for name in ("cases", "reports", "texts", "events", "hashed", "registered"):
            getattr(self, name).extend(getattr(more, name))


def register(ctx: Context, items: list[Prepared], found: list[list[Candidate]], now: int, *,
             first_ids: tuple[int, int] | None = None, action: str = "intake", parent: int | None = None,
             extra_after: list[dict[str, Any]] | None = None) -> list[Registered]:
    """Write prepared reports as new cases; call inside a write transaction.

    Each case gets its clocks (models/clocks.deadline, as every step computes them), its report,
    its search text and one event (`action`, default "intake") naming its top possible duplicates.
    `first_ids` are the ids from `next_ids()` when the caller numbered the cases already.
    """
    if not items:
        return []
    built = build(ctx, items, found, now, first_ids or next_ids(ctx.db), action=action, parent=parent,
                  extra_after=extra_after)
    write_built(ctx.db, built)
    return built.registered


def build(ctx: Context, items: list[Prepared], found: list[list[Candidate]], now: int, first_ids: tuple[int, int],
          *, action: str = "intake", parent: int | None = None,
          extra_after: list[dict[str, Any]] | None = None) -> Built:
    """The rows `register` writes, for cases numbered from `first_ids`; reads nothing, so an import
    builds them before it takes the write lock (and again under it only if another writer took
    those ids meanwhile)."""
    if not all(item.derived for item in items):
        raise ValueError("build: a report's wording is not derived yet (Prepared.fill)")
    s = settings(ctx.config)
    case_id, report_id = first_ids
    case_defaults, report_defaults = _defaults(Case), _defaults(Report)
    # C-level getters: a row's tuple in one call instead of a generator over 40-odd names.
    case_values = attrgetter(*[f.name for f in _fields(Case)])
    report_values = itemgetter(*[f.name for f in _fields(Report)])
    cases, reports, texts, logged, hashed = [], [], [], [], []
    before = events.canonical({})
    text_of = events.HashedText(at=now, operator=ctx.actor, on_behalf_of=ctx.on_behalf_of, action=action,
                                state_before=None, state_after=NEW, before=before)
    rules: dict[tuple[str, str], tuple[ClockRule | None, Duration | None]] = {}
    out: list[Registered] = []
    for n, (item, candidates) in enumerate(zip(items, found, strict=True)):
        top = candidates[:TOP_CANDIDATES]
        row = {**case_defaults, "id": case_id, "state": NEW, "title": item.title, "channel": item.channel,
               "township": item.township, "village": item.village, "priority": item.priority,
               "received_at": item.received, "created_at": now, "updated_at": now, "updated_by": ctx.actor,
               "last_progress_at": item.received, "repeat_count": repeat_count(s, item.received, top),
               "parent": parent}
        case = SimpleNamespace(**row, merged_into_id=None, parent_id=parent)
        _start_clocks(ctx, rules, case)
        refresh_next_due(case, [])  # type: ignore[arg-type]
        cases.append(case_values(case))
        new = item.new
        report = {**report_defaults, "id": report_id, "case": case_id, "home_case": case_id,
                  "channel": item.channel, "source_id": item.source_id, "title": item.title, "text": new.text,
                  "citizen_name": new.citizen_name, "phone": item.phone, "address": new.address,
                  "address_key": item.address_key, "township_hint": new.township,
                  "category_hint": new.category_hint, "received_at": item.received, "created_at": now,
                  "created_by": ctx.actor}
        reports.append(report_values(report))
        texts.append((case_id, item.tokens))
        # The new case's fields that have a value: the state it starts from (later events record diffs).
        fields = snapshot(case)
        after = {**{k: v for k, v in fields.items() if v is not None}, "report_id": report_id,
                 "channel": item.channel, "source_id": item.source_id,
                 "duplicates": [{"case_id": c.case_id, "score": round(c.score, 3)} for c in top]}
        if extra_after is not None:
            after.update(extra_after[n])
        after_text = events.canonical(after)
        # The digests as every other path writes them (rowdigest owns which columns and how).
        digests = events.canonical(rowdigest.new_case(case_id, fields, report_id, report, parent))
        logged.append((case_id, now, ctx.actor, ctx.on_behalf_of, action, None, NEW, before, after_text, digests))
        hashed.append(text_of(case_id, after_text, digests))
        out.append(Registered(case_id, report_id, top, vars(case), report))
        case_id += 1
        report_id += 1
    return Built(first_ids, cases, reports, texts, logged, hashed, out)


def write_built(db: pw.Database, built: Built, start: int = 0, stop: int | None = None) -> None:
    """Insert rows start:stop of `built` (all by default), extending the event chain from its head;
    call inside a write transaction, with the rows before `start` written already."""
    stop = len(built) if stop is None else stop
    if start >= stop:
        return
    event_id, prev = events.head(db)
    logged = []
    for fields, text in zip(built.events[start:stop], built.hashed[start:stop]):
        event_id += 1
        digest = events.chained_digest(prev, text)
        logged.append((event_id, *fields, prev, digest))
        prev = digest
    engine.insert_rows(db, Case._meta.table_name, _columns(Case), built.cases[start:stop])
    engine.insert_rows(db, Report._meta.table_name, _columns(Report), built.reports[start:stop])
    engine.ids_taken(db, Case._meta.table_name, built.first_ids[0] + stop - 1)
    engine.ids_taken(db, Report._meta.table_name, built.first_ids[1] + stop - 1)
    engine.index_many(db, built.texts[start:stop])
    engine.insert_rows(db, Event._meta.table_name, _columns(Event, events.INSERT_COLUMNS), logged)


def intake(ctx: Context, new: NewReport) -> tuple[Case, Report]:
    """Register a report and open a case for it (one transaction, one event), flagging possible
    duplicates of open and recent cases in the event."""
    require_role(ctx, "intake")
    now = ctx.now()
    item = prepare(ctx, new, now)
    with ctx.write():
        if item.source_id:
            existing = existing_sources(ctx.db, [(item.channel, item.source_id)])
            if existing:
                raise ValidationError("intake.already_registered", report=f"{item.channel}/{item.source_id}",
                                      case=existing[(item.channel, item.source_id)])
        probe = item.probe(ctx.config)
        done = register(ctx, [item], find_in_db(ctx, [probe]), now)[0]
        note_indexed(ctx.db, probe.terms)
    return _instance(Case, done.case_row), _instance(Report, done.report_row)


def _instance(model: type[pw.Model], row: dict[str, Any]) -> Any:
    """A model instance for a row just written (no read back)."""
    instance = model(**{f.name: row[f.name] for f in _fields(model)})
    instance._dirty.clear()
    return instance
