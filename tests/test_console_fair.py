"""Issue 16 items 9 and 11 and the township's per-department evaluation, in the console by keys:
re-triage (T) and 退回乡镇 (B) offered on the workspace only when models allow them, the triage
dialog's own-duty warning before submitting, the evaluation dialog rating the lead and then each
cooperating department, and 追责建议 confirmed (y) and dismissed (n) on the supervision board."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from textual.widgets import DataTable, OptionList, Static

from models.cases import lifecycle
from models.org.context import Context
from models.store.schema import Accountability, Case, Evaluation, Event
from screens.dialogs.base import FormDialog
from tests import console_support as cs

XZ_CATEGORY = "城乡建设/城市建设和市政管理/环境卫生"  # 乡镇履职清单 XZ-001 (scope "township")


def _own_duty_whistle(admin: Context) -> int:
    cid = cs.new_case(admin, "东关社区垃圾清运不及时，垃圾堆积")
    lifecycle.triage(admin, cid, category=XZ_CATEGORY, township="chengguan", priority="general",
                     decision="whistle", duty_item="XZ-001")
    return cid


@cs.run_async
async def test_send_back_is_offered_for_an_own_duty_whistle_and_taken_by_keys(ctx_for: Callable[..., Context]) -> None:
    cid = _own_duty_whistle(cs.fixed(ctx_for()))
    app = cs.console(cs.fixed(ctx_for("liuyang")))
    async with app.run_test(size=cs.SIZE) as pilot:
        screen = await cs.open_first_case(pilot)
        assert {"retriage", "send_back"} <= set(screen.bundle.available)
        footer = [b.binding.description for b in screen.active_bindings.values()]
        assert "退回乡镇" in footer and "重新分类" in footer
        await pilot.press("B")
        await cs.settle(pilot)
        assert isinstance(app.screen, FormDialog), cs.notifications(app)
        await pilot.press(*"属乡镇履职清单XZ-001", "enter")
        await cs.wait_until(pilot, lambda: Case.get_by_id(cid).state == "local")
        await cs.settle(pilot)
        assert "send_back" not in screen.bundle.available  # local now: nothing to send back
    event = Event.get((Event.case == cid) & (Event.action == "send_back"))
    assert json.loads(event.after)["reason"] == "属乡镇履职清单XZ-001" and event.on_behalf_of == "liuyang"


@cs.run_async
async def test_send_back_is_not_offered_for_a_whistle_of_a_department_duty(ctx_for: Callable[..., Context]) -> None:
    admin = cs.fixed(ctx_for())
    cid = cs.new_case(admin, "东关社区违章搭建")
    lifecycle.triage(admin, cid, category="城乡建设/城乡规划/违章建筑", township="chengguan", priority="general",
                     decision="whistle", duty_item="CS-001")
    app = cs.console(cs.fixed(ctx_for("liuyang")))
    async with app.run_test(size=cs.SIZE) as pilot:
        screen = await cs.open_first_case(pilot)
        assert "send_back" not in screen.bundle.available and "retriage" in screen.bundle.available
        await pilot.press("B")  # the key still answers, with models' reason
        await cs.settle(pilot)
        assert not isinstance(app.screen, FormDialog)
        assert any("不属乡镇自身履职清单" in n for n in cs.notifications(app))  # models' words, in Chinese
    assert Case.get_by_id(cid).state == "whistled"


@cs.run_async
async def test_retriage_by_keys_changes_only_what_was_changed(ctx_for: Callable[..., Context]) -> None:
    admin = cs.fixed(ctx_for())
    cid = cs.new_case(admin, "东关社区垃圾清运不及时，垃圾堆积")
    lifecycle.triage(admin, cid, category=XZ_CATEGORY, township="chengguan", priority="general",
                     decision="local", duty_item="XZ-001", village="东关社区")
    app = cs.console(cs.fixed(ctx_for("liuyang")))
    async with app.run_test(size=cs.SIZE) as pilot:
        await cs.open_first_case(pilot)
        await pilot.press("T")
        await cs.settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog) and dialog.chosen("decision") == "local"
        assert dialog.query_one("#category").value == XZ_CATEGORY  # opened on the case's values
        dialog.set_radio("decision", "whistle")
        await cs.settle(pilot)
        refused = dialog.collect()
        assert isinstance(refused, str) and dialog.t("field_reason") in refused  # the reason is required
        dialog.query_one("#reason").value = "垃圾转运属县环卫合同"
        assert dialog.collect() == {"decision": "whistle", "reason": "垃圾转运属县环卫合同"}
        dialog.submit()
        await cs.wait_until(pilot, lambda: Case.get_by_id(cid).state == "whistled")
    case = Case.get_by_id(cid)
    assert (case.decision, case.village, case.duty_item) == ("whistle", "东关社区", "XZ-001")  # the rest kept


@cs.run_async
async def test_triage_dialog_warns_before_a_whistle_of_the_townships_own_duty(ctx_for: Callable[..., Context]) -> None:
    cid = cs.new_case(cs.fixed(ctx_for()), "东关社区垃圾清运不及时，垃圾堆积")
    app = cs.console(cs.fixed(ctx_for("lixia")))
    async with app.run_test(size=cs.SIZE) as pilot:
        await cs.open_first_case(pilot)
        await cs.pinyin_ready(pilot)
        await pilot.press("t")
        await cs.settle(pilot)
        dialog = app.screen
        dialog.query_one("#category").values = [XZ_CATEGORY]  # as if picked: the duty list follows it
        dialog.match_items(XZ_CATEGORY)
        codes = [i.code for i in dialog.items]
        dialog.query_one("#duty", OptionList).highlighted = codes.index("XZ-001") + 1
        dialog.set_radio("decision", "whistle")
        await cs.settle(pilot)
        hint = str(dialog.query_one("#duty-hint", Static).render())
        assert "乡镇自身履职事项 XZ-001" in hint and "城关镇" in hint and "乱吹" in hint
        dialog.submit()  # a warning, not a refusal
        await cs.wait_until(pilot, lambda: Case.get_by_id(cid).state == "whistled")
    assert Case.get_by_id(cid).duty_item == "XZ-001"


@cs.run_async
async def test_the_township_rates_the_lead_then_the_cooperating_department(ctx_for: Callable[..., Context]) -> None:
    from models.cases import department

    admin = cs.fixed(ctx_for())
    cid = cs.dispatched_case(admin, lead="zhujian", cooperating=("gongshui",))
    for dept in ("zhujian", "gongshui"):
        department.acknowledge(admin, cid, department=dept)
        department.arrive(admin, cid, department=dept)
    lifecycle.resolve(admin, cid, result="已修复路面")
    app = cs.console(cs.fixed(ctx_for("lixia")))
    async with app.run_test(size=cs.SIZE) as pilot:
        await cs.open_first_case(pilot)
        for expected, rating_keys in (("zhujian", ("enter",)), ("gongshui", ("right",))):
            await pilot.press("e")
            await cs.settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, FormDialog) and dialog.chosen("department") == expected
            await pilot.press(*rating_keys, "tab", "enter")
            await cs.wait_until(pilot, lambda n=expected: Evaluation.select().where(Evaluation.department == n).exists())
            await cs.settle(pilot)
    assert [(e.source, e.department, e.rating) for e in Evaluation.select().order_by(Evaluation.id)] == [
        ("township", "zhujian", "satisfied"), ("township", "gongshui", "basically_satisfied")]


def test_proposals_on_the_supervision_board_confirmed_and_dismissed(tmp_path: Path, db_url: str) -> None:
    import asyncio

    from textual.app import App

    from screens.supervision import SupervisionScreen
    from tests.clock_support import at
    from tests.test_proposals import _month

    c, a, b, _urgent, lead_id = _month(tmp_path, db_url)

    def board(name: str) -> App[None]:
        class Harness(App[None]):
            def on_mount(self) -> None:
                self.push_screen(SupervisionScreen(c.ctx(name, at(2026, 11, 20, 10))))
        return Harness()

    async def rows(pilot, app) -> list[str]:  # type: ignore[no-untyped-def]
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        table = app.screen.query_one("#proposals", DataTable)
        return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]

    async def drive() -> None:
        app = board("sunli")
        async with app.run_test(size=(120, 40)) as pilot:
            assert await rows(pilot, app) == ["notices:zhujian:2026-11", f"late_arrival:{lead_id}"]
            assert "被通报 2 次" in str(app.screen.query_one("#proposals", DataTable).get_row_at(0)[2])
            app.screen.query_one("#proposals", DataTable).move_cursor(row=0)
            await pilot.press("y")
            await pilot.pause()
            await pilot.press(*"十一月两次被通报", "enter")
            await cs.wait_until(pilot, lambda: Accountability.select().exists())
            assert await rows(pilot, app) == [f"late_arrival:{lead_id}"]
            await pilot.press("n")
            await pilot.pause()
            await pilot.press(*"暴雨封路已报备", "enter")
            await cs.wait_until(pilot, lambda: Event.select().where(Event.action == "proposal_dismiss").exists())
            assert await rows(pilot, app) == []
        dispatcher = board("liuyang")
        async with dispatcher.run_test(size=(120, 40)) as pilot:
            await rows(pilot, dispatcher)
            assert not dispatcher.screen.query_one("#proposals", DataTable).display

    asyncio.run(drive())
    record = Accountability.get()
    assert (record.department, json.loads(record.cases), record.reason) == ("zhujian", [a, b], "十一月两次被通报")
