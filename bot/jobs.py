"""Every scheduled job, registered on the scheduler in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.runtime import Runtime


def register_jobs(runtime: Runtime) -> None:
    """Each feature adds its job and its ledger senders here."""
    # standups
    from bot import standup_slack
    from bot.services.standups import REMINDER_KIND, REPORT_KIND

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
