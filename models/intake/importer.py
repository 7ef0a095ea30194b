"""Batch import: a file of reports from one channel's export becomes cases, nothing lost, nothing twice.

Rows are read by models/importing (CSV in any office encoding, XLSX, JSONL, Open311), mapped to
reports through an import profile ([import_profiles.NAME] in chuishao.toml: target → column),
and taken in by the same `intake.prepare` / `intake.register` as a single report — same
validation, clocks and event — one write transaction per batch. Duplicate detection runs on every
row: against the database like a single intake for a small file, against the open and recent
cases held in memory for a large one (models/intake/dupwindow.py chooses).

Every row ends as exactly one of: imported; duplicate (its channel + source id is already in the
database, or repeats an earlier row of the file); rejected (with its row number and the reason).
The counts add up to the rows read. Re-importing a file adds nothing; an interrupted import keeps
the batches already committed and a re-run completes it, because of that idempotency.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from models.errors import DomainError, UsageError
from models.intake.dupscore import Target
from models.intake.dupwindow import ImportCandidates
from models.intake.importing.dates import parse_datetime
from models.intake.importing.readers import ImportFileError, RowError, SourceFile, SourceRow, open_source
from models.intake.importing.writers import check_new_file, write_rejects
from models.intake.intake import NewReport, Prepared, existing_sources, next_ids, prepare, register
from models.org.config import Config
from models.org.config_spec import IMPORT_TARGETS
from models.org.context import Context
from models.org.permissions import require_role
from models.store import engine
from models.text.textnorm import normalise_phone, normalise_text
from models.worktime.timeutil import to_epoch

BATCH = 500
MAX_LENGTHS = {"source_id": 100, "title": 500, "citizen_name": 100, "phone": 40, "address": 500,
               "township": 100, "category": 200, "channel": 100}
# Open311 GeoReport v2 service requests, when no profile is named.
OPEN311_COLUMNS = {"source_id": "service_request_id", "text": "description", "received": "requested_datetime",
                   "address": "address", "category": "service_name"}
# GeoReport v2 makes description optional and service_name required: without a description, the
# request's service name and address are its text.
OPEN311_TEXT_FALLBACK = ("service_name", "address")
KEYED_FORMATS = ("jsonl", "open311")  # each record names its own fields: a key absent from one may be in the next
FINGERPRINT = "fp:"

Progress = Callable[[int, int | None], None]


@dataclass
class ImportResult:
    """What happened to every row of one import."""

    path: str
    format: str
    encoding: str | None
    profile: str | None
    channel: str | None
    dry_run: bool
    read: int = 0
    imported: int = 0
    duplicate: int = 0
    rejected: int = 0
    flagged: int = 0  # imported reports with possible duplicates (see the intake events)
    fingerprinted: int = 0  # rows without a source id, identified by their fingerprint instead
    first_case: int | None = None
    last_case: int | None = None
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    rejects_file: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"file": self.path, "format": self.format, "encoding": self.encoding, "profile": self.profile,
                "channel": self.channel, "dry_run": self.dry_run, "read": self.read, "imported": self.imported,
                "duplicate": self.duplicate, "rejected": self.rejected, "possible_duplicates": self.flagged, "fingerprinted": self.fingerprinted,
                "cases": [self.first_case, self.last_case] if self.first_case else [],
                "duplicates": self.duplicates, "rejects": self.rejects, "rejects_file": self.rejects_file}


class RowRejected(Exception):
    """A row that cannot become a report; the message is the reason."""


@dataclass
class Mapping:
    """Which file column feeds which report field, and the channel rows default to."""

    columns: dict[str, str]
    channel: str | None
    forced: bool = False  # --channel given: it wins over a channel column
    text_fallback: tuple[str, ...] = ()  # columns joined into the text when the text column is empty

    def value(self, fields: dict[str, str], target: str) -> str:
        column = self.columns.get(target)
        return fields.get(column, "") if column else ""


def mapping_for(config: Config, source: SourceFile, profile: str | None, channel: str | None) -> Mapping:
    """The profile's column mapping checked against the file's header (file-level errors: exit 2)."""
    if profile is not None:
        found = config.import_profiles.get(profile)
        if found is None:
            known = ", ".join(sorted(config.import_profiles)) or "none"
            raise UsageError("import.unknown_profile", profile=profile, known=known)
        columns = dict(found["columns"])
        default = channel or found.get("channel")
    else:
        columns = dict(OPEN311_COLUMNS) if source.format == "open311" else {t: t for t in IMPORT_TARGETS}
        default = channel
    present = {t: c for t, c in columns.items() if c in source.header}
    fallback = OPEN311_TEXT_FALLBACK if source.format == "open311" and profile is None else ()
    if "text" not in present and not any(c in source.header for c in fallback):
        where = {"path": source.path, "column": columns.get("text"), "header": ", ".join(source.header)}
        if profile:
            raise ImportFileError("import.no_text_column_in_profile", **where)
        raise ImportFileError("import.no_text_column", **where, profiles=", ".join(sorted(config.import_profiles)))
    if default is not None:
        try:
            default = config.channel(default)
        except DomainError as exc:
            raise UsageError(exc.code, **exc.params) from None
    elif "channel" not in present:
        raise UsageError("import.which_channel", path=source.path, channels=", ".join(config.channels))
    if source.format in KEYED_FORMATS:
        present = columns  # the header is a sample of keys; each row is read with its own
    return Mapping(present, default, forced=channel is not None, text_fallback=fallback)


def fingerprint(new: NewReport) -> str:
    """A stable id for a report without a source id: channel + received time + text (normalised:
    no spaces or punctuation, NFKC) + phone, so importing the same file again finds it."""
    key = "\x1f".join((new.channel, str(new.received_at or ""), normalise_text(new.text),
                       normalise_phone(new.phone) or ""))
    return FINGERPRINT + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def new_report(config: Config, mapping: Mapping, fields: dict[str, str]) -> NewReport:
    """The report a row describes; raises RowRejected with the reason."""
    get = mapping.value
    for target, limit in MAX_LENGTHS.items():
        if len(get(fields, target)) > limit:
            raise RowRejected(f"{mapping.columns[target]} is longer than {limit} characters")
    text = get(fields, "text")
    if not text.strip() and mapping.text_fallback:
        text = "\n".join(value for column in mapping.text_fallback if (value := fields.get(column, "").strip()))
    if not text.strip():
        raise RowRejected(f"{mapping.columns['text']} (the report text) is empty")
    channel = mapping.channel if mapping.forced else (get(fields, "channel").strip() or mapping.channel)
    if not channel:
        raise RowRejected(f"{mapping.columns['channel']} (the channel) is empty")
    received = None
    raw = get(fields, "received").strip()
    if raw:
        try:
            received = to_epoch(parse_datetime(raw, config.tz))
        except ValueError as exc:
            raise RowRejected(f"{mapping.columns['received']}: {exc}") from None

    def optional(target: str) -> str | None:
        return get(fields, target).strip() or None
    return NewReport(channel=channel, text=text, title=optional("title"), phone=optional("phone"),
                     address=optional("address"), township=optional("township"), source_id=optional("source_id"),
                     received_at=received, citizen_name=optional("citizen_name"), category_hint=optional("category"))


@dataclass
class Staged:
    """A batch read and prepared outside the write transaction, waiting to be scored and written."""

    now: int
    take: list[tuple[SourceRow, Prepared]]


def _batches(rows: Iterator[SourceRow | RowError], size: int) -> Iterator[list[SourceRow | RowError]]:
    while batch := list(islice(rows, size)):
        yield batch


class Importer:
    """One import run: the file's rows through intake, batch by batch (see `import_file`): each
    batch is staged (read, checked, prepared) without the write lock, then scored and written
    holding it."""

    def __init__(self, ctx: Context, source: SourceFile, mapping: Mapping, result: ImportResult,
                 keep_raw: bool = False) -> None:
        self.ctx, self.source, self.mapping, self.result = ctx, source, mapping, result
        self.candidates = ImportCandidates(ctx)
        self.seen: dict[tuple[str, str], int] = {}  # (channel, source id) → first row number
        self.keep_raw = keep_raw  # only a rejects file needs the rejected rows' cells
        self.rejected: list[tuple[int, object, str]] = []  # (row number, raw record, reason)
        self.fingerprinted: set[int] = set()  # rows identified by their fingerprint
        self.file = Path(source.path).name

    def reject(self, number: int, reason: str, raw: object) -> None:
        text = reason if reason.startswith(("row ", "line ", "record ")) else f"row {number}: {reason}"
        self.result.rejected += 1
        self.result.rejects.append({"row": number, "reason": text})
        if self.keep_raw:
            self.rejected.append((number, raw, text))

    def stage(self, rows: list[SourceRow | RowError]) -> Staged:
        """Map, check and prepare one batch, and load the duplicate candidates its dates need.

        Runs outside the write transaction: it only reads, so other operators' steps are not kept
        waiting by the part of an import that is pure work on the file.
        """
        ctx, result = self.ctx, self.result
        now = ctx.now()
        mapped: list[tuple[SourceRow, NewReport]] = []
        for row in rows:
            result.read += 1
            if isinstance(row, RowError):
                self.reject(row.number, row.reason, row.raw)
                continue
            try:
                new = new_report(ctx.config, self.mapping, row.fields)
                new.channel = ctx.config.channel(new.channel)
                if not new.source_id:
                    new.source_id = fingerprint(new)
                    self.fingerprinted.add(row.number)
                    result.fingerprinted += 1
                mapped.append((row, new))
            except (RowRejected, DomainError) as exc:
                self.reject(row.number, str(exc), row.raw)
        # Source ids first: a re-run after an interruption skips its duplicates without preparing them.
        known = existing_sources(ctx.db, [(n.channel, n.source_id) for _, n in mapped if n.source_id])
        take: list[tuple[SourceRow, Prepared]] = []
        for row, new in mapped:
            key = (new.channel, new.source_id) if new.source_id else None
            if key is not None and key in self.seen:
                self.duplicate(row, new, f"repeats row {self.seen[key]}", of_row=self.seen[key])
                continue
            if key is not None and key in known:
                self.seen[key] = row.number
                self.duplicate(row, new, f"already registered (case {known[key]})", of_case=known[key])
                continue
            try:
                take.append((row, prepare(ctx, new, now)))
            except DomainError as exc:
                self.reject(row.number, str(exc), row.raw)
                continue
            if key is not None:
                self.seen[key] = row.number
        if take:
            total = self.source.total_hint
            remaining = len(take) + (max(0, total - result.read) if total is not None else result.read)
            self.candidates.cover(min(i.received for _, i in take), max(i.received for _, i in take), remaining)
        return Staged(now, take)

    def write(self, staged: Staged, progress: Progress | None) -> None:
        """Score and write a staged batch (the caller holds the write transaction, or none: dry run)."""
        ctx, result, now = self.ctx, self.result, staged.now
        take = staged.take
        keys = [(i.channel, i.source_id) for _, i in take if i.source_id]
        if keys and not result.dry_run:
            # Registered since `stage` looked (another import of the same file, at the same moment)?
            # Now, under the write lock, nobody else can add one.
            late = existing_sources(ctx.db, keys)
            for row, item in take:
                if (item.channel, item.source_id) in late:
                    self.duplicate(row, item.new, f"already registered (case {late[(item.channel, item.source_id)]})",
                                   of_case=late[(item.channel, item.source_id)])
            take = [(row, i) for row, i in take if (i.channel, i.source_id) not in late]
        first = next_ids(ctx.db)
        if result.dry_run:  # nothing was written: number this batch's would-be cases after the last batch's
            first = (first[0] + result.imported, first[1] + result.imported)
        probes = [item.probe(ctx.config) for _, item in take]
        found = self.candidates.find(probes, [
            Target(first[0] + n, "new", item.township, probe.category, item.received, 1, tuple(probe.phones),
                   tuple(probe.address_keys), item.tokens, len(probe.terms))
            for n, ((_, item), probe) in enumerate(zip(take, probes))])
        if take and not result.dry_run:
            extra = [{"import": {"file": self.file, "row": row.number}} for row, _ in take]
            done = register(ctx, [i for _, i in take], found, now, first_ids=first, extra_after=extra)
            self.candidates.written(probes)
            result.first_case = result.first_case or done[0].case_id
            result.last_case = done[-1].case_id
        result.flagged += sum(1 for cands in found if cands)
        result.imported += len(take)
        if progress is not None:
            progress(result.read, self.source.total_hint)

    def duplicate(self, row: SourceRow, item: NewReport, why: str, of_row: int | None = None,
                  of_case: int | None = None) -> None:
        self.result.duplicate += 1
        column = ("fingerprint" if row.number in self.fingerprinted
                  else self.mapping.columns.get("source_id", "source id"))
        self.result.duplicates.append({"row": row.number, "source_id": item.source_id, "channel": item.channel,
                                       "of_row": of_row, "of_case": of_case,
                                       "reason": f"row {row.number}: {column} {item.source_id} {why}"})


def import_file(ctx: Context, path: str | Path, *, profile: str | None = None, channel: str | None = None,
                dry_run: bool = False, rejects: str | Path | None = None, batch_size: int = BATCH,
                progress: Progress | None = None) -> ImportResult:
    """Import a file of reports; returns the counts, the duplicates and the rejected rows.

    One write transaction per batch of `batch_size` rows. `progress(rows_read, total_hint)` is
    called as each batch is written, before it commits: an exception raised there (or Ctrl-C)
    abandons that batch only. A dry run reads, checks and scores everything and writes nothing.
    `rejects` names a file to receive the rejected rows in the input's own format.
    File-level problems raise ImportFileError / UsageError (exit 2).
    """
    require_role(ctx, "intake")
    if batch_size < 1:
        raise UsageError("import.batch_size")
    config = ctx.config
    fmt = None
    if profile is not None and profile in config.import_profiles and Path(path).suffix.lower() not in (
            ".csv", ".txt", ".xlsx", ".xlsm", ".jsonl", ".ndjson", ".json"):
        fmt = config.import_profiles[profile].get("format")
    if rejects is not None:
        check_new_file(rejects, path)  # before the first row is committed, not after the last
    with open_source(path, fmt) as source:
        mapping = mapping_for(config, source, profile, channel)
        result = ImportResult(str(path), source.format, source.encoding, profile, mapping.channel, dry_run)
        importer = Importer(ctx, source, mapping, result, keep_raw=rejects is not None)
        if progress is not None:
            progress(0, source.total_hint)
        with engine.bulk_writes(ctx.db):
            for rows in _batches(source.rows, batch_size):
                staged = importer.stage(rows)
                if dry_run:
                    importer.write(staged, progress)
                else:
                    with ctx.write():  # held for scoring and writing only
                        importer.write(staged, progress)
    result.rejects.sort(key=lambda r: r["row"])  # rows fail at reading or at checking: report in file order
    if rejects is not None:
        write_rejects(rejects, source, [(raw, reason) for _, raw, reason in sorted(importer.rejected,
                                                                               key=lambda r: r[0])])
        result.rejects_file = str(rejects)
    return result
