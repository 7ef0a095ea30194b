"""Helpers for the clock, supervision and meeting tests: a county config with chosen clock rules,
a migrated database, contexts whose clock the test sets, and cases walked to a given step."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import peewee as pw
from click.testing import Result

from models.cases import lifecycle
from models.intake.intake import NewReport, intake
from models.org.config import Config, load_config
from models.org.context import Context, resolve_identity
from models.org.db import connect
from models.org.setup import set_up
from models.store.schema import Case
from models.worktime.timeutil import to_epoch
from tests.cli_support import SH, Clock, invoke

ROOT = Path(__file__).resolve().parent.parent
GENERAL_RESOLVE = 'resolve = { limit = "7d", from = "received" }'
# Distinct problems, so that intake's duplicate detection does not count the test cases as repeats;
# none holds an urgent or utility signal word, so every case runs the general priority's rules.
TEXTS = ("东关社区路灯不亮", "西关社区下水道堵塞", "南关社区夜间施工噪音", "北关社区垃圾清运不及时",
         "十字街社区占道经营", "城西村道路坑洼破损", "十里铺村自来水浑浊", "东关社区违章搭建彩钢房",
         "西关社区电梯停运三天", "南关社区油烟直排扰民", "北关社区消防通道被堵", "城西村河道漂浮垃圾")


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """An office-zone (Asia/Shanghai) moment."""
    return datetime(y, mo, d, h, mi, tzinfo=SH)


def epoch(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> int:
    return to_epoch(at(y, mo, d, h, mi))


def write_config(directory: Path, *, general_resolve: str | None = None, extra: str = "",
                 replace: dict[str, str] | None = None) -> Path:
    """The shipped chuishao.toml with the general priority's resolve rule replaced, plus extra TOML."""
    text = (ROOT / "chuishao.toml").read_text(encoding="utf-8")
    if general_resolve is not None:
        assert text.count(GENERAL_RESOLVE) == 1
        text = text.replace(GENERAL_RESOLVE, f"resolve = {general_resolve}")
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = directory / "chuishao.toml"
    path.write_text(text + "\n" + extra, encoding="utf-8")
    return path


class County:
    """A database and config; `ctx(name, moment)` acts as an operator at a chosen time."""

    def __init__(self, db_url: str, config_path: Path) -> None:
        self.config_path = config_path
        self.clock = Clock()  # when `run` acts (TODAY unless the test moves it)
        self.made = 0
        self.config: Config = load_config(str(config_path))
        self.db_url = db_url  # the test's `db_url` (SQLite or PostgreSQL) or another from `more_databases`
        self.db: pw.Database = connect(db_url)
        set_up(self.db, self.config, user="root", now=0)

    def ctx(self, name: str | None, moment: datetime) -> Context:
        ctx = resolve_identity(self.config, self.db, as_name=name, user="root")
        ctx.clock = lambda: moment
        return ctx

    @property
    def now(self) -> datetime:
        return self.clock()

    def run(self, *args: str) -> Result:
        """The real CLI on this county, acting at `self.clock`."""
        return invoke(self.config_path, self.db_url, args, clock=self.clock)

    def case(self, case_id: int) -> Case:
        return Case.get_by_id(case_id)

    # -- walking a case -------------------------------------------------------------------------
    def new_case(self, received: datetime, text: str | None = None, **kw: object) -> int:
        ctx = self.ctx("liuyang", received)
        self.made += 1
        text = text or f"{TEXTS[self.made % len(TEXTS)]}（第{self.made}件）"
        case, _ = intake(ctx, NewReport(channel="grid", text=text, township="chengguan",
                                        received_at=to_epoch(received), **kw))  # type: ignore[arg-type]
        assert case.priority == "general", text  # a signal word (积水, 停电 …) would change the rules
        return int(case.id)

    def whistle(self, case_id: int, moment: datetime, category: str = "城管执法") -> None:
        lifecycle.triage(self.ctx("liuyang", moment), case_id, category=category, township="chengguan",
                         priority="general", decision="whistle")

    def dispatch(self, case_id: int, moment: datetime, lead: str = "zhujian", coop: tuple[str, ...] = ()) -> None:
        lifecycle.dispatch(self.ctx("liuyang", moment), case_id, lead=lead, cooperating=list(coop))

    def dispatched_case(self, received: datetime, dispatched: datetime | None = None,
                        coop: tuple[str, ...] = ()) -> int:
        case_id = self.new_case(received)
        self.whistle(case_id, received)
        self.dispatch(case_id, dispatched or received, coop=coop)
        return case_id


def sqlite_in(directory: Path) -> str:
    """An SQLite database in `directory`, for tests that reach the file itself (a sender subprocess)."""
    return f"sqlite:///{directory / 'county.db'}"


def county(directory: Path, db_url: str, **config: object) -> County:
    """A county on `db_url` with the shipped config (changed by `config`) written into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    return County(db_url, write_config(directory, **config))  # type: ignore[arg-type]

