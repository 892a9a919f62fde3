"""The scheduling engine.

What is scheduled lives in the database (huddle and standup configs, escalation
deadlines). One APScheduler interval job calls `tick()` every few seconds; each
registered job reads what is due *now* from the database and acts, so a config
change made through Slack takes effect at the next tick and a restart loses
nothing. Scheduled posts are claimed in the ledger (exactly once across restarts and
instances) in the transaction that queues them in the delivery outbox.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import OperationalError

from bot.clock import Clock
from bot.db import Database, outage_reason
from bot.services import workspace

log = logging.getLogger(__name__)

Job = Callable[[datetime], None]


@dataclass
class Scheduler:
    db: Database
    clock: Clock
    tick_seconds: int = 15
    jobs: dict[str, Job] = field(default_factory=dict)
    last_tick_at: datetime | None = None
    _apscheduler: BackgroundScheduler | None = None
    _tick_lock: threading.Lock = field(default_factory=threading.Lock)

    def add_job(self, name: str, job: Job) -> None:
        """Run `job(now)` on every tick. Jobs open their own sessions."""
        self.jobs[name] = job

    def tick(self) -> None:
        """Run every job once for the current time. Never raises: one failing job
        must not stop the others, and the next tick tries again."""
        with self._tick_lock:
            now = self.clock.now()
            self.last_tick_at = now
            for name, job in self.jobs.items():
                try:
                    job(now)
                except OperationalError as exc:  # an outage: one line per tick, not a trace
                    log.warning(
                        "scheduled job %s could not reach the database (%s); "
                        "it runs again next tick",
                        name,
                        outage_reason(exc),
                    )
                except Exception:
                    log.exception("scheduled job %s failed; it runs again next tick", name)

    def start(self) -> None:
        """Start ticking in a background thread (the bot process's scheduler)."""
        self._apscheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )
        self._apscheduler.add_job(
            self.tick, IntervalTrigger(seconds=self.tick_seconds, timezone=UTC), id="tick"
        )
        self._apscheduler.add_job(
            self._forget_old_keys, IntervalTrigger(hours=1, timezone=UTC), id="forget-keys"
        )
        self._apscheduler.start()
        log.info("scheduler started (tick every %ss)", self.tick_seconds)

    def _forget_old_keys(self) -> None:
        with self.db.session() as session:
            workspace.forget_old_keys(session, now=self.clock.now())

    def shutdown(self) -> None:
        """Stop ticking; waits for a running tick to finish."""
        if self._apscheduler is not None and self._apscheduler.running:
            self._apscheduler.shutdown(wait=True)
            log.info("scheduler stopped")
