"""Every scheduled job, registered on the scheduler in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import standup_slack
from bot.escalation_messages import advance_sla_timers
from bot.services.standups import REMINDER_KIND, REPORT_KIND

if TYPE_CHECKING:
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
