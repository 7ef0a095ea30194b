"""The workspace's sections as Rich renderables, from the one JSON shape of a case (models.cases.views).

Every value that came from a citizen, a file or an operator is wrapped by `literal` (a Text, no
markup, control characters made visible); labels come from models.text.labels.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from models.org.config import Config
from models.text.labels import LABELS, colon, label
from models.worktime.durations import format_timedelta
from screens.base import literal, ui
from screens.widgets.queue_table import DUE_SOON

DETAIL_KEYS = ("reason", "result", "text", "comment", "rating", "decision", "lead", "cooperating", "note",
               "department", "source", "outcome")


def short(iso: str | None) -> str:
    """"2026-11-20T08:05:00+08:00" → "11-20 08:05" (already in the office's zone)."""
    return iso[5:16].replace("T", " ") if iso else ""


def epoch(iso: str | None) -> int | None:
    return int(datetime.fromisoformat(iso).timestamp()) if iso else None


def countdown(iso: str | None, now: int) -> Text:
    """Time left on a clock, coloured: overdue red, due soon yellow, plenty green."""
    due = epoch(iso)
    if due is None:
        return Text("")
    left = due - now
    style = "bold red" if left < 0 else ("yellow" if left < DUE_SOON else "green")
    return Text(f"{format_timedelta(left)} ({short(iso)})", style=style)


class Names:
    """Display names of configured things in the operator's language (ids in English)."""

    def __init__(self, config: Config, language: str) -> None:
        self.config, self.lang = config, language

    def dept(self, ident: str | None) -> str:
        if not ident:
            return ""
        d = self.config.departments.get(ident)
        return ident if d is None or self.lang != "zh" else d.short or d.name

    def town(self, ident: str | None) -> str:
        t = self.config.townships.get(ident or "")
        return (ident or "") if t is None or self.lang != "zh" else t.name

    def channel(self, ident: str | None) -> str:
        return (ident or "") if self.lang != "zh" else self.config.channels.get(ident or "", ident or "")


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    return grid


def summary(detail: dict[str, Any], names: Names, language: str, now: int) -> RenderableType:
    def t(key: str, **kw: Any) -> str:
        return ui(key, language, **kw)

    grid = _grid()
    grid.add_row(t("field_state"), Text(label("state", detail["state"], language)
                                        + f"  ·  {label('priority', detail['priority'], language)}"))
    grid.add_row(t("col_channel"), Text(f"{names.channel(detail['channel'])}  ·  "
                                        f"{t('col_received')} {short(detail['received_at'])}"))
    place = names.town(detail["township"]) + (f" {detail['village']}" if detail.get("village") else "")
    grid.add_row(t("col_township"), literal(place))
    grid.add_row(t("field_category"), Text((detail["category"] or "").replace("/", " › ")))
    if detail["decision"]:
        item = f"  ·  {detail['duty_item']}" if detail["duty_item"] else ""
        grid.add_row(t("field_decision"), Text(label("decision", detail["decision"], language) + item))
    if detail["lead"]:
        coop = "、".join(names.dept(d) for d in detail["cooperating"])
        grid.add_row(t("col_lead"), Text(names.dept(detail["lead"]) + (f"  ·  {t('detail_cooperating')} {coop}"
                                                                       if coop else "")))
    due = countdown(detail["next_due"], now)
    if not detail["due_confirmed"] and detail["next_due"]:
        due.append("  " + t("unconfirmed"), style="dim")
    grid.add_row(t("col_due"), due)
    counts = t("counts", reports=detail["report_count"], returns=detail["return_count"],
               reopens=detail["reopen_count"])
    grid.add_row(t("field_counts"), Text(counts))
    if detail["must_supervise"]:
        reasons = "、".join(label("supervise_reason", r, language) for r in detail["must_supervise"])
        grid.add_row(t("col_mark"), Text(reasons, style="bold red"))
    for key in ("reason", "result"):
        if detail.get(key):
            grid.add_row(t(f"detail_{key}"), literal(detail[key]))
    grid.add_row(t("field_version"), Text(t("version_by", version=detail["version"], who=detail["updated_by"],
                                            at=short(detail["updated_at"]))))
    return grid


def reports(detail: dict[str, Any], names: Names, language: str) -> RenderableType:
    parts: list[RenderableType] = []
    for r in detail["reports"]:
        head = Text(f"#{r['id']}  {names.channel(r['channel'])}", style="bold")
        head.append(f"  {ui('source_id', language)} ")
        head.append_text(literal(r["source_id"] or "—", single_line=True))
        head.append(f"  {short(r['received_at'])}  ")
        who = " ".join(x for x in (r["citizen_name"], r["phone"], r["address"]) if x)
        head.append_text(literal(who, single_line=True))
        parts.extend([head, literal(r["text"]), Text("")])
    return Group(*parts)


def assignments(detail: dict[str, Any], names: Names, language: str, now: int) -> RenderableType:
    if not detail["assignments"]:
        return Text(ui("none_yet", language), style="dim")
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    for key in ("col_department", "col_role", "col_state", "col_ack", "col_arrive", "field_return_reason"):
        table.add_column(ui(key, language))
    for a in detail["assignments"]:
        ack = Text(short(a["acknowledged_at"])) if a["acknowledged_at"] else (
            countdown(a["ack_due"], now) if a["ack_running"] else Text(""))
        arrive = Text(short(a["arrived_at"])) if a["arrived_at"] else (
            countdown(a["arrive_due"], now) if a["arrive_running"] else Text(""))
        state = label("assignment_state", a["state"], language) + ("" if a["active"] else " ×")
        table.add_row(Text(names.dept(a["department"])), Text(label("assignment_role", a["role"], language)),
                      Text(state), ack, arrive, literal(a["return_reason"] or "", single_line=True))
    return table


def details(after: dict[str, Any], names: Names, language: str) -> Text:
    """The interesting values of an event, as literal text."""
    out = Text()
    for key in DETAIL_KEYS:
        value = after.get(key)
        if value in (None, "", []):
            continue
        if key in ("lead", "department"):
            value = names.dept(str(value))
        elif key == "cooperating":
            value = "、".join(names.dept(d) for d in value)
        elif key in ("rating", "source", "outcome"):
            value = label(key, str(value), language)
        elif key == "decision":  # a triage decision, or a return review's (uphold / redispatch)
            value = label("review" if value in LABELS["review"] else "decision", str(value), language)
        if out:
            out.append("  ")
        out.append(ui("detail_" + key, language) + colon(language), style="dim")
        out.append_text(literal(str(value), single_line=True))
    return out


def timeline(detail: dict[str, Any], names: Names, language: str) -> RenderableType:
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    for key in ("col_time", "col_operator", "col_action", "col_state", "col_details"):
        table.add_column(ui(key, language), overflow="fold")
    for e in detail["events"]:
        who = e["operator"] + (f" ({ui('for', language)} {e['on_behalf_of']})" if e["on_behalf_of"] else "")
        change = label("state", e["state_after"], language)
        if e["state_before"] and e["state_before"] != e["state_after"]:
            change = f"{label('state', e['state_before'], language)} → {change}"
        table.add_row(Text(short(e["at"])), literal(who, single_line=True),
                      Text(label("action", e["action"], language)), Text(change), details(e["after"], names, language))
    return table


def notes(detail: dict[str, Any], names: Names, language: str) -> RenderableType:
    if not detail["notes"]:
        return Text(ui("none_yet", language), style="dim")
    grid = _grid()
    for n in detail["notes"]:
        who = n["operator"] + (f" · {names.dept(n['department'])}" if n["department"] else "")
        grid.add_row(Text(short(n["created_at"])), Group(literal(who, single_line=True), literal(n["text"])))
    return grid


def evaluations(detail: dict[str, Any], language: str) -> RenderableType:
    if not detail["evaluations"]:
        return Text(ui("none_yet", language), style="dim")
    grid = _grid()
    for v in detail["evaluations"]:
        rating = label("rating", v["rating"], language) if v["rating"] else ui("rating_unreachable", language)
        line = Text(f"{label('source', v['source'], language)} · {rating} · {v['operator']}")
        if v["round"]:
            line.append(f" · {ui('round', language, n=v['round'])}")
        grid.add_row(Text(short(v["created_at"])), Group(line, literal(v["comment"] or "")))
    return grid


def notifications(rows: list[dict[str, Any]], language: str) -> RenderableType:
    """What was sent about the case (models/notify/inbox.py): when, to whom, about what, through which
    channels, and whether it was delivered, is waiting, or failed for good (a dead letter)."""
    if not rows:
        return Text(ui("none_yet", language), style="dim")
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    for key in ("col_time", "col_recipient", "col_notice", "col_channels", "col_delivery"):
        table.add_column(ui(key, language), overflow="fold")
    styles = {"sent": "green", "pending": "yellow", "dead": "bold red", "unrouted": "dim"}
    for n in rows:
        delivery = Text(label("notify_state", n["state"], language), style=styles.get(n["state"], ""))
        if n["state"] == "sent" and n["sent_at"]:
            delivery.append(f" {short(n['sent_at'])}")
        elif n["attempts"]:
            delivery.append(f" · {ui('notify_attempts', language, n=n['attempts'])}", style="dim")
        channels = "、".join(label("notify_channel", c, language) for c in n["channels"])
        table.add_row(Text(short(n["created_at"])), Text(n["recipient"]),
                      Text(label("notify_kind", n["kind"], language)), Text(channels), delivery)
    return table
