"""Every scheduled job, registered on the scheduler in one place. Each job opens a session,
does its work and queues what it has to say in the same transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.messaging import escalations as escalation_messages
from bot.messaging import handover as handover_messages
from bot.messaging import home as home_messages
from bot.messaging import huddle as huddle_messages
from bot.messaging import kpi_freshness as kpi_freshness_messages
from bot.messaging import kpi_queries as kpi_query_messages
from bot.messaging import reports as report_messages
from bot.messaging import scheduled
from bot.messaging import standups as standup_messages
from bot.services import huddle, kpis, outbox, reports

if TYPE_CHECKING:
    from bot.runtime import Runtime

STALE_CHECK_INTERVAL = timedelta(minutes=5)


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

    def forget_old_report_runs(now: datetime) -> None:
        # A report's files wait in the database until they are in its thread; a week is ample.
        with db.session() as session:
            reports.forget_old_runs(session, now=now)

    stale_checked_at: list[datetime] = []

    def stale_kpis(now: datetime) -> None:
        # Every few minutes is soon enough: the shortest `every` (1 minute) is stale after 2.
        last = stale_checked_at[-1] if stale_checked_at else None
        if last is not None and last <= now < last + STALE_CHECK_INTERVAL:
            return
        with db.session() as session:
            kpi_freshness_messages.tell_stale_owners(
                session, now=now, default_zone=runtime.settings.timezone
            )
        stale_checked_at[:] = [now]

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
    runtime.scheduler.add_job("reports", lambda now: post_due_reports(runtime, now))
    runtime.scheduler.add_job("forget-old-report-runs", forget_old_report_runs)
    runtime.scheduler.add_job("app-home", homes)
    runtime.scheduler.add_job("purge-removed-kpis", purge_removed_kpis)
    runtime.scheduler.add_job("kpi-stale", stale_kpis)
    runtime.scheduler.add_job("forget-old-deliveries", forget_old_deliveries)
    # On-call handovers: each change of person's notice, announcement and reminder once.
    runtime.scheduler.add_job(
        "oncall-handover",
        lambda now: handover_messages.run_due(
            runtime.db, now=now, grace=timedelta(minutes=runtime.settings.opsbot_grace_minutes)
        ),
    )
    # Queries on the team's own databases: claimed here, run on each source's own pool.
    runtime.scheduler.add_job(
        "kpi-queries",
        lambda now: kpi_query_messages.run_due_queries(
            runtime.db,
            runtime.sources,
            runtime.clock,
            now=now,
            grace=timedelta(minutes=runtime.settings.opsbot_grace_minutes),
        ),
    )


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


def post_due_reports(runtime: Runtime, now: datetime) -> None:
    """Queue the weekly and monthly reports that are due, each claimed in the ledger by its
    period (exactly once per channel and period)."""
    grace = timedelta(minutes=runtime.settings.opsbot_grace_minutes)
    with runtime.db.session() as session:
        due = reports.due_reports(session, now=now, grace=grace)
    for item in due:
        scheduled.claim_and_queue(
            runtime.db,
            key=item.due.key,
            scheduled_for=item.due.scheduled_for,
            now=now,
            queue=lambda session, post, item=item: report_messages.post(
                session,
                team_id=post.team_id,
                channel_id=post.channel_id,
                period=item.period,
                now=now,
                ledger_post_id=post.id,
            ),
        )
