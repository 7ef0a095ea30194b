"""Hot spots: grouping by category × township × place (village or a place named in the text) × week,
the cases behind each, candidates for 每月一题, scope, and the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable

from models.cases import lifecycle
from models.intake.intake import NewReport, intake
from models.org.config import Config
from models.org.context import Context
from models.reports.hotspots import hotspots, place_from_text, slope, trend_of
from models.worktime import period as periods
from tests.report_support import at

SANITATION = "城乡建设/城市建设和市政管理/环境卫生"


def _case(ctx: Context, received: str, township: str, village: str | None, text: str,
          decision: str = "local", category: str = SANITATION) -> int:
    when = at(ctx, received)
    case, _ = intake(when, NewReport(channel="grid", text=text, township=township, received_at=when.now()))
    lifecycle.triage(when, case.id, category=category, township=township, priority="general", decision=decision,
                     village=village, reason="不属于政府职能" if decision == "reject" else None)
    return int(case.id)


def _county(ctx: Context) -> dict[str, list[int]]:
    return {
        "village": [_case(ctx, f"2026-11-{day:02d}T02:00", "chengguan", "东关社区", "东关社区垃圾没人清运")
                    for day in (2, 10, 17)],
        "text": [_case(ctx, f"2026-11-{day:02d}T02:00", "dongcheng", None, "我住在锦绣花园3栋，楼下垃圾堆了一周")
                 for day in (11, 18)],
        "single": [_case(ctx, "2026-11-05T02:00", "qiaotou", "桥头社区", "桥头社区垃圾桶坏了")],
        "rejected": [_case(ctx, "2026-11-06T02:00", "chengguan", "东关社区", "东关社区垃圾", decision="reject")],
        "october": [_case(ctx, "2026-10-20T02:00", "chengguan", "东关社区", "东关社区垃圾")],
    }


def test_hot_spots_group_by_category_township_place_and_week(ctx_for: Callable[..., Context],
                                                             config: Config) -> None:
    admin = ctx_for()
    ids = _county(admin)
    report = hotspots(at(admin, "2026-11-28T00:00"), periods.month("2026-11", config.tz))
    assert report.weeks == ["10-26", "11-02", "11-09", "11-16", "11-23"]  # up to today, not the month's end
    assert [(s.township, s.place, s.place_from, s.count) for s in report.spots] == [
        ("chengguan", "东关社区", "village", 3), ("dongcheng", "锦绣花园", "text", 2)]
    village, text = report.spots
    assert village.case_ids == ids["village"] and text.case_ids == ids["text"]
    assert village.weekly == [0, 1, 1, 1, 0] and text.weekly == [0, 0, 1, 1, 0]
    assert village.open == 3 and village.reports == 3
    top = report.candidates[0]
    assert top.category == SANITATION and top.count == 5 and len(top.spots) == 2
    assert top.weekly == [0, 1, 2, 2, 0]
    assert hotspots(at(admin, "2026-11-28T00:00"), periods.month("2026-11", config.tz), min_count=3).spots == [village]


def test_a_township_operator_sees_only_its_own_hot_spots(ctx_for: Callable[..., Context], config: Config) -> None:
    _county(ctx_for())
    clerk = at(ctx_for("lixia"), "2026-11-28T00:00")  # township operator of chengguan
    report = hotspots(clerk, periods.month("2026-11", config.tz))
    assert [s.township for s in report.spots] == ["chengguan"]


def test_cli_hotspots_json_and_table(ctx_for: Callable[..., Context], cli_run: Callable[..., object]) -> None:
    ids = _county(ctx_for())
    result = cli_run("report", "hotspots", "--from", "2026-10-01", "--to", "2026-11-27", "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    data = json.loads(result.output)  # type: ignore[attr-defined]
    first = data["hotspots"][0]
    assert first["place"] == "东关社区" and first["count"] == 4  # October's case counts in this span
    assert first["case_ids"] == sorted(ids["october"] + ids["village"])
    assert data["candidates"][0]["category"] == SANITATION
    table = cli_run("report", "hotspots", "--month", "2026-11", "--min", "3")
    assert table.exit_code == 0 and "东关社区" in table.output and "锦绣花园" not in table.output  # type: ignore[attr-defined]


def test_places_are_found_in_the_text(config: Config) -> None:
    assert place_from_text(config, "dongcheng", "反映建设路路灯不亮") == "建设路"
    assert place_from_text(config, "dongcheng", "我住在幸福里小区3栋，楼下噪音") == "幸福里小区"
    assert place_from_text(config, "dongcheng", "东城街道文化路社区门口垃圾") == "文化路社区"  # a configured village
    assert place_from_text(config, None, "示范县人民路88号门前积水") == "人民路"
    assert place_from_text(config, None, "东城街道有人乱扔垃圾") is None  # a township is not a street
    assert place_from_text(config, None, "马路上有个大坑") is None  # nor is "the road"


def test_trend_and_slope() -> None:
    assert trend_of([0, 1, 3, 5]) == "rising" and trend_of([5, 1, 0, 0]) == "falling"
    assert trend_of([1, 0, 1]) == "flat"
    assert slope([0, 1, 2, 3]) == 1.0 and slope([2]) == 0.0
