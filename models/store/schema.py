"""The database schema. Bound to `database_proxy`, which the app factory initialises (never at import).

Times are UTC epoch seconds (see models/worktime/timeutil.py). Nothing is ever deleted: merged and split cases
keep their rows, edited fields keep their old values in the event log.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import peewee as pw

_BOUND = pw.Proxy.obj  # the slot `initialize` writes (peewee's own)


class RoutedProxy(pw.DatabaseProxy):
    """The schema's database: the one `initialize` binds, or, inside `reading_from(db)` on this thread
    only, another (a read replica for the reports, models/org/context.on_replica)."""

    __slots__ = ("_local",)

    def __init__(self) -> None:
        object.__setattr__(self, "_local", threading.local())
        super().__init__()

    def __setattr__(self, attr: str, value: Any) -> None:
        if attr not in ("obj", "_callbacks", "_Model"):
            raise AttributeError("Cannot set attribute on proxy.")
        object.__setattr__(self, attr, value)

    @property  # type: ignore[override]
    def obj(self) -> Any:
        routed = getattr(self._local, "db", None)
        return routed if routed is not None else _BOUND.__get__(self)

    @obj.setter
    def obj(self, value: Any) -> None:
        _BOUND.__set__(self, value)

    @contextmanager
    def reading_from(self, db: pw.Database) -> Iterator[pw.Database]:
        """Queries on the schema's models, on this thread, go to `db` until the block ends."""
        before = getattr(self._local, "db", None)
        self._local.db = db
        try:
            yield db
        finally:
            self._local.db = before


database_proxy = RoutedProxy()


class BaseModel(pw.Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False
        only_save_dirty = True  # save() writes the changed columns only


class SchemaVersion(BaseModel):
    version = pw.IntegerField()
    applied_at = pw.IntegerField()


class Operator(BaseModel):
    name = pw.CharField(unique=True)
    display = pw.CharField(default="")
    role = pw.CharField()
    township = pw.CharField(null=True)
    department = pw.CharField(null=True)
    os_user = pw.CharField(null=True, unique=True)
    active = pw.BooleanField(default=True)
    created_at = pw.IntegerField()


class Case(BaseModel):
    state = pw.CharField(index=True)
    title = pw.TextField(default="")
    channel = pw.CharField()  # channel of the first report
    township = pw.CharField(null=True, index=True)
    village = pw.CharField(null=True)
    category = pw.CharField(null=True, index=True)
    priority = pw.CharField(default="general")
    decision = pw.CharField(null=True)
    duty_item = pw.CharField(null=True)
    reason = pw.TextField(null=True)
    lead = pw.CharField(null=True, index=True)  # denormalised from the active lead assignment
    received_at = pw.IntegerField(index=True)
    created_at = pw.IntegerField()
    updated_at = pw.IntegerField()
    updated_by = pw.CharField(default="")
    version = pw.IntegerField(default=1)
    triaged_at = pw.IntegerField(null=True)
    dispatched_at = pw.IntegerField(null=True)
    acknowledged_at = pw.IntegerField(null=True)
    resolved_at = pw.IntegerField(null=True)
    closed_at = pw.IntegerField(null=True)
    result = pw.TextField(null=True)
    # Clocks, denormalised so the queue can sort and page by the next deadline with an index.
    dispatch_due = pw.IntegerField(null=True)
    resolve_due = pw.IntegerField(null=True)
    next_due = pw.IntegerField(null=True, index=True)
    due_confirmed = pw.BooleanField(default=True)
    paused_since = pw.IntegerField(null=True)
    paused_seconds = pw.IntegerField(default=0)
    last_progress_at = pw.IntegerField(null=True)
    report_count = pw.IntegerField(default=1)
    return_count = pw.IntegerField(default=0)
    reopen_count = pw.IntegerField(default=0)
    extension_count = pw.IntegerField(default=0)
    must_supervise = pw.CharField(default="")  # comma-separated reasons: repeat,overdue,stalled,pingpong
    repeat_count = pw.IntegerField(default=0)  # reports of the same problem within the repeat window
    reminded_at = pw.IntegerField(null=True)  # 催办 sent
    noticed_at = pw.IntegerField(null=True)  # 通报 issued
    merged_into = pw.ForeignKeyField("self", null=True, backref="merged_cases", index=True)
    parent = pw.ForeignKeyField("self", null=True, backref="children", column_name="parent_id")

    class Meta:
        table_name = "case"
        # channel, priority and report_count: the queue sorts by every column it shows (migration 3).
        # (township, state, next_due): a township's queue walks it by deadline per state, and its
        # overdue count reads it alone (migration 5; ~420 ms → ~20 ms on a million cases).
        indexes = ((("state", "next_due", "id"), False), (("township", "state", "next_due"), False),
                   (("channel",), False), (("priority",), False), (("report_count",), False),
                   # The scoreboards read these columns alone, grouped by lead / township over a period
                   # (migration 4): covering indexes spare a million random row reads.
                   (("lead", "dispatched_at", "state", "resolved_at", "resolve_due", "reopen_count",
                     "paused_since"), False),
                   (("township", "received_at", "state", "decision", "duty_item", "reopen_count"), False))


class Report(BaseModel):
    case = pw.ForeignKeyField(Case, backref="reports", index=True)
    home_case = pw.ForeignKeyField(Case, null=True, column_name="home_case_id")  # before any merge
    channel = pw.CharField()
    source_id = pw.CharField(null=True)
    title = pw.TextField(default="")
    text = pw.TextField()
    citizen_name = pw.CharField(null=True)
    phone = pw.CharField(null=True, index=True)
    address = pw.TextField(null=True)
    address_key = pw.CharField(null=True, index=True)  # normalised address for duplicate blocking
    township_hint = pw.CharField(null=True)
    category_hint = pw.CharField(null=True)
    received_at = pw.IntegerField(index=True)
    created_at = pw.IntegerField()
    created_by = pw.CharField(default="")

    class Meta:
        indexes = ((("channel", "source_id"), True),)


class Assignment(BaseModel):
    """One department on one case, with its own clocks."""

    case = pw.ForeignKeyField(Case, backref="assignments", index=True)
    department = pw.CharField(index=True)
    role = pw.CharField()  # lead | cooperating
    state = pw.CharField()  # pending | acknowledged | on_site | returned | withdrawn
    active = pw.BooleanField(default=True)
    dispatched_at = pw.IntegerField()
    dispatched_by = pw.CharField(default="")
    ack_due = pw.IntegerField(null=True)
    acknowledged_at = pw.IntegerField(null=True)
    arrive_due = pw.IntegerField(null=True)
    arrived_at = pw.IntegerField(null=True)
    returned_at = pw.IntegerField(null=True)
    return_reason = pw.TextField(null=True)
    return_count = pw.IntegerField(default=0)

    class Meta:
        indexes = ((("department", "active", "case"), False),
                   # Every column the department scoreboard reads, in GROUP BY order (migration 4).
                   (("department", "dispatched_at", "role", "state", "active", "case", "ack_due", "acknowledged_at",
                     "arrive_due", "arrived_at", "returned_at", "return_count"), False),
                   # The notification sweep finds each clock whose deadline is near or has just passed,
                   # even on a case another clock already made late (migration 11).
                   (("ack_due",), False), (("arrive_due",), False))


class Note(BaseModel):
    case = pw.ForeignKeyField(Case, backref="notes", index=True)
    operator = pw.CharField()
    department = pw.CharField(null=True)
    text = pw.TextField()
    created_at = pw.IntegerField()


class Evaluation(BaseModel):
    case = pw.ForeignKeyField(Case, backref="evaluations", index=True)
    source = pw.CharField()  # citizen | township | third_party
    rating = pw.CharField(null=True)  # satisfied | basically_satisfied | unsatisfied; None = unreachable
    outcome = pw.CharField(default="rated")  # rated | unreachable
    comment = pw.TextField(null=True)
    round = pw.IntegerField(default=0)  # the case's reopen count when evaluated
    # The department a township evaluation (基层评价) rates: the lead or a cooperating department
    # (migration 7). None: the case as a whole, counted for its current lead (citizen, third party,
    # and township evaluations recorded before v7).
    department = pw.CharField(null=True)
    operator = pw.CharField()
    created_at = pw.IntegerField()

    class Meta:
        # The scoreboards' satisfaction: the latest round's rated evaluations of a case (migration 4).
        indexes = ((("case", "round", "outcome", "source", "rating"), False),)


class Extension(BaseModel):
    case = pw.ForeignKeyField(Case, backref="extensions", index=True)
    department = pw.CharField(null=True)
    requested_by = pw.CharField()
    requested_at = pw.IntegerField()
    old_due = pw.IntegerField(null=True)
    new_due = pw.IntegerField()
    reason = pw.TextField()
    status = pw.CharField(default="pending")  # pending | approved | refused
    decided_by = pw.CharField(null=True)
    decided_at = pw.IntegerField(null=True)
    decision_note = pw.TextField(null=True)


class Pause(BaseModel):
    case = pw.ForeignKeyField(Case, backref="pauses", index=True)
    reason = pw.TextField()
    started_at = pw.IntegerField()
    started_by = pw.CharField()
    ended_at = pw.IntegerField(null=True)
    ended_by = pw.CharField(null=True)


class Event(BaseModel):
    """Append-only log: who did what to which case, the state before and after, hash-chained."""

    case = pw.IntegerField(null=True, index=True, column_name="case_id")
    at = pw.IntegerField(index=True)
    operator = pw.CharField()
    on_behalf_of = pw.CharField(null=True)  # set when an admin acted --as another operator
    action = pw.CharField(index=True)
    state_before = pw.CharField(null=True)
    state_after = pw.CharField(null=True)
    before = pw.TextField(default="{}")  # JSON
    after = pw.TextField(default="{}")  # JSON
    # JSON {"table:id": digest} of the audited rows the event wrote (models/store/rowdigest.py);
    # "" on events written before schema 8, whose hashes do not cover it.
    digests = pw.TextField(default="")
    prev_hash = pw.CharField(default="")
    hash = pw.CharField(default="")


class SupervisionOrder(BaseModel):
    """督办: an automatic reminder (催办) or public notice (通报), or a supervisor's order."""

    case = pw.ForeignKeyField(Case, backref="supervision_orders", index=True)
    kind = pw.CharField()  # reminder | notice | order
    level = pw.CharField(default="")  # for orders: e.g. 一般 / 重点 / 挂牌
    department = pw.CharField(null=True, index=True)
    instruction = pw.TextField(default="")
    deadline = pw.IntegerField(null=True)
    issued_by = pw.CharField()
    issued_at = pw.IntegerField(index=True)
    status = pw.CharField(default="open")  # open | answered | closed
    answered_at = pw.IntegerField(null=True)
    answer = pw.TextField(null=True)


class LadderStep(BaseModel):
    """The escalation ladder of one clock: a department's deadline on a case (migration 6).

    Keyed by the deadline itself, so an approved extension, a joint meeting's deadline, a resume or
    a re-dispatch (a new deadline) starts a fresh ladder; each step is written once per key."""

    case = pw.ForeignKeyField(Case, backref="ladder_steps", index=True)
    clock = pw.CharField()  # dispatch | acknowledge | arrive | resolve
    department = pw.CharField(default="")  # "" for the dispatch office's own clock
    due = pw.IntegerField()
    reminded_at = pw.IntegerField(null=True)
    reminder_order = pw.IntegerField(null=True)
    noticed_at = pw.IntegerField(null=True)
    notice_order = pw.IntegerField(null=True)

    class Meta:
        indexes = ((("case", "clock", "department", "due"), True),
                   (("noticed_at", "reminded_at"), False))


class Accountability(BaseModel):
    """追责: a record against a department or person for late or failed response."""

    department = pw.CharField(null=True, index=True)
    person = pw.CharField(null=True)
    reason = pw.TextField()
    cases = pw.TextField(default="[]")  # JSON list of case ids
    recorded_by = pw.CharField()
    recorded_at = pw.IntegerField(index=True)


class Meeting(BaseModel):
    """联席会议 / 会商: attendees and decisions for complex cases."""

    held_at = pw.IntegerField()
    title = pw.TextField(default="")
    attendees = pw.TextField(default="[]")  # JSON list of department ids
    notes = pw.TextField(default="")
    recorded_by = pw.CharField()
    recorded_at = pw.IntegerField()


class MeetingDecision(BaseModel):
    meeting = pw.ForeignKeyField(Meeting, backref="decisions", index=True)
    case = pw.ForeignKeyField(Case, backref="meeting_decisions", index=True)
    lead = pw.CharField()
    cooperating = pw.TextField(default="[]")  # JSON list
    plan = pw.TextField(default="")
    deadline = pw.IntegerField(null=True)


class MergeRecord(BaseModel):
    """One merge of a source case into a target, with what is needed to undo it exactly."""

    source = pw.ForeignKeyField(Case, backref="merges_out", index=True, column_name="source_id")
    target = pw.ForeignKeyField(Case, backref="merges_in", index=True, column_name="target_id")
    report_ids = pw.TextField(default="[]")  # JSON: the reports that moved
    source_before = pw.TextField(default="{}")  # JSON snapshot of the source case
    target_before = pw.TextField(default="{}")  # JSON snapshot of the target case
    merged_by = pw.CharField()
    merged_at = pw.IntegerField()
    undone_by = pw.CharField(null=True)
    undone_at = pw.IntegerField(null=True)


class Setting(BaseModel):
    """Small named JSON blobs: trained suggestion models, import checkpoints."""

    key = pw.CharField(primary_key=True)
    value = pw.TextField()
    updated_at = pw.IntegerField()


class Outbox(BaseModel):
    """One notification to one recipient, written in the transaction of the step it is about (migration 7).

    `key` is stable and unique: the idempotency key the sender gives every receiver, and what makes a
    sweep's deadline notice happen once. The sender (models/notify/) moves `state` on:
    pending → sent | dead; `channels_done` keeps the channels already delivered, so a retry skips them."""

    key = pw.CharField(unique=True)
    case = pw.IntegerField(null=True, index=True, column_name="case_id")
    event = pw.IntegerField(null=True, column_name="event_id")
    kind = pw.CharField()  # dispatch | redispatch | uphold | return_review | extension_review | remind | notice | ...
    recipient_kind = pw.CharField()  # department | township | office
    recipient = pw.CharField(default="")  # department or township id; "" for the office
    urgent = pw.BooleanField(default=False)  # urgent messages are not held in quiet hours
    payload = pw.TextField(default="{}")  # JSON: ids and moments only; rendered at delivery
    created_at = pw.IntegerField()
    state = pw.CharField(default="pending")  # pending | sent | dead
    attempts = pw.IntegerField(default=0)
    next_at = pw.IntegerField()  # not before this moment (backoff)
    sent_at = pw.IntegerField(null=True)
    last_error = pw.TextField(null=True)
    channels_done = pw.TextField(default="[]")  # JSON list of channel names delivered
    read_at = pw.IntegerField(null=True)

    class Meta:
        indexes = ((("state", "next_at"), False), (("recipient_kind", "recipient", "created_at"), False))


class NotificationRead(BaseModel):
    """An operator has read a notification addressed to their department, township or the office
    (migration 11): whose list it left (`operator`), who pressed the key (`read_by`, the kernel's
    operator: an admin acting --as someone is named) and when. One row per operator and notification;
    several operators of one department each read for themselves."""

    outbox = pw.IntegerField(column_name="outbox_id")
    operator = pw.CharField()
    read_by = pw.CharField()
    read_at = pw.IntegerField()

    class Meta:
        indexes = ((("operator", "outbox"), True),)


ALL_MODELS: list[type[BaseModel]] = [
    SchemaVersion, Operator, Case, Report, Assignment, Note, Evaluation, Extension, Pause, Event, Setting,
    SupervisionOrder, Accountability, Meeting, MeetingDecision, MergeRecord, LadderStep, Outbox, NotificationRead,
]

# Tables whose rows are never changed once written: the event log, and the records events point at.
# On PostgreSQL the application's role may only INSERT and SELECT them (models/org/dbroles.py).
APPEND_ONLY = ("event", "note", "evaluation", "accountability", "meeting", "meeting_decision")
