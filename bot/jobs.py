"""Every scheduled job, registered on the scheduler in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.escalation_messages import advance_sla_timers

if TYPE_CHECKING:
    from bot.runtime import Runtime


def register_jobs(runtime: Runtime) -> None:
    """Each feature adds its job and its ledger senders here."""
    # escalations
    runtime.scheduler.add_job(
        "escalation-sla",
        lambda now: advance_sla_timers(runtime.client, runtime.db, now=now),
    )
