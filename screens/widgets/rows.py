"""Cases → queue rows: labels in the operator's language, citizen text made printable.

Runs in the worker thread that fetched the page, so the UI thread only draws.
"""

from __future__ import annotations

from models.cases.queries import CaseQuery, sort_key
from models.org.context import Context
from models.org.permissions import text_for_viewer
from models.store.schema import Case
from models.text.labels import label
from models.text.textnorm import printable
from models.worktime.timeutil import local_short
from screens.widgets.queue_table import QueueRow

SUPERVISED = "督"


def queue_rows(ctx: Context, q: CaseQuery, cases: list[Case], language: str) -> list[QueueRow]:
    config = ctx.config
    tz = config.tz
    english = language != "zh"  # the configuration names places in Chinese only: show ids instead
    towns = {t.id: t.id if english else t.name for t in config.townships.values()}
    depts = {d.id: d.id if english else d.short or d.name for d in config.departments.values()}
    channels = {c: c if english else name for c, name in config.channels.items()}
    mark = SUPERVISED if language == "zh" else "S"
    out = []
    for case in cases:
        category = case.category.rsplit("/", 1)[-1] if case.category else ""
        out.append(QueueRow(
            id=case.id, key=sort_key(q, case), received=local_short(case.received_at, tz),
            channel=channels.get(case.channel, case.channel), township=towns.get(case.township or "", ""),
            category=category, state=label("state", case.state, language), lead=depts.get(case.lead or "", ""),
            next_due=case.next_due, reports=str(case.report_count) if case.report_count > 1 else "",
            mark=mark if case.must_supervise else "",
            title=printable(text_for_viewer(ctx, case.title), single_line=True),
        ))
    return out
