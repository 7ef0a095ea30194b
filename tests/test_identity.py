"""Identity from the kernel: real Unix users run the installed `chuishao`, and no environment
variable, config file or --db choice changes who they are.

These tests create throw-away Unix accounts with `useradd` and run the CLI as them with `runuser`,
so they need root; elsewhere they are skipped with that reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from models.intake.intake import NewReport, intake
from models.ledger.backup import backup
from models.org.config import load_config
from models.org.context import SERVICE_ACCOUNT, resolve_identity
from models.org.db import connect
from models.org.operators import NewOperator, add_operator
from models.org.setup import set_up
from models.store.schema import Event, Operator
from tests.cli_support import ROOT

CHUISHAO = Path(sys.executable).parent / "chuishao"
needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("useradd") or not shutil.which("runuser"),
    reason="creating Unix users (useradd) and running as them (runuser) needs root")


def entry_point(user: str) -> list[str]:
    """The installed `chuishao` script, run by an interpreter `user` can reach: the venv's own, or
    (when it lives in root's home, as under pyenv) the system Python of the same version with the
    venv's site-packages added — the same installed code either way."""
    if subprocess.run(["runuser", "-u", user, "--", "test", "-x", sys.executable], check=False).returncode == 0:
        return [str(CHUISHAO)]
    system = shutil.which(f"python{sys.version_info.major}.{sys.version_info.minor}", path="/usr/bin:/bin")
    if system is None:
        pytest.skip(f"the venv's interpreter {sys.executable} is not executable by other users, "
                    f"and there is no system python{sys.version_info.major}.{sys.version_info.minor}")
    packages = next(p for p in sys.path if p.endswith("site-packages") and p.startswith(sys.prefix))
    launcher = (f"import runpy, site, sys; site.addsitedir({packages!r}); sys.argv[0] = 'chuishao'; "
                f"runpy.run_path({str(CHUISHAO)!r}, run_name='__main__')")
    return [system, "-c", launcher]


@dataclass
class Users:
    """Accounts made for one test (removed afterwards), and a directory every one of them can write."""

    directory: Path
    made: list[str]

    def add(self, name: str) -> str:
        if subprocess.run(["id", "-u", name], check=False, capture_output=True).returncode != 0:
            subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
            self.made.append(name)
        return name

    def run(self, user: str, *args: str, env: dict[str, str] | None = None,
            db: Path | None = None) -> subprocess.CompletedProcess[str]:
        """The installed chuishao as `user`, with the environment set to `env` (nothing else)."""
        assignments = [f"{k}={v}" for k, v in (env or {}).items()]
        command = ["runuser", "-u", user, "--", "env", "-i", "PATH=/usr/bin:/bin", "HOME=/nonexistent",
                   *assignments, *entry_point(user), "--config", str(self.directory / "chuishao.toml"),
                   "--db", f"sqlite:///{db or self.directory / 'county.db'}", *args]
        return subprocess.run(command, check=False, capture_output=True, text=True, timeout=120,
                              cwd=self.directory)


@pytest.fixture
def users() -> Iterator[Users]:
    directory = Path(tempfile.mkdtemp(prefix="chuishao-identity-", dir="/tmp"))
    directory.chmod(0o777)
    shutil.copy(ROOT / "chuishao.toml", directory / "chuishao.toml")
    (directory / "chuishao.toml").chmod(0o644)
    made = Users(directory, [])
    try:
        yield made
    finally:
        for name in made.made:
            subprocess.run(["userdel", name], check=False, capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


def county_with_clerk(users: Users, clerk: str) -> Path:
    """A database initialised by root (its admin), with a township clerk mapped to `clerk`."""
    db_path = users.directory / "county.db"
    config = load_config(str(users.directory / "chuishao.toml"))
    db = connect(f"sqlite:///{db_path}")
    set_up(db, config, user="root", now=0)
    add_operator(resolve_identity(config, db, user="root"),
                 NewOperator(name="clerk", role="township", township="chengguan", os_user=clerk))
    db.close()
    db_path.chmod(0o666)
    return db_path


def rows(db_path: Path) -> tuple[list[tuple[str, str, str | None]], list[tuple[str, str]]]:
    db = connect(f"sqlite:///{db_path}")
    try:
        operators = [(o.name, o.role, o.os_user) for o in Operator.select().order_by(Operator.name)]
        events = [(e.operator, e.action) for e in Event.select().order_by(Event.id)]
        return operators, events
    finally:
        db.close()


SPOOF = {"LOGNAME": "root", "USER": "root", "USERNAME": "root", "SUDO_UID": "0", "SUDO_USER": "root"}


@needs_root
def test_a_non_operator_cannot_become_root_by_setting_logname(users: Users) -> None:
    mallory = users.add("c15mallory")
    db_path = county_with_clerk(users, users.add("c15clerk"))
    before = rows(db_path)
    done = users.run(mallory, "operator", "add", "mallory", "--role", "admin", "--os-user", mallory, env=SPOOF)
    assert done.returncode == 1, done.stderr
    assert f"OS user '{mallory}' is not an operator here" in done.stderr
    assert "Traceback" not in done.stderr
    assert rows(db_path) == before


@needs_root
def test_an_operator_acts_as_themselves_whatever_the_environment_says(users: Users) -> None:
    clerk = users.add("c15clerk")
    db_path = county_with_clerk(users, clerk)
    refused = users.run(clerk, "operator", "add", "mallory", "--role", "admin", env=SPOOF)
    assert refused.returncode == 1
    assert "no permission: clerk (township) may not manage operators" in refused.stderr
    added = users.run(clerk, "intake", "add", "--channel", "grid", "--text", "东关社区路灯不亮",
                      "--township", "chengguan", "--json", env=SPOOF)
    assert added.returncode == 0, added.stderr
    operators, events = rows(db_path)
    assert events[-1] == ("clerk", "intake")
    assert ("mallory", "admin", None) not in operators


@needs_root
def test_another_config_or_database_does_not_change_who_you_are(users: Users) -> None:
    """A config of one's own that maps an admin to oneself, on the county database: still nobody."""
    mallory = users.add("c15mallory")
    db_path = county_with_clerk(users, users.add("c15clerk"))
    own = own_config(users, mallory)
    before = rows(db_path)
    done = users.run(mallory, "--config", str(own), "operator", "list", "--json", env=SPOOF)
    assert done.returncode == 1, done.stdout
    assert f"OS user '{mallory}' is not an operator here" in done.stderr
    assert rows(db_path) == before


@needs_root
def test_the_sudo_wrapper_names_the_invoking_user_only_under_the_service_account(users: Users) -> None:
    """`sudo -u chuishao chuishao …`: the process runs as the service account and SUDO_UID is the
    operator; the same SUDO_UID set by anyone else is ignored (shown above)."""
    service = users.add(SERVICE_ACCOUNT)
    clerk = users.add("c15clerk")
    county_with_clerk(users, clerk)
    # README's layout: a 700 directory and a 600 database of the service account's.
    private = users.directory / "srv"
    private.mkdir()
    db_path = private / "county.db"
    shutil.move(users.directory / "county.db", db_path)
    shutil.chown(private, service, service)
    shutil.chown(db_path, service, service)
    private.chmod(0o700)
    db_path.chmod(0o600)
    direct = subprocess.run(["runuser", "-u", clerk, "--", "/usr/bin/env", "-i", "/bin/sh", "-c",
                             f"cat {db_path} > /dev/null"], capture_output=True, text=True, check=False)
    assert direct.returncode != 0 and "Permission denied" in direct.stderr  # the file is out of reach
    uid = subprocess.run(["id", "-u", clerk], capture_output=True, text=True, check=True).stdout.strip()
    done = users.run(service, "intake", "add", "--channel", "grid", "--text", "西关社区下水道堵塞",
                     "--township", "chengguan", "--json", db=db_path,
                     env={"SUDO_UID": uid, "SUDO_USER": "root", "LOGNAME": "root", "USER": "root"})
    assert done.returncode == 0, done.stderr
    assert oct(db_path.stat().st_mode & 0o777) == oct(0o600)
    assert json.loads(done.stdout)["case_id"] == 1
    assert rows(db_path)[1][-1] == ("clerk", "intake")
    alone = users.run(service, "case", "list", "--json", db=db_path)
    assert alone.returncode == 1
    assert f"OS user '{SERVICE_ACCOUNT}' is not an operator here" in alone.stderr


def own_config(users: Users, user: str) -> Path:
    """A config of one's own declaring oneself admin (the shipped one with zhaolei mapped to `user`)."""
    own = users.directory / f"{user}.toml"
    own.write_text((ROOT / "chuishao.toml").read_text(encoding="utf-8").replace(
        'name = "zhaolei"\ndisplay = "赵磊"\nrole = "admin"',
        f'name = "zhaolei"\ndisplay = "赵磊"\nrole = "admin"\nos_user = "{user}"'), encoding="utf-8")
    own.chmod(0o644)
    return own


def files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@needs_root
def test_a_clerk_cannot_init_demo_or_restore_the_county(users: Users) -> None:
    clerk = users.add("c15clerk")
    db_path = county_with_clerk(users, clerk)
    config = load_config(str(users.directory / "chuishao.toml"))
    db = connect(f"sqlite:///{db_path}")
    intake(resolve_identity(config, db, user="root"), NewReport(channel="grid", text="东关社区路灯不亮"))
    backup_file = users.directory / "backup.db"
    backup(resolve_identity(config, db, user="root"), backup_file)
    db.close()
    backup_file.chmod(0o644)
    own = own_config(users, clerk)
    before, listing = rows(db_path), files(users.directory)
    for args, what in ((("--config", str(own), "init"), "only an admin may initialise"),
                       (("demo", "--cases", "5", "--force"), "only an admin may replace the content of"),
                       (("restore", str(backup_file), "--force"), "clerk (township) may not backup")):
        done = users.run(clerk, *args, env=SPOOF)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert "no permission" in done.stderr and what in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
        assert rows(db_path) == before and files(users.directory) == listing, args


def test_the_service_side_fixes_config_and_database() -> None:
    """deploy/chuishao-service refuses --config and --db before it runs anything."""
    for args in (["--db", "sqlite:////tmp/mine.db", "case", "list"], ["--config=/tmp/mine.toml", "init"]):
        done = subprocess.run(["/bin/sh", str(ROOT / "deploy" / "chuishao-service"), *args],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith(f"error: {args[0]} is not available here"), done.stderr
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sudoers = (ROOT / "deploy" / "sudoers").read_text(encoding="utf-8")
    assert "NOPASSWD: /usr/local/lib/chuishao/chuishao-service" in sudoers
    assert "install -d -o chuishao -g chuishao -m 700 /srv/chuishao" in readme
    assert "What someone with write access to the file can still do" in readme
