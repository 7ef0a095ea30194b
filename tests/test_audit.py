"""The tamper-evident audit trail: a changed, rewritten or deleted event is named; exports for inspection."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from models.store.events import event_digest

CASES = 3
# `init` records one event per configured operator it seeds (17) and one for the first admin (issue
# 15 item 3): the fixture's step events start after them, so the ids below are SETUP + their place.
SETUP = 18


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def county(cli_run: Callable[..., Result], db_path: Path) -> Path:
    """A few cases through a few steps: about a dozen chained events."""
    ok(cli_run("init"))
    for n in range(CASES):
        ok(cli_run("intake", "add", "--channel", "hotline_12345", "--phone", "13812345678",
                   "--text", f"西关村路灯不亮{n}，回电 13987654321", "--received", "2026-11-20T09:00"))
        ok(cli_run("case", "triage", str(n + 1), "--category", "城管执法", "--township", "chengguan",
                   "--priority", "general", "--decision", "whistle"))
        ok(cli_run("case", "note", str(n + 1), "--text", f"已联系 13987654321 第{n}次"))
    return db_path


def sql(db: Path, statement: str, *params: object) -> list[tuple[object, ...]]:
    con = sqlite3.connect(db)
    try:
        rows = con.execute(statement, params).fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def verify(cli_run: Callable[..., Result]) -> tuple[int, dict[str, object]]:
    result = cli_run("audit", "verify", "--json")
    return result.exit_code, json.loads(result.stdout)


def test_an_intact_chain_verifies(cli_run: Callable[..., Result], county: Path) -> None:
    code, report = verify(cli_run)
    assert code == 0 and report["ok"] and report["checked"] == SETUP + 3 * CASES
    assert report["head"] == sql(county, "SELECT hash FROM event ORDER BY id DESC LIMIT 1")[0][0]
    assert f"audit chain intact: {SETUP + 9} events" in ok(cli_run("audit", "verify"))


def test_one_changed_byte_names_that_event(cli_run: Callable[..., Result], county: Path) -> None:
    triage = SETUP + 5  # case 2's triage
    sql(county, "UPDATE event SET after = replace(after, 'whistled', 'whistlee') WHERE id = ?", triage)
    result = cli_run("audit", "verify")
    assert result.exit_code == 1
    assert f"audit chain BROKEN at event {triage}: hash mismatch" in result.output
    assert f"event {triage} (triage, case 2, by root) no longer matches its recorded hash" in result.output
    code, report = verify(cli_run)
    assert code == 1 and report["broken_id"] == triage and [b["id"] for b in report["broken"]] == [triage]


def test_a_rewritten_event_with_a_fresh_hash_breaks_the_next_link(cli_run: Callable[..., Result],
                                                                  county: Path) -> None:
    intake = SETUP + 4  # case 2's intake
    (prev_hash, case, at, behalf, action, s_before, s_after, before, after, digests), = sql(
        county, "SELECT prev_hash, case_id, at, on_behalf_of, action, state_before, state_after, "
                "before, after, digests FROM event WHERE id = ?", intake)
    forged_after = str(after).replace("西关村", "东关村")
    fields = {"case": case, "at": at, "operator": "someone_else", "on_behalf_of": behalf, "action": action,
              "state_before": s_before, "state_after": s_after, "before": before, "after": forged_after,
              "digests": digests}
    sql(county, "UPDATE event SET operator = ?, after = ?, hash = ? WHERE id = ?",
        "someone_else", forged_after, event_digest(str(prev_hash), fields), intake)
    code, report = verify(cli_run)
    assert code == 1 and (report["broken_id"], report["problem"]) == (intake + 1, "prev_hash mismatch")
    assert f"event {intake + 1} chains to" in str(report["detail"])


def test_a_deleted_event_is_a_gap_and_a_cut_tail_misses_its_anchor(cli_run: Callable[..., Result],
                                                                   county: Path) -> None:
    _, report = verify(cli_run)
    anchor = str(report["head"])
    sql(county, "DELETE FROM event WHERE id = ?", SETUP + 9)  # the newest: the rest still chains …
    code, report = verify(cli_run)  # … but it wrote note 3, which now has no event
    assert code == 1 and report["detail"] == ("note 3 of case 3 matches no note event: it was edited or "
                                              "added in the table directly")
    sql(county, "DELETE FROM note WHERE id = 3")  # a forger who removes the row too: only the anchor shows it
    assert verify(cli_run)[0] == 0
    cut = cli_run("audit", "verify", "--anchor", anchor)
    assert cut.exit_code == 1 and "anchor not found" in cut.output
    sql(county, "DELETE FROM event WHERE id = ?", SETUP + 3)
    code, report = verify(cli_run)
    assert code == 1 and (report["broken_id"], report["problem"]) == (SETUP + 4, "gap")
    assert f"event {SETUP + 4} follows event {SETUP + 2}: event {SETUP + 3} missing (deleted)" in str(report["detail"])


def test_export_between_dates_for_the_inspection_office(cli_run: Callable[..., Result], county: Path,
                                                        tmp_path: Path) -> None:
    # case 1's events and the set-up events before them: a month earlier
    sql(county, "UPDATE event SET at = at - 86400 * 30 WHERE id <= ?", SETUP + 3)
    # (re-hash nothing: export does not verify; it hands over what is stored, hashes included)
    lines = ok(cli_run("audit", "export", "--from", "2026-11-01", "--to", "2100-12-31")).splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["id"] for r in rows] == list(range(SETUP + 4, SETUP + 10))
    assert next(r["after"]["text"] for r in rows if r["action"] == "note") == "已联系 13987654321 第1次"
    assert all(len(r["hash"]) == 64 and r["masked"] is False for r in rows)
    # A supervisor (the discipline inspection office sits with them) gets personal data masked.
    out = tmp_path / "audit.csv"
    result = cli_run("--as", "sunli", "audit", "export", "--from", "2026-11-01", "--to", "2100-12-31",
                     "--format", "csv", "--output", str(out))
    assert result.exit_code == 0 and "7 events exported" in result.output  # the first export is one more
    table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    notes = [r for r in table if r["action"] == "note"]
    assert len(table) == 7 and json.loads(notes[0]["after"])["text"] == "已联系 139****4321 第1次"
    assert notes[0]["masked"] == "True" and notes[0]["action_label"] == "办理进展"
    again = cli_run("--as", "sunli", "audit", "export", "--from", "2026-11-01", "--to", "2026-12-01",
                    "--output", str(out))
    assert again.exit_code == 2 and "already exists" in again.output
    exports = sql(county, "SELECT operator, on_behalf_of, after FROM event WHERE action = 'audit_export'")
    assert len(exports) == 2 and exports[1][:2] == ("root", "sunli")  # every export is itself on record


def test_audit_is_for_supervisors_and_admins_and_dates_are_checked(cli_run: Callable[..., Result],
                                                                   county: Path) -> None:
    for who in ("lixia", "liuyang", "yangfan"):
        refused = cli_run("--as", who, "audit", "verify")
        assert refused.exit_code == 1 and "may not audit" in refused.output
    backwards = cli_run("audit", "export", "--from", "2026-11-30", "--to", "2026-11-01")
    assert backwards.exit_code == 2 and "must be after --from" in backwards.output
    garbled = cli_run("audit", "export", "--from", "yesterday", "--to", "2026-11-01")
    assert garbled.exit_code == 2 and "not ISO 8601" in garbled.output


def test_a_note_edited_or_deleted_in_the_table_is_named(cli_run: Callable[..., Result], county: Path) -> None:
    """The event log is intact, but the notes table no longer says what the note events recorded."""
    sql(county, "UPDATE note SET text = '已联系，群众表示满意' WHERE id = 2")
    code, report = verify(cli_run)
    assert code == 1 and report["problem"] == "content mismatch"
    assert [b["detail"] for b in report["broken"]] == [
        "note 2 of case 2 matches no note event: it was edited or added in the table directly",
        (f"event {sql(county, 'SELECT id FROM event WHERE case_id = 2 AND action = ?', 'note')[0][0]} "
        f"recorded a note on case 2 that is no longer there: it was deleted or edited")]
    sql(county, "DELETE FROM note WHERE id = 3")
    deleted = cli_run("audit", "verify")
    assert deleted.exit_code == 1
    assert "recorded a note on case 3 that is no longer there: it was deleted or edited" in deleted.output
