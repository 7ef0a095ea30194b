"""智能分哨: signal words, places, duty items, learning from the office's decisions, and the CLI faces."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from textual.widgets import Static

from models.cases.lifecycle import dispatch, triage
from models.errors import PermissionDenied
from models.intake.intake import NewReport, intake
from models.org.context import Context
from models.store.schema import Setting
from models.suggest.engine import suggest_case, suggest_text
from models.suggest.places import find_places
from models.suggest.training import MODEL_KEY, load_model, train
from tests.console_support import SIZE, console, fixed, new_case, open_first_case, run_async, settle

TOPICS = {  # three first-level classes, each with its own vocabulary, for small labelled files
    "劳动和社会保障": ["公司拖欠工资", "老板不发工资", "社保没有缴纳", "劳动合同到期", "加班费不给", "养老保险断缴"],
    "教育文体": ["学校乱收费", "孩子入学难", "老师体罚学生", "课外补习班", "学区划分不合理", "校车超载"],
    "环境保护": ["工厂排放废气", "河水被污染", "夜间噪音扰民", "垃圾焚烧冒黑烟", "养殖场污水直排", "粉尘污染严重"],
}
FILLER = ["希望有关部门尽快处理", "已经反映多次", "请领导重视", "影响很大", "情况属实", "盼回复"]


def labelled_csv(path: Path, per_label: int, seed: int, *, label_column: bool = True) -> Path:
    """A TIPDM-shaped file: 留言编号, 留言主题, 留言详情, 一级分类."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情"] + (["一级分类"] if label_column else []))
        n = 0
        for label, phrases in TOPICS.items():
            for _ in range(per_label):
                n += 1
                title = rng.choice(phrases)
                detail = "，".join(rng.sample(phrases, 2) + rng.sample(FILLER, 2)) + f"，第{seed}{n}次"
                writer.writerow([f"{seed}-{n}", "A001", title, "2020/1/6 12:09:38", detail]
                                + ([label] if label_column else []))
    return path


@pytest.fixture
def ctx(ctx_for: Callable[..., Context]) -> Context:
    return ctx_for("liuyang")  # a dispatcher


def test_gas_leak_and_people_trapped_are_urgent(ctx: Context) -> None:
    gas = suggest_text(ctx, "小区楼下燃气泄漏，味道很大")
    trapped = suggest_text(ctx, "电梯突然停了，有人被困在里面")
    assert gas.priority == "urgent" and "燃气泄漏" in gas.priorities[0].reasons[0]
    assert trapped.priority == "urgent" and "有人被困" in trapped.priorities[0].reasons[0]
    calm = suggest_text(ctx, "昨天电梯故障，经物业排查无人被困")
    assert calm.priority == "general"
    assert any("被困" in r for r in calm.priorities[0].reasons)  # says why it did not count
    assert suggest_text(ctx, "我们小区停水两天了").priority == "utility"


def test_a_village_name_suggests_its_township(ctx: Context) -> None:
    result = suggest_text(ctx, "十里铺村村口的路灯坏了一个多月")
    assert result.township == "chengguan" and result.village == "十里铺村"
    assert "十里铺村" in result.townships[0].reasons[0] and "城关镇" in result.townships[0].reasons[0]
    # the longest name wins: 大王庄村 (桥头镇), not some shorter name inside it
    assert [h.name for h in find_places(ctx.config, "大王庄村")] == ["大王庄村"]
    # a two-character alias that is also an ordinary word counts for little
    weak = suggest_text(ctx, "路边那棵柳树倒了")
    assert weak.townships and weak.townships[0].score < 0.5


def test_duty_items_imply_the_decision_and_departments(ctx: Context) -> None:
    local = suggest_text(ctx, "村里的垃圾好几天没人清运，臭气熏天")
    assert local.duty_item == "XZ-001" and local.duty_items[0].decision == "local"
    assert local.decision == "local" and "XZ-001" in local.decisions[0].reasons[0]
    whistle = suggest_text(ctx, "隔壁楼顶加盖违法建设，一直没人管")
    assert whistle.duty_item == "CS-001" and whistle.decision == "whistle"
    assert whistle.lead == "chengguan_zf" and "CS-001" in whistle.leads[0].reasons[0]
    assert set(whistle.cooperating) <= {"ziranziyuan", "zhujian"} and whistle.cooperating


def _decided_case(ctx: Context, text: str, category: str, lead: str, cooperating: list[str]) -> int:
    case, _ = intake(ctx, NewReport(channel="hotline_12345", text=text, township="mafang"))
    triage(ctx, case.id, category=category, township="mafang", priority="general", decision="whistle")
    dispatch(ctx, case.id, lead=lead, cooperating=cooperating)
    return case.id


def test_learns_from_the_offices_own_decisions(ctx: Context) -> None:
    text = "共享单车乱停乱放，把小区门口的人行道都堵死了"
    before = suggest_text(ctx, text)
    assert before.lead != "jiaotong"
    category = "交通运输/客货运输/运输安全"
    for variant in ("共享单车乱停乱放，堵住了超市门口", "共享单车乱停乱放，马路边一大片",
                    "学校门口共享单车乱停乱放，学生没法走"):
        _decided_case(ctx, variant, category, "jiaotong", ["chengguan_zf"])
    after = suggest_text(ctx, text)
    assert after.category == category
    assert after.similar_cases == 3
    assert any("3 件类似案件" in r for r in after.categories[0].reasons)
    assert after.lead == "jiaotong" and any("3 件类似案件" in r for r in after.leads[0].reasons)
    assert "chengguan_zf" in after.cooperating


def test_suggest_case_respects_scope(ctx: Context, ctx_for: Callable[..., Context]) -> None:
    case, _ = intake(ctx, NewReport(channel="grid", text="龙潭村路灯不亮", township="shuikou"))
    with pytest.raises(PermissionDenied):
        suggest_case(ctx_for("lixia"), case.id)  # a clerk of 城关镇 does not see 水口镇's cases
    with pytest.raises(PermissionDenied):
        train(ctx_for("yangfan"))  # a department liaison does not train the office's model


def test_suggest_case_starts_from_the_case(ctx: Context) -> None:
    case, _ = intake(ctx, NewReport(channel="grid", text="东关社区有人被困在电梯里", township="chengguan"))
    result = suggest_case(ctx, case.id)
    assert result.case_id == case.id and result.township == "chengguan" and result.priority == "urgent"
    triage(ctx, case.id, category="商贸旅游/质监检验检疫/特种设备管理", township="chengguan",
           priority="urgent", decision="whistle")
    again = suggest_case(ctx, case.id)
    assert again.category == "商贸旅游/质监检验检疫/特种设备管理" and again.similar_cases == 0  # not itself
    assert again.reasons[0] == "分类：商贸旅游 › 质监检验检疫 › 特种设备管理 — 案件已分类为此"
    assert set(again.explain()) >= {"category", "township", "priority", "duty_item", "decision", "lead"}


def test_cli_train_evaluate_and_batch(cli_run: Callable[..., Result], tmp_path: Path) -> None:
    assert cli_run("init").exit_code == 0
    train_file = labelled_csv(tmp_path / "train.csv", 12, seed=1)
    held_out = labelled_csv(tmp_path / "held.csv", 4, seed=2)
    trained = cli_run("suggest", "train", "--from", str(train_file), "--profile", "tipdm", "--json")
    assert trained.exit_code == 0, trained.output
    assert json.loads(trained.output)["seed_rows"] == 36
    evaluated = cli_run("suggest", "evaluate", str(held_out), "--profile", "tipdm")
    assert evaluated.exit_code == 0, evaluated.output
    assert "12 rows: top-1 " in evaluated.output and "top-3 " in evaluated.output
    assert "劳动和社会保障" in evaluated.output  # the confusion table
    figures = json.loads(cli_run("suggest", "evaluate", str(held_out), "--profile", "tipdm", "--json").output)
    assert figures["rows"] == 12 and figures["top1"] >= 0.75 and figures["top3"] == 1.0
    # rows the model was trained on are refused, or left out on request
    refused = cli_run("suggest", "evaluate", str(train_file), "--profile", "tipdm")
    assert refused.exit_code == 2 and "were used to train the model" in refused.output
    batch = cli_run("suggest", "batch", str(held_out), "--profile", "tipdm", "--json")
    assert batch.exit_code == 0, batch.output
    rows = json.loads(batch.output)
    assert len(rows) == 12 and rows[0]["source_id"] == "2-1"
    assert len(rows[0]["categories"]) == 3 and {"path", "score"} <= set(rows[0]["categories"][0])
    assert rows[0]["categories"][0]["path"] == "劳动和社会保障"


def test_train_without_a_label_column_is_a_usage_error(cli_run: Callable[..., Result], tmp_path: Path) -> None:
    assert cli_run("init").exit_code == 0
    unlabelled = labelled_csv(tmp_path / "plain.csv", 3, seed=1, label_column=False)
    result = cli_run("suggest", "train", "--from", str(unlabelled), "--profile", "tipdm")
    assert result.exit_code == 2
    assert "no label column '一级分类'" in result.output and "Traceback" not in result.output
    nothing = cli_run("suggest", "train", "--history")
    assert nothing.exit_code == 2 and "nothing to train on" in nothing.output


def test_the_model_is_stored_and_retraining_is_seen(ctx: Context, tmp_path: Path) -> None:
    train(ctx, path=labelled_csv(tmp_path / "a.csv", 8, seed=3), profile="tipdm")
    first = load_model(ctx.db)
    assert first is not None and Setting.get_by_id(MODEL_KEY).value.startswith("{")
    assert load_model(ctx.db) is first  # parsed once, then cached
    _decided_case(ctx, "共享单车乱停乱放", "交通运输/客货运输/运输安全", "jiaotong", [])
    result = train(ctx)  # --history: the stored file rows plus the decided case
    assert result.seed_rows == 24 and result.history_rows == 1
    second = load_model(ctx.db)
    assert second is not first and "交通运输" in second.classifier.labels


def test_cli_text_and_case_faces(cli_run: Callable[..., Result]) -> None:
    assert cli_run("init").exit_code == 0
    shown = cli_run("suggest", "text", "十里铺村燃气泄漏 [/bold]")  # citizen text is never parsed as markup
    assert shown.exit_code == 0 and "紧急" in shown.output and "十里铺村" in shown.output
    data = json.loads(cli_run("suggest", "text", "十里铺村燃气泄漏", "--json").output)
    assert data["priority"] == "urgent" and data["township"] == "chengguan" and data["village"] == "十里铺村"
    assert data["duty_item"] == "CS-004" and data["lead"] == "ranqi"
    assert all({"value", "label", "score", "reasons"} <= set(o) for o in data["categories"] + data["leads"])
    assert cli_run("intake", "add", "--channel", "grid", "--text", "西关社区路灯不亮").exit_code == 0
    case = json.loads(cli_run("suggest", "case", "1", "--json").output)
    assert case["case_id"] == 1 and case["township"] == "chengguan"
    missing = cli_run("suggest", "case", "999")
    assert missing.exit_code == 1


def test_a_negated_keyword_matches_no_duty_item(ctx: Context) -> None:
    result = suggest_text(ctx, "家里没有漏水，只是想问问物业费怎么交")
    assert all("漏水" not in " ".join(item.reasons) for item in result.duty_items)
    assert all(item.reasons for item in result.duty_items)


@run_async
async def test_the_triage_dialog_opens_with_the_suggestion_and_its_reasons(ctx_for: Callable[..., Context]) -> None:
    from screens.dialogs.base import FormDialog

    admin = fixed(ctx_for())
    new_case(admin, "十里铺村小区燃气泄漏，有人被困在家里 [/bold]")
    app = console(admin)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot)
        await pilot.press("t")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        assert dialog.chosen("priority") == "urgent" and dialog.chosen("decision") == "whistle"
        # each field's reasons stand under its own label
        why = {str(w.render()).split("：")[0]: str(w.render()) for w in dialog.query(".suggestion-why").results(Static)}
        assert "燃气泄漏" in why["优先级"] and "CS-004" in why["履职事项"] and "十里铺村" in why["属地"]
        body = dialog.query_one(".dialog-body")
        assert body.scroll_y == 0  # the first field's label and reasons are in view, not scrolled past


@run_async
async def test_one_key_accepts_the_suggested_triage(ctx_for: Callable[..., Context]) -> None:
    from models.store.schema import Case

    admin = fixed(ctx_for())
    case_id = new_case(admin, "十里铺村小区燃气泄漏，有人被困在家里")
    app = console(admin)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
    case = Case.get_by_id(case_id)
    assert (case.state, case.priority, case.township) == ("whistled", "urgent", "chengguan")
    assert case.category and case.duty_item == "CS-004"
