"""Fixtures: real databases (a SQLite file, and PostgreSQL when OPSBOT_TEST_DATABASE_URL is
set), a fake Slack Web API over HTTP, the real app, and a driver sending signed requests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.app import build_runtime
from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.console.workspace import TrackedExecutor
from bot.db import Base, Database
from bot.delivery import ChannelPacer
from bot.migrate import upgrade
from bot.runtime import Runtime
from bot.standin.driver import SlackDriver
from bot.standin.server import FakeSlack
from bot.web import create_web_app

PG_URL = os.environ.get("OPSBOT_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
SIGNING_SECRET = "test-signing-secret"
TEAM = "T0001"
OTHER_TEAM = "T0002"
ADMIN = "UADMIN"
MARIA = "UMARIA"
JOE = "UJOE"
OPS_CHANNEL = "C0OPS"
# Monday 2 March 2026, 08:00 UTC: a working day, well away from DST changes.
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "opsbot.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    assert PG_URL, "OPSBOT_TEST_DATABASE_URL is not set"
    url = load_settings(database_url=PG_URL, _env_file=None).database_url
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    return url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "opsbot.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    return url


def empty_postgres(url: str) -> None:
    """Delete every row of the migrated PostgreSQL test database, and restart its ids."""
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture(scope="session")
def fake_slack_server() -> Iterator[FakeSlack]:
    server = FakeSlack(team_id=TEAM).start()
    yield server
    server.stop()


@pytest.fixture
def fake_slack(fake_slack_server: FakeSlack) -> FakeSlack:
    fake_slack_server.reset()
    fake_slack_server.add_user(ADMIN, "ada", is_admin=True, tz="Europe/Berlin")
    fake_slack_server.add_user(MARIA, "maria", tz="America/Chicago")
    fake_slack_server.add_user(JOE, "joe", tz="Asia/Tokyo")
    fake_slack_server.add_channel(OPS_CHANNEL, "ops")
    return fake_slack_server


@pytest.fixture
def runtime(database_url: str, fake_slack: FakeSlack, clock: ManualClock) -> Iterator[Runtime]:
    settings = load_settings(
        _env_file=None,
        slack_bot_token="xoxb-test",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
        database_url=database_url,
        opsbot_timezone="UTC",
    )
    built = instance(settings, clock)
    yield built
    built.close()


def instance(settings: Settings, clock: ManualClock) -> Runtime:
    """One Opsbot instance for a test: its delivery worker runs in the background, and each
    scheduler tick also delivers what it queued."""
    # A tracked executor, so that a test can wait until the work after an ack is done.
    built = build_runtime(settings, clock=clock, executor=TrackedExecutor())
    # Pacing has its own test; here a channel's burst of posts should not take seconds.
    built.delivery.pacer = ChannelPacer(interval=0.01)
    built.delivery.start()
    deliver_after_ticks(built)
    return built


@pytest.fixture
def slack(runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock) -> SlackDriver:
    """Sends signed requests to POST /slack/events of the real web app."""
    return driver_for(runtime, fake_slack)


def driver_for(runtime: Runtime, fake_slack: FakeSlack, *, deliver: bool = True) -> SlackDriver:
    """A driver signing requests to POST /slack/events of `runtime`'s web app; with
    `deliver`, what each request queued is delivered before the driver returns."""
    web = create_web_app(runtime).test_client()

    def transport(body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        answer = web.post("/slack/events", data=body, headers=headers)
        if deliver:  # False while a test has cut the database off
            runtime.delivery.drain(timeout=30)
        return answer.status_code, answer.data

    return SlackDriver(
        signing_secret=SIGNING_SECRET,
        transport=transport,
        response_base_url=fake_slack.url,
        team_id=TEAM,
    )


def deliver_after_ticks(runtime: Runtime) -> None:
    """Make each scheduler tick also deliver what it queued, so a test that ticks sees the
    posts, as the console does after every clock step."""
    tick = runtime.scheduler.tick

    def tick_and_deliver() -> None:
        tick()
        runtime.delivery.drain(timeout=30)  # False while a test has cut the database off

    runtime.scheduler.tick = tick_and_deliver  # type: ignore[method-assign]


def settle(*runtimes: Runtime) -> None:
    """Wait until the listeners' work is done, then deliver everything due in the outbox
    (posts, updates, DMs, charts, Home tabs)."""
    for runtime in runtimes:
        executor = runtime.executor
        assert isinstance(executor, TrackedExecutor) and executor.wait_idle()
    for runtime in runtimes:
        assert runtime.delivery.drain(timeout=30), "the outbox did not drain"


def chart_uploads(fake_slack: FakeSlack, channel: str | None = None) -> int:
    """Charts that reached Slack (in `channel`, or anywhere)."""
    return sum(
        1
        for call in fake_slack.calls_to("files.completeUploadExternal")
        if call.status == 200 and channel in (None, call["channel_id"])
    )
