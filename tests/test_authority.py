"""Who may replace data or hand out roles: config operators seed only an empty database, a config
that disagrees is reported and not applied, `demo --force` keeps a copy and says who did it.
(The same refusals as real Unix users are in test_identity.py.)"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from models.org.db import connect
from models.store.schema import Case, Event, Operator
from tests.cli_support import ROOT, Clock, invoke

DEMO = ("demo", "--cases", "20", "--seed", "3", "--now", "2026-11-20T00:00", "--json")


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def config_with(tmp_path: Path, old: str, new: str) -> Path:
    text = (ROOT / "chuishao.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "changed.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_a_changed_config_is_reported_not_applied(cli_run: Callable[..., Result], db_path: Path,
                                                   tmp_path: Path, clock: Clock) -> None:
    ok(cli_run("init"))
    changed = config_with(tmp_path, 'name = "zhaolei"\ndisplay = "赵磊"\nrole = "admin"',
                          'name = "zhaolei"\ndisplay = "赵磊"\nrole = "admin"\nos_user = "eve"\n\n'
                          '[[operators]]\nname = "newcomer"\nrole = "admin"\nos_user = "newcomer"')
    done = invoke(changed, db_path, ["init", "--json"], clock=clock)
    warnings = json.loads(ok(done))["warnings"]
    assert warnings == [
        ("the config's operator 'zhaolei' differs: os_user 'eve' (database: None); not applied — the "
        "database decides (change it with `chuishao operator …`)"),
        ("the config declares operator 'newcomer', who is not in the database (not added: an admin adds "
        "operators with `chuishao operator add`)")]
    plain = ok(invoke(changed, db_path, ["init"], clock=clock))
    assert "warning: the config's operator 'zhaolei' differs" in plain
    connect(f"sqlite:///{db_path}")
    assert Operator.get(Operator.name == "zhaolei").os_user is None
    assert not Operator.select().where(Operator.name == "newcomer").exists()
    assert not ok(cli_run("init", "--json")).count("differs")  # the shipped config agrees


def test_demo_force_on_a_demo_database_keeps_a_copy_and_records_it(cli_run: Callable[..., Result],
                                                                   db_path: Path) -> None:
    ok(cli_run(*DEMO))
    refused = cli_run("demo", "--cases", "5")
    assert refused.exit_code == 2 and "use --force to replace them" in refused.output
    first = connect(f"sqlite:///{db_path}")
    old_cases, old_events = Case.select().count(), Event.select().count()
    first.close()
    done = json.loads(ok(cli_run("demo", "--cases", "5", "--seed", "3", "--now", "2026-11-20T00:00",
                                 "--force", "--json")))
    kept = Path(done["previous_kept_in"])
    assert kept.parent == db_path.parent and kept.name.startswith("county.db.before-demo-")
    copy = connect(f"sqlite:///{kept}")
    assert (Case.select().count(), Event.select().count()) == (old_cases, old_events)
    copy.close()
    connect(f"sqlite:///{db_path}")
    last = Event.select().order_by(Event.id.desc()).get()
    assert (last.action, last.operator) == ("demo_replace", "root")
    assert json.loads(last.after) == {"backup": str(kept), "cases_before": old_cases,
                                      "events_before": old_events, "replaced_demo": True}
    assert Case.select().count() == 5
    assert json.loads(ok(cli_run("audit", "verify", "--json")))["ok"]


def test_demo_force_on_a_county_database_is_for_its_admin(cli_run: Callable[..., Result], db_path: Path) -> None:
    ok(cli_run("init"))
    ok(cli_run("intake", "add", "--channel", "grid", "--text", "东关社区路灯不亮"))
    done = json.loads(ok(cli_run(*DEMO, "--force")))  # root is this county's admin
    connect(f"sqlite:///{done['previous_kept_in']}")
    assert [c.title for c in Case.select()] == ["东关社区路灯不亮"]
    connect(f"sqlite:///{db_path}")
    assert json.loads(Event.select().order_by(Event.id.desc()).get().after)["replaced_demo"] is False
