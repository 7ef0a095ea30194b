"""The footer and the palette offer exactly the steps models/ would take for this operator now
(models.cases.allowed.steps_now), and a step not offered is refused with the operation's own words."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from models.cases import department, lifecycle
from models.cases.allowed import steps_now
from models.errors import DomainError
from models.org.context import Context
from models.store.schema import Case
from screens.case_view import CaseScreen
from tests.console_support import SIZE, console, dispatched_case, fixed, new_case, open_first_case, run_async


def offered(screen: CaseScreen) -> tuple[set[str], set[str]]:
    """The steps in the footer and in the palette."""
    footer = {b.binding.action.split("'")[1] for b in screen.active_bindings.values()
              if b.binding.action.startswith("step(")}
    palette = {action.split("'")[1] for _, _, action in screen.palette_commands() if action.startswith("step(")}
    return footer, palette


async def steps_seen(ctx: Context) -> set[str]:
    async with console(ctx).run_test(size=SIZE) as pilot:
        screen = await open_first_case(pilot)
        footer, palette = offered(screen)
        assert footer == palette
        return footer


@run_async
async def test_a_cooperating_department_is_not_offered_resolve_or_extension(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = dispatched_case(admin, lead="zhujian", cooperating=("gongshui",))
    water = fixed(ctx_for("xuming"))  # 自来水公司, cooperating
    department.acknowledge(fixed(ctx_for("yangfan")), cid)
    department.acknowledge(water, cid)
    seen = await steps_seen(water)
    assert seen == {"arrive", "return", "note"}
    lead_sees = await steps_seen(fixed(ctx_for("yangfan")))
    assert {"resolve", "extend"} <= lead_sees and "acknowledge" not in lead_sees


@run_async
async def test_a_department_that_returned_is_not_offered_sign_for_or_return(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = dispatched_case(admin, "街道两侧流动摊贩占道经营，影响通行", lead="chengguan_zf")
    city = fixed(ctx_for("guoqiang"))
    department.return_case(city, cid, reason="不归本局")
    seen = await steps_seen(city)
    assert not seen & {"acknowledge", "return", "arrive", "resolve"}
    assert "review_return" in await steps_seen(fixed(ctx_for("liuyang")))  # the office reviews it


@run_async
async def test_a_township_is_not_offered_close_before_the_evaluation(ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = new_case(admin, "村口路灯不亮", township="chengguan")
    lifecycle.triage(admin, cid, category="城乡建设", township="chengguan", priority="general", decision="local")
    clerk = fixed(ctx_for("lixia"))  # 城关镇
    lifecycle.resolve(clerk, cid, result="已更换灯泡")
    seen = await steps_seen(clerk)
    assert "close" not in seen and "evaluate" in seen
    lifecycle.evaluate(admin, cid, source="citizen", rating="satisfied")
    assert "close" in await steps_seen(clerk)


@pytest.mark.parametrize("who", ["xuming", "guoqiang", "lixia", "liuyang", "sunli"])
def test_every_refusal_offered_is_the_operations_own(ctx_for: Callable[..., Context], who: str) -> None:
    """For each step steps_now refuses, the operation itself refuses with the same message; each step
    it offers is not refused by the operation for a reason steps_now knows (role, state, rules)."""
    admin = fixed(ctx_for())
    cid = dispatched_case(admin, lead="chengguan_zf", cooperating=("gongshui",))
    department.return_case(fixed(ctx_for("guoqiang")), cid, reason="不归本局")
    ctx = fixed(ctx_for(who))
    answer = steps_now(ctx, Case.get_by_id(cid))
    calls = {"acknowledge": lambda: department.acknowledge(ctx, cid),
             "arrive": lambda: department.arrive(ctx, cid),
             "return": lambda: department.return_case(ctx, cid, reason="不归我们"),
             "resolve": lambda: lifecycle.resolve(ctx, cid, result="已办"),
             "close": lambda: lifecycle.close(ctx, cid)}
    for step, call in calls.items():
        if step in answer.refusals:
            with pytest.raises(DomainError) as refused:
                call()
            assert refused.value.message == answer.refusals[step].message, step
