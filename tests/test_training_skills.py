"""The second round of shipped exercises through the CLI, each solved by a scripted perfect trainee
(100 %) and by one making the typical mistakes (the score its answer key gives): splitting a report
that raises three problems, closing the loop after callbacks (unsatisfied → reopen), extension and
pause decisions (an extension requested after the deadline is never approved)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

from tests.training_support import Sandbox, sandbox_fixtures

SKILL_EXERCISES = ("split-three", "closing-loop", "extension-pause", "supervision-morning")


templates, sandbox = sandbox_fixtures(SKILL_EXERCISES)


def _wrong(result: dict) -> list[tuple[str, str]]:
    return [(d["case"], d["kind"]) for d in result["decisions"] if not d["right"]]


# --- splitting a report that raises three problems --------------------------------------------
def test_split_perfect_trainee(sandbox: Callable[[str], Sandbox]) -> None:
    box = sandbox("split-three")
    box.run("case", "split", box.refs["three_problems"], "--part", "小区门口到公交站路段路灯损坏近一个月",
            "--part", "社区垃圾站多日未清运，垃圾堆到路边", "--part", "楼下小广场广场舞音响噪声扰民到晚上十点多")
    result = box.check()
    assert (result["score"], result["max"], result["percent"]) == (30, 30, 100)
    assert result["decisions"][0]["got"] == "拆分为 3 件" and result["decisions"][1]["got"] == "未拆分"


def test_split_typical_mistakes(sandbox: Callable[[str], Sandbox]) -> None:
    """The street lights split off and the garbage left together with the dancing (two parts, −20),
    and the lift's one problem cut in two (−10): 0 of 30."""
    box = sandbox("split-three")
    box.run("case", "split", box.refs["three_problems"], "--part", "路灯损坏近一个月",
            "--part", "垃圾站不清运、广场舞噪声扰民")
    box.run("case", "split", box.refs["one_problem"], "--part", "电梯反复困人", "--part", "物业维修不彻底")
    result = box.check()
    assert (result["score"], result["percent"]) == (0, 0)
    assert _wrong(result) == [("three_problems", "split_parts"), ("one_problem", "split_parts")]
    three, one = result["decisions"]
    assert (three["got"], three["expected"]) == ("拆分为 2 件", "拆分为 3 件")
    assert (one["got"], one["expected"]) == ("拆分为 2 件", "不拆分") and "CS-021" in one["rule"]


# --- closing the loop: callbacks, unsatisfied → reopen -----------------------------------------
def _callbacks(box: Sandbox, steps: list[tuple[str, str, tuple[str, ...]]]) -> dict:
    """Per case: the citizen's rating as recorded, then the step taken (close / reopen …); scored."""
    for ref, rating, step in steps:
        box.run("case", "evaluate", box.refs[ref], "--source", "citizen", "--rating", rating)
        box.run("case", step[0], box.refs[ref], *step[1:])
    return box.check()


def test_closing_perfect_trainee(sandbox: Callable[[str], Sandbox]) -> None:
    result = _callbacks(sandbox("closing-loop"), [
        ("pothole", "satisfied", ("close",)),
        ("wages", "unsatisfied", ("reopen", "--reason", "群众反映只签了承诺书，工资仍未到手")),
        ("signal", "basically_satisfied", ("close",))])
    assert (result["score"], result["max"], result["percent"]) == (50, 50, 100)
    assert result["penalties"] == []


def test_closing_typical_mistakes(sandbox: Callable[[str], Sandbox]) -> None:
    """The unpaid wages recorded as unsatisfied (+5) but closed over the citizen's word (no reopen,
    −10 penalty), the signal rated 满意 where the citizen said 基本满意: 15 + 5 − 10 + 10 = 20 of 50."""
    box = sandbox("closing-loop")
    result = _callbacks(box, [("pothole", "satisfied", ("close",)),
                              ("wages", "unsatisfied", ("close", "--reason", "总包单位已出具承诺书")),
                              ("signal", "satisfied", ("close",))])
    assert (result["score"], result["percent"]) == (20, 40)
    assert _wrong(result) == [("wages", "reopened"), ("signal", "evaluation")]
    signal = next(d for d in result["decisions"] if d["case"] == "signal" and d["kind"] == "evaluation")
    assert (signal["got"], signal["expected"]) == ("满意", "基本满意")
    (penalty,) = result["penalties"]
    assert (penalty["kind"], penalty["count"], penalty["points"]) == ("close_unsatisfied", 1, -10)
    assert penalty["cases"] == [box.refs["wages"]]


# --- extension and pause decisions ------------------------------------------------------------
def _decide(box: Sandbox, approve: tuple[str, ...], refuse: tuple[str, ...], pause: tuple[str, ...]) -> dict:
    for ref in approve:
        box.run("case", "extension", "approve", box.refs[ref], "--note", "同意")
    for ref in refuse:
        box.run("case", "extension", "refuse", box.refs[ref], "--note", "理由不成立，按期办结")
    for ref in pause:
        box.run("case", "pause", box.refs[ref], "--reason", "等待群众配合")
    return box.check()


def test_extension_perfect_trainee(sandbox: Callable[[str], Sandbox]) -> None:
    box = sandbox("extension-pause")
    result = _decide(box, ("transformer",), ("busy_road", "late_wages"), ("leak_away",))
    assert (result["score"], result["max"], result["percent"]) == (50, 50, 100)
    assert result["penalties"] == []


def test_extension_typical_mistakes(sandbox: Callable[[str], Sandbox]) -> None:
    """Every request approved and every pause granted: the transformer and the absent landlord right
    (20), the staff shortage, the late request and the busy pause wrong, and −10 for approving the
    request made after its deadline: 10 of 50."""
    box = sandbox("extension-pause")
    result = _decide(box, ("transformer", "busy_road", "late_wages"), (), ("leak_away", "busy_pause"))
    assert (result["score"], result["percent"]) == (10, 20)
    assert _wrong(result) == [("busy_road", "extension"), ("late_wages", "extension"), ("busy_pause", "paused")]
    late = next(d for d in result["decisions"] if d["case"] == "late_wages")
    assert (late["got"], late["expected"]) == ("批准延期", "不予延期")
    (penalty,) = result["penalties"]
    assert (penalty["kind"], penalty["count"], penalty["points"]) == ("approve_late_extension", 1, -10)
    assert penalty["cases"] == [box.refs["late_wages"]]



# --- capturing real cases from the county -------------------------------------------------------
def test_capture_copies_county_cases_with_phones_and_names_replaced(
        cli_run: Callable, ctx_for: Callable, tmp_path: Path) -> None:
    from models.intake.intake import NewReport, intake

    text = "我是刘桂兰，电话13973102231，邻居家的空调外机滴水到我家窗台，另一个邻居13800001111也被滴到。"
    case, _ = intake(ctx_for(), NewReport(channel="hotline_12345", text=text, title="空调外机滴水",
                                          phone="13973102231", citizen_name="刘桂兰",
                                          address="城关镇东关社区5栋", township="chengguan"))
    out = tmp_path / "mine.toml"
    result = cli_run("training", "--sandbox", str(tmp_path / "t.db"), "capture", str(case.id),
                     "--exercise-out", str(out))
    assert result.exit_code == 0, result.output
    written = out.read_text(encoding="utf-8")
    assert "13973102231" not in written and "13800001111" not in written and "刘桂兰" not in written
    (spec,) = tomllib.loads(written)["cases"]
    assert spec["text"] == ("我是王某，电话13900000001，邻居家的空调外机滴水到我家窗台，"
                            "另一个邻居13900000101也被滴到。")  # otherwise the citizen's words as they came
    assert (spec["phone"], spec["name"], spec["township"], spec["template"]) == (
        "13900000001", "王某", "chengguan", "new")
    again = cli_run("training", "--sandbox", str(tmp_path / "t.db"), "capture", str(case.id),
                    "--exercise-out", str(out))
    assert again.exit_code == 2 and "give a new file" in again.output  # never overwrites


# --- a supervision morning: 催办, 通报, 督办令, the joint meeting -----------------------------------
def _morning(box: Sandbox, sweep: bool, orders: tuple[tuple[str, str], ...],
             meeting: tuple[tuple[str, str, str], ...]) -> dict:
    if sweep:
        box.run("supervise", "sweep")
    for ref, level in orders:
        box.run("supervise", "order", box.refs[ref], "--level", level, "--instruction", "限期办结并书面报告",
                "--deadline", "2026-11-27")
    if meeting:
        box.run("meeting", "record", "--date", "2026-11-20T10:00", "--attendee", "chengguan_zf",
                "--attendee", "jiaotong",
                *[a for ref, lead, coop in meeting
                  for a in ("--decision", f"{box.refs[ref]}:{lead}:{coop}:联合整治渣土撒漏:2026-12-04")])
    return box.check()


def test_supervision_morning_perfect_trainee(sandbox: Callable[[str], Sandbox]) -> None:
    box = sandbox("supervision-morning")
    result = _morning(box, True, (("bridge_rail", "key"),), (("muck_trucks", "chengguan_zf", "jiaotong"),))
    assert (result["score"], result["max"], result["percent"]) == (55, 55, 100)
    got = {(d["case"], d["kind"]): d["got"] for d in result["decisions"]}
    assert got[("market_drain", "ladder")] == "已催办" and got[("bridge_rail", "ladder")] == "已通报"
    assert got[("bridge_rail", "order")] == "下达重点督办令"
    assert got[("muck_trucks", "meeting")] == "联席会议定县城市管理综合行政执法局牵头"


def test_supervision_morning_typical_mistakes(sandbox: Callable[[str], Sandbox]) -> None:
    """The sweep run (催办 and 通报 right, 20), but an ordinary order where 通报 calls for a key one,
    an order on a case not yet late, and the meeting asked to hand the muck trucks to the transport
    bureau and to take up the market drain as well: 20 of 55."""
    box = sandbox("supervision-morning")
    result = _morning(box, True, (("bridge_rail", "normal"), ("lamp_fresh", "normal")),
                      (("muck_trucks", "jiaotong", "chengguan_zf"), ("market_drain", "chengguan_zf", "")))
    assert (result["score"], result["max"]) == (20, 55)
    assert _wrong(result) == [("bridge_rail", "order"), ("lamp_fresh", "order"), ("muck_trucks", "meeting"),
                              ("market_drain", "meeting")]
    order = next(d for d in result["decisions"] if d["case"] == "bridge_rail" and d["kind"] == "order")
    assert (order["got"], order["expected"]) == ("下达一般督办令", "下达重点督办令")


def test_supervision_morning_without_the_sweep_nobody_is_reminded_or_noticed(
        sandbox: Callable[[str], Sandbox]) -> None:
    """督办令 in place of the morning sweep: no 催办, no 通报 (both ladder answers wrong)."""
    box = sandbox("supervision-morning")
    result = _morning(box, False, (("bridge_rail", "key"),), (("muck_trucks", "chengguan_zf", "jiaotong"),))
    assert (result["score"], result["max"]) == (35, 55)
    assert _wrong(result) == [("market_drain", "ladder"), ("bridge_rail", "ladder")]
    assert {d["got"] for d in result["decisions"] if d["kind"] == "ladder"} == {"未催办、未通报"}


def test_an_earlier_reminder_the_ladder_would_not_have_written_is_refused(tmp_path: Path, db_url: str) -> None:
    import pytest

    from models.errors import UsageError
    from models.training.build import earlier_reminder
    from tests.clock_support import at, county, epoch

    c = county(tmp_path, db_url)
    case_id = c.dispatched_case(at(2026, 11, 19, 9))  # none of its clocks is late by 11-19 10:00
    with pytest.raises(UsageError) as refused:
        earlier_reminder(c.ctx("liuyang", at(2026, 11, 20, 9)), case_id, epoch(2026, 11, 19, 10))
    assert refused.value.code == "training.no_reminder_due" and "received_hours_ago" in refused.value.message
    assert c.case(case_id).reminded_at is None
