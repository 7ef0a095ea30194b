"""The monthly briefing for leadership (月度通报): ranking (红黑榜), townships, hot spots and the month's
candidate problem (每月一题), overdue and supervised cases — as data, and rendered as Markdown, CSV
or XLSX.

Every figure comes from models/reports/scoreboard.py and models/reports/hotspots.py, the functions the CLI and the
console call: the briefing never counts anything itself. The renderers share one list of sections
(title, columns, rows), so the three formats hold the same table cells.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.cases.queries import CaseQuery, count_cases, list_cases
from models.errors import PermissionDenied
from models.org.context import Context, on_replica
from models.org.permissions import text_for_viewer
from models.reports.explain import SEE_ALL
from models.reports.hotspots import HotspotReport, hotspots, trend_of
from models.reports.measures import Rate, in_period
from models.reports.scoreboard import (
    DepartmentScore,
    TownshipScore,
    department_scoreboard,
    township_scoreboard,
)
from models.reports.scoring import formula
from models.store.schema import Case, SupervisionOrder
from models.store.states import FINAL_STATES
from models.text.labels import label
from models.text.messages import Ref
from models.text.textnorm import printable
from models.worktime.period import Period
from models.worktime.timeutil import local_iso, local_short

LIST_LIMIT = 50  # overdue and supervised cases listed by name; the total is always given
RANK_COLUMNS = ("assignments", "lead", "cooperating", "response", "arrival", "resolution", "on_time",
                "satisfaction", "returns", "reopen", "overdue", "limbo", "supervision", "accountability")
TOWN_COLUMNS = ("raised", "local", "whistled", "rejected", "resolved_locally", "whistle_rate",
                "own_duty_whistles", "sent_back", "wrong_whistle_rate", "satisfaction")
COUNTS = ("raised", "local", "whistled", "rejected", "sent_back")
ORDER_ACTION = {"reminder": "remind", "notice": "notice", "order": "supervise"}
Cell = str | int | float | Rate | None


@dataclass
class Section:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str = ""


@dataclass
class Briefing:
    period: Period
    generated_at: int
    departments: list[DepartmentScore]
    townships: list[TownshipScore]
    hot: HotspotReport
    overdue: list[Case]
    overdue_total: int
    orders: list[SupervisionOrder]
    supervised: list[Case]
    supervised_total: int


@on_replica
def build(ctx: Context, period: Period, *, hotspot_limit: int = 20) -> Briefing:
    """Gather the month's figures and lists (dispatch office, supervisors and admins only)."""
    if ctx.operator.role not in SEE_ALL:
        raise PermissionDenied("perm.briefing_county", operator=ctx.operator.name,
                               role=Ref("role", ctx.operator.role))
    overdue_query = CaseQuery(view="overdue", sort="next_due")
    open_flagged = (Case.must_supervise != "") & Case.state.not_in(sorted(FINAL_STATES))
    orders = list(SupervisionOrder.select().where(in_period(SupervisionOrder.issued_at, period))
                  .order_by(SupervisionOrder.issued_at, SupervisionOrder.id))
    return Briefing(
        period, ctx.now(), department_scoreboard(ctx, period), township_scoreboard(ctx, period),
        hotspots(ctx, period, limit=hotspot_limit), list_cases(ctx, overdue_query, limit=LIST_LIMIT),
        count_cases(ctx, overdue_query), orders,
        list(Case.select().where(open_flagged).order_by(Case.id).limit(LIST_LIMIT)),
        Case.select().where(open_flagged).count())


def summary(b: Briefing) -> dict[str, Any]:
    """The headline numbers, summed from the township and department boards."""
    towns = b.townships

    def pooled(key: str) -> Rate:
        return Rate(sum(t.figures[key].num for t in towns), sum(t.figures[key].den for t in towns))

    total = {key: pooled(key).num for key in COUNTS}
    return {**total, "whistle_rate": pooled("whistle_rate"), "satisfaction": pooled("satisfaction"),
            "own_duty_whistles": pooled("own_duty_whistles").num, "wrong_whistle_rate": pooled("wrong_whistle_rate"),
            "overdue_now": b.overdue_total, "supervision_orders": len(b.orders),
            "must_supervise_open": b.supervised_total}


def _m(key: str, lang: str) -> str:
    return label("metric", key, lang)


def _flags(flags: list[str], lang: str) -> str:
    return "; ".join(label("flag", f, lang) for f in flags)


def _dept_value(d: DepartmentScore, key: str) -> Cell:
    rate = d.figures[key]
    if key in ("assignments", "lead", "cooperating", "overdue", "supervision", "accountability"):
        return rate.num
    if key == "limbo":
        return round(rate.num / 3600, 1)
    return rate


def sections(ctx: Context, b: Briefing) -> list[Section]:
    """The briefing's tables, in order; every renderer writes exactly these cells."""
    lang, tz, config = ctx.config.language, ctx.config.tz, ctx.config

    def r(*keys: str) -> list[str]:
        return [label("report", k, lang) for k in keys]

    ranking = Section("ranking", r("ranking")[0],
                      [_m("rank", lang), *r("department"), _m("score", lang),
                       *[_m(k, lang) + (r("hours")[0] if k == "limbo" else "") for k in RANK_COLUMNS], *r("flags")],
                      [[d.rank, d.name, d.score, *[_dept_value(d, k) for k in RANK_COLUMNS], _flags(d.flags, lang)]
                       for d in b.departments])
    towns = Section("townships", r("townships")[0],
                    [*r("township"), *[_m(k, lang) for k in TOWN_COLUMNS], *r("flags")],
                    [[t.name, *[t.figures[k].num if k in COUNTS else t.figures[k] for k in TOWN_COLUMNS],
                      _flags(t.flags, lang)] for t in b.townships])
    spots = Section("hotspots", r("hotspots")[0],
                    r("category", "township", "place", "count", "weekly", "trend", "open", "case_ids"),
                    [[_path(s.category), _town(config, s.township), printable(s.place, single_line=True), s.count,
                      " ".join(map(str, s.weekly)), label("trend", s.trend, lang), s.open,
                      " ".join(f"#{i}" for i in s.case_ids)] for s in b.hot.spots],
                    note=r("weeks_from")[0].format(b.hot.weeks[0] if b.hot.weeks else ""))
    monthly = Section("candidates", r("candidates")[0],
                      r("category", "count", "places", "townships_involved", "trend", "weekly"),
                      [[_path(c.category), c.count, len(c.spots),
                        "、".join(_town(config, t) for t in sorted({s.township for s in c.spots})),
                        label("trend", trend_of(c.weekly), lang), " ".join(map(str, c.weekly))]
                       for c in b.hot.candidates])
    now = b.generated_at
    overdue = Section("overdue", r("overdue_cases")[0],
                      r("case", "title", "township", "lead", "state", "due", "hours_late"),
                      [[c.id, printable(text_for_viewer(ctx, c.title), single_line=True), _town(config, c.township),
                        _dept(config, c.lead),
                        label("state", c.state, lang), local_short(c.next_due, tz),
                        round((now - int(c.next_due)) / 3600, 1) if c.next_due else None] for c in b.overdue],
                      note=r("listed")[0].format(b.overdue_total, len(b.overdue)))
    supervised = Section("supervision", r("supervision")[0],
                         r("case", "kind", "department", "issued", "state", "detail"),
                         [[o.case_id, label("action", ORDER_ACTION.get(o.kind, o.kind), lang),
                           _dept(config, o.department), local_short(o.issued_at, tz), o.status,
                           printable(o.instruction, single_line=True)] for o in b.orders]
                         + [[c.id, r("must_supervise")[0], _dept(config, c.lead), "",
                             label("state", c.state, lang), printable(text_for_viewer(ctx, c.title), single_line=True) + " — " + "、".join(
                                 label("supervise_reason", x, lang) for x in c.must_supervise.split(",") if x)]
                            for c in b.supervised],
                         note=r("orders_note")[0].format(len(b.orders), b.supervised_total))
    return [ranking, towns, spots, monthly, overdue, supervised]


def _path(category: str) -> str:
    return category.replace("/", " › ")


def _town(config: Any, township: str | None) -> str:
    town = config.townships.get(township or "")
    return town.name if town else (township or "")


def _dept(config: Any, dept: str | None) -> str:
    found = config.departments.get(dept or "")
    return found.short if found else (dept or "")


# --- renderers ------------------------------------------------------------------------------------

def text_cell(value: Cell) -> str:
    """A cell as text: rates as "92.3% (12/13)", no rate as "—"."""
    if value is None:
        return ""
    if isinstance(value, Rate):
        return "—" if value.rate is None else f"{value.rate * 100:.1f}% ({value.num}/{value.den})"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _md_escape(text: str) -> str:
    # Titles come from citizens: nothing in them may become a link, emphasis or a new column.
    out = printable(text, single_line=True)
    for ch in "\\`*_[]<>|":
        out = out.replace(ch, "\\" + ch)
    return out


def _month_title(period: Period, lang: str) -> str:
    if lang == "zh" and len(period.label) == 7:
        return f"{period.label[:4]}年{int(period.label[5:])}月"
    return period.label


def _pct(rate: Rate) -> str:
    return text_cell(rate)


def render_markdown(ctx: Context, b: Briefing) -> str:
    """The briefing as Markdown, ready to paste into a report or convert to a document."""
    config, tz, lang = ctx.config, ctx.config.tz, ctx.config.language
    office = config.section("office")
    head = summary(b)
    span = b.period.as_dict(tz)
    county, name = str(office.get("county") or ""), str(office["name"])
    lines = [f"# {name if name.startswith(county) else county + name} {_month_title(b.period, lang)} 工作通报", "",
             (f"统计期间：{span['from'][:10]} 至 {str(local_iso(b.period.end - 1, tz))[:10]}"
              f"（部门按派单时间、乡镇按受理时间计）；生成于 {str(local_iso(b.generated_at, tz))[:16].replace('T', ' ')}。"),
             "",
             "## 概况", "",
             (f"- 受理 {head['raised']} 件：属地办理 {head['local']} 件，吹哨 {head['whistled']} 件"
              f"（吹哨率 {_pct(head['whistle_rate'])}），不予受理 {head['rejected']} 件。"),
             f"- 满意率 {_pct(head['satisfaction'])}（最近一轮回访评价）。",
             f"- 吹本职哨 {head['own_duty_whistles']} 件（乡镇履职事项清单内事项被上交）。",
             (f"- 退回乡镇 {head['sent_back']} 件（吹哨办认定属乡镇履职事项、退回属地办理），"
              f"乱吹率 {_pct(head['wrong_whistle_rate'])}。"),
             (f"- 当前超期 {head['overdue_now']} 件；本期督办 {head['supervision_orders']} 件；"
              f"未结必督案件 {head['must_supervise_open']} 件。"), ""]
    scored = [d for d in b.departments if d.score is not None]
    lines += ["## 红黑榜", ""]
    if scored:
        lines.append("- 红榜：" + "；".join(f"第{d.rank}名 {_md_escape(d.name)}（{d.score:.1f} 分）" for d in scored[:3]))
        lines.append("- 黑榜：" + "；".join(f"第{d.rank}名 {_md_escape(d.name)}（{d.score:.1f} 分）"
                                         for d in reversed(scored[-3:])))
    else:
        lines.append("- 本期无派单，不排名。")
    lines.append(f"- 计分方法：{formula(ctx, 'zh')}")
    floor = float(config.section("evaluation")["satisfaction_floor"])
    low = [d.name for d in scored if "below_satisfaction_floor" in d.flags]
    if low:
        lines.append(f"- 满意率低于 {floor * 100:.0f}% 底线：" + "、".join(map(_md_escape, low)))
    flagged = [t for t in b.townships if t.flags]
    for t in flagged:
        lines.append(f"- {_md_escape(t.name)}：{_flags(t.flags, lang)}（吹哨率 {_pct(t.figures['whistle_rate'])}，"
                     f"吹本职哨 {t.figures['own_duty_whistles'].num} 件，退回乡镇 {t.figures['sent_back'].num} 件，"
                     f"乱吹率 {_pct(t.figures['wrong_whistle_rate'])}）")
    if b.hot.candidates:
        top = b.hot.candidates[0]
        lines.append(f"- 每月一题建议：{_md_escape(_path(top.category))}（{top.count} 件，{len(top.spots)} 个地点反复出现）")
    lines.append("")
    for section in sections(ctx, b):
        lines += [f"## {section.title}", ""]
        if section.note:
            lines += [section.note, ""]
        if not section.rows:
            lines += ["（无）", ""]
            continue
        lines.append("| " + " | ".join(map(_md_escape, section.columns)) + " |")
        lines.append("|" + "|".join("---" for _ in section.columns) + "|")
        lines += ["| " + " | ".join(_md_escape(text_cell(v)) for v in row) + " |" for row in section.rows]
        lines.append("")
    lines += ["## 口径说明", "", "- 响应率：按时签收的派单 / 签收已有结果的派单（已签收、已退单或已超签收时限）；退单不算响应。",
              "- 解决率：主责案件中已办结的 / 主责案件；按时办结率：办结时间不晚于办结时限的 / 已办结。",
              "- 满意率：满意与基本满意 / 最近一轮有效评价（联系不上不计）。退单率：退单次数 / 派单。",
              "- 重办率：重办过的主责案件 / 办结过的主责案件。悬空时长：派单到签收或退单的等待时间。",
              ("- 退回乡镇：乡镇吹哨、经吹哨办认定属乡镇履职事项而退回属地办理的件数，按期末前的退回记录计。"
               "乱吹率：退回乡镇件数 / 乡镇吹哨件数（仍为吹哨的与已被退回的）。"),
              "- 总分：各项比率按 chuishao.toml [scoring] 权重加权（百分制），再按件扣分。", ""]
    return "\n".join(lines)


def render_csv(ctx: Context, b: Briefing) -> str:
    """The briefing's sections one after another: a title row, a header row, the rows, a blank row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for section in sections(ctx, b):
        writer.writerow([section.title] + ([section.note] if section.note else []))
        writer.writerow(section.columns)
        writer.writerows([[text_cell(v) for v in row] for row in section.rows])
        writer.writerow([])
    return buffer.getvalue()


SHEET_NAMES = {"ranking": "排名 ranking", "townships": "乡镇 townships", "hotspots": "热点 hotspots",
               "candidates": "每月一题 candidates", "overdue": "超期 overdue", "supervision": "督办 supervision"}


def write_xlsx(ctx: Context, b: Briefing, path: Path) -> None:
    """One sheet per section, header in row 1; rates as percentages with num/den in a cell comment."""
    from openpyxl import Workbook  # ~0.3 s to import: only when an XLSX is asked for
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for section in sections(ctx, b):
        sheet = book.create_sheet(SHEET_NAMES.get(section.key, section.key)[:31])
        sheet.append(section.columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in section.rows:
            sheet.append([_xlsx_value(v) for v in values])
            for cell, value in zip(sheet[sheet.max_row], values, strict=True):
                if isinstance(value, Rate):
                    cell.number_format = "0.0%"
                    cell.comment = Comment(f"{value.num}/{value.den}", "chuishao")
                elif isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # a citizen's title is never run as a formula
        sheet.freeze_panes = "A2"
    notes = book.create_sheet("说明 notes")
    for key, value in summary(b).items():
        notes.append([_m(key, ctx.config.language) if key in ("raised", "local", "whistled", "rejected", "sent_back",
                                                               "whistle_rate", "wrong_whistle_rate",
                                                               "satisfaction") else key,
                      _xlsx_value(value) if not isinstance(value, Rate) else text_cell(value)])
    notes.append(["period", b.period.label])
    notes.append(["generated_at", local_iso(b.generated_at, ctx.config.tz)])
    book.save(path)


def _xlsx_value(value: Cell) -> str | int | float | None:
    if isinstance(value, Rate):
        return value.rate
    if isinstance(value, str):
        return printable(value, single_line=True)
    return value
