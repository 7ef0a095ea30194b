"""Issue 16 item 10: steps that were allowed or refused wrongly — resolve before 报到 on an urgent case,
a township's extension of its own local case, evaluate without a rating."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.cases import department, lifecycle, pausing
from models.errors import InvalidState, PermissionDenied
from tests.clock_support import at, county, epoch


def _urgent(c, moment):  # type: ignore[no-untyped-def]
    case_id = c.new_case(moment)
    lifecycle.triage(c.ctx("liuyang", moment), case_id, category="城管执法", township="chengguan",
                     priority="urgent", decision="whistle")
    c.dispatch(case_id, moment)
    department.acknowledge(c.ctx("yangfan", moment), case_id)
    return case_id


def test_an_urgent_case_is_not_resolved_before_its_lead_reports_on_site(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    case_id = _urgent(c, at(2026, 10, 12, 9))
    # 事不完，人不走: resolve_requires_arrival is on for urgent (and utility) in the shipped config.
    assert c.config.priorities["urgent"].resolve_requires_arrival
    assert not c.config.priorities["general"].resolve_requires_arrival
    with pytest.raises(InvalidState, match="must report on site"):
        lifecycle.resolve(c.ctx("yangfan", at(2026, 10, 12, 9, 20)), case_id, result="已处置")
    department.arrive(c.ctx("yangfan", at(2026, 10, 12, 9, 25)), case_id)
    assert lifecycle.resolve(c.ctx("yangfan", at(2026, 10, 12, 9, 40)), case_id, result="已处置").state == "resolved"


def test_the_rule_is_configurable_per_priority(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url, replace={"resolve_requires_arrival = true   # 事不完，人不走：主责部门须先报到才能办结":
                                  "resolve_requires_arrival = false"})
    assert not c.config.priorities["urgent"].resolve_requires_arrival
    case_id = _urgent(c, at(2026, 10, 12, 9))
    assert lifecycle.resolve(c.ctx("yangfan", at(2026, 10, 12, 9, 20)), case_id, result="已处置").state == "resolved"


def test_a_township_extends_its_own_local_case_not_a_whistled_one(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    local = c.new_case(at(2026, 10, 12, 9))
    lifecycle.triage(c.ctx("lixia", at(2026, 10, 12, 9)), local, category="城管执法", township="chengguan",
                     priority="general", decision="local")
    # Resolve due 7 days after receipt, Mon 10-19 09:00; 3 working days more → Thu 10-22 09:00.
    row = pausing.request_extension(c.ctx("lixia", at(2026, 10, 16, 9)), local, by="3wd", reason="等待产权人回乡")
    assert (row.old_due, row.new_due) == (epoch(2026, 10, 19, 9), epoch(2026, 10, 22, 9))
    whistled = c.dispatched_case(at(2026, 10, 12, 9))
    with pytest.raises(PermissionDenied, match="was whistled"):
        pausing.request_extension(c.ctx("lixia", at(2026, 10, 16, 9)), whistled, by="3wd", reason="x")


def test_evaluate_without_rating_or_unreachable_is_a_usage_error(tmp_path: Path, db_url: str) -> None:
    c = county(tmp_path, db_url)
    case_id = c.dispatched_case(c.now)
    for args in ((), ("--rating", "satisfied", "--unreachable")):
        result = c.run("case", "evaluate", str(case_id), "--source", "citizen", *args)
        assert result.exit_code == 2, result.output
        assert "give exactly one of --rating RATING or --unreachable" in result.output
        assert "Traceback" not in result.output
