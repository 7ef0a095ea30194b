"""Opening the database named by the configuration and binding the schema to it."""

from __future__ import annotations

import peewee as pw

from models.org.config import Config, user_data_dir
from models.store import engine
from models.store.schema import database_proxy


def database_url(config: Config, override: str | None = None) -> str:
    """--db, else the config's [database] url, else an SQLite file in the user data dir."""
    if override:
        return override
    url = str(config.section("database").get("url") or "")
    if url:
        return url
    return f"sqlite:///{user_data_dir() / 'chuishao.db'}"


def connect(url: str) -> pw.Database:
    """Open the database and bind the schema's proxy to it (one per process; connections per thread)."""
    db = engine.open_database(url)
    database_proxy.initialize(db)
    engine.connect(db, url)
    return db


def read_database(config: Config, primary_url: str) -> pw.Database | None:
    """The `[database] read_url` database (a streaming replica of the primary), connected, or None
    when none is set (or it names the primary itself). Not bound to the schema: only reports read
    there, through models/org/context.on_replica."""
    url = str(config.section("database").get("read_url") or "")
    if not url or url == primary_url:
        return None
    db = engine.open_database(url)
    engine.connect(db, url)
    return db
