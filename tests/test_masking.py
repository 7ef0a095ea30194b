"""Masking without holes: one function over every free-text and contact field, every phone format,
every path; README's table is the code's own rules, and this walks it field × path × role."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import Result

from models.cases import department, lifecycle, pausing
from models.intake.intake import NewReport, intake
from models.org.context import Context
from models.org.permissions import (
    MASKED_FIELDS,
    ROLES,
    mask_phone,
    mask_text,
    masking_markdown,
    masking_table,
)
from models.reports.hotspots import case_summaries
from models.supervision import supervision_orders
from screens.steps import load_bundle
from tests.cli_support import ROOT, Clock
from tests.test_import import SAMPLE, needs_sample

FORMATS = {
    "电话 138 1234 5678": "电话 138****5678",
    "+86 138 1234 5678": "+86 138****5678",
    "0086-13912345678": "0086-139****5678",
    "(+86)13912345678": "(+86)139****5678",
    "(0510)88889999": "(0510)****9999",
    "（０５１０）８８８８９９９９": "（０５１０）****９９９９",
    "0510 8888 9999": "0510****9999",
    "0510-8888-9999": "0510-****9999",
    "051088889999": "0510****9999",
    "010-12345678": "010-****5678",
    "+86 510 8888 9999": "+86 510****9999",
    "１３７１２３４５６７８": "１３７****５６７８",
    "０５１０－８８８８－９９９９": "０５１０－****９９９９",
    "两个号码 13812345678、13987654321": "两个号码 138****5678、139****4321",
    # not phone numbers: left exactly as typed
    "工单号 2026112700012345": "工单号 2026112700012345",
    "2026-11-27 10:00 3号楼 12345 热线": "2026-11-27 10:00 3号楼 12345 热线",
}


@pytest.mark.parametrize(("typed", "shown"), FORMATS.items())
def test_every_phone_format_is_masked_in_text(typed: str, shown: str) -> None:
    assert mask_text(typed) == shown


# A local number without its area code is a phone number after a phone word in the same clause.
LOCAL = {
    "联系电话：8888 9999": "联系电话：****9999",
    "座机8888-9999，白天有人": "座机****9999，白天有人",
    "有事联系88889999": "有事联系****9999",
    "手机 ８８８８－９９９９": "手机 ****９９９９",
    "联系人王师傅 ８８８８９９９９。": "联系人王师傅 ****９９９９。",
    "10日拨打K市K2区环境监测站8413602（下称环境监测站）": "10日拨打K市K2区环境监测站****3602（下称环境监测站）",
    "please call 8888 9999": "please call ****9999",
    "Tel:841-3602": "Tel:****3602",
    "电话：0510-8888-9999 或 8888 7777": "电话：0510-****9999 或 ****7777",
    "来电 8888 9999、8888 7777": "来电 ****9999、****7777",
    "电话8888 9999转123": "电话****9999转123",
}
# …and seven or eight digits that are something else stay exactly as typed.
NOT_LOCAL = [
    "工单号 20261127，案件 #88889999",  # case and work-order numbers
    "联系工单号 20261127 的处理人",  # an id word between the phone word and the digits
    "2026-11-27 受理，20261127 派单",  # dates
    "缴各项社保费、职业年金合计：4242835.81元（其中单位部分3133669.34元）",  # money
    "联系后退还押金 8888 元",
    "电话费 88889999元",
    "东关社区5号楼 1355号 3单元",  # addresses
    "联系地址：人民路1355号",
    "按照K市潇楚城市群协调发展规划（2015-2040）",  # a span of years
    "根据国家《环境质量标准gb3096-2008》的规定",  # a standard's number
    "乘坐16栋电梯（设备编码为：1003788-6200-2015）",  # an equipment code
    "身份证 43010219900101",
    "联系我 8888 9999 之后。另案 88889999",
]


@pytest.mark.parametrize(("typed", "shown"), LOCAL.items())
def test_a_local_number_after_a_phone_word_is_masked(typed: str, shown: str) -> None:
    assert mask_text(typed) == shown


@pytest.mark.parametrize("typed", NOT_LOCAL)
def test_digits_that_are_not_a_phone_number_stay(typed: str) -> None:
    shown = mask_text(typed)
    if typed.startswith("联系我"):  # the first number follows 联系; the second is past the clause
        assert shown == "联系我 ****9999 之后。另案 88889999"
    else:
        assert shown == typed


@needs_sample
def test_the_local_numbers_of_real_messages() -> None:
    """Every run of seven or eight digits in the public sample of real citizens' messages: the one
    local phone number (after 拨打) is masked, a span of years is not, and no message changes
    anywhere else (amounts, dates, ids)."""
    import csv

    with SAMPLE.open(encoding="utf-8") as f:
        messages = [row["留言详情"] for row in csv.DictReader(f)]
    changed = {n: mask_text(text) for n, text in enumerate(messages) if mask_text(text) != text}
    assert len(changed) == 1
    [(n, shown)] = changed.items()
    assert "环境监测站****3602" in shown and shown.replace("****3602", "8413602") == messages[n]
    assert any("2015-2040" in m for m in messages) and any("4242835.81元" in m for m in messages)


def test_a_phone_field_we_cannot_parse_keeps_only_its_last_four() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("8888-9999") == "*****9999"
    assert mask_phone("1234567") == "*******"


# One distinct number per field, in a different format each, so an output shows which leaked.
VALUES = {
    "report.title": "东关社区路灯不亮 13800000001",
    "report.text": "路灯坏了三天，联系 +86 138 0000 0002",
    "report.address": "东关社区3号楼 0086-13800000003",
    "report.phone": "051080000004",  # stored as digits (intake normalises the field)
    "report.citizen_name": "王小明",
    "case.reason": "属地无法处理，联系 0510 8000 0005",
    "case.result": "已修复，回访 0510-8000-0006",
    "assignment.return_reason": "非本部门职责，请联系 +86-510-80000007",
    "note.text": "已联系 １３８０００００００８",
    "evaluation.comment": "满意 (+86)13800000009",
    "extension.reason": "需协调产权单位，座机 8000-0010",  # a local number after a phone word
    "pause.reason": "等待群众返乡 021 8000 0011",
    "supervision_order.instruction": "请回电 13800000012",
    "supervision_order.answer": "已回电 13800000013",
    "accountability.reason": "推诿，当事人电话 ８０００ ００１４",
}
VALUES["case.title"] = VALUES["report.title"]
VALUES["event.after"] = VALUES["note.text"]  # the note event's after
VALUES["event.before"] = VALUES["case.reason"]  # every later step's before holds the triage reason
OPERATORS = {"dispatcher": "liuyang", "township": "lixia", "department": "yangfan", "supervisor": "sunli",
             "admin": None}


def worked_case(ctx_for: Callable[..., Context], clock: Clock) -> int:
    """A case whose every masked field holds a number; and a duplicate of it (same report)."""
    report = NewReport(channel="hotline_12345", title=VALUES["report.title"], text=VALUES["report.text"],
                       address=VALUES["report.address"], phone=VALUES["report.phone"],
                       citizen_name=VALUES["report.citizen_name"], township="chengguan")
    case, _ = intake(ctx_for(), report)
    twin, _ = intake(ctx_for(), report)  # with zhujian too, so that its operator sees it as a duplicate
    for case_id in (case.id, twin.id):
        lifecycle.triage(ctx_for("liuyang"), case_id, category="城管执法", township="chengguan",
                         priority="general", decision="whistle", reason=VALUES["case.reason"])
        lifecycle.dispatch(ctx_for("liuyang"), case_id, lead="zhujian")
    department.return_case(ctx_for("yangfan"), case.id, reason=VALUES["assignment.return_reason"])
    department.review_return(ctx_for("liuyang"), case.id, lead="zhujian")
    department.acknowledge(ctx_for("yangfan"), case.id)
    lifecycle.note(ctx_for("yangfan"), case.id, text=VALUES["note.text"])
    pausing.request_extension(ctx_for("yangfan"), case.id, reason=VALUES["extension.reason"], by="3wd")
    pausing.pause(ctx_for("liuyang"), case.id, reason=VALUES["pause.reason"])
    clock.advance(hours=1)
    pausing.resume(ctx_for("liuyang"), case.id)
    order = supervision_orders.issue_order(ctx_for("sunli"), case.id, instruction=VALUES["supervision_order.instruction"])
    supervision_orders.answer_order(ctx_for("yangfan"), order.id, answer=VALUES["supervision_order.answer"])
    supervision_orders.record_accountability(ctx_for("sunli"), reason=VALUES["accountability.reason"],
                                             department="zhujian", cases=[case.id])
    lifecycle.resolve(ctx_for("yangfan"), case.id, result=VALUES["case.result"])
    lifecycle.evaluate(ctx_for("liuyang"), case.id, source="citizen", rating="satisfied",
                       comment=VALUES["evaluation.comment"])
    return int(case.id)


def test_hot_spot_drilldown_titles_are_masked(ctx_for: Callable[..., Context], clock: Clock) -> None:
    case_id = worked_case(ctx_for, clock)
    seen = {name: case_summaries(ctx_for(name), [case_id])[0]["title"] for name in ("liuyang", "lixia", "sunli")}
    assert seen == {"liuyang": VALUES["case.title"], "lixia": mask_text(VALUES["case.title"]),
                    "sunli": mask_text(VALUES["case.title"])}


def test_the_readme_table_is_the_codes_own_rules() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert masking_markdown() in readme
    assert {r["field"] for r in masking_table()} == {f"{k}.{f}" for k, fs in MASKED_FIELDS.items() for f in fs}


def test_every_field_path_and_role_of_the_table(ctx_for: Callable[..., Context], clock: Clock,
                                                cli_run: Callable[..., Result]) -> None:
    case_id = worked_case(ctx_for, clock)

    def through(path: str, name: str | None) -> str | None:
        """What `path` shows operator `name` (None when refused)."""
        if path == "console":
            bundle = load_bundle(ctx_for(name), case_id)
            return json.dumps([bundle.detail, bundle.duplicates], ensure_ascii=False)
        args = {"case show --json": ("case", "show", str(case_id), "--json"),
                "case list --json": ("case", "list", "--json"),
                "case history --json": ("case", "history", str(case_id), "--json"),
                "case duplicates --json": ("case", "duplicates", str(case_id), "--json"),
                "audit export": ("audit", "export", "--from", "2026-11-01", "--to", "2026-12-31"),
                "supervise orders --json": ("supervise", "orders", "--json"),
                "supervise accountability list --json": ("supervise", "accountability", "list", "--json"),
                }[path]
        done = cli_run(*(("--as", name) if name else ()), *args)
        if done.exit_code == 1 and "no permission" in done.output:
            return None
        assert done.exit_code == 0, (path, name, done.output)
        return done.stdout

    outputs = {(path, role): through(path, OPERATORS[role])
               for path in {r["path"] for r in masking_table()} for role in ROLES}
    checked = 0
    for row in masking_table():
        record, name = row["field"].split(".")
        whole = VALUES[row["field"]]
        hidden = MASKED_FIELDS[record].get(name, mask_text)
        shown = hidden(whole) if record != "event" else mask_text(whole)
        assert shown != whole
        for role in ROLES:
            out = outputs[(row["path"], role)]
            where = (row["field"], row["path"], role)
            if row[role] == "—":
                assert out is None, where
            elif row[role] == "masked":
                assert out is not None and whole not in out and shown in out, where
                assert [v for v in VALUES.values() if v in out] == [], where  # no other field leaks either
            else:
                assert out is not None and whole in out, where
            checked += 1
    assert checked == len(masking_table()) * len(ROLES) == 195


def test_a_masked_number_cannot_be_found_by_searching_its_digits(ctx_for: Callable[..., Context],
                                                                 cli_run: Callable[..., Result]) -> None:
    case, _ = intake(ctx_for(), NewReport(channel="grid", text="3号楼漏水，电话 138 1234 5678", township="chengguan"))
    lifecycle.triage(ctx_for("liuyang"), case.id, category="城管执法", township="chengguan", priority="general",
                     decision="local")
    refused = cli_run("--as", "lixia", "case", "list", "--search", "1381", "--json")
    assert refused.exit_code == 1
    assert "no permission: searching by a number ('1381') is for dispatchers and admins" in refused.output
    for probe in ("１３８１", "138", "tel138"):
        assert cli_run("--as", "lixia", "case", "list", "--search", probe, "--json").exit_code == 1, probe
    # Short digits match whole words only: "3" finds 3号楼, "12" is no prefix of the hidden 1234.
    assert [c["id"] for c in json.loads(cli_run("--as", "lixia", "case", "list", "--search", "3",
                                                "--json").stdout)] == [case.id]
    assert json.loads(cli_run("--as", "lixia", "case", "list", "--search", "12", "--json").stdout) == []
    found = json.loads(cli_run("--as", "liuyang", "case", "list", "--search", "123", "--json").stdout)
    assert [c["id"] for c in found] == [case.id]  # the dispatcher, who calls back, still can
