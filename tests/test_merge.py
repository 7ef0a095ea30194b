"""Merge, unmerge and split: exact round trips, confirmations, reports and events kept."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import Result

from models.cases import lifecycle
from models.cases.queries import CaseQuery, list_cases
from models.errors import InvalidState, PermissionDenied, ValidationError
from models.intake.intake import NewReport, intake
from models.intake.merge import NeedsConfirmation, merge, split, unmerge
from models.org.context import Context
from models.store.schema import Case, Event, MergeRecord, Report

DAY = 86400
NOW = 1795000000


def take(ctx: Context, text: str, received: int, **kw: object) -> int:
    case, _ = intake(ctx, NewReport(channel=str(kw.pop("channel", "hotline_12345")), text=text,
                                    received_at=received, **kw))  # type: ignore[arg-type]
    return int(case.id)


def show(cli_run: Callable[..., Result], case_id: int) -> dict[str, Any]:
    result = cli_run("case", "show", str(case_id), "--json")
    assert result.exit_code == 0, result.output
    detail = json.loads(result.output)
    for volatile in ("events", "version", "updated_at", "updated_by", "overdue"):
        detail.pop(volatile)
    return detail


def test_merge_then_unmerge_restores_both_cases_exactly(cli_run: Callable[..., Result]) -> None:
    assert cli_run("init").exit_code == 0
    for args in (("--channel", "hotline_12345", "--source-id", "GD001", "--received", "2026-11-20T09:00"),
                 ("--channel", "grid", "--received", "2026-11-18T15:30"),
                 ("--channel", "online", "--source-id", "WZ77", "--received", "2026-11-21T08:00")):
        assert cli_run("intake", "add", "--text", "南关社区菜市场门口污水横流", "--phone", "13812345678",
                       *args).exit_code == 0
    assert cli_run("case", "triage", "1", "--category", "城管执法", "--township", "chengguan",
                   "--priority", "general", "--decision", "whistle").exit_code == 0
    before = {n: show(cli_run, n) for n in (1, 2, 3)}
    merged = cli_run("case", "merge", "1", "2", "3", "--json")
    assert merged.exit_code == 0, merged.output
    target = show(cli_run, 1)
    assert target["report_count"] == 3 and [r["channel"] for r in target["reports"]] == [
        "hotline_12345", "grid", "online"]
    assert [r["source_id"] for r in target["reports"]] == ["GD001", None, "WZ77"]
    assert target["received_at"] == before[2]["received_at"]  # the earliest report's time
    assert target["resolve_due"] != before[1]["resolve_due"]  # clocks recounted from it
    assert show(cli_run, 2)["state"] == "merged" and show(cli_run, 2)["merged_into"] == 1
    listed = json.loads(cli_run("case", "list", "--json").output)
    assert [r["id"] for r in listed] == [1]  # merged cases leave the working views
    assert json.loads(cli_run("case", "list", "--search", "菜市场", "--json").output)[0]["id"] == 1
    for source in (3, 2):
        result = cli_run("case", "unmerge", str(source))
        assert result.exit_code == 0, result.output
    assert {n: show(cli_run, n) for n in (1, 2, 3)} == before
    actions = [e["action"] for e in json.loads(cli_run("case", "history", "1", "--json").output)]
    assert actions == ["intake", "triage", "merge", "merge", "unmerge", "unmerge"]
    assert [e["action"] for e in json.loads(cli_run("case", "history", "2", "--json").output)] == [
        "intake", "merge", "unmerge"]
    assert {n for (n,) in Case.select(Case.id).where(Case.state == "merged").tuples()} == set()
    assert MergeRecord.select().where(MergeRecord.undone_at.is_null()).count() == 0


def test_cross_township_and_closed_targets_need_force(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    a = take(ctx, "桥头镇河口村道路塌陷", NOW, township="qiaotou")
    b = take(ctx, "城关镇东关社区道路塌陷", NOW, township="chengguan")
    with pytest.raises(NeedsConfirmation, match="across townships needs confirmation"):
        merge(ctx, a, [b])
    assert Case.get_by_id(b).state == "new" and Report.get(Report.case == b)  # nothing moved
    merge(ctx, a, [b], force=True)
    assert Case.get_by_id(b).state == "merged"
    closed = take(ctx, "黄坡镇石门村垃圾堆放", NOW, township="huangpo")
    lifecycle.triage(ctx, closed, category="城管执法", township="huangpo", priority="general",
                     decision="reject", reason="不属实")
    late = take(ctx, "黄坡镇石门村垃圾又堆起来了", NOW + DAY, township="huangpo")
    with pytest.raises(NeedsConfirmation, match="needs confirmation"):
        merge(ctx, closed, [late])
    with pytest.raises(InvalidState, match="merged into case"):
        merge(ctx, b, [late])
    with pytest.raises(ValidationError, match="itself"):
        merge(ctx, late, [late])
    with pytest.raises(PermissionDenied):
        merge(ctx_for("lixia"), a, [late])  # a township clerk may not merge
    merge(ctx, closed, [late], force=True)
    assert Case.get_by_id(closed).report_count == 2 and Case.get_by_id(late).merged_into_id == closed


def test_split_makes_new_cases_linked_to_the_original(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    original = take(ctx, "西关社区路灯不亮，另外小区门口井盖也丢了", NOW, township="chengguan",
                    phone="13812345678", source_id="GD9", citizen_name="王芳")
    children = split(ctx, original, ["西关社区路灯不亮", "小区门口井盖丢失"])
    assert len(children) == 2
    parent = Case.get_by_id(original)
    assert parent.state == "split" and parent.next_due is None
    assert Report.get(Report.case == original).source_id == "GD9"  # the original keeps its report
    for n, child in enumerate(children, 1):
        assert child.state == "new" and child.parent_id == original and child.township == "chengguan"
        assert child.received_at == NOW and child.dispatch_due and child.next_due
        report = Report.get(Report.case == child.id)
        assert (report.source_id, report.phone, report.citizen_name, report.channel) == (
            f"GD9#{n}", "13812345678", "王芳", "hotline_12345")
        assert [e.action for e in Event.select().where(Event.case == child.id)] == ["split"]
    assert [e.action for e in Event.select().where(Event.case == original).order_by(Event.id)] == ["intake", "split"]
    assert json.loads(Event.get((Event.case == original) & (Event.action == "split")).after)["children"] == [
        c.id for c in children]
    assert [c.id for c in list_cases(ctx, CaseQuery(view="new"))] == [c.id for c in children]
    with pytest.raises(InvalidState):
        split(ctx, original, ["a", "b"])  # already split
    with pytest.raises(ValidationError, match="at least two"):
        split(ctx, children[0].id, ["只有一件事", "  "])


def test_repeat_count_follows_merges(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    ids = [take(ctx, f"城南街道桃园社区第{n}次反映排水沟堵塞", NOW + n * DAY, township="chengnan") for n in range(3)]
    merge(ctx, ids[0], ids[1:])
    target = Case.get_by_id(ids[0])
    assert (target.report_count, target.repeat_count) == (3, 3)
    unmerge(ctx, ids[2])
    target = Case.get_by_id(ids[0])
    assert (target.report_count, target.repeat_count) == (2, 2)  # recounted: another merge still stands
    unmerge(ctx, ids[1])
    assert Case.get_by_id(ids[0]).repeat_count == 1
