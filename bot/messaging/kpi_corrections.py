"""What Slack shows of a KPI's corrections: the `/kpi values` list with its Delete buttons
(shown again after a Delete). Alerts after a correction go out like any other
(`bot.messaging.kpis.post_alerts`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.ids import ActionId
from bot.services import kpi_corrections, kpis

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.models import Kpi
    from bot.periods import Period

# Within Slack's 50 blocks per message: a notice, the header, the values and a footer.
VALUES_SHOWN = 40


def values_reply(
    session: Session,
    *,
    kpi: Kpi,
    period: Period,
    admin: bool,
    now: datetime,
    removed: kpi_corrections.Removed | None = None,
) -> dict[str, Any]:
    """The `/kpi values` list, newest first, with a Delete button on each value for admins;
    `removed`, the value just deleted, is told above it."""
    values = kpi_corrections.recorded_values(
        session, kpi=kpi, start=period.start(now), end=now, limit=VALUES_SHOWN
    )
    return render(
        "messages/kpi_values",
        kpi=kpi,
        period=period,
        values=values,
        can_delete=admin,
        removed=removed,
        channel=kpis.kpi_channel(session, team_id=kpi.team_id),
        ActionId=ActionId,
    )
