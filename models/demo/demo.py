"""The demo county: cases in every state, on every channel, received over the past months.

Every case is replayed through the real operations (the same permission checks, clocks and events
an operator's keys would produce), step by step in time order across all cases, with the clock set
to each step's moment. The same seed and the same `now` give the same database, row for row.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import peewee as pw

from models.cases import department as dept_ops
from models.cases import lifecycle
from models.cases.casebase import get_case
from models.demo.demo_text import citizen_name, phone, report_text
from models.errors import DomainError
from models.intake.intake import NewReport, intake
from models.org.config import Config, DutyItem
from models.org.context import Context
from models.org.operators import operator_row
from models.store import engine, events, rowdigest
from models.store.schema import Case, Operator
from models.worktime.timeutil import from_epoch, to_epoch

HOUR = 3600
DAY = 24 * HOUR


@dataclass(order=True)
class Step:
    at: int
    seq: int
    run: Callable[[], None] = field(compare=False)


@dataclass
class Plan:
    """What happens to one case, decided up front from the seed."""

    number: int
    received: int
    item: DutyItem
    township: str
    village: str
    channel: str
    urgent: bool
    case_id: int | None = None


class DemoBuilder:
    def __init__(self, config: Config, db: pw.Database, admin: Operator, seed: int, now: datetime) -> None:
        self.config, self.db, self.admin = config, db, admin
        self.rng = random.Random(seed)
        self.now = to_epoch(now)
        self.queue: list[Step] = []
        self.seq = 0
        self.ops: dict[str, Operator] = {}
        self.chosen: dict[tuple[str, str | None], Operator] = {}
        self.failures = 0
        self.current = self.now

    # --- operators ------------------------------------------------------------------------
    def operators(self) -> None:
        for dept in self.config.departments.values():
            if not Operator.select().where((Operator.role == "department") & (Operator.department == dept.id)).exists():
                self._added(Operator.create(name=f"liaison_{dept.id}", display=f"{dept.short}联络员",
                                            role="department", department=dept.id, created_at=self.now))
        for town in self.config.townships.values():
            if not Operator.select().where((Operator.role == "township") & (Operator.township == town.id)).exists():
                self._added(Operator.create(name=f"clerk_{town.id}", display=f"{town.name}工作人员",
                                            role="township", township=town.id, created_at=self.now))
        for op in Operator.select():
            self.ops[op.name] = op

    def _added(self, op: Operator) -> None:
        """The event of an operator the demo adds, as `operator add` records it (by the admin)."""
        events.append(self.db, self.admin.name, "operator_add", None, self.now, after=operator_row(op),
                      digests=rowdigest.operator_digests(op))

    def _by(self, role: str, key: str | None = None) -> Operator:
        """The first active operator (by name) of a role, for a township or department."""
        found = self.chosen.get((role, key))
        if found is None:
            candidates = sorted((o for o in self.ops.values() if o.role == role and o.active
                                 and (key is None or key in (o.township, o.department))), key=lambda o: o.name)
            found = self.chosen[(role, key)] = candidates[0] if candidates else self.admin
        return found

    def ctx(self, op: Operator, at: int) -> Context:
        moment = from_epoch(at)
        return Context(self.config, self.db, op, actor=op.name, clock=lambda: moment)  # type: ignore[arg-type,return-value]

    # --- scheduling ------------------------------------------------------------------------
    def at(self, when: int, action: Callable[[], None]) -> None:
        if when <= self.now:
            self.seq += 1
            heapq.heappush(self.queue, Step(when, self.seq, action))

    def run(self) -> None:
        """Replay every planned step in time order, with the clock at each step's moment."""
        while self.queue:
            step = heapq.heappop(self.queue)
            self.current = step.at
            try:
                step.run()
            except DomainError:
                self.failures += 1  # a planned step the lifecycle refused; the case stays as it is

    # --- planning -----------------------------------------------------------------------------
    def plan(self, count: int, days: int = 150) -> None:
        items = sorted(self.config.duty_items.values(), key=lambda i: i.code)
        towns = sorted(self.config.townships)
        channels = sorted(self.config.channels)
        for number in range(count):
            age = int(self.rng.betavariate(1.0, 2.2) * days * DAY)
            town = self.rng.choice(towns)
            villages = self.config.townships[town].villages or ("",)
            plan = Plan(number, self.now - age, self.rng.choice(items), town, self.rng.choice(villages),
                        self.rng.choice(channels), self.rng.random() < 0.03)
            self.at(plan.received, lambda p=plan: self.step_intake(p))

    def later(self, start: int, low_h: float, high_h: float) -> int:
        return start + int(self.rng.uniform(low_h, high_h) * HOUR)

    def step_intake(self, p: Plan) -> None:
        title, text = report_text(self.rng, self.config, p.item, p.township, p.village, p.urgent)
        op = self._by("dispatcher")
        source = f"{p.channel[:3].upper()}{p.number + 1:06d}" if p.channel in ("hotline_12345", "online") else None
        case, _ = intake(self.ctx(op, p.received), NewReport(
            channel=p.channel, text=text, title=title, phone=phone(self.rng), citizen_name=citizen_name(self.rng),
            address=f"{self.config.townships[p.township].name}{p.village}{self.rng.randint(1, 99)}号",
            township=p.township, source_id=source, received_at=p.received))
        p.case_id = case.id
        self.at(self.later(p.received, 0.3, 30), lambda: self.step_triage(p))

    def step_triage(self, p: Plan) -> None:
        roll = self.rng.random()
        assert p.case_id is not None
        if roll < 0.05:
            lifecycle.triage(self.ctx(self._by("dispatcher"), self.current), p.case_id, category=p.item.category,
                             township=p.township, priority="general", decision="reject",
                             reason="不属于政府职能范围，已告知诉求人通过司法途径解决")
            return
        local = p.item.scope == "township" and roll < 0.75
        priority = "urgent" if p.urgent else self.rng.choice(("general", "general", "general", "utility", "complex"))
        actor = self._by("township", p.township) if local or roll < 0.5 else self._by("dispatcher")
        when = self.current
        lifecycle.triage(self.ctx(actor, when), p.case_id, category=p.item.category, township=p.township,
                         priority=priority, decision="local" if local else "whistle", duty_item=p.item.code,
                         village=p.village or None)
        if local:
            self.at(self.later(when, 4, 24 * 9), lambda: self.step_local_resolve(p))
        else:
            self.at(self.later(when, 0.2, 30), lambda: self.step_dispatch(p))

    def step_dispatch(self, p: Plan) -> None:
        assert p.case_id is not None
        lead = p.item.lead or "zhujian"
        coop = list(p.item.cooperating)
        if self.rng.random() < 0.2:
            extra = self.rng.choice(sorted(self.config.departments))
            if extra != lead and extra not in coop:
                coop.append(extra)
        when = self.current
        lifecycle.dispatch(self.ctx(self._by("dispatcher"), when), p.case_id, lead=lead, cooperating=coop)
        if self.rng.random() < 0.03:
            return  # nobody signs for it: a case in limbo, its clocks running out
        for dept in [lead, *coop]:
            self.at(self.later(when, 0.1, 12), lambda d=dept: self.step_ack(p, d, d == lead))

    def step_ack(self, p: Plan, dept: str, is_lead: bool) -> None:
        assert p.case_id is not None
        when = self.current
        op = self._by("department", dept)
        if is_lead and self.rng.random() < 0.08:
            dept_ops.return_case(self.ctx(op, when), p.case_id, reason="经核实不属于本部门职责范围，建议改派",
                                 department=dept)
            self.at(self.later(when, 1, 20), lambda: self.step_review(p, dept))
            return
        dept_ops.acknowledge(self.ctx(op, when), p.case_id, department=dept)
        self.at(self.later(when, 0.3, 40), lambda: self.step_arrive(p, dept, is_lead))

    def step_review(self, p: Plan, dept: str) -> None:
        assert p.case_id is not None
        ctx = self.ctx(self._by("dispatcher"), self.current)
        if self.rng.random() < 0.5:
            dept_ops.review_return(ctx, p.case_id, uphold=True, note="经审核，属于该部门职责，退回不予支持")
            self.at(self.later(self.current, 0.5, 12), lambda: self.step_ack(p, dept, True))
        else:
            others = sorted(d for d in self.config.departments if d != dept)
            new_lead = self.rng.choice(others)
            dept_ops.review_return(ctx, p.case_id, lead=new_lead, note="改派主责部门")
            self.at(self.later(self.current, 0.5, 12), lambda: self.step_ack(p, new_lead, True))

    def step_arrive(self, p: Plan, dept: str, is_lead: bool) -> None:
        assert p.case_id is not None
        when = self.current
        dept_ops.arrive(self.ctx(self._by("department", dept), when), p.case_id, department=dept)
        if is_lead:
            self.at(self.later(when, 2, 24 * 10), lambda: self.step_resolve(p, dept))

    def step_resolve(self, p: Plan, dept: str) -> None:
        assert p.case_id is not None
        when = self.current
        lifecycle.note(self.ctx(self._by("department", dept), when - 600), p.case_id, text="已到现场核实，正在协调处理")
        lifecycle.resolve(self.ctx(self._by("department", dept), when), p.case_id,
                          result="经现场核查，问题已处理完毕，并向诉求人反馈。")
        self.at(self.later(when, 2, 72), lambda: self.step_evaluate(p))

    def step_local_resolve(self, p: Plan) -> None:
        assert p.case_id is not None
        lifecycle.resolve(self.ctx(self._by("township", p.township), self.current), p.case_id,
                          result="属地乡镇已组织村(社区)现场处置完毕。")
        self.at(self.later(self.current, 2, 72), lambda: self.step_evaluate(p))

    def step_evaluate(self, p: Plan) -> None:
        assert p.case_id is not None
        rating = self.rng.choices(("satisfied", "basically_satisfied", "unsatisfied"), (70, 20, 10))[0]
        when = self.current
        lifecycle.evaluate(self.ctx(self._by("dispatcher"), when), p.case_id, source="citizen", rating=rating,
                           comment="回访诉求人" if rating != "unsatisfied" else "诉求人表示问题没有解决")
        case = get_case(p.case_id)
        if rating == "unsatisfied" and case.reopen_count == 0:
            self.at(self.later(when, 1, 24), lambda: self.step_reopen(p))
        else:
            self.at(self.later(when, 1, 48), lambda: self.step_close(p))

    def step_reopen(self, p: Plan) -> None:
        assert p.case_id is not None
        lifecycle.reopen(self.ctx(self._by("dispatcher"), self.current), p.case_id, reason="回访不满意，重新办理")
        case = get_case(p.case_id)
        if case.decision == "local":
            self.at(self.later(self.current, 4, 24 * 5), lambda: self.step_local_resolve(p))
        else:
            self.at(self.later(self.current, 4, 24 * 5), lambda: self.step_resolve(p, case.lead))

    def step_close(self, p: Plan) -> None:
        assert p.case_id is not None
        lifecycle.close(self.ctx(self._by("dispatcher"), self.current), p.case_id, reason="已回访")


def build_demo(config: Config, db: pw.Database, admin: Operator, cases: int, seed: int,
               now: datetime) -> dict[str, int]:
    """Fill an empty database with the demo county; returns counts by state."""
    builder = DemoBuilder(config, db, admin, seed, now)
    with engine.write_transaction(db):
        builder.operators()
        builder.plan(cases)
        builder.run()
    counts: dict[str, int] = {}
    for row in Case.select(Case.state, pw.fn.COUNT(Case.id).alias("n")).group_by(Case.state):
        counts[row.state] = row.n
    return counts
