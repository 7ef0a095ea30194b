"""The same commands on both engines (db_url), and what differs said plainly: search words of every
length, the chain under one write lock, bad URLs, backup on a server."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import Result

from models.store import engine
from tests import pg_support


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def ids(cli_run: Callable[..., Result], words: str) -> list[int]:
    return sorted(r["id"] for r in json.loads(ok(cli_run("case", "list", "--search", words, "--json"))))


def test_search_finds_words_of_one_two_and_more_characters(cli_run: Callable[..., Result]) -> None:
    ok(cli_run("init"))
    for text in ("楼上噪音扰民，深夜不停", "小区地下室漏水严重", "整栋楼停电了", "路灯不亮 LED灯坏了"):
        ok(cli_run("intake", "add", "--channel", "grid", "--text", text))
    assert ids(cli_run, "噪音") == [1]  # a 2-character word: one bigram token
    assert ids(cli_run, "噪") == [1]  # 1 character: a prefix of the bigrams
    assert ids(cli_run, "电") == [3]  # the run's last character is indexed alone
    assert ids(cli_run, "噪音扰民") == [1]  # longer: a phrase of bigrams in order
    assert ids(cli_run, "扰民噪音") == []  # the same bigrams out of order are not the phrase
    assert ids(cli_run, "漏水 严重") == [2]  # each word must match
    assert ids(cli_run, "漏水 停电") == []
    assert ids(cli_run, "led") == [4]  # ASCII folded to lower case on both engines
    assert ids(cli_run, "楼") == [1, 3]


def test_the_chain_verifies_and_event_ids_have_no_gaps(cli_run: Callable[..., Result]) -> None:
    ok(cli_run("init"))
    ok(cli_run("intake", "add", "--channel", "grid", "--text", "垃圾没人清运"))
    refused = cli_run("case", "dispatch", "1", "--lead", "zhujian")  # a new case cannot be dispatched
    assert refused.exit_code == 1
    ok(cli_run("case", "note", "1", "--text", "已联系"))
    out = ok(cli_run("audit", "verify", "--json"))
    report = json.loads(out)
    assert report["ok"] is True, out
    history = json.loads(ok(cli_run("case", "history", "1", "--json")))
    assert [e["action"] for e in history][-2:] == ["intake", "note"]


@pytest.mark.parametrize("url, says", [
    ("mysql://x@y/z", "unknown engine"),
    ("postgresql://nobody@127.0.0.1:1/none", "cannot connect"),
    ("postgresql://", "name a server and database"),
])
def test_a_bad_database_url_is_one_line_and_exit_2(cli_run: Callable[..., Result], url: str, says: str) -> None:
    result = cli_run("case", "list", db=url)
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert "Traceback" not in result.output


def test_a_password_never_shows_in_messages() -> None:
    assert engine.shown("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"
    assert engine.shown("sqlite:///x.db") == "sqlite:///x.db"


def test_fts_expressions_become_tsqueries() -> None:
    assert engine.tsquery('"噪音"') == "(噪音)"
    assert engine.tsquery('"噪"*') == "(噪:*)"
    assert engine.tsquery('"噪音 音扰 扰民" AND "led"*') == "(噪音 <-> 音扰 <-> 扰民) & (led:*)"
    assert engine.tsquery('"漏水" OR "停电"') == "(漏水) | (停电)"


@pytest.mark.skipif(not pg_support.PG_SERVER, reason=pg_support.SKIP_REASON)
def test_backup_and_restore_on_a_server_name_pg_dump_and_write_nothing(tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.cli_support import ROOT, invoke

    url = pg_support.create_database()
    try:
        assert invoke(ROOT / "chuishao.toml", url, ["init"], clock=clock).exit_code == 0
        for args in (["backup", str(tmp_path / "b.db")], ["restore", str(tmp_path / "b.db")]):
            result = invoke(ROOT / "chuishao.toml", url, args, clock=clock)
            assert result.exit_code == 2, result.output
            assert "pg_dump" in result.output and "pg_restore" in result.output
        assert not (tmp_path / "b.db").exists()
    finally:
        from models.store.schema import database_proxy

        database_proxy.obj.close()
        pg_support.drop_database(url)


@pytest.mark.skipif(not pg_support.PG_SERVER, reason=pg_support.SKIP_REASON)
def test_postgresql_connections_run_without_jit() -> None:
    """JIT compiled the department scoreboard's statement for 3.1 s to run it in 0.4 s (100k cases)."""
    url = pg_support.create_database()
    try:
        db = engine.open_database(url)
        engine.connect(db, url)
        assert db.execute_sql("SHOW jit").fetchone()[0] == "off"
        db.close()
    finally:
        pg_support.drop_database(url)
