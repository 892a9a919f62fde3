"""The scheduling engine.

What is scheduled lives in the database (huddle and standup configs, escalation
deadlines). One APScheduler interval job calls `tick()` every few seconds; each
registered job reads what is due *now* from the database and acts, so a config
change made through Slack takes effect at the next tick and a restart loses
nothing. Scheduled posts go through `deliver()`, which claims them in the ledger
first (exactly once across restarts and instances) and retries failures.
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
from bot.db import Database
from bot.models import PostStatus, ScheduledPost
from bot.services import ledger, workspace
from bot.services.ledger import PostKey

log = logging.getLogger(__name__)

Job = Callable[[datetime], None]
Sender = Callable[[ScheduledPost], str | None]


@dataclass
class Scheduler:
    db: Database
    clock: Clock
    tick_seconds: int = 15
    jobs: dict[str, Job] = field(default_factory=dict)
    senders: dict[str, Sender] = field(default_factory=dict)
    _apscheduler: BackgroundScheduler | None = None
    _tick_lock: threading.Lock = field(default_factory=threading.Lock)

    def add_job(self, name: str, job: Job) -> None:
        """Run `job(now)` on every tick. Jobs open their own sessions."""
        self.jobs[name] = job

    def add_sender(self, kind: str, sender: Sender) -> None:
        """How to (re)send a ledger post of `kind`; used by `deliver` and by retries."""
        self.senders[kind] = sender

    def tick(self) -> None:
        """Run every job once for the current time. Never raises: one failing job
        must not stop the others, and the next tick tries again."""
        with self._tick_lock:
            now = self.clock.now()
            for name, job in [*self.jobs.items(), ("ledger-retries", self._retry_posts)]:
                try:
                    job(now)
                except OperationalError as exc:  # an outage: one line per tick, not a trace
                    log.warning(
                        "scheduled job %s could not reach the database (%s); "
                        "it runs again next tick",
                        name,
                        str(exc.orig).partition("\n")[0],
                    )
                except Exception:
                    log.exception("scheduled job %s failed; it runs again next tick", name)

    def deliver(self, key: PostKey, *, scheduled_for: datetime, now: datetime) -> str:
        """Send the post for `key` once. Returns the ledger status, or "duplicate"."""
        with self.db.session() as session:
            post = ledger.claim_post(session, key=key, scheduled_for=scheduled_for, now=now)
            if post is None:
                return "duplicate"
        return self._send(post, now)

    def _send(self, post: ScheduledPost, now: datetime) -> str:
        try:
            message_ts = self.senders[post.kind](post)
        except Exception as exc:
            log.warning("sending %s to %s failed: %s", post.kind, post.channel_id, exc)
            with self.db.session() as session:
                status = ledger.mark_attempt_failed(
                    session, post_id=post.id, error=f"{type(exc).__name__}: {exc}", now=now
                )
            if status == PostStatus.FAILED:
                log.error("gave up on %s for %s after retries", post.kind, post.channel_id)
            return status
        with self.db.session() as session:
            ledger.mark_sent(session, post_id=post.id, message_ts=message_ts, now=now)
        return PostStatus.SENT

    def _retry_posts(self, now: datetime) -> None:
        with self.db.session() as session:
            ledger.fail_stuck_claims(session, now=now)
            due = ledger.claim_due_retries(session, now=now)
        for post in due:
            self._send(post, now)

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
