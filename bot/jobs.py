"""Every scheduled job, registered on the scheduler in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.runtime import Runtime


def register_jobs(runtime: Runtime) -> None:
    """Each feature adds its job and its ledger senders here."""
    del runtime  # features register their jobs here as they land
