"""The composition root: builds settings, database, clock, Slack client, scheduler and
the Bolt app once, and hands them to whoever needs them."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db import Database
from bot.scheduler import Scheduler
from bot.services.kpi_lookups import KpiLookups
from bot.services.workspace import RecentProfiles

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 5


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    scheduler: Scheduler
    client: WebClient
    app: App
    executor: ThreadPoolExecutor
    kpi_lookups: KpiLookups = field(default_factory=KpiLookups)
    recent_profiles: RecentProfiles = field(default_factory=RecentProfiles)

    def close(self) -> None:
        """Stop the scheduler, let running listeners finish, release database connections."""
        self.scheduler.shutdown()
        self.executor.shutdown(wait=True)
        self.db.dispose()


def make_client(settings: Settings) -> WebClient:
    """A Web API client pointed at SLACK_API_URL that waits out 429s and retries
    connection errors and Slack-side 5xx answers."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            ConnectionErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    executor: ThreadPoolExecutor | None = None,
) -> Runtime:
    """Wire everything together. The Bolt app calls auth.test here, as Bolt does.

    `executor` runs Bolt's listeners; the console passes one that can tell when
    the app's background work is done."""
    from bot.jobs import register_jobs
    from handlers import register_all

    clock = clock or SystemClock()
    db = Database(settings.database_url)
    scheduler = Scheduler(db=db, clock=clock, tick_seconds=settings.opsbot_tick_seconds)
    client = make_client(settings)
    executor = executor or ThreadPoolExecutor(max_workers=16, thread_name_prefix="listener")
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        process_before_response=False,
        listener_executor=executor,
        logger=logging.getLogger("slack_bolt"),
    )
    runtime = Runtime(
        settings=settings,
        db=db,
        clock=clock,
        scheduler=scheduler,
        client=client,
        app=app,
        executor=executor,
    )
    register_all(app, runtime)
    register_jobs(runtime)
    return runtime
