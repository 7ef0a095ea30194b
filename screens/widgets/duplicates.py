"""The workspace's "possible duplicates" section (`m` merges with one of them) and the line that
names a case's relatives and held clocks: split into, merged into, paused, extension waiting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from models.text.labels import label
from screens.base import literal, ui


def received(row: dict[str, Any]) -> str:
    """"11-20 10:00" from the row's ISO time, as the rest of the workspace shows times."""
    return short_time(row.get("received_at"))


def short_time(iso: str | None) -> str:
    """"11-20 10:00" from an ISO time."""
    iso = str(iso or "")
    return iso[5:16].replace("T", " ") if len(iso) >= 16 else (iso or "-")


def reason_words(row: dict[str, Any], language: str, town: Callable[[str], str] = str) -> list[str]:
    """A candidate's reasons in the office's words ("同一电话 138****5678", "属地不同 城关镇");
    `town` names a township id."""
    kinds, details = row.get("reason_kinds"), row.get("reason_details")
    if kinds is None or details is None:
        return [str(x) for x in row["reasons"]]
    return [f"{label('duplicate_reason', 'address_near' if kind == 'address' and detail else kind, language)} "
            f"{town(detail) if kind in ('township', 'other_township') and detail else detail}".strip()
            for kind, detail in zip(kinds, details)]


def duplicates(rows: list[dict[str, Any]], language: str, town: Callable[[str], str] = str) -> RenderableType:
    """One line per candidate: case id, score, state, received, title and the reasons (literal)."""
    if not rows:
        return Text(ui("no_duplicates", language), style="dim")
    grid = Table.grid(padding=(0, 2))
    for _ in range(6):
        grid.add_column()
    for r in rows:
        reasons = literal("；".join(reason_words(r, language, town)), single_line=True)
        grid.add_row(Text(f"#{r['case_id']}", style="bold"), Text(f"{r['score']:.2f}"),
                     Text(label("state", r["state"], language)), Text(received(r)),
                     literal(str(r["title"]), single_line=True), reasons)
    return grid


def related(detail: dict[str, Any], pending_extension: bool, language: str) -> Text:
    """What ties this case to others or holds its clocks; empty when nothing does."""
    parts = []
    if detail.get("children"):
        parts.append(f"{ui('related_children', language)} " + " ".join(f"#{c}" for c in detail["children"]))
    if detail.get("merged_sources"):  # `U` undoes any of these merges from here
        parts.append(f"{ui('related_merged_sources', language)} " + " ".join(f"#{c}" for c in detail["merged_sources"]))
    if detail.get("merged_into"):
        parts.append(f"{ui('related_merged_into', language)} #{detail['merged_into']}")
    if detail.get("paused"):
        parts.append(ui("related_paused", language))
    if pending_extension:
        parts.append(ui("related_extension", language))
    return Text("  ·  ".join(parts), style="bold yellow")
