"""Every scheduled job, registered on the scheduler in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from bot.runtime import Runtime


def register_jobs(runtime: Runtime) -> None:
    """Each feature adds its job and its ledger senders here."""

    # kpis: KPIs removed more than 30 days ago are deleted for good, with their values.
    def purge_removed_kpis(now: datetime) -> None:
        from bot.services import kpis

        with runtime.db.session() as session:
            kpis.purge_removed(session, now=now)

    runtime.scheduler.add_job("purge-removed-kpis", purge_removed_kpis)
