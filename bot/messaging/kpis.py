"""KPIs in Slack beyond a command's reply: charts uploaded to a channel and alerts to the
KPI channel, queued in the outbox. Shared by the /kpi listener, the ingest API and the CLI
import. Charts are drawn by the delivery worker, never in the request."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.errors import NotFoundError
from bot.models import Kpi
from bot.services import kpi_lookups, kpis, outbox
from bot.services.kpi_chart import chart_png

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.db import Database

log = logging.getLogger(__name__)

CHART_MAKER = "kpi-chart"


def _channel_key(team_id: str, channel: str) -> str:
    return f"channel:{team_id}:{channel}"


def queue_chart(
    session: Session,
    *,
    kpi: Kpi,
    period: kpis.Period,
    end: datetime,
    channel: str,
    now: datetime,
    notify_user_id: str | None = None,
) -> None:
    """Queue the KPI's chart over `period` ending at `end` for `channel`; it is drawn and
    uploaded by the delivery worker. `notify_user_id` is told if the channel refuses it."""
    outbox.enqueue(
        session,
        team_id=kpi.team_id,
        key=_channel_key(kpi.team_id, channel),
        method="files.upload",
        channel_id=channel,
        payload={
            "channel": channel,
            "$make": {
                "name": CHART_MAKER,
                "args": {"kpi_id": kpi.id, "period": period.code, "end": end.isoformat()},
            },
        },
        now=now,
        notify_user_id=notify_user_id,
        description=f"chart of {kpi.name}",
    )


def chart_upload(db: Database, *, kpi_id: int, period: str, end: str) -> dict[str, Any]:
    """Delivery maker: the chart's PNG and names, for files_upload_v2."""
    ending = datetime.fromisoformat(end)
    span = kpis.parse_period(period) or kpis.DEFAULT_PERIOD
    with db.session() as session:
        kpi = session.get(Kpi, kpi_id)
        if kpi is None:
            raise NotFoundError("That KPI no longer exists.")
        times, values = kpis.period_values(session, kpi=kpi, start=span.start(ending), end=ending)
        title = f"{kpi.name}, last {span.label}"
        png = chart_png(kpi=kpi, times=times, values=values, title=title)
        filename = f"{kpi.name_key}-{span.code}.png"
    return {"file": png, "filename": filename, "title": title}


def share_lookup_chart(
    session: Session,
    lookups: kpi_lookups.KpiLookups,
    *,
    detail: kpis.KpiDetail,
    channel: str,
    requested_by: str,
) -> None:
    """Queue a lookup's chart for `channel`, unless the same chart went there a few minutes
    ago (from this process or another): a busy channel gets each chart once."""
    now = detail.end
    posted_at = kpi_lookups.claim_chart_post(session, channel_id=channel, detail=detail, now=now)
    if posted_at is None:
        kpi = session.get(Kpi, detail.kpi.id)
        assert kpi is not None
        queue_chart(
            session,
            kpi=kpi,
            period=detail.period,
            end=now,
            channel=channel,
            now=now,
            notify_user_id=requested_by,
        )
        posted_at = now
    lookups.remember_chart(channel_id=channel, detail=detail, posted_at=posted_at)


def post_alerts(session: Session, alerts: Iterable[kpis.Alert | None], *, now: datetime) -> int:
    """Queue each alert (with its chart) for its workspace's KPI channel; returns how many,
    its times shown in each reader's zone. Without a KPI channel there is nowhere to post
    (logged)."""
    sent = 0
    for alert in alerts:
        if alert is None:
            continue
        channel = kpis.kpi_channel(session, team_id=alert.team_id)
        if channel is None:
            log.info("no KPI channel in %s; alert for %s not posted", alert.team_id, alert.name)
            continue
        outbox.enqueue(
            session,
            team_id=alert.team_id,
            key=_channel_key(alert.team_id, channel),
            method="chat.postMessage",
            channel_id=channel,
            payload={"channel": channel, **render("messages/kpi_alert", alert=alert)},
            now=now,
            description=f"alert for {alert.name}",
        )
        if not alert.recovered:
            kpi = session.get(Kpi, alert.kpi_id)
            assert kpi is not None
            queue_chart(
                session, kpi=kpi, period=kpis.DEFAULT_PERIOD, end=alert.at, channel=channel, now=now
            )
        sent += 1
    return sent
