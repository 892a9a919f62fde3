"""Real source databases for the KPI query tests: a SQLite file, MariaDB (127.0.0.1:3306,
root, database `test`; OPSBOT_TEST_MARIADB_URL) and PostgreSQL (the test server, schema
`opsbot_src`). Each gets the same `orders` table, named so that it disturbs nothing else:
`opsbot_src_orders` in MariaDB's shared `test` database, `opsbot_src.orders` in PostgreSQL."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.config import load_settings

DEFAULT_MARIADB_URL = "mysql+pymysql://root@127.0.0.1:3306/test"
SLEEP = {
    "sqlite": "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) "
    "SELECT count(*) FROM r",
    "mariadb": "SELECT SLEEP(30)",
    "postgresql": "SELECT pg_sleep(30)",
}


@dataclass(frozen=True)
class SourceDb:
    dialect: str
    url: str  # what OPSBOT_SOURCE_<NAME> holds
    table: str  # how a query names the orders table

    def execute(self, *statements: str, rows: list[dict[str, object]] | None = None) -> None:
        engine = create_engine(_writable(self.url))
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement.replace("{orders}", self.table)), rows or [])
        engine.dispose()

    def reset_orders(self) -> None:
        self.execute(
            "DROP TABLE IF EXISTS {orders}",
            "CREATE TABLE {orders} (id INTEGER PRIMARY KEY, shipped_at "
            f"{'DATETIME' if self.dialect != 'postgresql' else 'TIMESTAMP'} NOT NULL, "
            "on_time INTEGER NOT NULL, note VARCHAR(40))",
        )

    def add_orders(self, orders: list[tuple[int, datetime, int]]) -> None:
        self.execute(
            "INSERT INTO {orders} (id, shipped_at, on_time) VALUES (:id, :at, :on_time)",
            rows=[
                {"id": i, "at": at.replace(tzinfo=None), "on_time": on_time}
                for i, at, on_time in orders
            ],
        )


def _writable(url: str) -> str:
    return (
        load_settings(database_url=url, _env_file=None).database_url
        if url.startswith("postgresql://")
        else url
    )


def sqlite_source(directory: Path) -> SourceDb:
    return SourceDb("sqlite", f"sqlite:///{directory / 'wms.db'}", "orders")


def mariadb_source() -> SourceDb:
    """MariaDB, required when OPSBOT_TEST_MARIADB_URL is set (CI); otherwise the local
    server when it answers, else the test is skipped."""
    configured = os.environ.get("OPSBOT_TEST_MARIADB_URL")
    url = configured or DEFAULT_MARIADB_URL
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 2})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        if configured:
            pytest.fail(f"OPSBOT_TEST_MARIADB_URL is set but MariaDB does not answer: {exc}")
        pytest.skip("MariaDB is not running on 127.0.0.1:3306 (set OPSBOT_TEST_MARIADB_URL)")
    return SourceDb("mariadb", url, "opsbot_src_orders")


def postgres_source() -> SourceDb:
    """A schema of the PostgreSQL test database (OPSBOT_TEST_DATABASE_URL); skipped without."""
    url = os.environ.get("OPSBOT_TEST_DATABASE_URL")
    if not url:
        pytest.skip("OPSBOT_TEST_DATABASE_URL is not set")
    source = SourceDb("postgresql", url, "opsbot_src.orders")
    source.execute("CREATE SCHEMA IF NOT EXISTS opsbot_src")
    return source


def source_for(dialect: str, directory: Path) -> SourceDb:
    if dialect == "sqlite":
        return sqlite_source(directory)
    if dialect == "mariadb":
        return mariadb_source()
    return postgres_source()
