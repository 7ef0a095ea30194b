"""Roles and scopes on the demo county, through the CLI and models/ alike; masking of personal data."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from console.cli import cli
from models.cases import department, lifecycle, queries
from models.cases.queries import CaseQuery
from models.cases.views import case_detail
from models.errors import PermissionDenied
from models.intake.intake import NewReport, intake
from models.org.context import Context
from models.org.operators import set_active
from models.org.permissions import mask_phone, mask_text
from tests import pg_support

ROOT = Path(__file__).resolve().parent.parent
MASKED_PHONE = re.compile(r"^1\d{2}\*{4}\d{4}$")


@pytest.fixture(scope="module", params=pg_support.ENGINES)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Result]]:
    """The demo county on each engine, built once for this module's read-only checks."""
    url = pg_support.engine_database(request.param, tmp_path_factory.mktemp("demo"))

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--config", str(ROOT / "chuishao.toml"), "--db", url, *args])
    built = run("demo", "--cases", "60", "--seed", "3", "--now", "2026-11-20T00:00")
    assert built.exit_code == 0, built.output
    yield run
    pg_support.release(url)


def as_json(result: Result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_township_lists_exactly_its_own_cases(demo: Callable[..., Result]) -> None:
    everything = as_json(demo("case", "list", "--json"))
    mine = as_json(demo("--as", "lixia", "case", "list", "--json"))
    assert isinstance(everything, list) and isinstance(mine, list)
    expected = {c["id"] for c in everything if c["township"] == "chengguan"}
    assert expected and {c["id"] for c in mine} == expected


def test_out_of_scope_case_is_no_permission_and_missing_is_not_found(demo: Callable[..., Result]) -> None:
    everything = as_json(demo("case", "list", "--json"))
    assert isinstance(everything, list)
    other = next(c["id"] for c in everything if c["township"] not in ("chengguan", None))
    for command in ("show", "history"):
        refused = demo("--as", "lixia", "case", command, str(other))
        assert refused.exit_code == 1
        assert f"no permission: case {other} is outside lixia's scope (township chengguan)" in refused.output
    missing = demo("--as", "lixia", "case", "show", "99999")
    assert missing.exit_code == 1 and "case 99999 does not exist" in missing.output


def test_township_sees_masked_phones_and_dispatcher_whole_ones(demo: Callable[..., Result]) -> None:
    mine = as_json(demo("--as", "lixia", "case", "list", "--json"))
    assert isinstance(mine, list)
    case_id = str(mine[0]["id"])
    masked = as_json(demo("--as", "lixia", "case", "show", case_id, "--json"))
    whole = as_json(demo("--as", "liuyang", "case", "show", case_id, "--json"))
    assert isinstance(masked, dict) and isinstance(whole, dict)
    for seen, full in zip(masked["reports"], whole["reports"], strict=True):
        assert re.fullmatch(r"1\d{10}", full["phone"])
        assert MASKED_PHONE.match(seen["phone"]) and seen["phone"] == mask_phone(full["phone"])
        assert seen["citizen_name"][0] == full["citizen_name"][0] and set(seen["citizen_name"][1:]) == {"*"}


def test_department_sees_its_assigned_cases_and_supervisor_all(demo: Callable[..., Result]) -> None:
    assigned = as_json(demo("case", "list", "--dept", "zhujian", "--json"))
    mine = as_json(demo("--as", "yangfan", "case", "list", "--json"))
    assert isinstance(assigned, list) and isinstance(mine, list)
    assert assigned and {c["id"] for c in mine} == {c["id"] for c in assigned}
    everything = as_json(demo("case", "list", "--json"))
    supervised = as_json(demo("--as", "sunli", "case", "list", "--json"))
    assert isinstance(everything, list) and isinstance(supervised, list)
    assert len(supervised) == len(everything)
    refused = demo("--as", "sunli", "case", "note", str(everything[0]["id"]), "--text", "督办组意见")
    assert refused.exit_code == 1 and "no permission: sunli (supervisor) may not note" in refused.output


def reported(ctx: Context, text: str = "东关社区路灯坏了，联系电话 138 1234 5678",
             township: str = "chengguan") -> int:
    case, _ = intake(ctx, NewReport(channel="hotline_12345", text=text, phone="13812345678",
                                    citizen_name="王小明", township=township))
    return int(case.id)


def test_phone_numbers_typed_into_text_are_masked_too(ctx_for: Callable[..., Context]) -> None:
    case_id = reported(ctx_for())
    lifecycle.note(ctx_for(), case_id, text="已回电 0731-84512345")
    clerk = ctx_for("lixia")
    detail = case_detail(clerk, queries.show(clerk, case_id))
    assert detail["reports"][0]["text"] == "东关社区路灯坏了，联系电话 138****5678"
    assert detail["reports"][0]["citizen_name"] == "王**"
    assert detail["notes"][0]["text"] == "已回电 0731-****2345"
    assert detail["events"][-1]["after"]["text"] == "已回电 0731-****2345"
    full = case_detail(ctx_for("liuyang"), queries.show(ctx_for("liuyang"), case_id))
    assert full["notes"][0]["text"] == "已回电 0731-84512345" and full["reports"][0]["phone"] == "13812345678"
    assert mask_text("工单号 2026112700012345 不是电话") == "工单号 2026112700012345 不是电话"


def test_scope_holds_for_every_read(ctx_for: Callable[..., Context]) -> None:
    admin = ctx_for()
    here = reported(admin)
    there = reported(admin, township="qiaotou", text="桥头镇路灯坏了")
    clerk = ctx_for("lixia")
    assert [c.id for c in queries.list_cases(clerk, CaseQuery())] == [here]
    assert queries.count_cases(clerk, CaseQuery()) == 1
    assert queries.view_counts(clerk)["all"] == 1
    assert queries.count_cases(clerk, CaseQuery(text="桥头镇")) == 0  # search cannot leak either
    for read in (queries.show, queries.history):
        with pytest.raises(PermissionDenied, match=f"case {there} is outside"):
            read(clerk, there)


def test_department_cannot_act_for_another_department(ctx_for: Callable[..., Context]) -> None:
    admin = ctx_for()
    case_id = reported(admin)
    lifecycle.triage(admin, case_id, category="城管执法", township="chengguan", priority="general",
                     decision="whistle")
    lifecycle.dispatch(admin, case_id, lead="zhujian", cooperating=["gongshui"])
    with pytest.raises(PermissionDenied, match="yangfan acts for zhujian, not gongshui"):
        department.acknowledge(ctx_for("yangfan"), case_id, department="gongshui")
    department.acknowledge(ctx_for("xuming"), case_id, department="gongshui")
    acked = department.acknowledge(ctx_for("yangfan"), case_id)
    assert acked.state == "acknowledged"
    elsewhere = reported(admin, township="qiaotou", text="桥头镇路灯坏了")
    with pytest.raises(PermissionDenied, match=r"outside yangfan's scope \(cases assigned to zhujian\)"):
        queries.show(ctx_for("yangfan"), elsewhere)


def test_a_disabled_operator_is_refused_at_the_next_step(ctx_for: Callable[..., Context],
                                                          cli_run: Callable[..., Result]) -> None:
    clerk = ctx_for("lixia")  # a console session already open
    case_id = reported(clerk)
    set_active(ctx_for(), "lixia", False)
    for attempt in (lambda: queries.list_cases(clerk, CaseQuery()), lambda: queries.show(clerk, case_id),
                    lambda: lifecycle.note(clerk, case_id, text="x"), lambda: reported(clerk)):
        with pytest.raises(PermissionDenied, match="operator 'lixia' is disabled"):
            attempt()
    for args in (("case", "list"), ("case", "show", str(case_id)),
                 ("intake", "add", "--channel", "grid", "--text", "x")):
        result = cli_run("--as", "lixia", *args)
        assert result.exit_code == 1 and "operator 'lixia' is disabled" in result.output, args
    assert cli_run("operator", "enable", "lixia").exit_code == 0
    assert cli_run("--as", "lixia", "case", "show", str(case_id)).exit_code == 0
