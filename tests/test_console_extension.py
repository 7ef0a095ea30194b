"""Deciding an extension (`A`) shows what is decided: who asked, for how much longer, the new
deadline, the reason as typed and how many extensions the case already had."""

from __future__ import annotations

from collections.abc import Callable

from models.cases import department, pausing
from models.org.context import Context
from models.store.schema import Case, Extension
from models.worktime.timeutil import local_iso
from screens.dialogs.more import DecideExtensionDialog
from tests.console_support import (
    console,
    dispatched_case,
    fixed,
    open_first_case,
    run_async,
    screen_text,
    settle,
)


@run_async
async def test_the_decision_dialog_shows_the_request_and_the_header_the_new_deadline(
        ctx_for: Callable[..., Context]) -> None:
    admin = fixed(ctx_for())
    cid = dispatched_case(admin, lead="zhujian")
    lead = fixed(ctx_for("yangfan"))
    department.acknowledge(lead, cid)
    department.arrive(lead, cid)
    request = pausing.request_extension(lead, cid, by="3wd", reason="需协调[b]产权单位[/b]")
    tz = admin.config.tz
    old, new = (local_iso(int(t), tz)[5:16].replace("T", " ") for t in (request.old_due, request.new_due))
    app = console(fixed(ctx_for("liuyang")))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first_case(pilot)
        await pilot.press("A")
        await settle(pilot)
        assert isinstance(app.screen, DecideExtensionDialog)
        shown = screen_text(app)
        assert f"延期审批 · 案件 #{cid}" in shown  # its name, not the step's internal id
        # (the tests' contexts act as root for the operator, and root is who the request records)
        assert f"住建局 {request.requested_by} 申请延长 5d 0h：{old} → {new}" in shown  # 3wd over a weekend
        assert "此前已延期 0 次（最多 2 次）" in shown
        assert "理由：需协调[b]产权单位[/b]" in shown  # as typed, never markup
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert new in screen_text(app)  # the workspace's 时限 line now shows the new deadline
    assert Extension.get_by_id(request.id).status == "approved" and Case.get_by_id(cid).extension_count == 1
