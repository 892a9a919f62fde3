"""The team's own databases (`OPSBOT_SOURCE_<NAME>`): one engine per source, queries run
read-only with a statement timeout and a row limit, and errors told without credentials.

Every dialect runs the query in a read-only transaction where it has one (PostgreSQL and
Oracle `SET TRANSACTION READ ONLY`, MySQL/MariaDB `START TRANSACTION READ ONLY`) and SQLite
opens the file with `mode=ro`. The database enforces the timeout where it can
(`statement_timeout`, `max_statement_time`/`max_execution_time`, SQLite's progress handler);
a watchdog cancels the statement from outside a second later where it did not. On SQLite
an authorizer also keeps the query to reading its own file: no ATTACH or VACUUM INTO (each
would create the file it names), no write, no PRAGMA that sets something, no function that
touches files or loads code.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

MAX_ROWS = 10_000
CONNECT_TIMEOUT_SECONDS = 5
WATCHDOG_MARGIN_SECONDS = 1.0
THREADS_PER_SOURCE = 2
_WRITE_REFUSED = re.compile(
    r"read-only transaction|READ ONLY transaction|readonly database|read-only|query_only",
    re.IGNORECASE,
)
_TIMEOUT_CODES = {"57014", 1969, 3024, 1317}
_ONE_STATEMENT = "a KPI query is one SELECT statement; remove the second one"
# What drivers say about a second statement (MariaDB answers with a syntax error instead).
_SECOND_STATEMENT = re.compile(
    r"one statement at a time|multiple commands into a prepared statement", re.IGNORECASE
)
# Quoted text and comments, where a `;` does not end a statement; and the `;` that does.
_SQL_PARTS = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|--[^\n]*|/\*.*?\*/|;", re.DOTALL
)
_SQLITE_READS = frozenset(
    {
        sqlite3.SQLITE_SELECT,
        sqlite3.SQLITE_READ,
        sqlite3.SQLITE_FUNCTION,
        sqlite3.SQLITE_RECURSIVE,
        sqlite3.SQLITE_PRAGMA,
        sqlite3.SQLITE_TRANSACTION,
        sqlite3.SQLITE_SAVEPOINT,
    }
)
_SQLITE_FILE_FUNCTIONS = frozenset(
    {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"}
)


class SourceError(Exception):
    """A source is unknown or unusable, or its query failed; the message is safe to show
    (it never holds the URL's password or the query's parameters)."""


class UnknownSourceError(SourceError):
    """No source of that name is configured in this process (OPSBOT_SOURCE_<NAME>)."""


@dataclass(frozen=True)
class Rows:
    """What a query returned: column names and at most MAX_ROWS rows."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    seconds: float


def normalise_url(url: str) -> URL:
    """The SQLAlchemy URL of a source: `postgresql://` uses psycopg 3, `mysql://` and
    `mariadb://` PyMySQL, and a SQLite file is opened read-only."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SourceError(
            "its URL is not a SQLAlchemy URL such as dialect://user@host/db"
        ) from None
    driver = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}.get(
        parsed.drivername
    ) or {"mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql"}.get(parsed.drivername)
    if driver:
        parsed = parsed.set(drivername=driver)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        database = parsed.database or ""
        if not database.startswith("file:"):
            database = f"file:{database}"
        parsed = parsed.set(database=database, query={**parsed.query, "mode": "ro", "uri": "true"})
    return parsed


def safe_url(url: str) -> str:
    """The URL with its password masked, for `opsbot source list`."""
    try:
        return normalise_url(url).render_as_string(hide_password=True)
    except SourceError:
        return "(not a valid URL)"


@dataclass
class Source:
    """One named source and its engine (made on first use)."""

    name: str
    url: str
    _engine: Engine | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def dialect(self) -> str:
        try:
            return normalise_url(self.url).get_backend_name()
        except SourceError:
            return "unknown"

    @property
    def secrets(self) -> list[str]:
        """What must never be shown: the raw URL and its password."""
        try:
            password = make_url(self.url).password
        except ArgumentError:
            password = None
        return [s for s in (self.url, password) if s]

    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = self._make_engine()
            return self._engine

    def _make_engine(self) -> Engine:
        url = normalise_url(self.url)
        backend = url.get_backend_name()
        connect_args: dict[str, Any] = {}
        if backend in ("postgresql", "mysql", "mariadb"):
            connect_args = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        elif backend == "sqlite":
            connect_args = {"check_same_thread": False}
        try:
            if backend == "sqlite":
                return create_engine(url, connect_args=connect_args, poolclass=NullPool)
            return create_engine(
                url,
                connect_args=connect_args,
                pool_pre_ping=True,
                pool_size=THREADS_PER_SOURCE,
                max_overflow=1,
                pool_recycle=1800,
            )
        except NoSuchModuleError:
            raise SourceError(
                f"Opsbot has no SQLAlchemy dialect for `{url.drivername}`; install its driver"
            ) from None
        except (ArgumentError, ImportError) as exc:
            raise SourceError(self.describe(exc)) from None

    def dispose(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    def describe(self, exc: BaseException) -> str:
        """One line about `exc` with no credentials and no SQL parameters."""
        original = getattr(exc, "orig", None) or exc
        args = getattr(original, "args", ())
        if len(args) >= 2 and isinstance(args[0], int) and isinstance(args[1], str):
            text = args[1]  # PyMySQL: (code, message)
        else:
            text = str(original)
        text = text.strip().partition("\n")[0] or type(original).__name__
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text[:300]

    def run(self, sql: str, *, timeout: float, max_rows: int = MAX_ROWS) -> Rows:
        """Run `sql` read-only; SourceError with the reason when it fails, takes longer than
        `timeout` seconds or returns more than `max_rows` rows."""
        started = time.monotonic()
        engine = self.engine()
        backend = engine.dialect.name
        try:
            raw = engine.raw_connection()
        except Exception as exc:
            raise SourceError(f"cannot connect: {self.describe(exc)}") from None
        watchdog = _Watchdog(timeout + WATCHDOG_MARGIN_SECONDS, lambda: self._cancel(raw))
        guard = None
        try:
            cursor = raw.cursor()
            guard = _begin_read_only(engine, raw, cursor, timeout=timeout)
            watchdog.start()
            if backend == "postgresql":
                # The extended protocol takes one statement only: no `COMMIT; …` after it.
                cursor.execute(sql, binary=True)
            else:
                cursor.execute(sql)
            if cursor.description is None:
                raise SourceError("the statement returned no result; a KPI query is a SELECT")
            columns = tuple(str(column[0]) for column in cursor.description)
            rows = [tuple(row) for row in cursor.fetchmany(max_rows + 1)]
        except SourceError:
            raise
        except Exception as exc:
            if guard is not None and guard.refused:
                raise SourceError(f"Opsbot runs queries read-only: {guard.refused}") from None
            elapsed = time.monotonic() - started
            timed_out = watchdog.fired or elapsed >= timeout
            raise SourceError(
                self._failure(exc, sql=sql, timed_out=timed_out, timeout=timeout)
            ) from None
        finally:
            watchdog.cancel()
            _end(raw, backend)
        if len(rows) > max_rows:
            raise SourceError(
                f"the query returned more than {max_rows:,} rows; aggregate or filter it"
            )
        return Rows(columns, rows, time.monotonic() - started)

    def _failure(self, exc: BaseException, *, sql: str, timed_out: bool, timeout: float) -> str:
        original = getattr(exc, "orig", None) or exc
        code = getattr(original, "sqlstate", None) or (getattr(original, "args", ()) or (None,))[0]
        if timed_out or code in _TIMEOUT_CODES:
            return f"the query took longer than {timeout:g} s and was cancelled"
        reason = self.describe(exc)
        if _SECOND_STATEMENT.search(reason) or _statement_count(sql) > 1:
            return _ONE_STATEMENT
        if _WRITE_REFUSED.search(reason):
            return f"Opsbot runs queries read-only, and the database refused a write: {reason}"
        return reason

    def _cancel(self, raw: Any) -> None:
        """Stop the running statement from another thread (the database did not)."""
        driver = raw.driver_connection
        try:
            backend = self.engine().dialect.name
            if backend == "postgresql":
                driver.cancel()
            elif backend == "sqlite":
                driver.interrupt()
            elif backend in ("mysql", "mariadb"):
                killer = self.engine().raw_connection()
                try:
                    killer.cursor().execute(f"KILL QUERY {int(driver.thread_id())}")
                finally:
                    killer.close()
        except Exception as exc:  # the statement ends with its own error anyway
            log.warning("could not cancel a query on source %s: %s", self.name, self.describe(exc))


def _statement_count(sql: str) -> int:
    """How many statements `sql` holds: its parts between `;`s outside quotes and comments
    that hold more than blanks and comments."""
    code = _SQL_PARTS.sub(lambda part: ";" if part.group() == ";" else " ", sql)
    return sum(1 for statement in code.split(";") if statement.strip())


class _SqliteGuard:
    """The authorizer of a SQLite source's connection: it lets a query read the source's
    own database and nothing else, and remembers what it refused, to say so."""

    def __init__(self) -> None:
        self.refused: str | None = None

    def __call__(
        self, action: int, first: str | None, second: str | None, *_where: str | None
    ) -> int:
        refused = _sqlite_refusal(action, first, second)
        if refused is None:
            return sqlite3.SQLITE_OK
        self.refused = refused
        return sqlite3.SQLITE_DENY


def _sqlite_refusal(action: int, first: str | None, second: str | None) -> str | None:
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return "a query on a SQLite source reads its own file only (no ATTACH or VACUUM INTO)"
    if action == sqlite3.SQLITE_PRAGMA and second is not None:
        return f"a query may not set PRAGMA {first}"
    if action == sqlite3.SQLITE_FUNCTION and (second or "").lower() in _SQLITE_FILE_FUNCTIONS:
        return f"a query may not call {second}()"
    if action not in _SQLITE_READS:
        return "a query may not write or change the schema"
    return None


def _begin_read_only(
    engine: Engine, raw: Any, cursor: Any, *, timeout: float
) -> _SqliteGuard | None:
    """Start the read-only transaction; on SQLite, the guard that refused what it did."""
    backend = engine.dialect.name
    if backend == "postgresql":
        cursor.execute("SET TRANSACTION READ ONLY")
        cursor.execute(f"SET LOCAL statement_timeout = {int(timeout * 1000)}")
    elif backend in ("mysql", "mariadb"):
        if getattr(engine.dialect, "is_mariadb", False):
            cursor.execute(f"SET SESSION max_statement_time = {timeout:g}")
        else:
            cursor.execute(f"SET SESSION max_execution_time = {int(timeout * 1000)}")
        cursor.execute("START TRANSACTION READ ONLY")
    elif backend == "sqlite":
        driver = raw.driver_connection
        deadline = time.monotonic() + timeout
        driver.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
        cursor.execute("PRAGMA query_only = ON")
        driver.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        guard = _SqliteGuard()
        driver.set_authorizer(guard)
        return guard
    elif backend == "oracle":
        cursor.execute("SET TRANSACTION READ ONLY")
    return None


def _end(raw: Any, backend: str) -> None:
    try:
        raw.rollback()
        if backend == "sqlite":
            raw.driver_connection.set_progress_handler(None, 0)
            raw.driver_connection.set_authorizer(None)
        raw.close()
    except Exception:
        raw.invalidate()


class _Watchdog:
    def __init__(self, seconds: float, cancel: Callable[[], None]) -> None:
        self.fired = False
        self._cancel = cancel
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        self._cancel()

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()


class Sources:
    """The configured sources and a small thread pool per source, so a slow warehouse never
    holds up Slack's acknowledgements, other jobs or other sources."""

    def __init__(self, urls: dict[str, str], *, timeout: float) -> None:
        self.timeout = timeout
        self._sources = {name.lower(): Source(name.lower(), url) for name, url in urls.items()}
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._lock = threading.Lock()
        self._pending = 0
        self._idle = threading.Condition()

    @property
    def names(self) -> list[str]:
        return sorted(self._sources)

    def get(self, name: str) -> Source:
        """The source called `name` (any case); SourceError naming the known ones."""
        found = self._sources.get(name.lower())
        if found is None:
            known = ", ".join(self.names) or "none is configured (OPSBOT_SOURCE_<NAME>)"
            raise UnknownSourceError(f"there is no source named {name}; sources: {known}")
        return found

    def submit(self, name: str, work: Callable[[], Any]) -> Future[Any]:
        """Run `work` on the pool of source `name`."""
        with self._lock:
            pool = self._pools.get(name)
            if pool is None:
                pool = ThreadPoolExecutor(THREADS_PER_SOURCE, thread_name_prefix=f"source-{name}")
                self._pools[name] = pool
        with self._idle:
            self._pending += 1
        future = pool.submit(work)
        future.add_done_callback(lambda _f: self._finished())
        return future

    def _finished(self) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until no query is queued or running (the console and tests)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)
        for source in self._sources.values():
            source.dispose()


def check_source(source: Source, *, timeout: float) -> float:
    """Connect and run `SELECT 1` read-only; the seconds it took, or SourceError."""
    return source.run("SELECT 1", timeout=timeout).seconds
