"""The models/ side of the console: keyset paging in every view and sort, the change token, the
refusal check before a dialog, the pinyin index of the pickers and duty-list matching."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from models.cases import queries
from models.cases.queries import CaseQuery
from models.demo.bulkload import bulk_load
from models.org import pinyin_index
from models.org.config import Config
from models.org.context import Context
from models.org.dutymatch import decision_for, matching_duty_items
from models.store.schema import Case
from tests.console_support import console, fixed, new_case, run_async, screen_text, settle


def expected_order(ctx: Context, q: CaseQuery) -> list[int]:
    """The queue's order computed in Python: rows with a value by (value, id), then the rest by id."""
    rows = list(queries.build(ctx, q))
    with_value = [c for c in rows if getattr(c, q.sort) is not None]
    without = [c for c in rows if getattr(c, q.sort) is None]
    ordered = sorted(with_value, key=lambda c: (getattr(c, q.sort), c.id), reverse=q.descending)
    return [c.id for c in ordered] + sorted((c.id for c in without), reverse=q.descending)


def walk_back(ctx: Context, q: CaseQuery, size: int) -> list[int]:
    out: list[int] = []
    key = None
    while True:
        page = queries.page_before(ctx, q, key, size)
        out[:0] = [c.id for c in page.cases]
        if page.at_start or not page.cases:
            return out
        key = queries.sort_key(q, page.cases[0])


@pytest.fixture
def county(ctx_for: Callable[..., Context]) -> Context:
    admin = fixed(ctx_for())
    bulk_load(admin.config, admin.db, 400, admin.now(), seed=2)
    return admin


@pytest.mark.parametrize("view", list(queries.VIEWS))
def test_pages_forward_and_back_match_the_full_order(county: Context, view: str) -> None:
    for sort in ("next_due", "township", "channel", "received_at"):
        for descending in (False, True):
            # light rows (a few columns, as the console reads them) for half of the walks
            q = CaseQuery(view=view, sort=sort, descending=descending, columns=("title",) if descending else ())
            expected = expected_order(county, q)
            assert [c.id for c in queries.iter_cases(county, q, page_size=9)] == expected, (sort, descending)
            assert walk_back(county, q, 13) == expected, (sort, descending)
            if len(expected) > 12:
                page, index = queries.page_around(county, q, expected[6], before=3, after=4)
                assert [c.id for c in page.cases] == expected[3:10] and page.cases[index].id == expected[6]


@pytest.mark.parametrize(("who", "share"), [("yangfan", 0.0), ("yangfan", 2.0), ("lixia", 0.0)])
def test_department_and_township_queues_page_and_count_like_the_full_order(
        county: Context, ctx_for: Callable[..., Context], who: str, share: float,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A large department's pages walk the queue's index with its cases as a filter, a small one's
    start from its cases, and its view counts come from one grouped pass: all must agree with the
    plain scoped query."""
    monkeypatch.setattr(queries, "LARGE_DEPARTMENT_SHARE", share)  # 0: every department large; 2: none
    monkeypatch.setattr(queries, "_DEPARTMENT_SIZES", {})
    ctx = fixed(ctx_for(who))
    assert queries.count_cases(ctx, CaseQuery()) > 20  # the bulk county gives both a queue to walk
    for view in queries.VIEWS:
        for descending in (False, True):
            q = CaseQuery(view=view, descending=descending)
            expected = expected_order(ctx, q)
            assert [c.id for c in queries.iter_cases(ctx, q, page_size=7)] == expected, (view, descending)
            assert walk_back(ctx, q, 11) == expected, (view, descending)
    for base in (CaseQuery(), CaseQuery(overdue=True), CaseQuery(states=("acknowledged", "on_site", "closed")),
                 CaseQuery(channel="hotline_12345", include_merged=True), CaseQuery(township="chengguan")):
        assert queries.view_counts(ctx, base) == {
            view: queries.count_cases(ctx, base.with_(view=view)) for view in queries.VIEWS}, base


@pytest.mark.sqlite_only("asserts on SQLite's EXPLAIN QUERY PLAN (which index a page walks)")
def test_a_dispatcher_filtering_by_department_sees_that_department_s_queue(
        county: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queries, "_DEPARTMENT_SIZES", {})
    mine = CaseQuery(department="zhujian")
    expected = expected_order(county, mine)
    assert expected
    assert [c.id for c in queries.iter_cases(county, mine, page_size=8)] == expected
    assert queries.view_counts(county, mine)["all"] == len(expected)
    # A page walks the deadline index, the department's cases only tested against (never one look-up
    # per assigned case, then a sort: ~100 ms a statement for a big department at a million cases).
    walk = queries.build(county, mine.with_(states=("acknowledged",)), walk=True).order_by(
        Case.next_due, Case.id).limit(10)
    sql, params = walk.sql()
    plan = " ".join(str(row) for row in county.db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "INTEGER PRIMARY KEY" not in plan and "case_state_next_due_id" in plan, plan


def test_page_flags_and_listing(county: Context) -> None:
    q = CaseQuery()
    first = queries.page_after(county, q, None, 50)
    assert first.at_start and not first.at_end and len(first.cases) == 50
    expected = expected_order(county, q)
    assert [c.id for c in queries.list_cases(county, q, limit=5, offset=48)] == expected[48:53]
    last = queries.page_before(county, q, None, 10)
    assert last.at_end and not last.at_start and [c.id for c in last.cases] == expected[-10:]
    closed = next(c.id for c in queries.iter_cases(county, q.with_(states=("closed",))))
    assert queries.page_around(county, q.with_(view="new"), closed) is None  # not in that view


def test_change_token_moves_with_every_change(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    before = queries.change_token(admin)
    cid = new_case(admin, "路灯不亮")
    after_intake = queries.change_token(admin)
    assert after_intake != before
    from models.cases import lifecycle

    lifecycle.note(admin, cid, text="已联系")
    assert queries.change_token(admin) != after_intake


def test_refusal_is_known_before_the_dialog(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = new_case(admin, "垃圾没人清运")
    case = queries.show(admin, cid)
    assert queries.step_refusal(admin, case, "triage") is None
    refusal = queries.step_refusal(admin, case, "resolve")
    assert refusal is not None and f"case {cid} is new: cannot resolve" in refusal.message
    department_op = fixed(ctx_for("yangfan"))
    assert "may not triage" in str(queries.step_refusal(department_op, case, "triage"))
    assert queries.available_steps(admin, case)[0] == "triage"
    assert "resolve" not in queries.available_steps(admin, case)


def test_pinyin_index_finds_by_chinese_pinyin_and_initials(config: Config) -> None:
    index = pinyin_index.config_indexes(config)
    for query in ("住建", "zhujian", "zj", "住建局", "房管局"):
        assert pinyin_index.search(index["department"], query)[0].id == "zhujian", query
    assert pinyin_index.search(index["township"], "cgz")[0].id == "chengguan"
    assert pinyin_index.search(index["category"], "zaoyin")[0].id == "环境保护/环境污染/噪音污染"
    assert pinyin_index.search(index["category"], "城管执法")[0].id.endswith("/城管执法")
    assert pinyin_index.search(index["department"], "") == index["department"]
    assert pinyin_index.search(index["department"], "qqqqq") == []


def test_duty_items_match_by_category_then_keywords(config: Config) -> None:
    items = matching_duty_items(config, "环境保护/环境污染/噪音污染", "楼下夜间施工太吵")
    assert items[0].code == "CS-010" and decision_for(items[0]) == "whistle"
    by_words = matching_duty_items(config, None, "村口垃圾没人清运，邻居吵架")
    assert {i.code for i in by_words} >= {"XZ-001", "XZ-002"}
    assert decision_for(config.duty_items["XZ-001"]) == "local" and decision_for(None) is None


@pytest.mark.sqlite_only("asserts on SQLite's EXPLAIN QUERY PLAN (which index a page walks)")
def test_migration_5_gives_townships_their_deadline_index(ctx_for: Callable[..., Context]) -> None:
    from models.store.migrations import CURRENT_VERSION, migrate, schema_version
    from models.store.schema import SchemaVersion

    ctx = ctx_for()
    db = ctx.db
    db.execute_sql('DROP INDEX "case_township_state_next_due"')  # back to a version 4 database
    db.execute_sql('CREATE INDEX "case_township_state" ON "case" ("township", "state")')
    SchemaVersion.update(version=4).execute()
    assert schema_version(db) == 4 and migrate(db, ctx.config.places) == (4, CURRENT_VERSION) and CURRENT_VERSION >= 5
    names = {index.name for index in db.get_indexes("case")}
    assert "case_township_state_next_due" in names and "case_township_state" not in names
    clerk = ctx_for("lixia")
    sql, params = queries.build(clerk, CaseQuery(view="overdue")).select(Case.id).sql()
    plan = " ".join(str(row) for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "COVERING INDEX case_township_state_next_due" in plan, plan  # the overdue count reads no row


@run_async
async def test_last_row_key_fills_the_screen_with_the_final_rows(county: Context) -> None:
    app = console(county)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("G")  # 400 cases: the last page is fetched, not scrolled to
        await settle(pilot)
        table = app.screen.table
        assert table.at_end and table.cursor == len(table.rows) - 1
        shown = [line for line in screen_text(app).splitlines()[4:] if line.strip()]
        assert len(shown) >= table.visible - 1, "the last row sat at the top of an empty screen"
        assert table.cursor - table.top == table.visible - 1  # the cursor on the bottom line
