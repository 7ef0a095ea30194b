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
    "extension.reason": "需协调产权单位 010-80000010",
    "pause.reason": "等待群众返乡 021 8000 0011",
    "supervision_order.instruction": "请回电 13800000012",
    "supervision_order.answer": "已回电 13800000013",
    "accountability.reason": "推诿 13800000014",
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
