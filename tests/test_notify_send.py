"""Issue 21 items 2, 3, 5: the sender against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from models.store.schema import Outbox
from tests.clock_support import at
from tests.notify_support import SECRET, SIGN_SECRET, Receiver, notify_county


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def run_once(c, moment) -> dict:  # type: ignore[no-untyped-def]
    c.clock.set(moment)
    result = c.run("notify", "run", "--once", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_webhook_gets_the_rows_key_and_a_failure_waits_its_backoff(tmp_path: Path, db_url: str, receiver: Receiver) -> None:
    c = notify_county(tmp_path, db_url, receiver)
    case_id = c.dispatched_case(at(2026, 11, 27, 9))
    receiver.plan = ["fail"]
    assert run_once(c, at(2026, 11, 27, 9, 1))["failed"] == 1
    row = Outbox.get(Outbox.case == case_id)
    assert (row.attempts, row.next_at - int(at(2026, 11, 27, 9, 1).timestamp())) == (1, 60)
    assert run_once(c, at(2026, 11, 27, 9, 1, ) + timedelta(seconds=30))["sent"] == 0  # still waiting
    assert run_once(c, at(2026, 11, 27, 9, 2) + timedelta(seconds=1))["sent"] == 1
    [got] = receiver.received
    assert got["path"] == f"/hook/{SECRET}" and got["key"] == got["body"]["idempotency_key"] == row.key
    assert "县住房和城乡建设局" in got["body"]["text"] and "zhujian" not in got["body"]["text"]
    assert Outbox.get_by_id(row.id).state == "sent"


def test_a_receiver_that_times_out_ends_in_dead_letters_and_retry_recovers(tmp_path: Path, db_url: str, receiver: Receiver) -> None:
    c = notify_county(tmp_path, db_url, receiver)
    c.dispatched_case(at(2026, 11, 27, 9))
    receiver.plan = ["slow", "slow", "slow"]
    moment = at(2026, 11, 27, 9, 1)
    for _ in range(3):
        run_once(c, moment)
        moment += timedelta(hours=1)
    assert json.loads(c.run("notify", "status", "--json").output)["dead"] == 1
    dead = json.loads(c.run("notify", "list", "--state", "dead", "--json").output)
    assert dead[0]["attempts"] == 3 and "timeout" in dead[0]["last_error"].lower()
    assert json.loads(c.run("notify", "retry", "--json").output) == {"retried": 1}
    assert run_once(c, moment)["sent"] == 1 and receiver.received[-1]["behaviour"] == "ok"


def test_dingtalk_is_signed_and_wecom_gets_its_text_format(tmp_path: Path, db_url: str, receiver: Receiver) -> None:
    c = notify_county(tmp_path, db_url, receiver)
    case_id = c.dispatched_case(at(2026, 11, 27, 9), coop=("ziranziyuan",))
    from models.cases import department

    department.return_case(c.ctx("yangfan", at(2026, 11, 27, 9, 5)), case_id, reason="不属于本部门")
    assert run_once(c, at(2026, 11, 27, 9, 10))["sent"] == 3
    ding = next(r for r in receiver.received if r["path"].startswith("/ding"))
    query = urllib.parse.parse_qs(urllib.parse.urlparse(ding["path"]).query)
    stamp = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(SIGN_SECRET.encode(), f"{stamp}\n{SIGN_SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected] and ding["body"]["msgtype"] == "text"
    wecom = next(r for r in receiver.received if r["path"].startswith("/wecom"))
    assert wecom["body"]["msgtype"] == "text" and "退单待审核" in wecom["body"]["text"]["content"]


def test_a_secrets_file_others_can_read_is_refused_naming_it(tmp_path: Path, db_url: str, receiver: Receiver) -> None:
    c = notify_county(tmp_path, db_url, receiver, secrets_mode=0o644)
    result = c.run("notify", "run", "--once")
    assert result.exit_code == 2 and "secrets.toml" in result.output and "chmod 600" in result.output


def test_secrets_are_never_printed_or_stored_in_errors(tmp_path: Path, db_url: str, receiver: Receiver) -> None:
    c = notify_county(tmp_path, db_url, receiver)
    c.dispatched_case(at(2026, 11, 27, 9), coop=("ziranziyuan",))
    receiver.plan = ["fail", "fail"]
    c.clock.set(at(2026, 11, 27, 9, 1))
    outputs = [c.run("notify", "run", "--once", "--json").output, c.run("notify", "list", "--json").output,
               c.run("notify", "status").output]
    stored = " ".join(str(r.last_error) for r in Outbox.select())
    assert "zhujian_hook: HTTP 500" in stored
    for text in [*outputs, stored]:
        assert SECRET not in text and SIGN_SECRET not in text


def test_quiet_hours_hold_non_urgent_messages_for_one_digest_at_opening(tmp_path: Path, db_url: str, receiver: Receiver) -> None:
    c = notify_county(tmp_path, db_url, receiver)
    first = c.dispatched_case(at(2026, 11, 27, 20))  # Friday evening, office closed
    c.dispatched_case(at(2026, 11, 27, 21))
    assert run_once(c, at(2026, 11, 27, 22))["held"] == 2 and receiver.received == []
    result = run_once(c, at(2026, 11, 30, 9))  # Monday's opening
    assert (result["sent"], result["digests"]) == (2, 1)
    [digest] = receiver.received
    assert digest["key"].startswith("digest:") and "共2条" in digest["body"]["text"]
    assert f"第{first}号" in digest["body"]["text"]


SENDER = """
import json, sys, time
from datetime import datetime
from pathlib import Path
from models.notify import sender
from models.org.config import load_config
from models.org.context import resolve_identity
from models.org.db import connect
config = load_config(sys.argv[1])
ctx = resolve_identity(config, connect(sys.argv[2]), as_name=None, user="root")
ctx.clock = lambda: datetime.fromisoformat(sys.argv[3])
if len(sys.argv) > 4:  # a start line: say ready (argv 4), wait for the go (argv 5)
    Path(sys.argv[4]).touch()
    while not Path(sys.argv[5]).exists():
        time.sleep(0.01)
print(json.dumps(sender.run_once(ctx).as_dict()))
"""


def start_sender(c, moment, *start_line: str):  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-c", SENDER, str(c.config_path), c.db_url, moment.isoformat(),
                             *start_line], cwd=Path(__file__).resolve().parent.parent,
                            stdout=subprocess.PIPE, text=True)


def dispatch_twenty(c) -> None:  # type: ignore[no-untyped-def]
    for hour in range(9, 11):
        for minute in range(0, 50, 5):
            c.dispatched_case(at(2026, 11, 27, hour, minute))


def test_a_sender_killed_mid_batch_loses_nothing_and_repeats_only_with_the_same_key(
        tmp_path: Path, db_url: str, receiver: Receiver) -> None:
    import os
    import signal
    import time

    c = notify_county(tmp_path, db_url, receiver)
    dispatch_twenty(c)
    total = Outbox.select().count()
    receiver.delay = 0.05
    moment = at(2026, 11, 27, 11)
    child = start_sender(c, moment)
    waited = 0.0
    while len(receiver.received) < 5 and waited < 60:
        time.sleep(0.01)
        waited += 0.01
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()
    before = len(receiver.received)
    assert 5 <= before < total, "the sender was killed mid-batch"
    receiver.delay = 0.0
    already = Outbox.select().where(Outbox.state == "sent").count()
    claimed = Outbox.select().where((Outbox.state == "pending") & (Outbox.next_at > int(moment.timestamp()))).count()
    assert claimed <= 1  # the killed sender's claim: the one group in flight
    assert run_once(c, moment)["sent"] == total - already - claimed  # the rest, at once
    assert run_once(c, moment + timedelta(minutes=2))["sent"] == claimed  # the claim expired: sent again
    keys = [r["key"] for r in receiver.received]
    assert set(keys) == {r.key for r in Outbox.select()}  # nothing lost
    repeats = [k for k in set(keys) if keys.count(k) > 1]
    assert len(keys) - len(set(keys)) == len(repeats) <= 1  # at most the one in flight, with its own key
    assert Outbox.select().where(Outbox.state != "sent").count() == 0


def test_two_senders_on_one_database_never_deliver_the_same_message_both(
        tmp_path: Path, db_url: str, receiver: Receiver) -> None:
    import time

    c = notify_county(tmp_path, db_url, receiver)
    dispatch_twenty(c)
    total = Outbox.select().count()
    receiver.delay = 0.05  # long enough for the two passes to run side by side
    moment = at(2026, 11, 27, 11)
    go = tmp_path / "go"
    ready = [tmp_path / "ready-1", tmp_path / "ready-2"]
    children = [start_sender(c, moment, str(r), str(go)) for r in ready]
    waited = 0.0
    while not all(r.exists() for r in ready) and waited < 120:
        time.sleep(0.01)
        waited += 0.01
    go.touch()  # both start their pass at once
    results = []
    for child in children:
        out, _ = child.communicate(timeout=120)
        assert child.returncode == 0
        results.append(json.loads(out.strip().splitlines()[-1]))
    keys = [r["key"] for r in receiver.received]
    assert sorted(keys) == sorted({r.key for r in Outbox.select()}) and len(keys) == total  # each once
    assert sum(r["sent"] for r in results) == total
    assert Outbox.select().where(Outbox.state != "sent").count() == 0


def test_a_department_message_masks_the_citizens_phone_the_office_message_keeps_it(
        tmp_path: Path, db_url: str, receiver: Receiver) -> None:
    c = notify_county(tmp_path, db_url, receiver)
    case_id = c.new_case(at(2026, 11, 27, 9), text="东关社区路灯不亮，请回电13812345678")
    c.whistle(case_id, at(2026, 11, 27, 9))
    c.dispatch(case_id, at(2026, 11, 27, 9))
    from models.cases import department

    department.return_case(c.ctx("yangfan", at(2026, 11, 27, 9, 5)), case_id, reason="非本部门 13812345678")
    run_once(c, at(2026, 11, 27, 9, 10))
    hook = next(r["body"]["text"] for r in receiver.received if r["path"].startswith("/hook"))
    office = next(r["body"]["text"]["content"] for r in receiver.received if r["path"].startswith("/wecom"))
    assert "138****5678" in hook and "13812345678" not in hook
    assert "13812345678" in office



def test_sms_gateway_template_is_filled_per_phone_with_json_escaped_text(tmp_path: Path, db_url: str, receiver: Receiver) -> None:
    from models.cases import lifecycle
    from models.supervision import supervision_orders

    sms_channel = f"""
[[notify.channels]]
name = "chengguan_sms"
type = "sms"
township = "chengguan"
url = "{receiver.base}/sms"
phones = ["13900001111", "13900002222"]
body = '{{"to": "{{phone}}", "msg": "{{text}}", "id": "{{key}}"}}'
"""
    c = notify_county(tmp_path, db_url, receiver, extra="", channels=sms_channel)
    case_id = c.new_case(at(2026, 11, 27, 9), text='路边"僵尸车"占道多日无人处理')
    lifecycle.triage(c.ctx("liuyang", at(2026, 11, 27, 9, 5)), case_id, category="城管执法", township="chengguan",
                     priority="general", decision="local")
    supervision_orders.issue_order(c.ctx("sunli", at(2026, 11, 27, 9, 7)), case_id, instruction="尽快处理")
    assert run_once(c, at(2026, 11, 27, 9, 10))["sent"] == 1  # a local case's order goes to its township
    sms = [r for r in receiver.received if r["path"] == "/sms"]
    assert [r["body"]["to"] for r in sms] == ["13900001111", "13900002222"]
    assert all(r["body"]["id"] == r["key"] and '督办' in r["body"]["msg"] and '"僵尸车"' in r["body"]["msg"]
               for r in sms)
