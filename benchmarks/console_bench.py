"""The console on a million cases: start → queue drawn, key → repaint, memory; against a bare
Textual app measured in the same run.

    .venv/bin/python benchmarks/console_bench.py                        # builds /tmp/console_bench.db
    .venv/bin/python benchmarks/console_bench.py --db /tmp/b.db --cases 100000 --keys 40
    .venv/bin/python benchmarks/console_bench.py --db postgresql://postgres@127.0.0.1/bench   # PostgreSQL

Each app runs in its own process on a pseudo-terminal of 120×40 (a real Linux driver writing real
escape sequences; this script answers the terminal's synchronized-output query, so every repaint
ends with ESC[?2026l). Measured:
  * first paint: from just before the process is spawned to the moment the app reports that its
    first screen (for chuishao: the first page of the queue) has been drawn; the real entry point
    is used (`chuishao --db …` through click), median of --runs runs;
  * key → repaint: from writing a key to the terminal to the end of the repaint it causes
    (↓, PgDn and j, each --keys times, crossing page boundaries), and for the baseline the same
    keys updating one line of the bare app;
  * memory: the peak resident size of the console process (wait4's ru_maxrss).
Targets: first paint ≤ 4× the bare app's, ≤ 30 ms per key, ≤ 150 MB.
"""

from __future__ import annotations

import argparse
import fcntl
import math
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SYNC_QUERY = b"\x1b[?2026$p"
SYNC_REPLY = b"\x1b[?2026;2$y"  # "mode reset, supported": Textual then brackets each repaint
SYNC_END = b"\x1b[?2026l"
KEYS = {"down": b"\x1b[B", "pgdn": b"\x1b[6~", "j": b"j"}


# --- the child processes ------------------------------------------------------------------------

def child_bare(report_fd: int) -> None:
    """The baseline: a minimal Textual app that says when its first screen is drawn."""
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Static

    class Bare(App[None]):
        BINDINGS = [("down,j,pagedown", "step", "step")]  # noqa: RUF012 - the baseline's one key

        def compose(self) -> ComposeResult:
            yield Static("bare", id="count")
            yield Footer()

        def on_mount(self) -> None:
            self.steps = 0
            self.call_after_refresh(lambda: os.write(report_fd, f"painted {time.time()}\n".encode()))

        def action_step(self) -> None:
            self.steps += 1
            self.query_one("#count", Static).update(f"bare {self.steps}")

    Bare().run()


def child_console(report_fd: int, url: str) -> None:
    """`chuishao --db URL` through click, with a hook reporting the queue's first paint."""
    import console.app as console_app

    factory = console_app.create_app

    def create_app(source: object, **options: object) -> object:
        return factory(source, first_paint_hook=lambda app: os.write(report_fd, f"painted {time.time()}\n".encode()),
                       **options)
    console_app.create_app = create_app  # type: ignore[assignment]
    from console.cli import cli

    cli.main(["--db", url], prog_name="chuishao", standalone_mode=False)


# --- the parent: a pseudo-terminal that reads, answers and times --------------------------------

class Terminal:
    def __init__(self, args: list[str], size: tuple[int, int] = (120, 40)) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self.report_r, report_w = os.pipe()
        env = {**os.environ, "TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
               "COLUMNS": str(size[0]), "LINES": str(size[1])}
        self.started = time.time()
        self.proc = subprocess.Popen([sys.executable, __file__, "--child", *args, "--report-fd", str(report_w)],
                                     stdin=slave, stdout=slave, stderr=slave, pass_fds=(report_w,), env=env,
                                     cwd=ROOT, start_new_session=True)
        os.close(slave)
        os.close(report_w)
        self.buffer = b""

    def pump(self, timeout: float) -> bytes:
        """Read what the app wrote within `timeout`, answering the sync-output query."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return b""
        try:
            data = os.read(self.master, 1 << 16)
        except OSError:
            return b""
        if SYNC_QUERY in data:
            os.write(self.master, SYNC_REPLY)
        self.buffer += data
        return data

    def wait_painted(self, limit: float = 120.0) -> float:
        """Seconds from spawn to the app's first-paint report."""
        deadline = time.time() + limit
        while time.time() < deadline:
            self.pump(0.01)
            ready, _, _ = select.select([self.report_r], [], [], 0)
            if ready:
                line = os.read(self.report_r, 256).decode().split()
                return float(line[1]) - self.started
        raise RuntimeError("the app never reported its first paint:\n" + self.buffer[-2000:].decode(errors="replace"))

    def settle(self, quiet: float = 0.3) -> None:
        while self.pump(quiet):
            pass

    def key(self, data: bytes, limit: float = 5.0) -> float:
        """Seconds from writing a key to the end of the repaint it caused."""
        self.buffer = b""
        start = time.perf_counter()
        os.write(self.master, data)
        while time.perf_counter() - start < limit:
            self.pump(0.005)
            if SYNC_END in self.buffer:
                return time.perf_counter() - start
        return float("nan")

    def close(self) -> int:
        """Stop the app; its peak memory in KB."""
        self.proc.terminate()
        while True:
            try:
                _, _, usage = os.wait4(self.proc.pid, 0)
                break
            except ChildProcessError:
                return 0
            except InterruptedError:
                continue
        os.close(self.master)
        os.close(self.report_r)
        return int(usage.ru_maxrss)


# --- the database --------------------------------------------------------------------------------

def ensure_database(url: str, cases: int) -> None:
    from models.demo.bulkload import bulk_load
    from models.org.config import load_config
    from models.org.db import connect
    from models.org.setup import set_up
    from models.store.schema import Case
    from models.worktime.timeutil import now_utc, to_epoch

    config = load_config(str(ROOT / "chuishao.toml"))
    db = connect(url)
    now = to_epoch(now_utc())
    set_up(db, config, now=now)
    have = Case.select().count()
    if have < cases:
        started = time.perf_counter()
        bulk_load(config, db, cases - have, now, seed=3,
                  progress=lambda n: print(f"\r  building: {have + n:,} cases", end="", flush=True))
        print(f"\r  built {cases - have:,} cases in {time.perf_counter() - started:.0f} s" + " " * 20)
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="/tmp/console_bench.db",
                        help="database file, or postgresql://… (built when short of --cases)")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--keys", type=int, default=30, help="presses of each measured key")
    parser.add_argument("--runs", type=int, default=3, help="starts of each app (median)")
    parser.add_argument("--child", choices=("bare", "console"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--report-fd", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "bare":
        child_bare(args.report_fd)
        return
    if args.child == "console":
        child_console(args.report_fd, args.url)
        return

    url = args.db if "://" in args.db else f"sqlite:///{args.db}"
    print(f"database {args.db} ({args.cases:,} cases); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    ensure_database(url, args.cases)

    bare, console, memory = [], [], []
    for _ in range(args.runs):
        term = Terminal(["bare"])
        bare.append(term.wait_painted())
        term.close()
        term = Terminal(["console", "--url", url])
        console.append(term.wait_painted())
        term.settle()
        memory.append(term.close())
    base, first = statistics.median(bare), statistics.median(console)

    timings: dict[str, list[float]] = {}
    for app in ("bare", "console"):
        term = Terminal([app, "--url", url] if app == "console" else [app])
        term.wait_painted()
        term.settle(0.5)
        for name, data in KEYS.items():
            timings[f"{app} {name}"] = [term.key(data) for _ in range(args.keys)]
            term.settle(0.2)
        peak_kb = term.close()
        if app == "console":
            memory.append(peak_kb)

    peak = max(memory) / 1024
    print(f"bare Textual app, start → first paint (median of {args.runs}): {base * 1000:7.0f} ms")
    print(f"chuishao, start → queue drawn        (median of {args.runs}): {first * 1000:7.0f} ms   "
          f"= {first / base:.2f}× bare (target ≤ 4×)")
    for name, values in timings.items():
        done = [v for v in values if not math.isnan(v)]
        print(f"{name:13s} key → repaint: median {statistics.median(done) * 1000:5.1f} ms, "
              f"p90 {sorted(done)[int(len(done) * 0.9) - 1] * 1000:5.1f} ms, max {max(done) * 1000:5.1f} ms "
              f"({len(done)}/{len(values)} repaints{'' if name.startswith('bare') else '; target ≤ 30 ms'})")
    print(f"peak memory of the console: {peak:.0f} MB (target ≤ 150 MB)")


if __name__ == "__main__":
    main()
