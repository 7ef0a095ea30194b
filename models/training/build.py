"""Building a sandbox: the demo county at a fixed simulated time, then the exercise's situation,
each case prepared through the real operations; the marker and the simulated clock last.

`start` refuses to build over any database that is not already a training database (the county's,
or any file with cases and no marker), and over the county's own database URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import peewee as pw

from models.cases import department as dept_ops
from models.cases import lifecycle, pausing
from models.cases.casebase import save, snapshot
from models.demo.demo import build_demo
from models.errors import UsageError
from models.intake.intake import NewReport, intake
from models.org.config import Config, user_data_dir
from models.org.context import Context, resolve_identity
from models.org.setup import set_up
from models.store.migrations import recreate, schema_version
from models.store.schema import Case, Event, Extension
from models.store.settings import read_setting, write_setting
from models.training.exercises import Exercise
from models.training.sandbox import ATTEMPTS, MARKER, marker, set_clock
from models.worktime.durations import parse_duration
from models.worktime.timeutil import from_epoch, local_iso, to_epoch

# Every sandbox starts at the same simulated moment: a Friday morning, office hours, in the calendar's data.
SIM_START = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DEMO_CASES = 150
DEMO_SEED = 20


def sandbox_url(config: Config, path: str | None = None) -> str:
    """--sandbox PATH, else [training] database, else training.db beside the user's data."""
    chosen = path or config.section("training").get("database")
    target = Path(str(chosen)).expanduser() if chosen else user_data_dir() / "training.db"
    return f"sqlite:///{target}"


@dataclass
class Started:
    marker: dict[str, Any]
    reused: bool


def start(config: Config, db: pw.Database, exercise: Exercise, trainee: str, *, wall: int,
          restart: bool = False) -> Started:
    """Build (or reuse) the sandbox in `db` for this exercise and trainee."""
    existing = marker(db)
    if existing is None and schema_version(db) > 0 and Case.select().exists():
        raise UsageError("training.not_over_county")
    if existing and not restart and existing["exercise"] == exercise.id and existing["trainee"] == trainee:
        return Started(existing, reused=True)
    attempts = read_setting(ATTEMPTS) if existing else None
    if schema_version(db) > 0:
        recreate(db)
    sim = to_epoch(SIM_START)
    set_up(db, config, now=sim)
    ctx = resolve_identity(config, db, None, clock=lambda: SIM_START)  # the trainee: the OS user's admin
    build_demo(config, db, ctx.operator, DEMO_CASES, DEMO_SEED, SIM_START)
    refs = {case["ref"]: prepare_case(ctx, case, sim) for case in exercise.cases}
    baseline = Event.select(pw.fn.MAX(Event.id)).scalar() or 0
    made = {"exercise": exercise.id, "title": exercise.title, "skill": exercise.skill, "trainee": trainee, "cases": refs,
            "baseline_event": baseline, "sim_start": sim, "started_wall": wall}
    with db.atomic():
        write_setting(ATTEMPTS, attempts or [], wall)
        set_clock(sim, wall)
        write_setting(MARKER, made, wall)
    return Started(made, reused=False)


def prepare_case(ctx: Context, spec: dict[str, Any], sim: int) -> int:
    """One situation case, brought to its template's state by the real operations."""
    received = sim - int(float(spec.get("received_hours_ago", 0)) * 3600)
    case, _ = intake(ctx, NewReport(
        channel=spec["channel"], text=spec["text"], title=spec.get("title"), phone=spec.get("phone"),
        citizen_name=spec.get("name"), address=spec.get("address"),
        township=ctx.config.township(spec["township"]).id if "township" in spec else None,
        received_at=received))
    if spec["template"] in ("whistled", "returned", "on_site", "resolved", "extension"):
        lifecycle.triage(ctx, case.id, category=spec["category"], township=spec["township"],
                         priority=spec["priority"], decision="whistle", duty_item=spec.get("duty_item"))
    if spec["template"] in ("returned", "on_site", "resolved", "extension"):
        lifecycle.dispatch(ctx, case.id, lead=spec["lead"], cooperating=list(spec.get("cooperating", [])))
    lead = ctx.config.department(spec["lead"]).id if "lead" in spec else None
    if spec["template"] == "returned":
        dept_ops.return_case(ctx, case.id, reason=spec["return_reason"], department=lead)
    if spec["template"] in ("on_site", "resolved", "extension"):  # the lead signed for it and came
        dept_ops.acknowledge(ctx, case.id, department=lead)
        dept_ops.arrive(ctx, case.id, department=lead)
    if spec["template"] == "resolved":
        lifecycle.resolve(ctx, case.id, result=spec["result"])
    if spec["template"] == "extension" and spec.get("extension_after_deadline"):
        late_request(ctx, case.id, spec["extension_reason"], spec["extension_by"])
    elif spec["template"] == "extension":
        pausing.request_extension(ctx, case.id, reason=spec["extension_reason"], by=spec["extension_by"])
    if "note" in spec:  # what the trainee needs to know, as the office would have noted it
        lifecycle.note(ctx, case.id, text=spec["note"])
    return int(case.id)


def late_request(ctx: Context, case_id: int, reason: str, by: str) -> None:
    """A situation's extension request made after the resolve deadline had passed, as a department
    phones one in and an office without the rule would key it in. The county's own step refuses it
    (models.cases.rules.extension_refusal), so only a sandbox can hold one: the trainee must refuse
    it (penalty `approve_late_extension`). Recorded with the same row and `extend` event as a request."""
    with ctx.write():
        case = Case.get_by_id(case_id)
        now, old_due = ctx.now(), int(case.resolve_due)
        if old_due > now:
            raise UsageError("training.late_needs_past_deadline", case=case_id, due=local_iso(old_due, ctx.config.tz))
        start = from_epoch(old_due)
        assert start is not None
        new_due = to_epoch(ctx.calendar.add(start, parse_duration(by)).due)
        before = snapshot(case)
        row = Extension.create(case=case.id, department=case.lead, requested_by=ctx.actor, requested_at=now,
                               old_due=old_due, new_due=new_due, reason=reason)
        save(ctx, case, before, "extend",
             extra_after={"extension_id": row.id, "reason": reason, "old_due": local_iso(old_due, ctx.config.tz),
                          "new_due": local_iso(new_due, ctx.config.tz)})
