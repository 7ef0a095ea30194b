"""The audit trail covers content: a row edited, added or deleted past the event log is named.

Every event carries the digests of the audited rows it wrote (models/store/rowdigest.py), inside its
hashed fields; `audit verify` compares each row with the last event that wrote it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from models.store.events import event_digest
from tests.test_audit import ok, sql, verify


def last_writer(db: Path, table: str, row_id: int) -> int:
    """The newest event whose digests name this row."""
    return int(sql(db, "SELECT max(id) FROM event WHERE digests LIKE ?", f'%"{table}:{row_id}"%')[0][0])


@pytest.fixture
def county(cli_run: Callable[..., Result], db_path: Path) -> Path:
    """A small demo county: cases through every step, evaluations included."""
    ok(cli_run("init"))
    ok(cli_run("demo", "--cases", "30", "--seed", "3"))
    return db_path


def named(report: dict[str, Any], table: str, row_id: int) -> dict[str, Any]:
    found = [b for b in report["broken"] if (b.get("table"), b.get("row")) == (table, row_id)]
    assert len(found) == 1, report["broken"]
    return found[0]


def test_a_clean_demo_county_verifies_clean(cli_run: Callable[..., Result], county: Path) -> None:
    code, report = verify(cli_run)
    from models.store.rowdigest import AUDITED

    audited = sum(sql(county, f'SELECT count(*) FROM "{model._meta.table_name}"'
                              + (" WHERE parent_id IS NOT NULL" if table == "case_parent" else ""))[0][0]
                  for table, (model, _) in AUDITED.items())
    assert code == 0 and report["ok"] and report["rows"] == audited > 100
    assert f"{audited} audited rows match the events that wrote them" in ok(cli_run("audit", "verify"))


def test_a_clean_county_verifies_clean_on_every_engine(cli_run: Callable[..., Result]) -> None:
    """The digests a step computes from what it wrote match what either engine reads back."""
    ok(cli_run("init"))
    ok(cli_run("demo", "--cases", "15", "--seed", "5"))
    code, report = verify(cli_run)
    assert code == 0 and report["ok"] and report["rows"] > 50, report["broken"]


def test_a_report_text_edited_with_sqlite_is_named(cli_run: Callable[..., Result], county: Path) -> None:
    report_id, case_id = sql(county, "SELECT id, case_id FROM report ORDER BY id LIMIT 1")[0]
    sql(county, "UPDATE report SET text = '没有这回事' WHERE id = ?", report_id)
    result = cli_run("audit", "verify")
    assert result.exit_code == 1
    writer = last_writer(county, "report", report_id)
    assert (f"report {report_id} of case {case_id} differs from what event {writer} (" in result.output
            and "edited in the table directly" in result.output)
    code, report = verify(cli_run)
    assert code == 1 and named(report, "report", report_id) | {"detail": ""} == {
        "id": writer, "problem": "content mismatch", "detail": "", "table": "report", "row": report_id,
        "case": case_id}


def test_an_edited_case_lead_is_named(cli_run: Callable[..., Result], county: Path) -> None:
    case_id, lead = sql(county, 'SELECT id, lead FROM "case" WHERE lead IS NOT NULL ORDER BY id LIMIT 1')[0]
    sql(county, 'UPDATE "case" SET lead = ? WHERE id = ?', "someone_else" if lead != "someone_else" else "x",
        case_id)
    code, report = verify(cli_run)
    found = named(report, "case", case_id)
    assert code == 1 and found["id"] == last_writer(county, "case", case_id) and found["case"] == case_id
    assert len(report["broken"]) == 1  # nothing else was touched


def test_a_deleted_evaluation_is_named(cli_run: Callable[..., Result], county: Path) -> None:
    evaluation_id, case_id = sql(county, "SELECT id, case_id FROM evaluation ORDER BY id LIMIT 1")[0]
    writer = last_writer(county, "evaluation", evaluation_id)
    sql(county, "DELETE FROM evaluation WHERE id = ?", evaluation_id)
    code, report = verify(cli_run)
    found = named(report, "evaluation", evaluation_id)
    assert code == 1 and (found["id"], found["case"]) == (writer, case_id)
    assert f"last written by event {writer} (" in found["detail"] and "deleted in the table directly" in found["detail"]


def test_an_operator_role_changed_with_sqlite_is_named(cli_run: Callable[..., Result], county: Path) -> None:
    # A township clerk (a configured operator) made admin.
    operator_id, = sql(county, "SELECT id FROM operator WHERE name = 'lixia' AND role = 'township'")[0]
    sql(county, "UPDATE operator SET role = 'admin' WHERE id = ?", operator_id)
    code, report = verify(cli_run)
    found = named(report, "operator", operator_id)
    # The configured operators were seeded by `init`, which recorded each (issue 15 item 3).
    seeded = sql(county, "SELECT action FROM event WHERE id = ?", found["id"])[0][0]
    assert code == 1 and seeded == "operator_seed" and found["case"] is None


def test_a_row_added_in_the_table_is_named(cli_run: Callable[..., Result], county: Path) -> None:
    case_id, = sql(county, "SELECT case_id FROM assignment ORDER BY id LIMIT 1")[0]
    sql(county, "INSERT INTO assignment (case_id, department, role, state, active, dispatched_at, dispatched_by, "
                "return_count) VALUES (?, 'water', 'cooperating', 'pending', 1, 0, 'mallory', 0)", case_id)
    added, = sql(county, "SELECT max(id) FROM assignment")[0]
    code, report = verify(cli_run)
    found = named(report, "assignment", added)
    assert code == 1 and found["id"] is None and found["case"] == case_id
    assert "was written by no event: it was added in the table directly" in found["detail"]


def test_a_forged_digest_breaks_the_chain(cli_run: Callable[..., Result], county: Path) -> None:
    report_id, = sql(county, "SELECT id FROM report ORDER BY id LIMIT 1")[0]
    writer = last_writer(county, "report", report_id)
    sql(county, "UPDATE report SET text = '改过' WHERE id = ?", report_id)
    digests = json.loads(sql(county, "SELECT digests FROM event WHERE id = ?", writer)[0][0])
    digests[f"report:{report_id}"] = "0" * 32
    sql(county, "UPDATE event SET digests = ? WHERE id = ?", json.dumps(digests), writer)
    code, report = verify(cli_run)
    assert code == 1 and (report["broken_id"], report["problem"]) == (writer, "hash mismatch")


def test_pauses_and_extensions_are_covered(cli_run: Callable[..., Result], county: Path) -> None:
    case_id, = sql(county, "SELECT id FROM \"case\" WHERE state = 'on_site' ORDER BY id LIMIT 1")[0]
    ok(cli_run("case", "pause", str(case_id), "--reason", "等待鉴定"))
    pause_id, = sql(county, "SELECT max(id) FROM pause")[0]
    assert verify(cli_run)[0] == 0
    sql(county, "UPDATE pause SET reason = '没有暂停' WHERE id = ?", pause_id)
    code, report = verify(cli_run)
    assert code == 1 and named(report, "pause", pause_id)["case"] == case_id


def test_events_before_digests_keep_their_hashes() -> None:
    """An event written before schema 8 has no digests ("") and its hash covers the old fields alone."""
    from models.store.events import hashed_fields
    from models.store.schema import Event

    old = Event(case=1, at=0, operator="root", on_behalf_of=None, action="intake", state_before=None,
                state_after="new", before="{}", after="{}", digests="")
    assert "digests" not in hashed_fields(old)
    assert event_digest("", hashed_fields(old)) == event_digest("", {
        "case": 1, "at": 0, "operator": "root", "on_behalf_of": None, "action": "intake",
        "state_before": None, "state_after": "new", "before": "{}", "after": "{}"})


def test_init_records_the_seeded_operators_and_the_first_admin(cli_run: Callable[..., Result],
                                                                db_path: Path) -> None:
    """Setting up an empty database leaves an event per operator it wrote (issue 15 item 3)."""
    ok(cli_run("init"))
    logged = sql(db_path, "SELECT operator, action, after, digests FROM event ORDER BY id")
    configured = sql(db_path, "SELECT id, name FROM operator WHERE name != 'root' ORDER BY id")
    assert [(who, action) for who, action, _, _ in logged] == (
        [("root", "operator_seed")] * len(configured) + [("root", "operator_add")])
    assert [json.loads(after)["name"] for _, _, after, _ in logged[:-1]] == [name for _, name in configured]
    assert json.loads(logged[-1][2]) | {"display": ""} == {
        "name": "root", "display": "", "role": "admin", "township": None, "department": None,
        "os_user": "root", "active": True, "first_admin": True}
    root_id, = sql(db_path, "SELECT id FROM operator WHERE name = 'root'")[0]
    assert list(json.loads(logged[-1][3])) == [f"operator:{root_id}"]
    assert verify(cli_run)[0] == 0
    ok(cli_run("init"))  # set up again: nothing written, nothing recorded
    assert sql(db_path, "SELECT count(*) FROM event")[0][0] == len(logged)


def test_a_database_from_before_digests_verifies_and_is_checked_from_its_next_step(
        cli_run: Callable[..., Result], db_path: Path) -> None:
    """A schema-7 chain (events without digests) verifies before and after `init` upgrades it; its
    rows are not called added, and a case is checked again from the next event that writes it."""
    ok(cli_run("init"))
    for n in range(2):
        ok(cli_run("intake", "add", "--channel", "grid", "--text", f"西关村路灯不亮{n}"))
    prev = ""
    for row in sql(db_path, "SELECT id, case_id, at, operator, on_behalf_of, action, state_before, state_after, "
                            "before, after FROM event ORDER BY id"):
        fields = dict(zip(("case", "at", "operator", "on_behalf_of", "action", "state_before", "state_after",
                           "before", "after"), row[1:], strict=True))
        new = event_digest(prev, fields)  # rewritten as chuishao before schema 8 wrote them
        sql(db_path, "UPDATE event SET hash = ?, prev_hash = ? WHERE id = ?", new, prev, row[0])
        prev = new
    sql(db_path, "ALTER TABLE event DROP COLUMN digests")
    from models.store.migrations import CURRENT_VERSION

    sql(db_path, "UPDATE schema_version SET version = 7 WHERE version = ?", CURRENT_VERSION)  # before v8
    from models.ledger.audit import verify_chain
    from models.org.db import connect

    assert verify_chain(connect(f"sqlite:///{db_path}")).ok  # read as it is, before the upgrade
    ok(cli_run("init"))
    assert verify(cli_run)[0] == 0
    sql(db_path, "UPDATE report SET text = '改过' WHERE case_id = 1")  # written before digests: unseen
    assert verify(cli_run)[0] == 0
    ok(cli_run("case", "triage", "2", "--category", "城管执法", "--township", "chengguan",
               "--priority", "general", "--decision", "whistle"))
    sql(db_path, "UPDATE report SET text = '改过' WHERE case_id = 2")
    code, report = verify(cli_run)
    assert code == 1 and [(b["table"], b["case"]) for b in report["broken"]] == [("report", 2)]
