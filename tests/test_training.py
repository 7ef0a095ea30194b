"""Training mode through the CLI: every shipped exercise solved by a scripted perfect trainee (100 %)
and by a trainee making the typical mistakes (the score the answer key gives them); the sandbox's
simulated clock; the refusals that keep the county's database out of training; bad exercise files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from models.org.config import load_config
from models.org.db import connect
from models.store.schema import Event
from models.training.build import SIM_START
from models.training.exercises import SHIPPED, load_all
from models.training.sandbox import sandbox_clock
from models.worktime.timeutil import to_epoch
from tests.cli_support import ROOT, TODAY, Clock, invoke
from tests.test_training_skills import SKILL_EXERCISES
from tests.training_support import CONFIG, Sandbox, sandbox_fixtures

EXERCISES = ("triage-mixed", "dispatch-multi", "review-return", "duplicates-merge")


templates, sandbox = sandbox_fixtures(EXERCISES)


def test_every_shipped_exercise_is_scripted_here() -> None:
    shipped = set(load_all(load_config(str(CONFIG))))
    assert shipped == set(EXERCISES) | set(SKILL_EXERCISES)
    assert {p.stem for p in SHIPPED.glob("*.toml")} == shipped


# --- triage of a mixed intake -----------------------------------------------------------------
TRIAGE = {
    "garbage": ("城乡建设/城市建设和市政管理/环境卫生", "qiaotou", "XZ-001"),
    "waterpipe": ("城乡建设/城市建设和市政管理/自来水供应", "chengguan", "CS-002"),
    "dispute": ("政法/仲裁与调解/司法调解", "huangpo", "XZ-002"),
    "illegal_build": ("城乡建设/城乡规划/违章建筑", "dongcheng", "CS-001"),
    "debt": ("政法/仲裁与调解/司法调解", "xicheng", None),
    "straw": ("环境保护/环境污染/大气污染", "mafang", "XZ-007"),
}


def _triage(box: Sandbox, ref: str, decision: str) -> None:
    category, township, item = TRIAGE[ref]
    args = ["case", "triage", box.refs[ref], "--category", category, "--township", township,
            "--priority", "general", "--decision", decision]
    if item:
        args += ["--duty-item", item]
    if decision == "reject":
        args += ["--reason", "民间借贷纠纷不属于政府职能，已告知通过诉讼解决"]
    box.run(*args)


def test_triage_perfect_trainee_scores_100(sandbox: Callable[[str], Sandbox], clock: Clock) -> None:
    box = sandbox("triage-mixed")
    answers = {"garbage": "local", "waterpipe": "whistle", "dispute": "local", "illegal_build": "whistle",
               "debt": "reject", "straw": "local"}
    for ref, decision in answers.items():
        _triage(box, ref, decision)
    clock.advance(minutes=25)
    result = box.check()
    assert (result["score"], result["max"], result["percent"]) == (60, 60, 100)
    assert all(d["right"] for d in result["decisions"]) and result["penalties"] == []
    assert result["seconds_taken"] == 25 * 60  # from `training start` to `training check`


def test_triage_typical_mistakes(sandbox: Callable[[str], Sandbox]) -> None:
    """Whistling the village's garbage (a township duty, 乱吹) and accepting a private debt: 60 − 10 − 10
    for the two wrong decisions, − 5 for whistling a duty-list item = 35."""
    box = sandbox("triage-mixed")
    answers = {"garbage": "whistle", "waterpipe": "whistle", "dispute": "local", "illegal_build": "whistle",
               "debt": "local", "straw": "local"}
    for ref, decision in answers.items():
        _triage(box, ref, decision)
    result = box.check()
    assert (result["score"], result["percent"]) == (35, 58)
    wrong = {d["case"]: d for d in result["decisions"] if not d["right"]}
    assert set(wrong) == {"garbage", "debt"}
    assert wrong["garbage"]["got"] == "吹哨" and wrong["garbage"]["expected"] == "属地办理"
    assert "XZ-001" in wrong["garbage"]["rule"]
    assert wrong["debt"]["expected"] == "不予受理"
    (penalty,) = result["penalties"]
    assert (penalty["kind"], penalty["count"], penalty["points"]) == ("whistle_own_duty", 1, -5)
    assert penalty["cases"] == [box.refs["garbage"]]


# --- multi-department dispatch -----------------------------------------------------------------
def test_dispatch_perfect_trainee_takes_the_alternative_lead(sandbox: Callable[[str], Sandbox]) -> None:
    box = sandbox("dispatch-multi")
    box.run("case", "dispatch", box.refs["noise_site"], "--lead", "chengguan_zf", "--coop", "zhujian")
    box.run("case", "dispatch", box.refs["gas_leak"], "--lead", "ranqi", "--coop", "xiaofang", "--coop", "yingji")
    box.run("case", "dispatch", box.refs["sewage"], "--lead", "shengtai", "--coop", "nongye")
    box.run("case", "dispatch", box.refs["fire_lane"], "--lead", "xiaofang", "--coop", "jiaojing")
    result = box.check()
    assert (result["score"], result["max"], result["percent"]) == (60, 60, 100)


def test_dispatch_typical_mistakes(sandbox: Callable[[str], Sandbox]) -> None:
    """Emergency management as the gas leak's lead (−10), the building site's noise without the
    housing bureau (−5), and the fire lane dispatched as the suggestion has it — traffic police lead,
    transport bureau cooperating, from the whistle's CS-031 — where the text says fire lane (−15):
    30 of 60."""
    box = sandbox("dispatch-multi")
    box.run("case", "dispatch", box.refs["noise_site"], "--lead", "shengtai")
    box.run("case", "dispatch", box.refs["gas_leak"], "--lead", "yingji", "--coop", "xiaofang")
    box.run("case", "dispatch", box.refs["sewage"], "--lead", "shengtai", "--coop", "nongye")
    suggested = json.loads(box.run("suggest", "case", box.refs["fire_lane"], "--json").output)
    assert (suggested["lead"], suggested["cooperating"]) == ("jiaojing", ["jiaotong"])
    box.run("case", "dispatch", box.refs["fire_lane"], "--lead", suggested["lead"], "--coop", *suggested["cooperating"])
    result = box.check()
    assert (result["score"], result["percent"]) == (30, 50)
    wrong = [(d["case"], d["kind"]) for d in result["decisions"] if not d["right"]]
    assert wrong == [("noise_site", "cooperating"), ("gas_leak", "lead"), ("fire_lane", "lead"),
                     ("fire_lane", "cooperating")]
    fire = next(d for d in result["decisions"] if d["case"] == "fire_lane" and d["kind"] == "lead")
    assert "CS-033" in fire["rule"] and "以来件为准" in fire["explain"]
    gas = next(d for d in result["decisions"] if d["case"] == "gas_leak" and d["kind"] == "lead")
    assert gas["got"] == "县应急管理局" and gas["expected"] == "县燃气公司"


# --- reviewing a return ------------------------------------------------------------------------
def test_review_perfect_trainee(sandbox: Callable[[str], Sandbox]) -> None:
    box = sandbox("review-return")
    box.run("case", "review-return", box.refs["streetlight"], "--redispatch", "--lead", "zhujian")
    box.run("case", "review-return", box.refs["water_quality"], "--uphold")
    result = box.check()
    assert (result["score"], result["max"], result["percent"]) == (40, 40, 100)


def test_review_typical_mistakes(sandbox: Callable[[str], Sandbox]) -> None:
    """Re-dispatching the street lights to the power company that just returned them: the review is
    right (+10) but the lead wrong, and the ping-pong penalty costs 10: 20 of 40."""
    box = sandbox("review-return")
    box.run("case", "review-return", box.refs["streetlight"], "--redispatch", "--lead", "gongdian")
    box.run("case", "review-return", box.refs["water_quality"], "--uphold")
    result = box.check()
    assert (result["score"], result["percent"]) == (20, 50)
    (penalty,) = result["penalties"]
    assert (penalty["kind"], penalty["points"], penalty["cases"]) == ("dispatch_returner", -10,
                                                                      [box.refs["streetlight"]])


# --- duplicates: merge, and one that must not be merged ------------------------------------
def test_duplicates_perfect_trainee(sandbox: Callable[[str], Sandbox]) -> None:
    box = sandbox("duplicates-merge")
    box.run("case", "merge", box.refs["drain_hotline"], box.refs["drain_grid"])
    box.run("case", "merge", box.refs["school_suggest"], box.refs["school_letter"])
    result = box.check()
    assert (result["score"], result["max"], result["percent"]) == (30, 30, 100)


def test_duplicates_typical_mistakes(sandbox: Callable[[str], Sandbox]) -> None:
    """Merging the same caller's stairway light into the drain (same phone, same building) and missing
    the school pair across channels: only the drain merge scores, 10 of 30."""
    box = sandbox("duplicates-merge")
    box.run("case", "merge", box.refs["drain_hotline"], box.refs["drain_grid"], box.refs["stairs_light"])
    result = box.check()
    assert (result["score"], result["percent"]) == (10, 33)
    right = {d["case"]: d["right"] for d in result["decisions"]}
    assert right == {"drain_grid": True, "school_letter": False, "stairs_light": False}


# --- attempts and progress ---------------------------------------------------------------------
def test_attempts_are_kept_and_reported_per_skill(sandbox: Callable[[str], Sandbox]) -> None:
    box = sandbox("triage-mixed")
    box.check()  # nothing done yet: 0 %
    _triage(box, "garbage", "local")
    box.check()  # one right: 10 of 60
    result = box.training("report", "--trainee", "小王", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["attempts"] == 2
    (skill,) = report["skills"]
    assert (skill["skill"], skill["label"], skill["best"], skill["latest"]) == ("triage", "来件分类与吹哨判断", 17, 17)
    assert json.loads(box.training("report", "--trainee", "别人", "--json").output)["attempts"] == 0
    text = box.training("report").output
    assert "来件分类与吹哨判断" in text and "17%" in text


# --- the simulated clock -------------------------------------------------------------------------
def test_commands_on_the_sandbox_act_at_its_simulated_time(sandbox: Callable[[str], Sandbox],
                                                          clock: Clock) -> None:
    box = sandbox("triage-mixed")
    clock.advance(minutes=10)  # ten real minutes after `training start`
    box.run("case", "note", box.refs["garbage"], "--text", "已联系村保洁员")
    result = box.training("advance", "1d")
    assert result.exit_code == 0 and "模拟时间已前进 1d" in result.output
    box.run("case", "note", box.refs["garbage"], "--text", "次日复查")
    connect(f"sqlite:///{box.path}")
    notes = [e.at for e in Event.select().where(Event.action == "note").order_by(Event.id)][-2:]
    start = to_epoch(SIM_START)
    assert notes == [start + 600, start + 600 + 86400]
    assert box.training("advance", "2wd").exit_code == 2  # only elapsed time moves the clock


def test_the_county_database_has_no_simulated_clock(cli_run: Callable, db_path: Path, clock: Clock) -> None:
    assert cli_run("init").exit_code == 0
    db = connect(f"sqlite:///{db_path}")
    assert sandbox_clock(db, clock) is None
    assert cli_run("intake", "add", "--channel", "grid", "--text", "路灯不亮").exit_code == 0
    assert Event.select().where(Event.action == "intake").get().at == to_epoch(TODAY)


# --- safety ----------------------------------------------------------------------------------------
def test_training_never_builds_over_the_county(cli_run: Callable, db_path: Path, tmp_path: Path) -> None:
    assert cli_run("init").exit_code == 0
    assert cli_run("intake", "add", "--channel", "grid", "--text", "路灯不亮").exit_code == 0
    same = cli_run("training", "--sandbox", str(db_path), "start", "--no-console")
    assert same.exit_code == 2 and "cannot be the county's database" in same.output
    other = tmp_path / "other.db"
    assert cli_run("init", db=other).exit_code == 0
    assert cli_run("intake", "add", "--channel", "grid", "--text", "井盖丢了", db=other).exit_code == 0
    refused = cli_run("training", "--sandbox", str(other), "start", "--no-console")
    assert refused.exit_code == 2 and "not a training database" in refused.output
    assert cli_run("case", "list", "--json", db=other).output.count('"id"') == 1  # untouched
    missing = db_path.with_name("none.db")
    for command in (["check"], ["advance", "1d"], ["report"], ["console"]):
        result = cli_run("training", "--sandbox", str(missing), *command)
        assert result.exit_code == 2 and "no training sandbox" in result.output, command
        assert not missing.exists(), command  # asking about a sandbox never creates an empty file


def test_restart_rebuilds_the_sandbox_and_keeps_the_attempts(sandbox: Callable[[str], Sandbox]) -> None:
    box = sandbox("triage-mixed")
    _triage(box, "garbage", "local")
    box.check()
    again = box.training("start", "--exercise", "triage-mixed", "--trainee", "小王", "--no-console", "--json")
    assert json.loads(again.output)["reused"] is True
    rebuilt = box.training("start", "--exercise", "dispatch-multi", "--trainee", "小王", "--no-console", "--json")
    assert rebuilt.exit_code == 0 and json.loads(rebuilt.output)["reused"] is False
    report = json.loads(box.training("report", "--json").output)
    assert report["attempts"] == 1 and report["skills"][0]["skill"] == "triage"
    assert box.check()["exercise"] == "dispatch-multi"


# --- bad exercise files -------------------------------------------------------------------------
def _config_with_folder(tmp_path: Path, folder: Path) -> Path:
    config = tmp_path / "county.toml"
    config.write_text((ROOT / "chuishao.toml").read_text(encoding="utf-8")
                      + f'\n[training]\nexercises = "{folder}"\n', encoding="utf-8")
    return config


def test_a_trainers_bad_exercise_is_named_by_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "exercises"
    folder.mkdir()
    good = (SHIPPED / "review-return.toml").read_text(encoding="utf-8")
    bad = good.replace('lead = "gongdian"', 'lead = "dianli"').replace('expect = ["uphold"]', 'expect = ["keep"]')
    (folder / "mine.toml").write_text(bad.replace('id = "review-return"', 'id = "mine"'), encoding="utf-8")
    (folder / "broken.toml").write_text('id = "broken"\ntitle = "x\n', encoding="utf-8")
    config = _config_with_folder(tmp_path, folder)
    result = invoke(config, tmp_path / "county.db", ["training", "--sandbox", str(tmp_path / "t.db"), "list"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = bad.splitlines()
    lead_line = next(i for i, line in enumerate(lines, 1) if 'lead = "dianli"' in line)
    keep_line = next(i for i, line in enumerate(lines, 1) if 'expect = ["keep"]' in line)
    assert f"mine.toml:{lead_line}: cases[0].lead: unknown department 'dianli'" in result.output
    assert f"mine.toml:{keep_line}: answers[2].expect[0]: 'keep' is not one of: uphold, redispatch" in result.output
    assert "broken.toml:2: not valid TOML" in result.output


def test_a_trainers_exercise_is_listed_and_playable(tmp_path: Path) -> None:
    folder = tmp_path / "exercises"
    folder.mkdir()
    mine = (SHIPPED / "review-return.toml").read_text(encoding="utf-8").replace(
        'id = "review-return"', 'id = "my-review"').replace('title = "两张退单：谁说得对"', 'title = "我的退单练习"')
    (folder / "my-review.toml").write_text(mine, encoding="utf-8")
    config = _config_with_folder(tmp_path, folder)
    listed = invoke(config, tmp_path / "county.db", ["training", "--sandbox", str(tmp_path / "t.db"), "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert {e["id"] for e in json.loads(listed.output)} == {*EXERCISES, *SKILL_EXERCISES, "my-review"}
