"""KPI posts made outside a command's reply: charts uploaded to a channel and alerts to
the KPI channel. Shared by the /kpi listener, the ingest API and the CLI import."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.blocks import render
from bot.models import Kpi
from bot.services import kpi_lookups, kpis
from bot.services.kpi_chart import chart_png

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.db import Database

log = logging.getLogger(__name__)


def post_chart(
    client: WebClient,
    db: Database,
    *,
    kpi_id: int,
    period: kpis.Period,
    end: datetime,
    channel: str,
) -> str:
    """Render the KPI's chart over `period` ending at `end` and upload it to `channel`
    (files.getUploadURLExternal → upload → files.completeUploadExternal). Returns the file id."""
    with db.session() as session:
        kpi = session.get(Kpi, kpi_id)
        assert kpi is not None
        times, values = kpis.period_values(session, kpi=kpi, start=period.start(end), end=end)
        title = f"{kpi.name}, last {period.label}"
        png = chart_png(kpi=kpi, times=times, values=values, title=title)
        filename = f"{kpi.name_key}-{period.code}.png"
    response = client.files_upload_v2(channel=channel, file=png, filename=filename, title=title)
    return str(response["file"]["id"])


def share_lookup_chart(
    client: WebClient,
    db: Database,
    lookups: kpi_lookups.KpiLookups,
    *,
    detail: kpis.KpiDetail,
    channel: str,
) -> None:
    """Post a lookup's chart to `channel`, unless the same chart went there a few minutes
    ago (from this process or another): a busy channel gets each chart once."""
    now = detail.end
    with db.session() as session:
        posted_at = kpi_lookups.claim_chart_post(
            session, channel_id=channel, detail=detail, now=now
        )
    if posted_at is None:
        try:
            post_chart(
                client, db, kpi_id=detail.kpi.id, period=detail.period, end=now, channel=channel
            )
        except BaseException:
            with db.session() as session:
                kpi_lookups.release_chart_post(session, channel_id=channel, detail=detail, now=now)
            raise
        posted_at = now
    lookups.remember_chart(channel_id=channel, detail=detail, posted_at=posted_at)


def post_alerts(
    client: WebClient, db: Database, alerts: Iterable[kpis.Alert | None], *, zone: str
) -> int:
    """Post each alert (with its chart) to its workspace's KPI channel; returns how many
    went out, with times in `zone`. Without a KPI channel there is nowhere to post (logged)."""
    sent = 0
    for alert in alerts:
        if alert is None:
            continue
        with db.session() as session:
            channel = kpis.kpi_channel(session, team_id=alert.team_id)
        if channel is None:
            log.info("no KPI channel in %s; alert for %s not posted", alert.team_id, alert.name)
            continue
        client.chat_postMessage(
            channel=channel, **render("messages/kpi_alert", alert=alert, zone=zone)
        )
        if not alert.recovered:
            post_chart(
                client,
                db,
                kpi_id=alert.kpi_id,
                period=kpis.DEFAULT_PERIOD,
                end=alert.at,
                channel=channel,
            )
        sent += 1
    return sent
