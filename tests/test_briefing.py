"""The monthly briefing: Markdown that reads well, a CSV of sections, an XLSX with the ranking sheet
whose numbers are the scoreboard's, citizen text that stays text, and who may export it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from click.testing import Result

from models.intake.intake import NewReport, intake
from models.org.context import Context
from tests.cli_support import Clock
from tests.report_support import at, run_cli

MONTH = ("--month", "2026-10")


@pytest.fixture(scope="module")
def demo(demo_url: str) -> str:
    return demo_url


def test_markdown_briefing_reads_well(demo: str) -> None:
    result = run_cli(demo, "report", "briefing", *MONTH, "--format", "md")
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("# 示范县吹哨办 2026年10月 工作通报\n")
    for heading in ("## 概况", "## 红黑榜", "## 部门排名（红黑榜）", "## 乡镇（街道）", "## 热点问题", "## 每月一题候选",
                    "## 超期案件", "## 督办", "## 口径说明"):
        assert f"\n{heading}\n" in text, heading
    assert "统计期间：2026-10-01 至 2026-10-31" in text and "- 红榜：第1名 " in text and "- 黑榜：" in text
    # The 红黑榜 says how its score is computed (issue 16 item 3), with the county's weights.
    assert "- 计分方法：总分 = 100 × 加权比率（响应率×0.2" in text and "结果限定在 0–100" in text
    ranking = text.split("## 部门排名（红黑榜）\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert ranking[0].startswith("| 排名 | 部门 | 总分 |") and set(ranking[1]) == {"|", "-"}
    assert len(ranking) == 2 + 39 and all(line.count("|") == ranking[0].count("|") for line in ranking)
    assert "吹本职哨" in text  # the demo's townships pass some of their own duty upward


def test_csv_briefing_has_titled_sections(demo: str) -> None:
    result = run_cli(demo, "report", "briefing", *MONTH, "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["部门排名（红黑榜）"] and rows[1][:3] == ["排名", "部门", "总分"]
    titles = [rows[i + 1][0] for i, row in enumerate(rows[:-1]) if row == []]
    assert titles[:5] == ["乡镇（街道）", "热点问题", "每月一题候选", "超期案件", "督办"]


def test_xlsx_has_the_ranking_sheet_with_the_scoreboards_numbers(demo: str, tmp_path: Path) -> None:
    target = tmp_path / "2026-10.xlsx"
    result = run_cli(demo, "report", "briefing", *MONTH, "--format", "xlsx", "--output", str(target))
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[0] == "排名 ranking" and "乡镇 townships" in book.sheetnames
    sheet = book["排名 ranking"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    board = json.loads(run_cli(demo, "report", "scoreboard", *MONTH, "--json").output)["departments"]
    assert [r["部门"] for r in rows] == [d["name"] for d in board]
    for row, dept in zip(rows, board, strict=True):
        assert row["总分"] == dept["score"] and row["排名"] == dept["rank"]
        assert row["响应率"] == dept["rates"]["response"]["rate"]
        assert row["满意率"] == dept["rates"]["satisfaction"]["rate"]
    response = header.index("响应率") + 1
    assert sheet.cell(row=2, column=response).comment.text == (
        f"{board[0]['rates']['response']['num']}/{board[0]['rates']['response']['den']}")


def test_xlsx_needs_an_output_file_and_only_the_office_may_export(demo: str) -> None:
    refused = run_cli(demo, "report", "briefing", *MONTH, "--format", "xlsx")
    assert refused.exit_code == 2 and "--output" in refused.output
    department = run_cli(demo, "--as", "yangfan", "report", "briefing", *MONTH)
    assert department.exit_code == 1 and "no permission" in department.output
    assert run_cli(demo, "--as", "sunli", "report", "briefing", *MONTH).exit_code == 0  # a supervisor


def test_citizen_text_stays_text_in_every_format(ctx_for: Callable[..., Context],
                                                  cli_run: Callable[..., Result], tmp_path: Path) -> None:
    title = '=HYPERLINK("http://x")|**粗体** [链接](http://y)'
    when = at(ctx_for(), "2026-11-02T02:00")
    case, _ = intake(when, NewReport(channel="hotline_12345", text="东关社区路灯不亮", title=title,
                                     township="chengguan", received_at=when.now()))
    md = cli_run("report", "briefing", "--month", "2026-11", "--format", "md")
    assert md.exit_code == 0
    line = next(line for line in md.output.splitlines() if line.startswith(f"| {case.id} |"))
    assert "\\|\\*\\*粗体\\*\\* \\[链接\\](http://y)" in line and line.count(" | ") == 6
    target = tmp_path / "b.xlsx"
    assert cli_run("report", "briefing", "--month", "2026-11", "--format", "xlsx", "--output", str(target)).exit_code == 0
    sheet = openpyxl.load_workbook(target)["超期 overdue"]
    cell = next(row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == case.id)
    assert cell.value == title and cell.data_type == "s"


def test_the_township_section_shows_sent_back_whistles_as_of_the_periods_end(
        ctx_for: Callable[..., Context], cli_run: Callable[..., Result], clock: Clock) -> None:
    """Issue 16 item 9: 退回乡镇 and 乱吹率 in the briefing, as the township board counts them."""
    from models.cases import lifecycle
    from models.cases.retriage import send_back

    admin, town, office = ctx_for(), ctx_for("lixia"), ctx_for("liuyang")  # 城关镇 and the dispatch office

    def received(text: str) -> int:  # Mon 11-02 09:00 office time (01:00 UTC), in 城关镇
        case, _ = intake(at(admin, "2026-11-02T01:00"), NewReport(channel="hotline_12345", text=text,
                                                                    township="chengguan", received_at=1793581200))
        return int(case.id)

    def triaged(text: str, decision: str, category: str, duty_item: str | None) -> int:
        case_id = received(text)
        lifecycle.triage(at(town, "2026-11-02T01:30"), case_id, category=category, township="chengguan",
                         priority="general", decision=decision, duty_item=duty_item)
        return case_id

    rubbish = "城乡建设/城市建设和市政管理/环境卫生"  # XZ-001, the township's own duty (scope "township")
    sent_now = triaged("东关社区垃圾清运不及时", "whistle", rubbish, "XZ-001")
    sent_late = triaged("西关社区垃圾清运不及时", "whistle", rubbish, "XZ-001")
    triaged("南关社区老旧楼房外墙脱落", "whistle", "城乡建设/城乡规划/违章建筑", "CS-001")
    triaged("北关社区垃圾堆放", "local", rubbish, None)
    send_back(at(office, "2026-11-02T02:00"), sent_now, reason="属乡镇履职清单 XZ-001")

    def november(*fmt: str) -> str:
        result = cli_run("report", "briefing", "--month", "2026-11", *fmt)
        assert result.exit_code == 0, result.output
        return result.output

    # 城关镇's November, by hand: whistles it raised = the CS-001 whistle + the XZ-001 whistle still
    # waiting + the one sent back on 11-02 = 3; sent back by the month's end 1 → 乱吹率 1 / 3 = 33.3 %.
    # No other township has a whistle, so the county's 概况 pools the same 1 / 3.
    before = november("--format", "md")
    assert "- 退回乡镇 1 件（吹哨办认定属乡镇履职事项、退回属地办理），乱吹率 33.3% (1/3)。" in before
    assert "退回乡镇 1 件，乱吹率 33.3% (1/3)）" in before  # the flagged township's line (有件被退回)
    assert "乱吹率：退回乡镇件数 / 乡镇吹哨件数" in before  # 口径说明
    rows = list(csv.reader(io.StringIO(november("--format", "csv"))))
    header = rows[rows.index(["乡镇（街道）"]) + 1]  # the section's title row, then its columns
    chengguan = dict(zip(header, next(row for row in rows if row[:1] == ["城关镇"]), strict=True))
    assert (chengguan["退回乡镇(乱吹)"], chengguan["乱吹率"]) == ("1", "33.3% (1/3)")
    assert "有件被退回(乱吹)" in chengguan["标记"]

    # The other XZ-001 whistle is sent back on 12-02, after November: November stays as published
    # (the whistle still counts among its 3 whistles; its send-back belongs to no November figure).
    send_back(at(office, "2026-12-02T02:00"), sent_late, reason="属乡镇履职清单 XZ-001")
    clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    after = november("--format", "md")
    assert "- 退回乡镇 1 件（吹哨办认定属乡镇履职事项、退回属地办理），乱吹率 33.3% (1/3)。" in after
