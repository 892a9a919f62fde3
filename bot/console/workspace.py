"""The console's Slack: the real Bolt app and scheduler, wired to the in-process stand-in.

Requests are signed by the driver with a signing secret made up for this run and
handed to Bolt as bytes, so Bolt verifies them exactly as it verifies Slack's.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from random import Random
from typing import Any

from sqlalchemy import select

from bot.app import build_runtime
from bot.clock import ManualClock, SystemClock
from bot.config import Settings, load_settings
from bot.console.state import (
    CLOCK_KEY,
    CONVERSATION_KEY,
    DEMO_KEY,
    ConsoleState,
    saved_state,
)
from bot.db import Base
from bot.delivery import ChannelPacer
from bot.demo import DEMO_TEAM, wms
from bot.demo.seed import DEMO_TIMEZONE, demo_morning, populate_standin, seed_demo
from bot.migrate import upgrade
from bot.runtime import Runtime
from bot.services import workspace as workspace_settings
from bot.standin.driver import SlackDriver
from bot.standin.server import ApiCall, FakeSlack
from bot.web import bolt_request

DEFAULT_DATABASE_FILE = "console.db"
DEMO_RANDOM_SEED = 20260302
STANDIN_TOKEN = "xoxb-console-standin"
SETTLE_TIMEOUT_SECONDS = 60.0


class ConsoleError(Exception):
    """The console cannot start; the message is one sentence saying why."""


class TrackedExecutor(ThreadPoolExecutor):
    """Runs Bolt's listeners and can wait until none is queued or running, so the console
    prints what the app did only once it has finished doing it."""

    def __init__(self) -> None:
        super().__init__(max_workers=16, thread_name_prefix="listener")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._pending += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished()
            raise
        future.add_done_callback(lambda _future: self._finished())
        return future

    def _finished(self) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = SETTLE_TIMEOUT_SECONDS) -> bool:
        """Block until no listener work is left; False if it is still busy after `timeout`."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)


@dataclass
class ConsoleWorkspace:
    slack: FakeSlack
    runtime: Runtime
    driver: SlackDriver
    clock: ManualClock
    executor: TrackedExecutor
    output_dir: Path
    is_demo: bool = False
    resumed: bool = False
    default_database: bool = True

    def settle(self) -> None:
        """Wait for Bolt's listener work to finish, then deliver what it queued."""
        self.executor.wait_idle()
        self.runtime.sources.wait_idle()
        self.runtime.delivery.drain()

    def tick(self) -> None:
        """Let the scheduler do what is due now, and wait for its effects."""
        self.runtime.scheduler.tick()
        self.settle()

    def calls_since(self, mark: int) -> list[ApiCall]:
        """Successful Web API calls the app made after the `mark`-th recorded call."""
        return [call for call in self.slack.calls[mark:] if call.status == 200]

    def call_count(self) -> int:
        return len(self.slack.calls)

    def save(self) -> None:
        """Remember the clock's time and the stand-in's conversation, where the next
        console on this database resumes."""
        now = self.clock.now()
        saved = {CLOCK_KEY: now.isoformat(), CONVERSATION_KEY: self.slack.conversation()}
        with self.runtime.db.session() as session:
            for key, value in saved.items():
                workspace_settings.set_setting(
                    session, team_id=DEMO_TEAM, key=key, value=value, now=now
                )

    def close(self) -> None:
        try:
            self.save()
        finally:
            self.runtime.close()
            self.slack.stop()


def default_database_url(directory: Path) -> str:
    return f"sqlite:///{directory / DEFAULT_DATABASE_FILE}"


def open_workspace(
    settings: Settings,
    *,
    directory: Path,
    database_url: str | None = None,
    demo: bool = False,
    resume: bool = False,
    start: datetime | None = None,
) -> ConsoleWorkspace:
    """Migrate the database, start the stand-in with the demo people and channels and build
    the real app against it. With `demo`, seed a fresh database and set a Monday morning;
    with `resume` too, keep a demo this database already holds instead. Without `demo`,
    keep the database and resume the clock where the last console left it (or start now).
    Either way the clock never starts behind where it was left."""
    url = database_url or default_database_url(directory)
    state = ConsoleState() if demo and not resume else saved_state(url)
    if state.demo_seeded:
        demo = False
    elif demo and database_url is None:
        _remove_sqlite_file(directory / DEFAULT_DATABASE_FILE)
        state = ConsoleState()
    slack = FakeSlack(team_id=DEMO_TEAM).start()
    overrides: dict[str, Any] = {
        "slack_bot_token": STANDIN_TOKEN,
        "slack_signing_secret": secrets.token_urlsafe(24),
        "slack_app_token": None,
        "slack_api_url": slack.api_url,
        "database_url": url,
    }
    if demo or state.demo_seeded:
        overrides["opsbot_timezone"] = DEMO_TIMEZONE
    # The demo's WMS database (bot/demo/wms.py), next to the console's; sources set in the
    # environment are kept, and win.
    overrides["sources"] = {wms.SOURCE: wms.source_url(directory), **settings.sources}
    console_settings = load_settings(**{**settings.model_dump(), **overrides, "_env_file": None})
    upgrade(url)
    now = SystemClock().now()
    begin = start or (demo_morning(now) if demo else state.clock or now.replace(second=0))
    if state.clock is not None and begin < state.clock:
        begin = state.clock
    clock = ManualClock(begin)
    executor = TrackedExecutor()
    runtime = build_runtime(console_settings, clock=clock, executor=executor)
    # One delivery at a time, unpaced: the console shows what Slack got in the order it was
    # queued, the same every run, and the stand-in has no rate limits.
    runtime.delivery.threads = 1
    runtime.delivery.pacer = ChannelPacer(interval=0.0)
    try:
        if demo:
            _require_empty(runtime)
        populate_standin(slack)
        if state.conversation:
            slack.resume(state.conversation)
        if demo:
            seed_demo(runtime, Random(DEMO_RANDOM_SEED))
            with runtime.db.session() as session:
                workspace_settings.set_setting(
                    session,
                    team_id=DEMO_TEAM,
                    key=DEMO_KEY,
                    value=clock.now().isoformat(),
                    now=clock.now(),
                )
    except BaseException:
        runtime.close()
        slack.stop()
        raise

    def transport(body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        response = runtime.app.dispatch(bolt_request(body.decode(), headers))
        return response.status, (response.body or "").encode()

    driver = SlackDriver(
        signing_secret=console_settings.slack_signing_secret or "",
        transport=transport,
        response_base_url=slack.url,
        team_id=DEMO_TEAM,
    )
    return ConsoleWorkspace(
        slack=slack,
        runtime=runtime,
        driver=driver,
        clock=clock,
        executor=executor,
        output_dir=directory / "console-output",
        is_demo=demo or state.demo_seeded,
        resumed=state.clock is not None and not demo,
        default_database=database_url is None,
    )


def _remove_sqlite_file(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _require_empty(runtime: Runtime) -> None:
    with runtime.db.session() as session:
        for table in Base.metadata.sorted_tables:
            if session.execute(select(table).limit(1)).first() is not None:
                raise ConsoleError(
                    "--demo needs an empty database, and the one given with --database "
                    "already holds data; leave out --database to use a fresh console.db."
                )
