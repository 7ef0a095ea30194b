"""The benchmarks' bulk loader on both engines: the case ids it writes are the ones its reports and
assignments name, and later cases are numbered after them (a PostgreSQL sequence moved past them)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from models.demo.bulkload import bulk_load
from models.org.context import Context
from models.store.schema import Assignment, Case, Report
from tests.console_support import fixed, new_case


class _Undo(Exception):
    pass


def test_bulk_ids_follow_the_existing_cases_and_later_intakes_follow_them(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    first = new_case(admin, "东关社区路灯不亮")
    with pytest.raises(_Undo), admin.db.atomic():  # an intake rolled back: PostgreSQL's sequence moved on
        new_case(admin, "西关社区下水道堵塞")
        raise _Undo
    assert bulk_load(admin.config, admin.db, 300, admin.now(), seed=2, batch=100) == 300
    ids = [c.id for c in Case.select(Case.id).order_by(Case.id)]
    assert ids == list(range(first, first + 301))
    assert {r.case_id for r in Report.select(Report.case)} == set(ids)
    assert {a.case_id for a in Assignment.select(Assignment.case)} <= set(ids)
    after = new_case(admin, "南关社区夜间施工噪音")
    assert after == first + 301
