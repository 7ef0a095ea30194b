"""Batch import: a file of reports from one channel's export becomes cases, nothing lost, nothing twice.

Rows are read by models/importing (CSV in any office encoding, XLSX, JSONL, Open311), mapped to
reports through an import profile ([import_profiles.NAME] in chuishao.toml: target → column),
and taken in by the same `intake.prepare` / `intake.build` + `write_built` as a single report —
same validation, clocks and event. Duplicate detection runs on every row: against the database
like a single intake for a small file (scored under the write lock), against the open and recent
cases held in memory for a large one (models/intake/dupscorer.py chooses). There the rows are
scored before the lock is taken — in a second process for a large file, batches ahead, while
this process writes the batches before — built, and written in transactions that end by time
(LOCK_BUDGET), so an operator's step never waits long for an import.

Every row ends as exactly one of: imported; duplicate (its channel + source id is already in the
database, or repeats an earlier row of the file); rejected (with its row number and the reason).
The counts add up to the rows read. Re-importing a file adds nothing; an interrupted import keeps
the transactions already committed and a re-run completes it, because of that idempotency.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path

from models.errors import DomainError, UsageError
from models.intake.dupscore import Candidate, new_target
from models.intake.dupscorer import ImportCandidates
from models.intake.importing.mapping import (
    Mapping,
    RowRejected,
    fingerprint,
    mapping_for,
    new_report,
)
from models.intake.importing.readers import RowError, SourceFile, SourceRow, open_source
from models.intake.importing.writers import check_new_file, write_rejects
from models.intake.importresult import ImportResult, Progress
from models.intake.intake import (
    Built,
    NewReport,
    Prepared,
    build,
    derive,
    existing_sources,
    next_ids,
    prepare,
    register,
    write_built,
)
from models.intake.staged import Staged
from models.org.context import Context
from models.org.permissions import require_role
from models.store import engine

# Rows read, prepared and scored at a time, before any of them is written. Transactions end by time
# (LOCK_BUDGET), not by this count, and go on across batches. Smaller batches start the writing
# sooner after the scoring process's window has loaded and leave less to write after its last
# answer: 20,000 left the importing process waiting ~10 s, then 5 s of writing at the end.
BATCH = 5000
# A transaction commits once its rows took this long to write (checked every WRITE_CHUNK rows), so
# an operator's step waits for the lock at most about this long while an import runs. Larger
# transactions make the writing itself cheaper: each commit rewrites every index page it touched.
LOCK_BUDGET = 0.4
# Checked every this many rows: on a busy machine 500 rows took 0.7 s to insert, so a transaction
# ran to twice its budget and an operator's step waited over a second.
WRITE_CHUNK = 100
# Batches read ahead of the writing at most, while the scoring process has not answered for the
# oldest (a bound on memory: each batch holds its rows' text).
READ_AHEAD = 12
# Rows built before each transaction, outside the lock (about what one transaction writes).
WRITE_AHEAD = 4000
# Provisional case ids of the file's own rows while they are scored ahead of the write lock: above
# any real id, in file order (see Importer).
OWN = 1 << 48

def _batches(rows: Iterator[SourceRow | RowError], size: int) -> Iterator[list[SourceRow | RowError]]:
    while batch := list(islice(rows, size)):
        yield batch


class Importer:
    """One import run: the file's rows through intake, batch by batch (see `import_file`).

    Each batch is staged without the write lock: read, checked, prepared and, on the window's
    path (a large file), scored and built into rows. The write lock is then held for inserting those
    rows only. Scoring ahead of the lock needs the case ids of the file's own rows before they
    exist, since a row can be a duplicate of a row above it: in the window they are numbered
    provisionally (OWN + their number in the import, above every real id, so ties rank as the real
    ids will), and a candidate's provisional id becomes the real one when its row is numbered.
    Rows are built with the ids the database would give them then; under the lock, if another
    writer took those ids meanwhile (or registered one of the rows), the rest of the batch is
    numbered and built again there.
    """

    def __init__(self, ctx: Context, source: SourceFile, mapping: Mapping, result: ImportResult,
                 keep_raw: bool = False) -> None:
        self.ctx, self.source, self.mapping, self.result = ctx, source, mapping, result
        self.candidates = ImportCandidates(ctx, below=next_ids(ctx.db)[0])
        self.seen: dict[tuple[str, str], int] = {}  # (channel, source id) → first row number
        self.keep_raw = keep_raw  # only a rejects file needs the rejected rows' cells
        self.rejected: list[tuple[int, object, str]] = []  # (row number, raw record, reason)
        self.fingerprinted: set[int] = set()  # rows identified by their fingerprint
        self.file = Path(source.path).name
        self.scored = 0  # rows scored ahead of the lock so far: the next one's own-row number
        self.real: list[int | None] = []  # own-row number → its case id (None: not written, a late duplicate)
        self.in_transaction = 0  # rows written in the write transaction open now

    def reject(self, number: int, reason: str, raw: object) -> None:
        text = reason if reason.startswith(("row ", "line ", "record ")) else f"row {number}: {reason}"
        self.result.rejected += 1
        self.result.rejects.append({"row": number, "reason": text})
        if self.keep_raw:
            self.rejected.append((number, raw, text))

    def stage(self, rows: list[SourceRow | RowError]) -> Staged:
        """Map, check and prepare one batch, and load the duplicate candidates its dates need; on
        the window's path also send it to be derived and scored (`ready` takes the answers and
        builds; derived here instead while the scoring process loads), on the database's path
        derive it here.

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
                take.append((row, prepare(ctx, new, now, wording=False)))
            except DomainError as exc:
                self.reject(row.number, str(exc), row.raw)
                continue
            if key is not None:
                self.seen[key] = row.number
        staged = Staged(now, take, read_to=result.read)
        if take:
            total = self.source.total_hint
            remaining = len(take) + (max(0, total - result.read) if total is not None else result.read)
            self.candidates.cover(min(i.received for _, i in take), max(i.received for _, i in take), remaining)
            if self.candidates.loaded:
                staged.own = list(range(self.scored, self.scored + len(take)))
                self.scored += len(take)
                self.real.extend([None] * len(take))
                if self.candidates.loading():  # (see dupscorer.Unscored)
                    for _, item in take:
                        item.fill(*derive(ctx.config, item.wording()))
                self.candidates.submit([(item.phone, item.township, item.new.category_hint, item.received,
                                         None if item.derived else item.wording(),
                                         (item.priority, item.address_key, item.tokens) if item.derived else None)
                                        for _, item in take], OWN + staged.own[0])
                staged.windowed = True
                return staged
            for _, item in take:  # the database's path
                item.fill(*derive(ctx.config, item.wording()))
        return staged

    def answered(self, staged: Staged) -> bool:
        """Can the batch be written without waiting for its scores?"""
        return not staged.windowed or staged.found is not None or self.candidates.answered()

    def ready(self, staged: Staged, *, prebuild: bool = True) -> None:
        """On the window's path, take the batch's candidates (scored meanwhile) and (`prebuild`)
        build the first rows to write, still without the write lock."""
        if staged.windowed and staged.found is None:
            staged.found = []
            for (_, item), (priority, key, tokens, candidates) in zip(staged.take, self.candidates.take(), strict=True):
                item.fill(priority, key, tokens)
                staged.found.append(candidates)
            if prebuild:
                self.prebuild(staged, WRITE_AHEAD)

    def score(self, staged: Staged, first: int) -> list[list[Candidate]]:
        """Candidates for the batch's reports, its own rows numbered from `first` (the database's path)."""
        staged.probes = probes = [item.probe(self.ctx.config) for _, item in staged.take]
        return self.candidates.find(probes, [new_target(first + n, probe, item.tokens)
                                             for n, ((_, item), probe) in enumerate(zip(staged.take, probes))])

    def built_for(self, staged: Staged, first: tuple[int, int], count: int) -> bool:
        """Are the next `count` unwritten rows built, numbered from `first`?"""
        built, at = staged.built, staged.written - staged.built_from
        return (built is not None and at >= 0 and at + count <= len(built)
                and (built.first_ids[0] + at, built.first_ids[1] + at) == first)

    def prebuild(self, staged: Staged, ahead: int, after: int = 0) -> None:
        """Build the next `ahead` unwritten rows numbered as the database stands (`after` rows of
        the batch before it are still to be written), before taking the write lock (the window's
        path; in a transaction they are built again only if another writer took their ids in between)."""
        if staged.found is None or self.result.dry_run or staged.written >= len(staged.take) or ahead <= 0:
            return
        count = min(ahead, len(staged.take) - staged.written)
        first = next_ids(self.ctx.db)
        first = (first[0] + after, first[1] + after)
        built, at = staged.built, staged.written - staged.built_from
        if built is not None and at >= 0 and at < len(built) and self.built_for(staged, first, len(built) - at):
            have = len(built) - at  # rows built ahead last time and still numbered right: build only the rest
            if have < count:
                start = staged.written + have
                built.extend(self._built(staged, start, count - have,
                                         (first[0] + have, first[1] + have)))
            return
        self.build(staged, first, count)

    def build(self, staged: Staged, first: tuple[int, int], count: int) -> None:
        """Number the next `count` unwritten rows from `first` and build them (the window's path)."""
        staged.built_from = staged.written
        staged.built = self._built(staged, staged.written, count, first)

    def _built(self, staged: Staged, start: int, count: int, first: tuple[int, int]) -> Built:
        """Rows start:start+count of the batch, numbered from `first` (the rows above them numbered already)."""
        assert staged.found is not None
        rest = range(start, min(len(staged.take), start + count))
        for k, n in enumerate(rest):
            self.real[staged.own[n]] = first[0] + k
        real = self.real
        found = []
        for n in rest:
            cands = staged.found[n]
            if any(c.case_id >= OWN for c in cands):  # a row above it in this file
                cands = [c if c.case_id < OWN else replace(c, case_id=real[c.case_id - OWN])
                         for c in cands if c.case_id < OWN or real[c.case_id - OWN] is not None]
            found.append(cands)
        take = staged.take[rest.start:rest.stop]
        extra = [{"import": {"file": self.file, "row": row.number}} for row, _ in take]
        return build(self.ctx, [i for _, i in take], found, staged.now, first, extra_after=extra)

    def finish(self, waiting: deque[Staged], progress: Progress | None) -> None:
        """Write the oldest waiting batch, in as many transactions as LOCK_BUDGET makes of it (a dry
        run: count it). A transaction that reaches the batch's end within its budget goes on into
        the next waiting batch when that one's scores are in: a batch's last transaction would
        otherwise be short, and each commit rewrites every index page it touched."""
        staged = waiting.popleft()
        self.ready(staged)
        if self.result.dry_run:
            self.write(staged, progress)
            return
        more = True
        while more:
            self.prebuild(staged, WRITE_AHEAD)
            rest = len(staged.take) - staged.written
            if rest < WRITE_AHEAD and waiting and staged.windowed and self.answered(waiting[0]):
                # the batch's last transaction: build the next batch's first rows too, numbered after these
                self.ready(waiting[0], prebuild=False)
                self.prebuild(waiting[0], WRITE_AHEAD - rest, after=rest)
            start, self.in_transaction = time.perf_counter(), 0
            with self.ctx.write():  # held for writing (and, on the database's path, scoring) only
                more = self.write(staged, progress, LOCK_BUDGET)
                while (not more and waiting and staged.windowed and self.answered(waiting[0])
                       and (left := LOCK_BUDGET - (time.perf_counter() - start)) > 0):
                    staged = waiting.popleft()
                    self.ready(staged, prebuild=False)  # (built ahead above, if its scores were in then)
                    more = self.write(staged, progress, left)
            if self.in_transaction:
                self.result.transactions.append(self.in_transaction)

    def write(self, staged: Staged, progress: Progress | None, budget: float | None = None) -> bool:
        """Write a staged batch (the caller holds the write transaction, or none: dry run); with a
        `budget` (seconds), stop once the rows written in this call took longer, for the caller to
        commit and let other writers in. True if rows remain for the next transaction."""
        ctx, result = self.ctx, self.result
        if not staged.windowed:  # the database's path: scored here, under the lock
            return self._write_scored_in_lock(staged, progress)
        self.ready(staged)
        assert staged.found is not None
        if result.dry_run:
            result.flagged += sum(1 for cands in staged.found if cands)
            result.imported += len(staged.take)
            staged.written = len(staged.take)
            if progress is not None:
                progress(staged.read_to, self.source.total_hint)
            return False
        start, wrote = time.perf_counter(), 0
        while staged.written < len(staged.take):
            stop = min(len(staged.take), staged.written + WRITE_CHUNK)
            late = self._late(staged, staged.written, stop)
            if late:
                self._drop(staged, late)
                continue
            first = next_ids(ctx.db)
            if not self.built_for(staged, first, stop - staged.written):
                # not built ahead, or another writer took the ids: build this chunk only, here
                self.build(staged, first, stop - staged.written)
            built = staged.built
            assert built is not None
            at, count = staged.written - staged.built_from, stop - staged.written
            write_built(ctx.db, built, at, at + count)
            registered = built.registered[at:at + count]
            result.first_case = result.first_case or registered[0].case_id
            result.last_case = registered[-1].case_id
            result.flagged += sum(1 for r in registered if r.candidates)
            result.imported += count
            staged.written, wrote = stop, wrote + count
            if budget is not None and time.perf_counter() - start > budget:
                break
        self.in_transaction += wrote
        if staged.written == len(staged.take):
            staged.built = None
        if progress is not None:
            progress(staged.read_to, self.source.total_hint)
        return staged.written < len(staged.take)

    def _late(self, staged: Staged, start: int, stop: int | None = None) -> dict[tuple[str, str], int]:
        """Source ids of rows start:stop registered since `stage` looked (another import of the same
        file, at the same moment); under the write lock nobody else can add one."""
        keys = [(i.channel, i.source_id) for _, i in staged.take[start:stop] if i.source_id]
        return existing_sources(self.ctx.db, keys) if keys else {}

    def _drop(self, staged: Staged, late: dict[tuple[str, str], int]) -> None:
        """Count the late rows as duplicates and take them out of the batch (their own-row numbers
        stay unnumbered, so the candidates naming them are dropped when the rest is built)."""
        keep = list(range(staged.written))
        for n in range(staged.written, len(staged.take)):
            row, item = staged.take[n]
            key = (item.channel, item.source_id)
            if key in late:
                self.duplicate(row, item.new, f"already registered (case {late[key]})", of_case=late[key])
                if staged.found is not None:
                    self.real[staged.own[n]] = None  # numbered when built: no case will have that id
            else:
                keep.append(n)
        staged.take = [staged.take[n] for n in keep]
        if staged.probes:
            staged.probes = [staged.probes[n] for n in keep]
        if staged.found is not None:
            staged.found = [staged.found[n] for n in keep]
            staged.own = [staged.own[n] for n in keep]
        staged.built = None

    def _write_scored_in_lock(self, staged: Staged, progress: Progress | None) -> bool:
        """The database's path (a small file): score against what is committed now, then write."""
        ctx, result, now = self.ctx, self.result, staged.now
        if not result.dry_run:
            late = self._late(staged, 0)
            if late:
                self._drop(staged, late)
        take = staged.take
        first = next_ids(ctx.db)
        if result.dry_run:  # nothing was written: number this batch's would-be cases after the last batch's
            first = (first[0] + result.imported, first[1] + result.imported)
        found = self.score(staged, first[0])
        probes = staged.probes
        if take and not result.dry_run:
            extra = [{"import": {"file": self.file, "row": row.number}} for row, _ in take]
            done = register(ctx, [i for _, i in take], found, now, first_ids=first, extra_after=extra)
            self.candidates.written(probes)
            result.first_case = result.first_case or done[0].case_id
            result.last_case = done[-1].case_id
            self.in_transaction += len(take)
        result.flagged += sum(1 for cands in found if cands)
        result.imported += len(take)
        staged.written = len(take)
        if progress is not None:
            progress(staged.read_to, self.source.total_hint)
        return False

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

    Rows are staged `batch_size` at a time and written in transactions, each committed once its
    writing took LOCK_BUDGET seconds (one may go on from a batch into the next: `Importer.finish`).
    `progress(rows_read, total_hint)` is called as each batch's rows in a transaction are written,
    before it commits: an exception raised there (or Ctrl-C) abandons that transaction's rows only. A dry run reads, checks and scores everything
    and writes nothing.
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
        try:
            with engine.bulk_writes(ctx.db):
                # Read ahead: while the scoring process (a large file's) has not answered for the
                # oldest batch — loading the window at first, seconds at a million cases — the next
                # batches are read, checked and sent, up to READ_AHEAD of them; then the oldest is
                # written while the scoring process works on the ones after it. One batch is always
                # read ahead of the writing, for a transaction to go on into (`finish`).
                waiting: deque[Staged] = deque()
                for rows in _batches(source.rows, batch_size):
                    waiting.append(importer.stage(rows))
                    while len(waiting) > 1 and (len(waiting) > READ_AHEAD or importer.answered(waiting[0])):
                        importer.finish(waiting, progress)
                while waiting:
                    importer.finish(waiting, progress)
            result.window = importer.candidates.stats()
        finally:
            importer.candidates.close()
    result.rejects.sort(key=lambda r: r["row"])  # rows fail at reading or at checking: report in file order
    if rejects is not None:
        write_rejects(rejects, source, [(raw, reason) for _, raw, reason in sorted(importer.rejected,
                                                                               key=lambda r: r[0])])
        result.rejects_file = str(rejects)
    return result
