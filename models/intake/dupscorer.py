"""An import's duplicate scoring beside its writing: the window (models/intake/dupwindow.py) held
and scored in a second process, on the machine's other core, while the importing process prepares,
builds and writes rows.

Scoring a row against the open and recent cases is pure Python, and so is building and writing
rows; in one process they take turns. Here the importing process sends each batch's rows
(`Unscored`: plain tuples of the fields scoring reads and the wording) as soon as they are read and
checked; the scoring process derives each row's tokens, address key and priority (`intake.derive`)
and scores it, while the importing process reads ahead and writes the batches before, taking the
answers (`Scored`) when it needs them. The window's one-off load (seconds at a million cases)
runs in that process too.

The scoring is the same code in either place: `WindowScorer` (a window, its cover and its
scoring) answers every request. `LocalScorer` runs it in this process — for a small import, where
starting a process costs more than it saves, and for a database only this process can open (SQLite
in memory); `ProcessScorer` runs it in a second process (a fresh interpreter) that opens the
database itself by URL. Both answer requests in the order they were sent.

The window never loads a case numbered from `below` (the first id free when the import began): such
a case is one of this import's own rows, held in the window already under its provisional id since
it was scored, or one another writer registered during the import — which a window loaded earlier
would not hold either. (Loading runs while the importing process writes: without that bound a load
could find rows of this import committed a moment before, and hold them twice.)
"""

from __future__ import annotations

import gc
import json
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from multiprocessing.connection import Connection
from typing import Any

from models.intake.duplicates import note_indexed, targets_in_db
from models.intake.dupscore import (
    Candidate,
    Probe,
    Settings,
    Target,
    new_target,
    probe_of,
    rank,
    settings,
)
from models.intake.dupwindow import Reading, Window
from models.intake.intake import Wording, derive
from models.org.config import Config
from models.org.context import Context
from models.store import engine
from models.store.schema import Case
from models.store.states import OPEN_STATES

# What the importing process sends for a row: (phone, township, category hint, received at, wording,
# derived), and what it gets back: (priority, address key, search tokens, candidates). Deriving the
# wording (tokens, address key: a third of preparing a row) runs here too, beside the writing —
# unless the importing process derived it already (`derived`, and no wording): it does while the
# scoring process loads its window, time it would otherwise spend waiting.
Derived = tuple[str, str | None, str]
Unscored = tuple[str | None, str | None, str | None, int, Wording | None, Derived | None]
Scored = tuple[str, str | None, str, list[Candidate]]

# Rows to score from which a second process pays for its start (about half a second: a fresh
# interpreter imports the models and opens the database) and for sending the rows.
PROCESS_ROWS = 20000


class WindowScorer:
    """The window of one import and its requests: cover a range of dates, score rows, say how much it holds."""

    def __init__(self, reading: Context | Reading, s: Settings, below: int | None, *, freeze: bool = False) -> None:
        """`freeze`: after each load, exempt what the process holds from the cycle collector's
        later passes (a process that ends with the import: see `serve`)."""
        self.config = reading.config
        self.window = Window(reading, s, below=below)
        self.load_seconds = 0.0
        self.freeze = freeze

    def cover(self, lo: int, hi: int) -> None:
        # A load builds millions of objects and no garbage cycle: with the cycle collector running
        # it walked the growing heap six times for nothing (8.5-8.9 s against 7.7-7.9 s at 1M cases).
        start, collecting = time.perf_counter(), gc.isenabled()
        gc.disable()
        try:
            self.window.cover(lo, hi)
        finally:
            if self.freeze:
                gc.freeze()
            if collecting:
                gc.enable()
        self.load_seconds += time.perf_counter() - start

    def score(self, rows: list[Unscored], first: int) -> list[Scored]:
        """Each row's wording derived (`intake.derive`) and its candidates, for rows in file order
        numbered from `first`: each joins the window as soon as it is scored, so a later row can
        match it."""
        config, window = self.config, self.window
        out: list[Scored] = []
        for n, (phone, township, hint, received, wording, derived) in enumerate(rows):
            if derived is None:
                assert wording is not None
                derived = derive(config, wording)
            priority, key, tokens = derived
            probe = probe_of(config, phone, key, township, hint, received, tokens)
            out.append((priority, key, tokens, window.find(probe)))
            window.add(new_target(first + n, probe, tokens), probe.terms)
        return out

    def stats(self) -> tuple[int, float]:
        """(cases held, seconds spent loading them)."""
        return len(self.window.targets), self.load_seconds


class LocalScorer:
    """A WindowScorer in this process: each request is answered when it is sent."""

    def __init__(self, scorer: WindowScorer) -> None:
        self.scorer = scorer
        self.answers: deque[Any] = deque()

    def send(self, request: str, *args: Any) -> None:
        self.answers.append(getattr(self.scorer, request)(*args))

    def receive(self) -> Any:
        return self.answers.popleft()

    def answered(self) -> bool:
        return True

    @property
    def started(self) -> bool:
        return True  # it answers each request as it is sent

    def close(self) -> None:
        self.answers.clear()


class ProcessScorer:
    """A WindowScorer in a second process (see the module docstring); requests go down a socket and
    every request gets one answer, in order. A failure there is raised here, at its answer.

    The process is a fresh interpreter running `main` (subprocess, not multiprocessing): it does
    not re-run the importing program's own script the way multiprocessing's spawn does, and shares
    nothing with this process but the socket and the database's URL.
    """

    def __init__(self, url: str, config: Config, s: Settings, below: int | None) -> None:
        ours, theirs = socket.socketpair()
        code = ("import json, sys; sys.path[:0] = json.loads(sys.argv[1]); "
                "from models.intake.dupscorer import main; main(int(sys.argv[2]))")
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code, json.dumps(sys.path), str(theirs.fileno())],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())
        self.conn.send(("start", (url, config, s, below)))
        self.pending = 0  # requests sent and not answered yet
        self.started = False  # has it answered anything yet (its first answer comes once the window is loaded)

    def send(self, request: str, *args: Any) -> None:
        try:
            self.conn.send((request, args))
        except (BrokenPipeError, ConnectionResetError):
            raise self._ended() from None
        self.pending += 1

    def receive(self) -> Any:
        try:
            kind, value = self.conn.recv()
        except (EOFError, ConnectionResetError):
            raise self._ended() from None
        self.pending -= 1
        self.started = True
        if kind == "error":
            raise value
        return value

    def answered(self) -> bool:
        """Is an answer waiting (without blocking)?"""
        return self.conn.poll()

    def _ended(self) -> RuntimeError:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        return RuntimeError(f"the duplicate scoring process ended (exit code {code})")

    def close(self) -> None:
        """Stop the process: once it has answered everything, let it end; with answers still to
        come (the import failed or was interrupted) end it now — it only reads, so nothing is lost."""
        if self.pending:
            self.process.kill()
        else:
            try:
                self.conn.send(("stop", ()))
            except OSError:
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.conn.close()


def main(fd: int) -> None:
    """The scoring process's entry (see ProcessScorer): its socket is file descriptor `fd`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the importing process's to handle
    conn = Connection(fd)
    try:
        request, args = conn.recv()
    except EOFError:
        return
    if request == "start":
        serve(conn, *args)
    conn.close()


def serve(conn: Connection, url: str, config: Config, s: Settings, below: int | None) -> None:
    """The scoring process: open the database, answer requests until "stop".

    A thread takes the requests off the socket as they come, so the importing process never blocks
    sending one while this process is blocked sending it an answer (both buffers full: a deadlock).
    """
    from models.org.db import connect

    requests: queue.SimpleQueue[tuple[str, tuple[Any, ...]]] = queue.SimpleQueue()

    def read() -> None:
        try:
            while True:
                request = conn.recv()
                requests.put(request)
                if request[0] == "stop":
                    return
        except (EOFError, OSError):  # the importing process is gone
            requests.put(("stop", ()))

    threading.Thread(target=read, name="requests", daemon=True).start()
    db = connect(url)
    scorer = WindowScorer(Reading(db, config), s, below, freeze=True)
    try:
        while True:
            request, args = requests.get()
            if request == "stop":
                return
            try:
                answer: tuple[str, Any] = ("ok", getattr(scorer, request)(*args))
            except Exception as exc:  # noqa: BLE001 — raised again in the importing process
                answer = ("error", exc)
            try:
                conn.send(answer)
            except OSError:
                return
            except Exception as exc:  # noqa: BLE001 — an exception that does not pickle
                conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        db.close()


Scorer = LocalScorer | ProcessScorer


# Finding one report's candidates in the database (indexed phone, address and text look-ups, then
# their cases) costs about as much as loading this many cases into a window: measured on a
# million cases, ~1.8 ms a row against ~30 µs a case.
DB_ROW_IN_CASES = 60


class ImportCandidates:
    """Where an import's rows find their possible duplicates (see the module docstring).

    The path is chosen at the first batch and kept: the database's, row by row, for a file that is
    small next to the working set; otherwise the window's, scored by a `dupscorer` scorer — in a
    second process for a large file — while the importing process writes the batches before.
    """

    def __init__(self, ctx: Context, below: int | None = None) -> None:
        """`below`: the first case id free when the import began (see models/intake/dupscorer.py)."""
        self.ctx = ctx
        self.s = settings(ctx.config)
        self.below = below
        self.own = Window(ctx, self.s, preload=False)  # this import's rows, on the database's path
        self.scorer: Scorer | None = None  # the window's path, once chosen
        self.early: deque[list[Scored]] = deque()  # batches' answers received before they were taken
        self.chosen = False

    @property
    def loaded(self) -> bool:
        return self.scorer is not None

    def cover(self, lo: int, hi: int, remaining: int) -> None:
        """Before scoring reports received between lo and hi, with about `remaining` rows left to
        score (this batch's included): choose the path (at the first batch), and have the window
        load what these dates need."""
        if not self.chosen:
            self.chosen = True
            working_set = self._working_set(lo - self.s.window, hi + self.s.window)
            if remaining * DB_ROW_IN_CASES >= working_set:
                self.scorer = self._scorer(remaining)
        if self.scorer is not None:
            self.scorer.send("cover", lo, hi)

    def _scorer(self, remaining: int) -> Scorer:
        url = engine.url_of(self.ctx.db)
        if url is not None and remaining >= PROCESS_ROWS:
            return ProcessScorer(url, self.ctx.config, self.s, self.below)
        return LocalScorer(WindowScorer(self.ctx, self.s, self.below))

    def _working_set(self, lo: int, hi: int) -> int:
        """About how many cases a window would load (open ones, and those received in [lo, hi])."""
        open_cases = Case.select().where(Case.state.in_(sorted(OPEN_STATES))).count()
        recent = Case.select().where(Case.received_at.between(lo, hi)).count()
        return int(open_cases) + int(recent)

    def loading(self) -> bool:
        """Is the scoring process still starting and loading its window (nothing answered yet)? The
        importing process then derives the rows' wording itself instead of waiting idle."""
        return self.scorer is not None and not self.scorer.started

    def submit(self, rows: list[Unscored], first: int) -> None:
        """Derive and score a batch of rows in file order, numbered from `first` (the window's
        path); the answers are `take`n later, batch by batch in the order submitted."""
        assert self.scorer is not None
        self.scorer.send("score", rows, first)

    def take(self) -> list[Scored]:
        """The answers of the oldest batch submitted and not taken yet (waits for them)."""
        assert self.scorer is not None
        if self.early:
            return self.early.popleft()
        while True:
            answer = self.scorer.receive()
            if isinstance(answer, list):  # cover's answer is None: its failure would have been raised
                return answer

    def answered(self) -> bool:
        """Has the scorer answered the oldest batch not taken yet (or is there none to wait for)?"""
        if self.scorer is None or self.early:
            return True
        while self.scorer.answered():
            answer = self.scorer.receive()
            if isinstance(answer, list):  # cover's answers (None) are no batch's
                self.early.append(answer)
                return True
        return False

    def stats(self) -> tuple[int, float] | None:
        """(cases in the window, seconds spent loading them), on the window's path."""
        if self.scorer is None:
            return None
        self.scorer.send("stats")
        while (answer := self.scorer.receive()) is None:
            pass
        return answer  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.scorer is not None:
            self.scorer.close()

    def find(self, probes: list[Probe], targets: list[Target]) -> list[list[Candidate]]:
        """Candidates for a batch of reports in file order, on the database's path; each report's
        own target (its case to be) joins the search as soon as it is scored, so later rows can
        match it."""
        out = []
        for probe, target, stored in zip(probes, targets, targets_in_db(self.ctx, probes), strict=True):
            both = {t.case_id: t for t in stored}
            for t in self.own.targets_for(probe):
                both.setdefault(t.case_id, t)  # committed rows of earlier batches come from the database
            out.append(rank(self.s, probe, list(both.values())) if both else [])
            self.own.add(target, probe.terms)
        return out

    def written(self, probes: list[Probe]) -> None:
        """These reports' cases are in the database now, and in the search index (the database's path)."""
        for probe in probes:
            note_indexed(self.ctx.db, probe.terms)
