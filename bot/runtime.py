"""What a running Opsbot process holds: settings, database, clock, Slack clients, scheduler,
delivery worker and the Bolt app, built once by the composition root (`bot.app`)."""

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

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.delivery import DeliveryWorker
from bot.scheduler import Scheduler
from bot.services.kpi_lookups import KpiLookups
from bot.services.sources import Sources
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
    delivery: DeliveryWorker
    kpi_lookups: KpiLookups = field(default_factory=KpiLookups)
    recent_profiles: RecentProfiles = field(default_factory=RecentProfiles)
    # The team's own databases (OPSBOT_SOURCE_<NAME>), each with its own small thread pool.
    sources: Sources = field(default_factory=lambda: Sources({}, timeout=10.0))

    def start(self) -> None:
        """Start the background work of a serving process: scheduler and delivery worker."""
        self.scheduler.start()
        self.delivery.start()

    def close(self) -> None:
        """Stop the scheduler, let running listeners finish, let sends in flight be recorded,
        release database connections."""
        self.scheduler.shutdown()
        self.executor.shutdown(wait=True)
        self.sources.close()
        self.delivery.close()
        self.db.dispose()


def make_client(settings: Settings) -> WebClient:
    """A Web API client pointed at SLACK_API_URL for what listeners may call themselves
    (modals, look-ups): it waits out 429s and retries connection errors and 5xx answers."""
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
