"""The workspace's "possible duplicates" section (`m` merges with one of them) and the line that
names a case's relatives and held clocks: split into, merged into, paused, extension waiting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
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
    """A candidate's reasons in the office's words: for ("同一电话 138****5678", "地址相同 东关社区5栋"
    — the place as both reports' addresses give it, however each was written) and against ("地址不同
    东关社区5栋 / 西关社区9栋", "属地不同 城关镇"); `town` names a township id."""
    kinds, details = row.get("reason_kinds"), row.get("reason_details")
    if kinds is None or details is None:
        return [str(x) for x in row["reasons"]]
    return [f"{label('duplicate_reason', kind, language)} "
            f"{town(detail) if kind in ('township', 'other_township') and detail else detail}".strip()
            for kind, detail in zip(kinds, details)]


REASON_INDENT = 4  # a candidate's reasons sit under its line, indented


class Reasons:
    """A candidate's reasons on lines of their own, each whole: a line breaks only between two
    reasons, so no score or place is cut in two ("内容相似 58%", "地址不同 东关社区5栋 / 西关社区9栋").
    Only a reason wider than a whole line is folded, by itself; nothing is left out."""

    def __init__(self, reasons: list[Text], separator: str, indent: int = REASON_INDENT) -> None:
        self.reasons, self.separator, self.indent = reasons, separator, indent

    def lines(self, width: int) -> list[Text]:
        """The reasons packed into lines of at most `width` cells, breaking between reasons."""
        lines: list[Text] = []
        for reason in self.reasons:
            if lines and lines[-1].cell_len + cell_len(self.separator) + reason.cell_len <= width:
                lines[-1].append(self.separator)
                lines[-1].append_text(reason)
            else:
                lines.append(reason.copy())
        return lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, options.max_width - self.indent)
        for line in self.lines(width):
            for part in line.wrap(console, width, overflow="fold"):
                yield Text(" " * self.indent) + part


def _padded(text: str, width: int) -> str:
    return text + " " * (width - cell_len(text))


def duplicates(rows: list[dict[str, Any]], language: str, town: Callable[[str], str] = str) -> RenderableType:
    """Per candidate a line with case id, score, state, received and title (cut with "…" at the
    edge), and under it the reasons, each whole (Reasons); citizen text literal."""
    if not rows:
        return Text(ui("no_duplicates", language), style="dim")
    ids = [f"#{r['case_id']}" for r in rows]
    states = [label("state", r["state"], language) for r in rows]
    id_width, state_width = max(map(cell_len, ids)), max(map(cell_len, states))
    separator = "；" if language == "zh" else "; "
    parts: list[RenderableType] = []
    for r, ident, state in zip(rows, ids, states, strict=True):
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(_padded(ident, id_width), style="bold")
        line.append(f"  {r['score']:.2f}  {_padded(state, state_width)}  {received(r)}  ")
        line.append_text(literal(str(r["title"]), single_line=True))
        reasons = [literal(words, single_line=True) for words in reason_words(r, language, town)]
        parts += [line, Reasons(reasons, separator)]
    return Group(*parts)


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
