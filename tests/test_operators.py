"""Operators and the SSH deployment: OS logins map to operators, admins manage them, files stay shareable."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from models.cases import lifecycle
from models.errors import Conflict, PermissionDenied, ValidationError
from models.intake.intake import NewReport, intake
from models.ledger.audit import verify_chain
from models.org.config import Config
from models.org.context import Context, resolve_identity
from models.org.operators import NewOperator, add_operator, set_active
from models.store.schema import Case, Event, Note

ROOT = Path(__file__).resolve().parent.parent


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_admin_adds_lists_disables_and_enables(cli_run: Callable[..., Result]) -> None:
    ok(cli_run("init"))
    added = json.loads(ok(cli_run("operator", "add", "wangli", "--role", "township", "--township", "城关镇",
                                  "--os-user", "wangli", "--display", "王丽", "--json")))
    assert added == {"name": "wangli", "display": "王丽", "role": "township", "township": "chengguan",
                     "department": None, "os_user": "wangli", "active": True}
    ok(cli_run("operator", "disable", "wangli"))
    listed = json.loads(ok(cli_run("operator", "list", "--json")))
    wangli = next(o for o in listed if o["name"] == "wangli")
    assert (wangli["active"], wangli["role"]) == (False, "township")
    assert "operator wangli enabled" in ok(cli_run("operator", "enable", "wangli"))
    exported = cli_run("audit", "export", "--from", "2000-01-01", "--to", "2100-01-01")
    assert exported.exit_code == 0, exported.output
    events = [json.loads(line) for line in exported.stdout.splitlines()]
    # `init` recorded the 17 configured operators it seeded and root made first admin (issue 15 item 3).
    setup = [("operator_seed", "root")] * 17 + [("operator_add", "root")]
    assert [(e["action"], e["operator"]) for e in events] == setup + [
        ("operator_add", "root"), ("operator_disable", "root"), ("operator_enable", "root")]
    assert events[len(setup)]["after"]["os_user"] == "wangli"
    verified = json.loads(ok(cli_run("audit", "verify", "--json")))
    assert verified["ok"] and verified["checked"] == len(setup) + 4  # the export is recorded too


def test_operator_commands_refuse_bad_input_and_non_admins(cli_run: Callable[..., Result]) -> None:
    ok(cli_run("init"))
    cases = [
        (("operator", "add", "x", "--role", "township"), 1, "a township operator needs --township"),
        (("operator", "add", "x", "--role", "dispatcher", "--dept", "zhujian"), 1,
         "--dept is for department"),
        (("operator", "add", "x", "--role", "department", "--dept", "nosuch"), 1,
         "unknown department 'nosuch'"),
        (("operator", "add", "x", "--role", "king"), 2, "Invalid value for '--role'"),
        (("operator", "add", "bad name", "--role", "admin"), 1, "use letters, digits"),
        (("operator", "add", "x", "--role", "admin", "--os-user", "Root;rm"), 1, "not a valid login name"),
        (("operator", "add", "lixia", "--role", "admin"), 1, "operator 'lixia' already exists"),
        (("operator", "add", "x2", "--role", "admin", "--os-user", "root"), 1,
         "OS user 'root' already logs in as operator 'root'"),
        (("operator", "disable", "nobody"), 1, "no operator named 'nobody'"),
        (("operator", "disable", "root"), 1, "'root' is the last admin who can log in"),
        (("--as", "lixia", "operator", "list"), 1,
         "no permission: lixia (township) may not manage operators"),
        (("--as", "liuyang", "operator", "add", "y", "--role", "admin"), 1, "may not manage operators"),
    ]
    for args, code, message in cases:
        result = cli_run(*args)
        assert result.exit_code == code and message in result.output, (args, result.output)
        assert "Traceback" not in result.output


def test_os_login_maps_to_its_operator(config: Config, ctx_for: Callable[..., Context]) -> None:
    admin = ctx_for()
    add_operator(admin, NewOperator("wangli", "township", township="chengguan", os_user="wangli"))
    over_ssh = resolve_identity(config, admin.db, user="wangli")
    assert (over_ssh.operator.name, over_ssh.operator.role) == ("wangli", "township")
    assert over_ssh.actor == "wangli"
    with pytest.raises(PermissionDenied, match="OS user 'zhang3' is not an operator here.*--os-user zhang3"):
        resolve_identity(config, admin.db, user="zhang3")
    with pytest.raises(PermissionDenied, match="only an admin may act as another operator"):
        resolve_identity(config, admin.db, as_name="liuyang", user="wangli")
    set_active(admin, "wangli", False)
    with pytest.raises(PermissionDenied, match="operator 'wangli' is disabled"):
        resolve_identity(config, admin.db, user="wangli")
    with pytest.raises(ValidationError, match="already logs in as operator 'wangli'"):
        add_operator(admin, NewOperator("wangli2", "dispatcher", os_user="wangli"))


def test_two_sessions_of_one_operator_are_both_protected(config: Config,
                                                         ctx_for: Callable[..., Context]) -> None:
    admin = ctx_for()
    add_operator(admin, NewOperator("wangli", "dispatcher", os_user="wangli"))
    first, second = (resolve_identity(config, admin.db, user="wangli") for _ in range(2))
    case, _ = intake(first, NewReport(channel="grid", text="西关村路灯不亮"))
    seen = case.version  # both terminals show the same version
    lifecycle.triage(first, case.id, category="城管执法", township="chengguan", priority="general",
                     decision="whistle", expected_version=seen)
    stale = rf"case {case.id} was changed by wangli \(triage, .*nothing was saved"
    with pytest.raises(Conflict, match=stale):
        lifecycle.triage(second, case.id, category="城管执法", township="chengguan", priority="general",
                         decision="local", expected_version=seen)
    assert Case.get_by_id(case.id).decision == "whistle"


def test_readme_forces_console_users_into_bare_chuishao() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## SSH deployment", 1)[1].split("\n## ", 1)[0]
    match_block = re.search(r"Match Group chuishao-console\n((?:[ \t]+.*\n)+)", section)
    assert match_block, "the sshd_config Match block is documented"
    forced = [line.split(None, 1)[1] for line in match_block.group(1).splitlines() if "ForceCommand" in line]
    assert forced == ["chuishao"]  # bare: the console; nothing the client asks for is run
    assert "chmod 2770" in section and "umask 007" in section and "--os-user" in section


def test_shared_directory_recipe_keeps_wal_files_group_writable(tmp_path: Path) -> None:
    """The README's recipe on this machine: setgid group directory, umask 007, the database file made
    group-writable once (SQLite creates it 0644 & ~umask = 0640); SQLite gives -wal and -shm the
    database file's mode, so every member of the group can write all three."""
    shared = tmp_path / "chuishao"
    shared.mkdir()
    os.chown(shared, -1, 4242)  # a group id standing in for `chuishao` (we run as root here)
    shared.chmod(0o2770)
    db = shared / "county.db"

    def chuishao(*args: str) -> None:  # a separate process, as each SSH user's would be
        done = subprocess.run([sys.executable, "-m", "console", "--config", str(ROOT / "chuishao.toml"),
                               "--db", f"sqlite:///{db}", *args],
                              cwd=ROOT, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    previous = os.umask(0o007)
    try:
        chuishao("init")
        assert oct(db.stat().st_mode & 0o777) == oct(0o640)  # why the recipe says chmod 660
        db.chmod(0o660)
        code = ("import sqlite3, time, sys; c = sqlite3.connect(sys.argv[1]);"
                "c.execute('select count(*) from operator').fetchall();"
                "print('open', flush=True); time.sleep(30)")
        holder = subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
            chuishao("intake", "add", "--channel", "grid", "--text", "路灯不亮")
            for name in ("county.db", "county.db-wal", "county.db-shm"):
                info = (shared / name).stat()
                assert (info.st_gid, oct(info.st_mode & 0o777)) == (4242, oct(0o660)), name
        finally:
            holder.kill()
            holder.wait()
    finally:
        os.umask(previous)


def test_a_dropped_session_leaves_no_half_written_step(ctx_for: Callable[..., Context],
                                                       db_path: Path) -> None:
    """SIGHUP (the SSH connection dropped) in the middle of a step: the transaction never commits."""
    admin = ctx_for()
    case, _ = intake(admin, NewReport(channel="grid", text="西关村路灯不亮"))
    script = (
        "import os, signal, sys\n"
        "from models.org.config import load_config\nfrom models.org.db import connect\n"
        "from models.org.context import resolve_identity\nfrom models.store.schema import Note, Case\n"
        f"config = load_config({str(ROOT / 'chuishao.toml')!r})\n"
        f"ctx = resolve_identity(config, connect('sqlite:///{db_path}'), "
        "user='root')\n"
        "with ctx.write():\n"
        f"    Note.create(case={case.id}, operator='root', text='half', created_at=0)\n"
        f"    Case.update(version=Case.version + 1).where(Case.id == {case.id}).execute()\n"
        "    os.kill(os.getpid(), signal.SIGHUP)\n"
    )
    ended = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                           timeout=60, check=False)
    assert ended.returncode == -signal.SIGHUP, ended.stderr
    assert Note.select().count() == 0 and Case.get_by_id(case.id).version == case.version
    # The intake's event alone, after set-up's 18 (17 configured operators seeded, root made the first
    # admin: issue 15 item 3).
    assert verify_chain(admin.db).ok and Event.select().count() == 18 + 1
    lifecycle.note(admin, case.id, text="the next step works: no lock was left behind")
