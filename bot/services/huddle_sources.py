"""Where each section of the huddle gets its data: the one place features are wired in.

Each source is `(session, *, team_id, now, since) -> data | None` returning the dataclasses
of `bot.services.huddle` (KpiLine, OpenEscalation, ResolvedEscalation, StandupSummary). A
section without a source shows "no data yet". Adapters from a feature's models to those
dataclasses belong here, so the features and the huddle do not import each other.
"""

from __future__ import annotations

from bot.services.huddle import HuddleSources


def huddle_sources() -> HuddleSources:
    """The sources of the running bot: sections whose feature is not wired in show no data."""
    return HuddleSources()
