"""A large import scores and builds its rows before it takes the write lock, and writes them in
transactions that end by time: what it writes is exactly what a step-by-step import writes."""

from __future__ import annotations

import json
import pickle
import random
import signal
from collections.abc import Callable
from pathlib import Path

import peewee as pw
import pytest

from models.intake import dupscorer, importer
from models.intake.importer import Importer, ImportResult, import_file, mapping_for
from models.intake.importing.readers import open_source
from models.intake.intake import NewReport, derive, intake
from models.ledger.audit import verify
from models.org.config import Config
from models.org.context import Context, resolve_identity
from models.org.db import connect
from models.org.setup import set_up
from models.store import engine, events
from models.store.schema import Case, Event, Report, database_proxy
from models.worktime.timeutil import to_epoch
from tests.cli_support import Clock
from tests.test_import import hotline_row, write_csv

LAMP = "东关社区幸福里小区3号楼门口的路灯坏了一个多月，晚上漆黑一片，老人小孩出行很不方便，请尽快修理。"
LAMP_AGAIN = "幸福里小区3号楼门口路灯坏了一个多月了，晚上漆黑，老人出行很不方便，希望尽快修理。"


@pytest.fixture
def window_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every import takes the window's path (scoring ahead of the lock), however small the file."""
    monkeypatch.setattr(dupscorer, "DB_ROW_IN_CASES", 10**9)


def lamp_rows(count: int) -> list[list[str]]:
    """Rows that each repeat the problem of the row above (same phone and address, reworded)."""
    rows = []
    for n in range(1, count + 1):
        row = hotline_row(n, text=LAMP if n % 2 else LAMP_AGAIN)
        row[5], row[6] = "13812345678", "幸福里小区3号楼"
        rows.append(row)
    return rows


def intake_after() -> dict[str, dict[str, object]]:
    return {json.loads(e.after)["source_id"]: json.loads(e.after)
            for e in Event.select().where(Event.action == "intake")}


def case_of() -> dict[str, int]:
    return {r.source_id: r.case_id for r in Report.select().where(Report.source_id.is_null(False))}


def test_hashed_text_is_the_canonical_text_of_the_hashed_fields() -> None:
    rng = random.Random(3)
    words = ["路灯", "\"引号\"", "back\\slash", "\n换行", "\u2028", "emoji 😀", "", "<tag>"]
    for _ in range(500):
        fields = {"at": rng.randint(0, 2**40), "operator": rng.choice(words), "on_behalf_of": rng.choice([None, *words]),
                  "action": rng.choice(["intake", "split"]), "state_before": rng.choice([None, "new"]),
                  "state_after": rng.choice([None, "new"]), "before": events.canonical({})}
        case = rng.choice([None, rng.randint(1, 10**7)])
        after = events.canonical({"text": rng.choice(words), "duplicates": [{"case_id": 3, "score": 0.612}]})
        digests = events.canonical({f"case:{case}": "ab" * 16, f"report:{case}": "cd" * 16})
        text = events.HashedText(**fields)(case, after, digests)  # type: ignore[arg-type]
        assert text == events.canonical({**fields, "case": case, "after": after, "digests": digests})


def test_rows_scored_before_the_lock_take_the_ids_an_operator_left(ctx_for: Callable[..., Context],
                                                                   tmp_path: Path, window_path: None) -> None:
    # Scored and built while an operator registers a case (taking the id the batch expected) and
    # another import registers row 2's report: under the lock the rest is numbered again, row 3's
    # candidate is row 2's case no more (it is nobody's), row 4 names row 3's real case.
    ctx = ctx_for()
    path = write_csv(tmp_path / "in.csv", lamp_rows(4))
    with open_source(path) as source:
        mapping = mapping_for(ctx.config, source, "hotline", None)
        result = ImportResult(str(path), source.format, source.encoding, "hotline", mapping.channel, False)
        run = Importer(ctx, source, mapping, result)
        staged = run.stage(list(source.rows))
        run.ready(staged)
        assert staged.found is not None and staged.built is not None  # scored and built, no lock held
        walk_in, _ = intake(ctx, NewReport(channel="walk_in", text="来访群众反映：路灯不亮"))
        other, _ = intake(ctx, NewReport(channel="hotline_12345", text="同一工单", source_id="RX00002"))
        with ctx.write():
            assert run.write(staged, None) is False
    assert (result.read, result.imported, result.duplicate, result.rejected) == (4, 3, 1, 0)
    assert result.duplicates[0]["of_case"] == other.id
    cases = case_of()
    assert cases["RX00001"] == other.id + 1 and cases["RX00004"] == other.id + 3 and walk_in.id < other.id
    after = intake_after()
    assert [d["case_id"] for d in after["RX00003"]["duplicates"]] == [cases["RX00001"]]
    assert after["RX00004"]["duplicates"][0]["case_id"] == cases["RX00003"]  # type: ignore[index]
    assert all(d["case_id"] in cases.values() for a in after.values() for d in a["duplicates"])  # type: ignore[union-attr]
    assert result.flagged == 2 and verify(ctx).ok


def flags() -> dict[str, list[tuple[object, object]]]:
    """Each imported row's possible duplicates, as (source id, score), and its case's repeat count."""
    source_of = {case: source for source, case in case_of().items()}
    repeats = dict(Case.select(Case.id, Case.repeat_count).tuples())
    return {source: [(source_of[d["case_id"]], d["score"]) for d in after["duplicates"]]  # type: ignore[union-attr]
            + [("repeats", repeats[case_of()[source]])] for source, after in intake_after().items()}


@pytest.mark.parametrize("copy_from", [1, engine.COPY_MIN_ROWS], ids=["copy", "statements"])
def test_transactions_end_by_time_and_write_what_one_transaction_writes(
        ctx_for: Callable[..., Context], more_databases: Callable[[str], str], config: Config, clock: Clock,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, window_path: None, copy_from: int) -> None:
    # On PostgreSQL rows go through COPY into staging tables (`copy`: even two rows) or, below
    # COPY_MIN_ROWS, one INSERT each: the same rows, the same chain.
    monkeypatch.setattr(engine.core, "COPY_MIN_ROWS", copy_from)  # read by engine.uses_copy
    path = write_csv(tmp_path / "in.csv", lamp_rows(9))
    reference = connect(more_databases("reference"))
    set_up(reference, config, user="root", now=0)
    whole = import_file(resolve_identity(config, reference, user="root", clock=clock), path, profile="hotline")
    assert whole.transactions == [9]
    expected = flags()
    reference.close()
    ctx = ctx_for()
    database_proxy.initialize(ctx.db)  # back to this test's database
    monkeypatch.setattr(importer, "LOCK_BUDGET", 0.0)  # every chunk of rows is over the budget: commit
    monkeypatch.setattr(importer, "WRITE_CHUNK", 2)
    monkeypatch.setattr(importer, "WRITE_AHEAD", 3)  # 3 built ahead, 2 written: the next 2 are added to the 1 left
    seen: list[int] = []
    result = import_file(ctx, path, profile="hotline", progress=lambda done, total: seen.append(Case.select().count()))
    assert result.transactions == [2, 2, 2, 2, 1] and seen == [0, 2, 4, 6, 8, 9]
    assert (result.read, result.imported, result.duplicate, result.rejected) == (9, 9, 0, 0)
    assert flags() == expected and result.flagged == whole.flagged == 8 and verify(ctx).ok


def test_a_transaction_goes_on_into_the_next_batch(ctx_for: Callable[..., Context],
                                                   more_databases: Callable[[str], str], config: Config,
                                                   clock: Clock, tmp_path: Path, window_path: None) -> None:
    # Three batches of at most 4 rows, each scored as it is read: a transaction with budget left at a
    # batch's end writes on into the batch read ahead (the second) instead of committing a short
    # tail per batch; the third, read after, is the next transaction's.
    path = write_csv(tmp_path / "in.csv", lamp_rows(9))
    reference = connect(more_databases("reference"))
    set_up(reference, config, user="root", now=0)
    whole = import_file(resolve_identity(config, reference, user="root", clock=clock), path, profile="hotline")
    expected = flags()
    reference.close()
    ctx = ctx_for()
    database_proxy.initialize(ctx.db)  # back to this test's database
    seen: list[int] = []
    result = import_file(ctx, path, profile="hotline", batch_size=4,
                         progress=lambda done, total: seen.append(Case.select().count()))
    assert whole.transactions == [9] and result.transactions == [8, 1]
    assert seen == [0, 4, 8, 9]  # each batch's rows reported as written, inside the one transaction
    assert (result.read, result.imported, result.flagged) == (9, 9, whole.flagged)
    assert flags() == expected and verify(ctx).ok


def test_an_interrupted_transaction_keeps_the_ones_committed(ctx_for: Callable[..., Context], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch, window_path: None) -> None:
    ctx = ctx_for()
    path = write_csv(tmp_path / "in.csv", lamp_rows(7))
    monkeypatch.setattr(importer, "LOCK_BUDGET", 0.0)
    monkeypatch.setattr(importer, "WRITE_CHUNK", 3)

    def stop_in_the_second(done: int, total: int | None) -> None:
        if Case.select().count() > 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(ctx, path, profile="hotline", progress=stop_in_the_second)
    assert Case.select().count() == 3 and Event.select().where(Event.action == "intake").count() == 3
    rerun = import_file(ctx, path, profile="hotline")
    assert (rerun.read, rerun.imported, rerun.duplicate) == (7, 4, 3) and verify(ctx).ok


def test_a_dry_run_scored_ahead_of_the_lock_counts_what_the_import_writes(ctx_for: Callable[..., Context],
                                                                          tmp_path: Path, window_path: None) -> None:
    ctx = ctx_for()
    empty = hotline_row(7)
    empty[3] = ""  # rejected: no text
    path = write_csv(tmp_path / "in.csv", [*lamp_rows(6), empty])
    dry = import_file(ctx, path, profile="hotline", dry_run=True, batch_size=4)
    assert Case.select().count() == 0 and dry.transactions == []
    real = import_file(ctx, path, profile="hotline", batch_size=4)
    assert [(r.read, r.imported, r.duplicate, r.rejected, r.flagged) for r in (dry, real)] == [(7, 6, 0, 1, 5)] * 2
    assert verify(ctx).ok


def test_a_second_process_scores_what_this_one_would(ctx_for: Callable[..., Context],
                                                     more_databases: Callable[[str], str], config: Config,
                                                     clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     window_path: None) -> None:
    # A large import scores in a second process that opens the database by URL, while this one
    # writes the batch before; the flags, scores and repeat counts are the ones scoring here gives.
    rows = lamp_rows(9)
    for n, row in enumerate(rows[4:], start=5):  # some rows of another problem, another caller
        row[3], row[5], row[6] = f"城西村{n}组村道旁垃圾堆放多日无人清运，气味很大", f"1390000{n:04d}", f"城西村{n}组"
    path = write_csv(tmp_path / "in.csv", rows)

    def run(ctx: Context) -> tuple[ImportResult, dict[str, list[tuple[object, object]]]]:
        intake(ctx, NewReport(channel="grid", text=LAMP, phone="13812345678", address="幸福里小区3号楼",
                              source_id="E1"))
        done = import_file(ctx, path, profile="hotline", batch_size=4)  # three batches, each scored ahead
        assert verify(ctx).ok
        return done, flags()

    monkeypatch.setattr(dupscorer, "PROCESS_ROWS", 10**9)
    reference = connect(more_databases("reference"))
    set_up(reference, config, user="root", now=0)
    here, expected = run(resolve_identity(config, reference, user="root", clock=clock))
    reference.close()
    started: list[str] = []
    spawn = dupscorer.ProcessScorer.__init__

    def counted(self: dupscorer.ProcessScorer, url: str, *args: object) -> None:
        started.append(url)
        spawn(self, url, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(dupscorer, "PROCESS_ROWS", 0)
    monkeypatch.setattr(dupscorer.ProcessScorer, "__init__", counted)
    ctx = ctx_for()
    database_proxy.initialize(ctx.db)  # back to this test's database
    there, got = run(ctx)
    assert len(started) == 1 and got == expected
    assert (there.imported, there.flagged, there.window[0]) == (here.imported, here.flagged, here.window[0])  # type: ignore[index]
    assert there.flagged == 4  # the four lamp rows match the earlier case and each other


def test_the_scoring_process_never_deadlocks_on_a_full_pipe(ctx_for: Callable[..., Context], db_url: str,
                                                            config: Config, clock: Clock) -> None:
    # The importer sends the next batch before it takes the answer for the one before. Answers this
    # large (every row matches the rows above it) fill the pipe back while the requests fill the
    # pipe there: the scoring process must keep taking requests while it waits to answer.
    import threading

    ctx = ctx_for()
    candidates = dupscorer.ImportCandidates(ctx, below=None)
    batches, rows = 6, 2500
    at = to_epoch(clock())
    fields = [("13812345678", None, None, at + n, ("路灯坏了", f"{LAMP}（第{n:05d}次反映）", f"幸福里小区{n}号楼"), None)
              for n in range(rows)]
    candidates.scorer = dupscorer.ProcessScorer(db_url, config, candidates.s, None)
    candidates.chosen = True
    got: list[list[list[object]]] = []

    def exchange() -> None:
        candidates.scorer.send("cover", at - 86400, at + 86400)  # type: ignore[union-attr]
        for batch in range(batches):
            candidates.submit(fields, batch * rows)
        got.extend(candidates.take() for _ in range(batches))

    worker = threading.Thread(target=exchange, daemon=True)
    try:
        worker.start()
        worker.join(timeout=120)
        assert not worker.is_alive(), "the importing and scoring processes wait on each other"
    finally:
        if not worker.is_alive():
            candidates.close()
    assert [len(found) for found in got] == [rows] * batches
    assert len(pickle.dumps(got[1])) > 212_992  # an answer larger than a socket buffer holds (Linux: 208 KiB)
    assert not got[0][0][3] and all(scored[3] for batch in got[1:] for scored in batch)  # all but the first match
    assert got[0][0][:3] == derive(config, fields[0][4])  # the wording derived there as intake derives it


def test_rows_derived_by_the_importing_process_score_as_rows_derived_here(ctx_for: Callable[..., Context],
                                                                         config: Config, clock: Clock) -> None:
    # While the scoring process loads its window the importing process derives the rows' wording
    # itself and sends what it derived instead (dupscorer.Unscored): the answers are the same.
    ctx = ctx_for()
    at = to_epoch(clock())
    wordings = [("路灯坏了", f"{LAMP}（第{n}次反映）", f"城关镇幸福里小区{n % 3}号楼") for n in range(6)]

    def answers(derived_here: bool) -> list[object]:
        scorer = dupscorer.WindowScorer(ctx, dupscorer.settings(config), None)
        scorer.cover(at - 86400, at + 86400)
        rows = [("13812345678", "chengguan", None, at + n, None if derived_here else wording,
                 derive(config, wording) if derived_here else None) for n, wording in enumerate(wordings)]
        return scorer.score(rows, 1000)  # type: ignore[arg-type]

    there, here = answers(False), answers(True)
    assert there == here and all(scored[3] for scored in here[3:])  # rows 3-5 at rows 0-2's places


def test_a_scoring_process_that_fails_is_reported_not_waited_for(config: Config, tmp_path: Path) -> None:
    # A failure there is raised here, at the answer it belongs to; a process that is gone is
    # reported at the next answer waited for, instead of waited for ever.
    scorer = dupscorer.ProcessScorer(f"sqlite:///{tmp_path / 'empty.db'}", config, dupscorer.settings(config), None)
    try:
        scorer.send("cover", 0, 86400)  # a database without the schema
        with pytest.raises(pw.OperationalError, match="no such table"):
            scorer.receive()
        scorer.send("stop")
        with pytest.raises(RuntimeError, match=r"duplicate scoring process ended \(exit code 0\)"):
            scorer.send("stats")  # refused here, or unanswered, whichever comes first
            scorer.receive()
    finally:
        scorer.close()


def test_an_abandoned_import_ends_its_scoring_process_at_once(ctx_for: Callable[..., Context], db_url: str,
                                                              config: Config, clock: Clock) -> None:
    # Ctrl-C or a failure while the scoring process works on a batch: closing does not wait for an
    # answer nobody will read (up to seconds at a million cases); the process only reads, so it is
    # ended outright. Once everything is answered, closing lets it end by itself.
    ctx_for()
    at = to_epoch(clock())
    rows = [("13812345678", None, None, at + n, ("路灯坏了", f"{LAMP}（第{n:05d}次反映）", "幸福里小区3号楼"))
            for n in range(20000)]
    busy = dupscorer.ProcessScorer(db_url, config, dupscorer.settings(config), None)
    busy.send("cover", at - 86400, at + 86400)
    busy.send("score", rows, 0)
    busy.close()
    assert busy.process.returncode == -signal.SIGKILL
    done = dupscorer.ProcessScorer(db_url, config, dupscorer.settings(config), None)
    done.send("cover", at - 86400, at + 86400)
    assert done.receive() is None
    done.close()
    assert done.process.returncode == 0
