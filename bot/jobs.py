"""Every scheduled job, registered on the scheduler in one place. Each job opens a session,
does its work and queues what it has to say in the same transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.messaging import escalations as escalation_messages
from bot.messaging import home as home_messages
from bot.messaging import huddle as huddle_messages
from bot.messaging import scheduled
from bot.messaging import standups as standup_messages
from bot.services import huddle, kpis, outbox

if TYPE_CHECKING:
    from bot.runtime import Runtime


def register_jobs(runtime: Runtime) -> None:
    """Each feature adds its job here."""
    db = runtime.db

    def sla(now: datetime) -> None:
        with db.session() as session:
            escalation_messages.advance_sla_timers(session, now=now)

    def homes(now: datetime) -> None:
        with db.session() as session:
            home_messages.publish_stale(session, now=now)

    def forget_old_deliveries(now: datetime) -> None:
        with db.session() as session:
            outbox.forget_old(session, now=now)

    def purge_removed_kpis(now: datetime) -> None:
        # KPIs removed more than 30 days ago are deleted for good, with their values.
        with db.session() as session:
            kpis.purge_removed(session, now=now)

    runtime.scheduler.add_job("escalation-sla", sla)
    runtime.scheduler.add_job(
        "standup-reminders", lambda now: standup_messages.send_due_reminders(runtime, now)
    )
    runtime.scheduler.add_job(
        "standup-reports", lambda now: standup_messages.post_due_reports(runtime, now)
    )
    runtime.scheduler.add_job("huddle", lambda now: post_due_huddles(runtime, now))
    runtime.scheduler.add_job("app-home", homes)
    runtime.scheduler.add_job("purge-removed-kpis", purge_removed_kpis)
    runtime.scheduler.add_job("forget-old-deliveries", forget_old_deliveries)


def post_due_huddles(runtime: Runtime, now: datetime) -> None:
    """Queue the huddles that are due, each claimed in the ledger (exactly once a day)."""
    grace = timedelta(minutes=runtime.settings.opsbot_grace_minutes)
    with runtime.db.session() as session:
        due = huddle.due_huddles(session, now=now, grace=grace)
    for item in due:
        scheduled.claim_and_queue(
            runtime.db,
            key=item.key,
            scheduled_for=item.scheduled_for,
            now=now,
            queue=lambda session, post: huddle_messages.post(
                session,
                team_id=post.team_id,
                channel_id=post.channel_id,
                now=now,
                default_tz=runtime.settings.opsbot_timezone,
                local_date=post.local_date,
                ledger_post_id=post.id,
            ),
        )
