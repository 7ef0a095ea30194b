"""Notifications (issue 21): what the outbox costs a step, and how fast the sender delivers.

1. Dispatch steps per second with the outbox write (one row per department, in the step's own
   transaction) against the same steps with it switched off — the baseline, measured in the same run.
   (An import writes no notifications: an intake is nobody's to act on but the office's queue.)
2. Sender throughput: `run_once` delivering every row to a JSON webhook receiver on 127.0.0.1.

    .venv/bin/python benchmarks/notify_bench.py --cases 500
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.cases import casebase, lifecycle
from models.intake.intake import NewReport, intake
from models.notify import sender
from models.org.config import load_config
from models.org.context import Context, resolve_identity
from models.org.db import connect
from models.org.setup import set_up
from models.store import outbox
from models.worktime.timeutil import to_epoch

ROOT = Path(__file__).resolve().parent.parent
MOMENT = datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a working Friday morning


class Quiet(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def county(directory: Path, port: int) -> tuple[Context, Context]:
    text = (ROOT / "chuishao.toml").read_text(encoding="utf-8") + f"""
[notify]
[[notify.channels]]
name = "hook"
type = "webhook"
department = "zhujian"
url = "http://127.0.0.1:{port}/hook"
"""
    (directory / "chuishao.toml").write_text(text, encoding="utf-8")
    config = load_config(str(directory / "chuishao.toml"))
    db = connect(f"sqlite:///{directory / 'county.db'}")
    set_up(db, config, user="root", now=0)
    office = resolve_identity(config, db, as_name="liuyang", user="root")
    admin = resolve_identity(config, db, as_name=None, user="root")
    office.clock = admin.clock = lambda: MOMENT
    return office, admin


def dispatch_rate(ctx: Context, cases: int) -> float:
    ids = []
    for n in range(cases):
        case, _ = intake(ctx, NewReport(channel="grid", text=f"东关社区第{n}号楼下水道堵塞", township="chengguan",
                                        received_at=to_epoch(MOMENT - timedelta(minutes=1))))
        lifecycle.triage(ctx, case.id, category="城管执法", township="chengguan", priority="general",
                         decision="whistle")
        ids.append(case.id)
    start = time.perf_counter()
    for case_id in ids:
        lifecycle.dispatch(ctx, case_id, lead="zhujian")
    return cases / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        office, admin = county(Path(tmp), server.server_address[1])
        real = outbox.after_step
        rates: dict[bool, list[float]] = {True: [], False: []}
        for on in (True, False, True, False):  # alternated, so a growing database weighs on both alike
            casebase.outbox.after_step = real if on else (lambda *a, **k: 0)  # type: ignore[assignment]
            rates[on].append(dispatch_rate(office, args.cases // 2))
        casebase.outbox.after_step = real  # type: ignore[assignment]
        with_outbox, baseline = (sum(rates[True]) / 2, sum(rates[False]) / 2)
        print(f"dispatch steps/s: {with_outbox:.0f} with the outbox, {baseline:.0f} without "
              f"({(with_outbox / baseline - 1) * 100:+.1f} %)")
        start = time.perf_counter()
        sent = 0
        while (result := sender.run_once(admin)).sent:
            sent += result.sent
        print(f"sender: {sent} notifications to a loopback webhook in {time.perf_counter() - start:.2f} s "
              f"({sent / (time.perf_counter() - start):.0f}/s)")
    server.shutdown()


if __name__ == "__main__":
    main()
