"""The models/ side of the console: keyset paging in every view and sort, the change token, the
refusal check before a dialog, the pinyin index of the pickers and duty-list matching."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from models import pinyin_index, queries
from models.bulkload import bulk_load
from models.config import Config
from models.context import Context
from models.dutymatch import decision_for, matching_duty_items
from models.queries import CaseQuery
from tests.console_support import fixed, new_case


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
    from models import lifecycle

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
