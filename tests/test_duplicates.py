"""Duplicate scoring at every intake: reasons, eligibility, the import window agreeing with the database."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from models.cases import lifecycle
from models.intake import dupscorer
from models.intake.duplicates import duplicate_candidates
from models.intake.dupscore import AGAINST, Probe, Target, place_similarity, rank, score, settings, terms_of
from models.intake.dupscorer import ImportCandidates
from models.intake.importer import import_file
from models.intake.intake import NewReport, intake
from models.org.config import Config
from models.org.context import Context
from models.store.schema import Case, Event, Report
from models.text.search import tokens
from models.text.textnorm import address_key

DAY = 86400
NOW = 1795000000  # 2026-11-18
LAMP = "东关社区幸福里小区3号楼门口的路灯坏了一个多月，晚上漆黑一片，老人小孩出行很不方便，请尽快修理。"
LAMP_AGAIN = "幸福里小区3号楼门口路灯坏了一个多月了，晚上漆黑，老人出行很不方便，希望尽快修理。"
NOISE = "城西村砂石厂夜间施工噪音扰民，凌晨两点还在作业，附近居民无法休息。"


def take(ctx: Context, text: str, **kw: object) -> Case:
    case, _ = intake(ctx, NewReport(channel="hotline_12345", text=text, **kw))  # type: ignore[arg-type]
    return case


def intake_duplicates(case_id: int) -> list[dict[str, object]]:
    event = Event.get((Event.case == case_id) & (Event.action == "intake"))
    return json.loads(event.after)["duplicates"]


def test_same_phone_address_and_text_give_a_candidate_with_reasons(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    first = take(ctx, LAMP, phone="138-1234-5678", address="东关社区幸福里小区3号楼", township="chengguan",
                 received_at=NOW)
    other = take(ctx, NOISE, phone="13900000000", address="城西村砂石厂", township="chengguan", received_at=NOW)
    again = take(ctx, LAMP_AGAIN, phone="+86 138 1234 5678", address="东关社区 幸福里小区 3号楼",
                 township="东关社区", received_at=NOW + DAY)
    [found] = duplicate_candidates(ctx, again.id)
    assert found.case_id == first.id and found.score >= settings(ctx.config).threshold
    reasons = [str(r) for r in found.reasons]
    assert reasons[0] == "same phone 138****5678"
    assert "same address 东关社区幸福里小区3栋" in reasons and "same township chengguan" in reasons
    assert any(r.startswith("text ") and r.endswith("% similar") for r in reasons)
    # the intake event names it, so the queue can show "possible duplicate"
    assert intake_duplicates(again.id) == [{"case_id": first.id, "score": round(found.score, 3)}]
    assert intake_duplicates(other.id) == []
    assert again.repeat_count == 2 and first.repeat_count == 1


def test_score_is_the_weighted_mean_of_the_signals_both_sides_have(ctx_for: Callable[..., Context]) -> None:
    s = settings(ctx_for().config)
    probe = Probe(frozenset(), frozenset(), None, None, terms_of(tokens(LAMP)), NOW)
    copy = Target(1, "new", "chengguan", None, NOW, 1, ("13812345678",), ()).with_body(tokens(LAMP))
    # no phone on the report: judged on its text alone, not marked down for the missing number
    assert score(s, probe, copy).score == 1.0
    unrelated = Target(2, "new", None, None, NOW, 1).with_body(tokens(NOISE))
    assert score(s, probe, unrelated).score < 0.1
    with_phone = Probe(frozenset({"13900000000"}), frozenset(), None, None, probe.terms, NOW)
    differs = score(s, with_phone, copy)  # same text, another caller: a different phone lowers it a little
    weights = s.weights
    span, _ = AGAINST["phone"]
    assert abs(differs.score - weights["text"] / (weights["text"] + span * weights["phone"])) < 1e-9
    assert [str(r) for r in differs.reasons] == ["different phone", "text 100% similar"]


def test_closed_cases_outside_the_window_and_merged_cases_are_not_candidates(
        ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    old = take(ctx, LAMP, phone="13812345678", township="chengguan", received_at=NOW - 90 * DAY)
    lifecycle.triage(ctx, old.id, category="城管执法", township="chengguan", priority="general",
                     decision="reject", reason="重复")
    still_open = take(ctx, LAMP, phone="13812345678", township="chengguan", received_at=NOW - 60 * DAY)
    new = take(ctx, LAMP_AGAIN, phone="13812345678", township="chengguan", received_at=NOW)
    assert [c.case_id for c in duplicate_candidates(ctx, new.id)] == [still_open.id]  # open: any age
    assert [c["case_id"] for c in intake_duplicates(new.id)] == [still_open.id]


@pytest.mark.parametrize(("path", "batch"), [("window", 500), ("database", 500), ("database", 1)])
def test_import_flags_the_same_candidates_as_single_intake(ctx_for: Callable[..., Context], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch, path: str,
                                                           batch: int) -> None:
    # A big file loads the working set into a window, a small one asks the database row by row;
    # both find the same pairs (forced here by what a database look-up is reckoned to cost).
    monkeypatch.setattr(dupscorer, "DB_ROW_IN_CASES", 10**9 if path == "window" else 0)
    ctx = ctx_for()
    earlier = take(ctx, LAMP, phone="13812345678", address="幸福里小区3号楼", received_at=NOW)
    orders = tmp_path / "orders.csv"
    with orders.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["工单编号", "受理时间", "诉求内容", "联系电话", "事发地址"])
        out.writerow(["H1", "2026-11-19 10:00", LAMP_AGAIN, "13812345678", "幸福里小区 3号楼"])
        out.writerow(["H2", "2026-11-19 11:00", NOISE, "13700000000", "城西村"])
        out.writerow(["H3", "2026-11-19 12:00", NOISE + "已经一个星期了。", "13700000000", "城西村"])
    result = import_file(ctx, orders, profile="hotline", batch_size=batch)
    assert (result.imported, result.flagged) == (3, 2)
    case_of = {r.source_id: r.case_id for r in Report.select().where(Report.source_id.is_null(False))}
    events = {json.loads(e.after)["source_id"]: json.loads(e.after)["duplicates"]
              for e in Event.select().where(Event.action == "intake")}
    assert [d["case_id"] for d in events["H1"]] == [earlier.id]
    assert [d["case_id"] for d in events["H3"]] == [case_of["H2"]]  # a row matches a row above it in the file
    assert events["H2"] == []
    # the database path (`case duplicates`) finds the same pairs for the imported cases
    assert [c.case_id for c in duplicate_candidates(ctx, case_of["H1"])] == [earlier.id]
    assert [c.case_id for c in duplicate_candidates(ctx, case_of["H3"])] == [case_of["H2"]]

def test_import_path_follows_the_file_size_and_the_window_skips_the_imports_own_ids(
        ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    cases = [take(ctx, NOISE + str(n), received_at=NOW) for n in range(3)]
    few, many = ImportCandidates(ctx), ImportCandidates(ctx)
    few.cover(NOW, NOW, remaining=0)  # nothing left to score: never worth loading 3 cases
    many.cover(NOW, NOW, remaining=1000)
    assert (few.loaded, many.loaded) == (False, True) and many.stats()[0] == 3  # type: ignore[index]
    # Cases numbered from `below` (the import's own rows, committed while it scores on) are held
    # under their provisional ids already: a load never takes them in a second time.
    since = ImportCandidates(ctx, below=cases[1].id)
    since.cover(NOW, NOW, remaining=1000)
    assert since.stats()[0] == 1
    for candidates in (few, many, since):
        candidates.close()


def test_case_duplicates_command(cli_run: Callable[..., Result]) -> None:
    assert cli_run("init").exit_code == 0
    for text, phone in ((LAMP, "13812345678"), (LAMP_AGAIN, "13812345678")):
        assert cli_run("intake", "add", "--channel", "grid", "--text", text, "--phone", phone).exit_code == 0
    result = cli_run("case", "duplicates", "2", "--json")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert row["case_id"] == 1 and "same phone 138****5678" in row["reasons"] and row["title"]
    table = cli_run("case", "duplicates", "1")
    assert table.exit_code == 0 and "138****5678" in table.output
    listed = json.loads(cli_run("case", "list", "--json").output)
    assert {r["id"]: r["repeat_count"] for r in listed} == {1: 1, 2: 2}


TEMPLATE = "Noise: Construction Before/After Hours (NM1)"


def test_evidence_against_lowers_the_score(ctx_for: Callable[..., Context]) -> None:
    # Issue 18: the same templated text at 1355 First Avenue and at 508 W 20 St scored 0.58 (> 0.55).
    s = settings(ctx_for().config)
    probe = Probe(frozenset(), frozenset({"1355firstavenue"}), None, "噪音", terms_of(tokens(TEMPLATE)), NOW)
    elsewhere = Target(1, "new", None, "噪音", NOW, 1, (), ("508w20st",)).with_body(tokens(TEMPLATE))
    found = score(s, probe, elsewhere)
    assert found.score < 0.2 and "different address 1355firstavenue / 508w20st" in [str(r) for r in found.reasons]
    assert rank(s, probe, [elsewhere]) == []
    same_place = Target(2, "new", None, "噪音", NOW, 1, (), ("1355firstavenue",)).with_body(tokens(TEMPLATE))
    assert score(s, probe, same_place).score == 1.0
    # another township, another phone: each lowers the score below what the text alone gives
    lamp = Probe(frozenset({"13900000000"}), frozenset(), "chengguan", None, terms_of(tokens(LAMP)), NOW)
    alone = Target(3, "new", None, None, NOW, 1).with_body(tokens(LAMP))
    other_town = Target(4, "new", "qiaotou", None, NOW, 1).with_body(tokens(LAMP))
    other_phone = Target(5, "new", None, None, NOW, 1, ("13812345678",)).with_body(tokens(LAMP))
    base = score(s, lamp, alone).score
    assert base == 1.0
    assert score(s, lamp, other_town).score < base and score(s, lamp, other_phone).score < base
    assert "different township qiaotou" in [str(r) for r in score(s, lamp, other_town).reasons]


def test_a_text_common_in_the_window_counts_for_less(ctx_for: Callable[..., Context]) -> None:
    s = settings(ctx_for().config)
    probe = Probe(frozenset(), frozenset(), None, None, terms_of(tokens(LAMP)), NOW)
    copies = [Target(n, "new", None, None, NOW, 1).with_body(tokens(LAMP)) for n in range(1, 5)]
    [only] = rank(s, probe, copies[:1])
    assert only.score == 1.0
    assert rank(s, probe, copies) == []  # the same text in four cases: a template, not a duplicate
    crowd = rank(s, probe, copies, min_score=0.0)
    assert [round(c.score, 3) for c in crowd] == [0.25] * 4
    assert "text common in the window: 4 cases" in [str(r) for r in crowd[0].reasons]


def test_ranking_is_every_target_scored_in_full(ctx_for: Callable[..., Context]) -> None:
    # `rank` skips work (a cosine known once, how common a text is asked only when a target could
    # reach the bar): its answer must be what scoring every eligible target in full gives.
    import random

    from models.intake.dupscore import SAME_TEXT, cosine, eligible

    s = settings(ctx_for().config)
    rng = random.Random(18)
    sentences = [LAMP, LAMP_AGAIN, "西关社区垃圾清运不及时气味很大", "幸福里小区3号楼门口的路灯坏了"]
    for _ in range(300):
        def text() -> str:
            return rng.choice(sentences)[rng.randint(0, 6):] + rng.choice(("", "，请尽快处理。", "至今无人处理"))

        def pick(*options: str | None) -> str | None:
            return rng.choice(options)
        probe = Probe(frozenset(p for p in [pick(None, "13800000001", "13800000002")] if p),
                      frozenset(k for k in [pick(None, "东关社区3栋", "东关社区5栋")] if k),
                      pick(None, "chengguan", "qiaotou"), pick(None, "城乡建设"), terms_of(tokens(text())), NOW)
        targets = [Target(n, rng.choice(("new", "closed", "merged")), pick(None, "chengguan", "qiaotou"),
                          pick(None, "城乡建设", "公共安全"), NOW - rng.randint(0, 90) * 86400, 1,
                          tuple(p for p in [pick(None, "13800000001", "13800000003")] if p),
                          tuple(k for k in [pick(None, "东关社区3栋", "东关社区6栋")] if k)).with_body(tokens(text()))
                   for n in range(1, rng.randint(2, 12))]
        pool = [t for t in targets if eligible(s, probe, t)]
        common = max(1, sum(1 for t in pool if cosine(probe.terms, t) >= SAME_TEXT))
        full = sorted((score(s, probe, t, common) for t in pool), key=lambda c: (-c.score, -c.case_id))
        for bar in (None, 0.0, 0.3):
            expected = [c for c in full if c.score >= (s.threshold if bar is None else bar)][:s.max_candidates]
            assert rank(s, probe, targets, bar) == expected


def test_places_written_differently_are_the_same_place(config: Config) -> None:
    def key(address: str) -> str | None:
        return address_key(address, config.places)

    same = ["东关社区5号楼", "城关镇东关社区五号楼", "城关东关社区5栋", "示范县城关镇东关社区５＃楼", "东关社区 五 幢"]
    assert {key(a) for a in same} == {"东关社区5栋"}
    assert key("东城街道办建设路社区二十八号楼") == key("建设路社区28号楼")  # the longest prefix: 东城街道办
    assert key("东关社区12号楼3单元201室") == key("东关社区十二号楼三单元二零一") == "东关社区12栋3单元201"
    assert key("十里铺村3号") == key("城关镇十里铺村三号")


def test_the_address_key_keeps_different_places_apart(config: Config) -> None:
    def key(address: str) -> str | None:
        return address_key(address, config.places)

    assert len({key(a) for a in ("东关社区5号楼", "东关社区6号楼", "东关社区15号楼", "西关社区5号楼")}) == 4
    assert key("东关社区5号") != key("东关社区5号楼")  # 5号 may be a street number
    assert key("东关社区5楼") != key("东关社区5号楼")  # 5楼 may be a floor
    assert key("东关小区5号楼") != key("东关社区5号楼")  # a 社区 holds many 小区
    assert key("东关社区5号楼3单元") != key("东关社区5号楼4单元")
    # a short name is dropped only before one of its township's villages: 城关中学 is not 中学,
    # and 桥头社区 (a village of 桥头镇, whose short name is 桥头) keeps its name
    assert key("城关中学") == key("城关镇城关中学") == "城关中学"
    assert key("桥头社区3号楼") == key("桥头镇桥头社区三号楼") == "桥头社区3栋"
    assert key("城关镇") == "城关镇" and key("  ") is None and key(None) is None
    assert key("一百五号楼") == "一百五号楼"  # 150 or 105? left as written
    assert key("一百零五号楼") == key("105号楼")


def test_near_places_need_the_same_numbers() -> None:
    assert place_similarity("东关社区5栋", "东关社区5栋3单元201") == 1.0
    assert place_similarity("红旗村9栋", "红旗村19栋") == 0.0  # 91 % alike as text, another building
    assert place_similarity("东关社区12栋", "东关社区21栋") == 0.0
    assert place_similarity("1355firstavenue", "508w20st") < 0.5


def test_a_template_at_one_place_written_differently_is_a_duplicate(ctx_for: Callable[..., Context]) -> None:
    ctx = ctx_for()
    text = "路灯不亮，晚上出行不便。"
    first = take(ctx, text, address="东关社区5号楼", township="chengguan", received_at=NOW)
    next_door = take(ctx, text, address="东关社区六号楼", township="chengguan", received_at=NOW + 60)
    again = take(ctx, text, address="城关镇东关社区五号楼", received_at=NOW + DAY)
    assert Report.get(Report.case == again.id).address_key == "东关社区5栋"
    found = duplicate_candidates(ctx, again.id)
    assert [f.case_id for f in found] == [first.id]
    assert "same address 东关社区5栋" in [str(r) for r in found[0].reasons]
    below = {c.case_id: c for c in duplicate_candidates(ctx, again.id, min_score=0.0)}
    assert next_door.id not in below or "different address 东关社区5栋 / 东关社区6栋" in map(str, below[next_door.id].reasons)


def test_the_console_gives_the_reasons_for_and_against_in_the_offices_words(ctx_for: Callable[..., Context]) -> None:
    from screens.widgets.case_sections import Names
    from screens.widgets.duplicates import reason_words

    ctx = ctx_for()
    s, names = settings(ctx.config), Names(ctx.config, "zh")
    probe = Probe(frozenset({"13812345678"}), frozenset({"东关社区5栋"}), "chengguan", None,
                  terms_of(tokens(LAMP)), NOW)
    same = Target(1, "new", "qiaotou", None, NOW, 1, ("13812345678",), ("东关社区5栋",)).with_body(tokens(LAMP))
    row = score(s, probe, same).as_json()
    assert reason_words(row, "zh", names.town) == ["同一电话 138****5678", "地址相同 东关社区5栋", "内容相似 100%",
                                             "属地不同 桥头镇"]
    near = Target(2, "new", "chengguan", None, NOW, 1, (), ("东关社区5栋3单元",)).with_body(tokens(LAMP))
    assert reason_words(score(s, probe, near).as_json(), "zh", names.town)[:2] == ["地址相近 100%", "内容相似 100%"]
    elsewhere = Target(3, "new", None, None, NOW, 1, ("13900000000",), ("东关社区6栋",)).with_body(tokens(LAMP))
    assert reason_words(score(s, probe, elsewhere).as_json(), "zh", names.town) == [
        "电话不同", "地址不同 东关社区5栋 / 东关社区6栋", "内容相似 100%"]


def test_migration_10_recomputes_the_address_keys_and_the_audit_still_verifies(
        ctx_for: Callable[..., Context], config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    from models.errors import UsageError
    from models.ledger.audit import verify
    from models.store import migrations
    from models.store.schema import SchemaVersion
    from models.text.textnorm import normalise_address

    ctx = ctx_for()
    addresses = ["城关镇东关社区五号楼", "东关社区5号楼", None, "城关中学", "西关社区 12 幢"]
    cases = [take(ctx, LAMP, address=a, received_at=NOW + n) for n, a in enumerate(addresses)]
    for report in Report.select():  # back to a version 9 database: each key as intake wrote it then
        Report.update(address_key=normalise_address(report.address)).where(Report.id == report.id).execute()
    SchemaVersion.update(version=9).execute()  # a fresh database records only its current version
    assert verify(ctx).ok
    with pytest.raises(UsageError) as refused:  # the keys need the county's place names
        migrations.migrate(ctx.db)
    assert refused.value.code == "store.upgrade_needs_config" and migrations.schema_version(ctx.db) == 9
    monkeypatch.setattr(migrations, "ADDRESS_BATCH", 2)  # several batches
    assert migrations.migrate(ctx.db, config.places) == (9, migrations.CURRENT_VERSION)
    keys = [Report.get(Report.case == c.id).address_key for c in cases]
    assert keys == ["东关社区5栋", "东关社区5栋", None, "城关中学", "西关社区12栋"]
    best = duplicate_candidates(ctx, cases[1].id, min_score=0.0)[0]
    assert best.case_id == cases[0].id and "same address 东关社区5栋" in map(str, best.reasons)
    assert verify(ctx).ok  # a recomputed key is no tampering
    Report.update(address="东关社区6号楼").where(Report.case == cases[0].id).execute()
    assert not verify(ctx).ok  # the address it comes from is still covered
