"""`chuishao report …`: scoreboards (绩效考核), hot spots (热点) and the monthly briefing (月度通报).

Thin: every number comes from models/reports/scoreboard.py, models/reports/hotspots.py and models/reports/briefing.py,
the same functions the console's screens call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from commands.common import Group, State, emit_json, json_option, pass_state, say, table
from models.errors import UsageError
from models.reports import briefing as briefing_model
from models.reports.briefing import text_cell
from models.reports.hotspots import hotspots as find_hotspots
from models.reports.measures import Rate
from models.reports.scoreboard import (
    department_scoreboard,
    explain,
    explain_township,
    formula,
    township_scoreboard,
)
from models.text.labels import label
from models.worktime import period as periods

period_options = [
    click.option("--month", "month_text", help="A calendar month, YYYY-MM (default: the current month)."),
    click.option("--from", "from_text", help="Start, ISO 8601 (office time if no offset)."),
    click.option("--to", "to_text", help="End, ISO 8601, excluded; a bare date includes that day (default: now)."),
]


def with_period(func: Any) -> Any:
    for option in reversed(period_options):
        func = option(func)
    return func


def _period(state: State, month_text: str | None, from_text: str | None, to_text: str | None) -> periods.Period:
    return periods.choose(month_text, from_text, to_text, state.config.tz, state.ctx.now())


@click.group(cls=Group)
def report() -> None:
    """Scoreboards, hot spots and the monthly briefing.

    Example: chuishao report scoreboard --month 2026-11
    """


def _short(rate: Rate) -> str:
    """A rate for a narrow terminal column: 92% 12/13."""
    return "—" if rate.rate is None else f"{rate.rate * 100:.0f}% {rate.num}/{rate.den}"


DEPT_COLUMNS = ("response", "arrival", "resolution", "on_time", "satisfaction", "returns", "reopen")
TOWN_COLUMNS = ("resolved_locally", "whistle_rate", "own_duty_whistles", "wrong_whistle_rate", "satisfaction")


@report.command("scoreboard")
@with_period
@click.option("--township", "townships", is_flag=True, help="The township scoreboard instead of departments.")
@click.option("--explain", "explain_id", metavar="DEPT|TOWNSHIP",
              help="List the cases and events behind each figure of one department (or township with --township).")
@json_option
@pass_state
def scoreboard(state: State, month_text: str | None, from_text: str | None, to_text: str | None,
               townships: bool, explain_id: str | None, as_json: bool) -> None:
    """Department (or township) scoreboard for a period, every rate with its numerator and denominator.

    Example: chuishao report scoreboard --month 2026-11 --explain 住建局
    """
    ctx = state.ctx
    period = _period(state, month_text, from_text, to_text)
    lang = ctx.config.language
    if explain_id:
        detail = (explain_township if townships else explain)(ctx, explain_id, period)
        if as_json:
            emit_json(detail)
        else:
            _print_explain(state, detail, lang)
        return
    if townships:
        towns = township_scoreboard(ctx, period)
        if as_json:
            emit_json({"period": period.as_dict(ctx.config.tz), "townships": [t.as_dict() for t in towns]})
            return
        table(state.out, [label("report", "township", lang),
                          *[label("metric", k, lang) for k in ("raised", "local", "whistled", "rejected")],
                          *[label("metric", k, lang) for k in TOWN_COLUMNS], label("report", "flags", lang)],
              [[t.name, *[t.figures[k].num for k in ("raised", "local", "whistled", "rejected")],
                *[_short(t.figures[k]) for k in TOWN_COLUMNS], ", ".join(label("flag", f, lang) for f in t.flags)]
               for t in towns], title=f"{period.label}")
        return
    boards = department_scoreboard(ctx, period)
    if as_json:
        emit_json({"period": period.as_dict(ctx.config.tz), "formula": formula(ctx, lang),
                   "departments": [b.as_dict() for b in boards]})
        return
    table(state.out, [label("metric", "rank", lang), label("report", "department", lang), label("metric", "score", lang),
                      label("metric", "assignments", lang), *[label("metric", k, lang) for k in DEPT_COLUMNS],
                      label("metric", "overdue", lang), label("metric", "limbo", lang) + " h",
                      label("metric", "supervision", lang), label("metric", "accountability", lang),
                      label("report", "flags", lang)],
          [[b.rank, ctx.config.departments[b.department].short, b.score, b.figures["assignments"].num,
            *[_short(b.figures[k]) for k in DEPT_COLUMNS],
            b.figures["overdue"].num, round(b.figures["limbo"].num / 3600, 1), b.figures["supervision"].num,
            b.figures["accountability"].num, ", ".join(label("flag", f, lang) for f in b.flags)] for b in boards],
          title=f"{period.label}")
    say(state.out, formula(ctx, lang))


def _print_explain(state: State, detail: dict[str, Any], lang: str) -> None:
    say(state.out, f"{detail['name']} — {detail['period']['label']}")
    if "score" in detail:
        _print_score(state, detail, lang)
    for key, figure in detail["figures"].items():
        rate = Rate(figure["num"], figure["den"])
        value = text_cell(rate) if figure["kind"] == "rate" else f"{figure['num']} (of {figure['den']})"
        if figure["kind"] == "duration":
            value = f"{figure['num'] / 3600:.1f} h over {figure['den']} assignments"
        say(state.out, f"\n{label('metric', key, lang)} [{key}]: {value}")
        for row in figure["cases"]:
            mark = "+" if row.get("counted") else "-"
            ident = row.get("case_id")
            moments = ", ".join(f"{k}={v}" for k, v in row.items()
                                if k not in ("case_id", "title", "counted", "events", "cases") and v is not None)
            events = "; ".join(f"{e['id']} {e['action']} {e['at'][5:16]} {e['operator']}" for e in row.get("events", []))
            say(state.out, f"  {mark} case {ident} {row.get('title') or ''} | {moments}"
                           + (f" | events: {events}" if events else ""))


def _print_score(state: State, detail: dict[str, Any], lang: str) -> None:
    """The score's arithmetic with this department's numbers, line by line."""
    parts = detail["score"]
    say(state.out, detail["formula"])
    say(state.out, f"as of {detail['as_of']}")
    if parts["weighted"] is None:
        say(state.out, "no score: nothing assigned and nothing rated")
        return
    total = sum(parts["weights"].values())
    terms = " + ".join(f"{w:g}×{parts['rates'][k]:.4f}" for k, w in parts["weights"].items())
    say(state.out, f"  weighted = 100 × ({terms}) / {total:g} = {parts['weighted']:.2f}")
    for key, d in parts["deductions"].items():
        say(state.out, f"  − {label('metric', d['figure'], lang)} [{key}]: {d['per_100']:g} × 100 × "
                       f"{d['num']}/{d['den'] or 0} = {d['points']:.2f}")
    say(state.out, f"  score = {parts['score']:.1f} (held within 0–100)")


@report.command("hotspots")
@with_period
@click.option("--min", "min_count", type=click.IntRange(1), default=2, show_default=True,
              help="Cases at one place that make a hot spot.")
@click.option("--limit", type=click.IntRange(1), default=None, help="At most N hot spots.")
@json_option
@pass_state
def hotspots(state: State, month_text: str | None, from_text: str | None, to_text: str | None, min_count: int,
             limit: int | None, as_json: bool) -> None:
    """Recurring problems by category × township × place, week by week, and candidates for 每月一题.

    Example: chuishao report hotspots --from 2026-09-01 --to 2026-11-30 --json
    """
    ctx = state.ctx
    period = _period(state, month_text, from_text, to_text)
    found = find_hotspots(ctx, period, min_count=min_count, limit=limit)
    if as_json:
        emit_json(found.as_dict(ctx))
        return
    lang = ctx.config.language
    towns = ctx.config.townships
    table(state.out, [label("report", k, lang) for k in ("category", "township", "place", "count", "weekly", "trend",
                                                          "open", "case_ids")],
          [[s.category, towns[s.township].name if s.township in towns else s.township, s.place, s.count,
            " ".join(map(str, s.weekly)), label("trend", s.trend, lang), s.open, " ".join(map(str, s.case_ids))]
           for s in found.spots], title=f"{label('report', 'hotspots', lang)} {period.label}")
    table(state.out, [label("report", k, lang) for k in ("category", "count", "places", "trend", "weekly")],
          [[c.category, c.count, len(c.spots), label("trend", c.as_dict()["trend"], lang), " ".join(map(str, c.weekly))]
           for c in found.candidates], title=label("report", "candidates", lang))


@report.command("briefing")
@click.option("--month", "month_text", required=True, help="The month, YYYY-MM.")
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "xlsx"]), default="md", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE (required for xlsx; md and csv go to stdout without it).")
@pass_state
def briefing(state: State, month_text: str, fmt: str, output: Path | None) -> None:
    """The monthly briefing: ranking (红黑榜), townships, hot spots, overdue and supervised cases.

    Example: chuishao report briefing --month 2026-11 --format xlsx --output 2026-11.xlsx
    """
    if fmt == "xlsx" and output is None:
        raise UsageError("--format xlsx needs --output FILE (a spreadsheet cannot go to the terminal)")
    ctx = state.ctx
    data = briefing_model.build(ctx, periods.month(month_text, ctx.config.tz))
    text = ""
    if fmt != "xlsx":
        text = briefing_model.render_markdown(ctx, data) if fmt == "md" else briefing_model.render_csv(ctx, data)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        if fmt == "xlsx":
            briefing_model.write_xlsx(ctx, data, output)
        else:  # Excel opens a UTF-8 CSV correctly only with a byte-order mark
            output.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    say(state.out, f"briefing {month_text} written to {output}")
