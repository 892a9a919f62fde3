"""`/kpi`: scoreboard, one KPI with SPC and a chart, recording, definitions, config.

Replies are in the ack; charts and alerts are queued in the outbox with the change, and
drawn and uploaded by the delivery worker."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.blocks import render
from bot.errors import UsageError
from bot.grammar.kpi import (
    RECORD_USAGE,
    Add,
    AddModal,
    ConfigChannel,
    Detail,
    Help,
    Record,
    Remove,
    Restore,
    Scoreboard,
    ShowConfig,
    parse_kpi_command,
)
from bot.ids import ActionId, CallbackId, Command
from bot.messaging.kpis import post_alerts, share_lookup_chart
from bot.messaging.profiles import profile, require_admin
from bot.parsing import command_text
from bot.services import kpis

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime


def user_zone(
    runtime: Runtime, session: Session, client: WebClient, *, team_id: str, user_id: str
) -> ZoneInfo:
    """The caller's Slack timezone (cached profile), else OPSBOT_TIMEZONE."""
    tz = profile(runtime, session, client, team_id=team_id, user_id=user_id).tz
    try:
        return ZoneInfo(tz) if tz else runtime.settings.timezone
    except (ZoneInfoNotFoundError, ValueError):
        return runtime.settings.timezone


def register(app: App, runtime: Runtime) -> None:
    @app.command(Command.KPI)
    def kpi_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        parsed = parse_kpi_command(command_text(command))
        team_id, user_id = command["team_id"], command["user_id"]
        channel_id = command["channel_id"]
        now = runtime.clock.now()
        with runtime.db.session() as session:
            zone = user_zone(runtime, session, client, team_id=team_id, user_id=user_id)
            if isinstance(parsed, (Add, AddModal, Remove, Restore, ConfigChannel)):
                require_admin(
                    runtime,
                    session,
                    client,
                    team_id=team_id,
                    user_id=user_id,
                    action="add, remove or restore KPIs or change where KPI alerts go",
                )
            match parsed:
                case Help():
                    reply = render("messages/kpi_help")
                case Scoreboard():
                    reply = render(
                        "messages/kpi_scoreboard",
                        lines=kpis.scoreboard(session, team_id=team_id),
                        limit=200,
                    )
                case Detail(name=name, period=period):
                    kpi = kpis.find_kpi(session, team_id=team_id, name=name)
                    detail = runtime.kpi_lookups.detail(session, kpi=kpi, period=period, now=now)
                    chart_posted_at = runtime.kpi_lookups.chart_posted_at(
                        channel_id=channel_id, detail=detail
                    )
                    reply = render(
                        "messages/kpi_detail",
                        d=detail,
                        chart_coming=detail.count > 0 and chart_posted_at is None,
                        chart_posted_at=chart_posted_at,
                    )
                    if detail.count and chart_posted_at is None:
                        share_lookup_chart(
                            session,
                            runtime.kpi_lookups,
                            detail=detail,
                            channel=channel_id,
                            requested_by=user_id,
                        )
                case Record():
                    kpi = kpis.find_kpi(session, team_id=team_id, name=parsed.name)
                    at = _record_time(parsed.at, zone=zone, now=now)
                    recorded = kpis.record_values(
                        session,
                        kpi=kpi,
                        points=[(parsed.value, at)],
                        source="slack",
                        recorded_by=user_id,
                        now=now,
                    )
                    reply = render(
                        "messages/kpi_recorded",
                        r=recorded,
                        value=parsed.value,
                        at=at,
                        channel=kpis.kpi_channel(session, team_id=team_id),
                    )
                    post_alerts(session, [recorded.alert], now=now)
                case AddModal():
                    reply = None
                case Add():
                    kpi = kpis.create_kpi(
                        session,
                        team_id=team_id,
                        name=parsed.name,
                        target=parsed.target,
                        better=parsed.better,
                        warn=parsed.warn,
                        unit=parsed.unit,
                        description=parsed.description,
                        owner_id=parsed.owner_id,
                        created_by=user_id,
                        now=now,
                    )
                    reply = render("messages/kpi_added", kpi=kpi)
                case Remove(name=name):
                    kpi = kpis.find_kpi(session, team_id=team_id, name=name)
                    reply = render("messages/kpi_remove_confirm", kpi=kpi, ActionId=ActionId)
                case Restore(name=name):
                    kpi = kpis.restore_kpi(
                        session,
                        kpi=kpis.find_kpi(session, team_id=team_id, name=name, removed=True),
                    )
                    reply = render("messages/kpi_notice", event="restored", kpi=kpi)
                case ShowConfig():
                    reply = render(
                        "messages/kpi_notice",
                        event="config",
                        kpi=None,
                        channel=kpis.kpi_channel(session, team_id=team_id),
                    )
                case ConfigChannel(channel_id=alert_channel):
                    kpis.set_kpi_channel(
                        session, team_id=team_id, channel_id=alert_channel, now=now
                    )
                    reply = render(
                        "messages/kpi_notice", event="channel", kpi=None, channel=alert_channel
                    )
        if reply is None:
            ack()
            client.views_open(
                trigger_id=command["trigger_id"],
                view=render("views/kpi_add", channel_id=channel_id, CallbackId=CallbackId),
            )
            return
        ack(**reply)


def _record_time(at: datetime | None, *, zone: ZoneInfo, now: datetime) -> datetime:
    if at is None:
        return now
    moment = at.replace(tzinfo=zone)
    try:
        return kpis.check_time(moment, now=now)
    except kpis.KpiValueError:
        raise UsageError(
            f"at={at:%Y-%m-%dT%H:%M} is in the future (times are in {zone.key}).", RECORD_USAGE
        ) from None
