"""Every scheduled job, registered on the scheduler in one place."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import app_home, standup_slack
from bot.escalation_messages import advance_sla_timers
from bot.huddle_post import post_huddle
from bot.services import huddle, kpis
from bot.services.standups import REMINDER_KIND, REPORT_KIND

if TYPE_CHECKING:
    from bot.models import ScheduledPost
    from bot.runtime import Runtime


def register_jobs(runtime: Runtime) -> None:
    """Each feature adds its job and its ledger senders here."""
    # escalations
    runtime.scheduler.add_job(
        "escalation-sla",
        lambda now: advance_sla_timers(runtime.client, runtime.db, now=now),
    )
    # standups
    runtime.scheduler.add_sender(
        REMINDER_KIND, lambda post: standup_slack.send_reminder(runtime, post)
    )
    runtime.scheduler.add_sender(REPORT_KIND, lambda post: standup_slack.send_report(runtime, post))
    runtime.scheduler.add_job(
        "standup-reminders", lambda now: standup_slack.send_due_reminders(runtime, now)
    )
    runtime.scheduler.add_job(
        "standup-reports", lambda now: standup_slack.post_due_reports(runtime, now)
    )
    # huddle
    register_huddle(runtime)
    # app home
    runtime.scheduler.add_job(
        "app-home", lambda now: app_home.publish_stale_homes(runtime.client, runtime.db, now=now)
    )
    # kpis: KPIs removed more than 30 days ago are deleted for good, with their values.
    runtime.scheduler.add_job("purge-removed-kpis", lambda now: _purge_removed_kpis(runtime, now))


def _purge_removed_kpis(runtime: Runtime, now: datetime) -> None:
    with runtime.db.session() as session:
        kpis.purge_removed(session, now=now)


# --- huddle ---------------------------------------------------------------------------------


def register_huddle(runtime: Runtime) -> None:
    """Every tick: post the huddles that are due (exactly once each, through the ledger)."""
    grace = timedelta(minutes=runtime.settings.opsbot_grace_minutes)

    def run_huddles(now: datetime) -> None:
        with runtime.db.session() as session:
            due = huddle.due_huddles(session, now=now, grace=grace)
        for post in due:
            runtime.scheduler.deliver(post.key, scheduled_for=post.scheduled_for, now=now)

    def send_huddle(post: ScheduledPost) -> str:
        return post_huddle(
            runtime.db,
            runtime.client,
            team_id=post.team_id,
            channel_id=post.channel_id,
            now=runtime.clock.now(),
            default_tz=runtime.settings.opsbot_timezone,
            local_date=post.local_date,
        )

    runtime.scheduler.add_job("huddle", run_huddles)
    runtime.scheduler.add_sender(huddle.HUDDLE_KIND, send_huddle)


# --- end huddle -----------------------------------------------------------------------------
