"""Unified intake: one report from any channel becomes a case in the `new` queue."""

from __future__ import annotations

from dataclasses import dataclass

from models import engine, events, prepared, search
from models.casebase import snapshot
from models.clocks import deadline, refresh_next_due
from models.config import Config
from models.context import Context
from models.errors import PermissionDenied, ValidationError
from models.permissions import require_role
from models.schema import Case, Report
from models.states import NEW
from models.textnorm import first_line, normalise_address, normalise_phone


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


def priority_from_text(config: Config, text: str) -> str:
    """`urgent` or `utility` when the text holds one of their configured signal words, else general."""
    for name in ("urgent", "utility"):
        if any(word and word in text for word in config.priorities[name].urgent_keywords):
            return name
    return "general"


def intake(ctx: Context, new: NewReport) -> tuple[Case, Report]:
    """Register a report and open a case for it (one transaction, one event)."""
    require_role(ctx, "intake")
    config = ctx.config
    channel = config.channel(new.channel)
    if not new.text or not new.text.strip():
        raise ValidationError("report text must not be empty")
    township, village = township_from_hint(config, new.township)
    if new.township and township is None:
        raise ValidationError(f"unknown township '{new.township}' (see `chuishao org townships`)")
    if ctx.operator.role == "township":
        if township and township != ctx.operator.township:
            raise PermissionDenied(f"no permission: {ctx.operator.name} takes reports for "
                                   f"{ctx.operator.township} only, not {township}")
        township = ctx.operator.township
    now = ctx.now()
    received = new.received_at if new.received_at is not None else now
    title = (new.title or "").strip() or first_line(new.text)
    with ctx.write():
        if new.source_id:
            existing = Report.get_or_none((Report.channel == channel) & (Report.source_id == new.source_id))
            if existing is not None:
                raise ValidationError(f"report {channel}/{new.source_id} is already registered "
                                      f"(case {existing.case_id})")
        case = Case(state=NEW, title=title, channel=channel, township=township, village=village,
                    priority=priority_from_text(config, f"{title}\n{new.text}"), received_at=received,
                    created_at=now, updated_at=now, updated_by=ctx.actor, last_progress_at=received)
        case.dispatch_due, confirmed_d = deadline(ctx, case, "dispatch")
        case.resolve_due, confirmed_r = deadline(ctx, case, "resolve")
        case.due_confirmed = confirmed_d and confirmed_r
        refresh_next_due(case, [])
        prepared.insert(case)
        report = Report(
            case=case, home_case=case, channel=channel, source_id=new.source_id or None, title=title,
            text=new.text, citizen_name=new.citizen_name, phone=normalise_phone(new.phone) or new.phone,
            address=new.address, address_key=normalise_address(new.address), township_hint=new.township,
            category_hint=new.category_hint, received_at=received, created_at=now, created_by=ctx.actor)
        prepared.insert(report)
        engine.index_case_text(ctx.db, case.id, search.tokens(f"{title}\n{new.text}"))
        events.record(ctx, "intake", case.id, state_before=None, state_after=NEW, at=now,
                      after={**snapshot(case), "report_id": report.id, "channel": channel,
                             "source_id": new.source_id})
    return case, report
