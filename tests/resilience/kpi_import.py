"""Run as its own process by test_crash_safety: the real `opsbot kpi import` command, which
stops inside its transaction once it has written PAUSE_AFTER values, says so on stdout as
one JSON line, and waits there for the test to kill it.

    python -m tests.resilience.kpi_import PAUSE_AFTER kpi import FILE.csv --team TEAM

The database comes from DATABASE_URL, as for `opsbot` itself.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from sqlalchemy import Connection, Engine, event

from bot.cli import main as opsbot

UNKILLED_SECONDS = 60
UNKILLED_EXIT = 3


def _small_page_cache(dbapi_connection: Any, _record: object) -> None:
    # A page cache much smaller than the import, as with a file of millions of rows: SQLite
    # then writes the transaction's pages to the WAL before it commits, so the kill leaves
    # uncommitted frames behind that the restarted database must ignore.
    if type(dbapi_connection).__module__ == "sqlite3":
        dbapi_connection.execute("PRAGMA cache_size=16")


def _pause_once_written(count: int) -> Any:
    def after_cursor_execute(conn: Connection, cursor: Any, statement: str, *_args: object) -> None:
        if not statement.startswith("INSERT INTO kpi_datapoints"):
            return
        # The import's own connection sees the rows its open transaction has written.
        probe = cursor.connection.cursor()
        probe.execute("SELECT count(*) FROM kpi_datapoints WHERE source = 'csv'")
        written = probe.fetchone()[0]
        if written < count:
            return
        backend_pid = None
        if conn.dialect.name == "postgresql":
            probe.execute("SELECT pg_backend_pid()")
            backend_pid = probe.fetchone()[0]
        print(json.dumps({"written": written, "backend_pid": backend_pid}), flush=True)
        time.sleep(UNKILLED_SECONDS)
        # Never killed: leave as abruptly, so that this transaction cannot commit either.
        os._exit(UNKILLED_EXIT)

    return after_cursor_execute


def main(pause_after: str, *argv: str) -> int:
    event.listen(Engine, "connect", _small_page_cache)
    event.listen(Engine, "after_cursor_execute", _pause_once_written(int(pause_after)))
    return opsbot(argv)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
