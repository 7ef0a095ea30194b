"""Every audited table, not only a case's own rows: a direct UPDATE, DELETE or INSERT is named.

Supervision orders, ladder steps, joint-meeting decisions, merge records, split links,
accountability records, meetings and settings carry digests in the events that wrote them since
schema 12 (models/store/rowdigest.py). Each table is edited here through the engine's own SQL, past
chuishao, on SQLite and PostgreSQL, and `audit verify` must name the table, the row and the event
that covers it. Migration 12 records the rows an older database already held.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import Result

from models.store import engine
from models.store.events import canonical, event_digest, hashed_fields
from models.store.rowdigest import AUDITED, SINCE_12, case_of, current, of_rows
from models.store.schema import Event
from tests.cli_support import Clock
from tests.test_audit import ok, verify


def run_sql(db_url: str, statement: str, *params: object) -> list[tuple[Any, ...]]:
    """One statement through the engine itself ("?" placeholders), committed: what someone with the
    database's password or file would type."""
    db = engine.open_database(db_url)
    engine.connect(db, db_url)
    try:
        cursor = db.execute_sql(statement.replace("?", db.param), params)
        return list(cursor.fetchall()) if cursor.description else []
    finally:
        db.close()


def first(db_url: str, statement: str, *params: object) -> Any:
    rows = run_sql(db_url, statement, *params)
    assert rows, statement
    return rows[0][0]


@dataclass
class County:
    url: str
    run: Callable[..., Result]

    def ids(self, table: str) -> list[Any]:
        model = AUDITED[table][0]
        key = model._meta.primary_key.column_name
        where = " WHERE parent_id IS NOT NULL" if table == "case_parent" else ""
        return [r[0] for r in run_sql(self.url, f'SELECT {key} FROM "{model._meta.table_name}"{where} ORDER BY {key}')]

    def writer(self, table: str, row_id: Any) -> int:
        """The newest event whose digests name this row."""
        return int(first(self.url, "SELECT max(id) FROM event WHERE digests LIKE ?", f'%"{table}:{row_id}"%'))


def open_case(url: str, state: str, skip: tuple[int, ...] = ()) -> tuple[int, str | None]:
    rows = run_sql(url, 'SELECT id, lead FROM "case" WHERE state = ? ORDER BY id', state)
    return next((r[0], r[1]) for r in rows if r[0] not in skip)


@pytest.fixture
def county(cli_run: Callable[..., Result], db_url: str, clock: Clock) -> County:
    """A demo county with two rows or more in every table schema 12 audits, each written by chuishao."""
    ok(cli_run("init"))
    ok(cli_run("demo", "--cases", "30", "--seed", "3"))
    for n in range(2):  # two split cases: two split links each
        out = ok(cli_run("intake", "add", "--channel", "grid", "--text", f"西关村{n}组路灯不亮，井盖也缺了"))
        case_id = out.split()[1]
        ok(cli_run("case", "split", case_id, "--part", "路灯不亮", "--part", "井盖缺失"))
    on_site, lead = open_case(db_url, "on_site")
    ok(cli_run("supervise", "order", str(on_site), "--instruction", "三日内办结并报告"))
    for reason in ("签收超时三次", "报到超时"):
        ok(cli_run("supervise", "accountability", "add", "--dept", str(lead), "--reason", reason,
                   "--case", str(on_site)))
    for n, state in enumerate(("dispatched", "acknowledged")):
        case_id, dept = open_case(db_url, state) if run_sql(
            db_url, 'SELECT id FROM "case" WHERE state = ?', state) else open_case(db_url, "on_site", (on_site,))
        ok(cli_run("meeting", "record", "--date", f"2026-11-2{n + 5}T15:00", "--attendee", str(dept),
                   "--decision", f"{case_id}:{dept}:联合整治:2026-12-2{n}", "--notes", f"第{n + 1}次联席会议"))
    for n in range(2):  # two merges, of a case reported twice
        pair = [ok(cli_run("intake", "add", "--channel", "hotline_12345", "--text", f"东街{n}号门前污水外溢")).split()[1]
                for _ in range(2)]
        ok(cli_run("case", "merge", *pair))
    clock.advance(days=12)
    ok(cli_run("supervise", "sweep"))  # reminders: ladder steps and orders of kind reminder
    c = County(db_url, cli_run)
    for table in SINCE_12:
        assert len(c.ids(table)) >= (1 if table == "setting" else 2), table
    code, report = verify(cli_run)
    assert code == 0 and report["ok"], report["broken"]
    return c


def named(report: dict[str, Any], table: str, row_id: Any) -> dict[str, Any]:
    found = [b for b in report["broken"] if (b.get("table"), b.get("row")) == (table, row_id)]
    assert len(found) == 1, (table, row_id, report["broken"])
    return found[0]


# table → a column a direct edit overwrites, its edited value, and the value in a row inserted as a
# copy of another (a ladder step is unique by its case, clock, department and due).
EDITS: dict[str, tuple[str, object, object]] = {
    "supervision_order": ("instruction", "无需办理", "重新下达"),
    "ladder_step": ("due", 0, 1),
    "meeting_decision": ("plan", "不用管了", "另一个方案"),
    "merge_record": ("report_ids", "[]", "[1]"),
    "accountability": ("reason", "查无此事", "另一条"),
    "meeting": ("notes", "会议纪要已改", "补记"),
}


def _columns(table: str) -> str:
    model, columns = AUDITED[table]
    return ", ".join(model._meta.fields[c].column_name for c in columns)


@pytest.mark.parametrize("table", list(EDITS))
def test_a_direct_update_delete_and_insert_are_named(county: County, table: str) -> None:
    name = AUDITED[table][0]._meta.table_name
    deleted, edited = county.ids(table)[0], county.ids(table)[-1]  # a new row gets an id of its own
    column, value, inserted = EDITS[table]
    edited_by, deleted_by = county.writer(table, edited), county.writer(table, deleted)
    run_sql(county.url, f'UPDATE "{name}" SET {column} = ? WHERE id = ?', value, edited)
    also = 0  # a meeting goes with its decisions (their foreign key), each named too
    if table == "meeting":
        also = len(run_sql(county.url, "SELECT id FROM meeting_decision WHERE meeting_id = ?", deleted))
        run_sql(county.url, "DELETE FROM meeting_decision WHERE meeting_id = ?", deleted)
    run_sql(county.url, f'DELETE FROM "{name}" WHERE id = ?', deleted)
    copied = ", ".join("?" if c == column else c for c in _columns(table).split(", "))
    run_sql(county.url, f'INSERT INTO "{name}" ({_columns(table)}) SELECT {copied} FROM "{name}" WHERE id = ?',
            inserted, edited)
    added = county.ids(table)[-1]
    code, report = verify(county.run)
    assert code == 1 and report["problem"] == "content mismatch"
    assert len(report["broken"]) == 3 + also, report["broken"]
    found = named(report, table, edited)
    assert found["id"] == edited_by and "edited in the table directly" in found["detail"]
    assert f"differs from what event {edited_by} (" in found["detail"]
    found = named(report, table, deleted)
    assert found["id"] == deleted_by and "deleted in the table directly" in found["detail"]
    found = named(report, table, added)
    assert found["id"] is None and "added in the table directly" in found["detail"]
    if table in ("supervision_order", "ladder_step", "meeting_decision"):  # a case's rows name the case
        case_id = first(county.url, f'SELECT case_id FROM "{name}" WHERE id = ?', edited)
        assert named(report, table, edited)["case"] == case_id
        assert f"{table} {edited} of case {case_id} differs" in named(report, table, edited)["detail"]


def test_a_split_link_changed_cleared_or_set_is_named(county: County) -> None:
    changed, cleared = county.ids("case_parent")[:2]
    writers = county.writer("case_parent", changed), county.writer("case_parent", cleared)
    run_sql(county.url, 'UPDATE "case" SET parent_id = 1 WHERE id = ?', changed)
    run_sql(county.url, 'UPDATE "case" SET parent_id = NULL WHERE id = ?', cleared)
    run_sql(county.url, 'UPDATE "case" SET parent_id = 1 WHERE id = 2')  # was split from nothing
    code, report = verify(county.run)
    assert code == 1 and len(report["broken"]) == 3, report["broken"]
    assert named(report, "case_parent", changed)["id"] == writers[0]
    assert "deleted in the table directly" in named(report, "case_parent", cleared)["detail"]
    assert named(report, "case_parent", cleared)["id"] == writers[1]
    assert named(report, "case_parent", 2)["id"] is None


def test_settings_changed_added_or_deleted_are_named(county: County) -> None:
    """The demo's mark lets anyone replace the database: a mark slipped in is caught."""
    writer = county.writer("setting", "demo.county")
    assert first(county.url, "SELECT action FROM event WHERE id = ?", writer) == "setting"
    run_sql(county.url, "UPDATE setting SET value = ? WHERE key = ?", '{"seed":9}', "demo.county")
    run_sql(county.url, "INSERT INTO setting (key, value, updated_at) VALUES (?, ?, ?)", "suggest.model", "{}", 0)
    code, report = verify(county.run)
    assert code == 1 and len(report["broken"]) == 2, report["broken"]
    assert named(report, "setting", "demo.county")["id"] == writer
    assert named(report, "setting", "suggest.model")["id"] is None
    run_sql(county.url, "DELETE FROM setting")
    code, report = verify(county.run)
    found = named(report, "setting", "demo.county")
    assert code == 1 and len(report["broken"]) == 1 and found["id"] == writer and found["case"] is None
    assert "setting demo.county, last written by event" in found["detail"]


def test_the_case_rows_of_a_step_are_read_back_identically(county: County, cli_run: Callable[..., Result]) -> None:
    """One query reads every row of a case as text and gives each value back its type: the digests
    a step computes equal those `audit verify` computes from the rows read as the engine stores them
    (booleans and integers included: an assignment's `active`, a step's times)."""
    case_id, = run_sql(county.url, "SELECT case_id FROM supervision_order ORDER BY id LIMIT 1")[0]
    ok(cli_run("case", "note", str(case_id), "--text", "已电话联系责任单位"))
    event = run_sql(county.url, "SELECT digests FROM event ORDER BY id DESC LIMIT 1")[0][0]
    tables = {key.split(":")[0] for key in json.loads(event)}
    assert {"case", "report", "assignment", "supervision_order", "ladder_step"} <= tables
    assert verify(cli_run)[0] == 0


def test_verify_digests_every_row_as_a_step_does(county: County) -> None:
    """`audit verify` digests each table's rows with a digester built once per table (only its
    boolean columns turned into 0/1, a report's address key as before schema 10) and takes the case
    from the column's place found once: on either engine, row for row, the digest and case equal
    rowdigest.digest's and case_of's for the same rows (booleans, integers and NULLs included)."""
    db = engine.open_database(county.url)
    engine.connect(db, county.url)
    seen = set()
    try:
        for table, (model, columns) in AUDITED.items():
            walked = {row_id: (case, value) for row_id, case, value in current(db, table, batch=7)}
            if walked:
                seen.add(table)
            read = db.execute(model.select(model._meta.primary_key, *[model._meta.fields[c] for c in columns])
                              .where(model._meta.primary_key.in_(list(walked)))).fetchall()
            digests = of_rows(db, table, list(walked))
            assert walked == {r[0]: (case_of(table, r[0], r[1:]), digests[f"{table}:{r[0]}"]) for r in read}, table
    finally:
        db.close()
    # booleans (operator, assignment), a case column (report), an own case (case_parent), a text id (setting)
    assert {"operator", "assignment", "report", "case_parent", "setting", *SINCE_12} <= seen


def _rechain_without(db_url: str, tables: tuple[str, ...]) -> None:
    """Rewrite the chain as chuishao before schema 12 wrote it: no digests of these tables."""
    prev = ""
    columns = ("id", "case_id", "at", "operator", "on_behalf_of", "action", "state_before", "state_after",
               "before", "after", "digests")
    for row in run_sql(db_url, f"SELECT {', '.join(columns)} FROM event ORDER BY id"):
        values = dict(zip(columns, row, strict=True))
        kept = {k: v for k, v in json.loads(values["digests"] or "{}").items() if k.split(":")[0] not in tables}
        digests = canonical(kept) if values["digests"] else ""
        event = Event(case=values["case_id"], at=values["at"], operator=values["operator"],
                      on_behalf_of=values["on_behalf_of"], action=values["action"],
                      state_before=values["state_before"], state_after=values["state_after"],
                      before=values["before"], after=values["after"], digests=digests)
        new = event_digest(prev, hashed_fields(event))
        run_sql(db_url, "UPDATE event SET digests = ?, hash = ?, prev_hash = ? WHERE id = ?",
                digests, new, prev, values["id"])
        prev = new


def test_an_older_database_is_baselined_by_migration_13(county: County, cli_run: Callable[..., Result]) -> None:
    """A schema-9 county whose events never named these tables: `init` records the rows it holds in
    "audit_baseline" events, verify stays clean, and from then on an edit is named."""
    from models.store.migrations import CURRENT_VERSION

    _rechain_without(county.url, SINCE_12)
    run_sql(county.url, "UPDATE schema_version SET version = 9 WHERE version = ?", CURRENT_VERSION)
    from models.ledger.audit import verify_chain
    from models.org.db import connect

    unbased = verify_chain(connect(county.url))  # read as it is: rows no event wrote, called added
    assert not unbased.ok and {b["table"] for b in unbased.broken} <= set(SINCE_12)
    ok(cli_run("init"))
    baselines = run_sql(county.url, "SELECT operator, after, digests FROM event WHERE action = 'audit_baseline'")
    assert len(baselines) == 1 and json.loads(baselines[0][1])["rows"] == len(json.loads(baselines[0][2]))
    code, report = verify(cli_run)
    assert code == 0, report["broken"]
    order = county.ids("supervision_order")[0]
    run_sql(county.url, "UPDATE supervision_order SET instruction = ? WHERE id = ?", "改过", order)
    code, report = verify(cli_run)
    found = named(report, "supervision_order", order)
    assert code == 1 and first(county.url, "SELECT action FROM event WHERE id = ?", found["id"]) == "audit_baseline"
