"""`/kpi`: scoreboard, one KPI with SPC and a chart, recording, definitions, config.

Replies are in the ack; charts and alerts are queued in the outbox with the change, and
drawn and uploaded by the delivery worker. A lookup's chart is the caller's alone: it
replaces their reply once uploaded (see `bot.messaging.kpis`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.blocks import render
from bot.errors import UsageError
from bot.formats import format_number
from bot.grammar.kpi import (
    EDIT_USAGE,
    RECORD_USAGE,
    Add,
    AddModal,
    ConfigChannel,
    Detail,
    Edit,
    EditUsage,
    Help,
    Query,
    QueryOff,
    Record,
    Remove,
    Restore,
    Scoreboard,
    ShowConfig,
    Undo,
    Values,
    parse_kpi_command,
)
from bot.ids import ActionId, CallbackId, Command
from bot.messaging import kpi_corrections as kpi_correction_messages
from bot.messaging.kpi_queries import query_form, query_modal
from bot.messaging.kpis import answer_lookup, answer_record, ask_to_confirm, post_alerts
from bot.messaging.profiles import is_admin, profile, require_admin, user_zone
from bot.numbers import NumberError, Quantity, check_unit
from bot.parsing import Moment, command_text
from bot.services import kpi_corrections, kpi_freshness, kpi_queries, kpis

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime


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
            if isinstance(parsed, (Edit, EditUsage)):
                require_admin(
                    runtime, session, client, team_id=team_id, user_id=user_id, action="edit KPIs"
                )
            if isinstance(parsed, (Query, QueryOff)):
                require_admin(
                    runtime,
                    session,
                    client,
                    team_id=team_id,
                    user_id=user_id,
                    action="set or stop the SQL queries that compute KPIs",
                )
            owner_id = parsed.owner_id if isinstance(parsed, Add) else None
            if isinstance(parsed, Edit):
                owner_id = parsed.changes.get("owner_id")
            if owner_id:  # their timezone decides when they hear that the KPI is stale
                profile(runtime, session, client, team_id=team_id, user_id=owner_id)
            modal: dict[str, Any] | None = None
            match parsed:
                case Help():
                    reply = render("messages/kpi_help")
                case Query():
                    form, sql = query_form(
                        session,
                        runtime.sources,
                        kpi=kpis.find_kpi(session, team_id=team_id, name=parsed.name),
                        source=parsed.source,
                        every=parsed.every,
                        at=parsed.at,
                        zone=parsed.zone,
                        default_zone=zone,
                    )
                    modal = query_modal(form, sql=sql, timeout=runtime.sources.timeout)
                    reply = None
                case QueryOff(name=name):
                    kpi = kpis.find_kpi(session, team_id=team_id, name=name)
                    kpi_queries.stop_query(session, kpi=kpi, now=now)
                    reply = render("messages/kpi_query_notice", event="stopped", kpi=kpi)
                case Scoreboard():
                    reply = render(
                        "messages/kpi_scoreboard",
                        lines=kpis.scoreboard(session, team_id=team_id, now=now),
                        failing=kpi_queries.failing_sources(session, team_id=team_id),
                        limit=200,
                    )
                case Detail(name=name, period=period):
                    kpi = kpis.find_kpi(session, team_id=team_id, name=name)
                    reply = answer_lookup(
                        session,
                        detail=runtime.kpi_lookups.detail(session, kpi=kpi, period=period, now=now),
                        channel=channel_id,
                        user_id=user_id,
                        zone=zone,
                        response_url=command["response_url"],
                    )
                case Record():
                    kpi = kpis.find_kpi(session, team_id=team_id, name=parsed.name)
                    value = _record_value(parsed, kpi_unit=kpi.unit)
                    at = _record_time(parsed.at, zone=zone, now=now)
                    reply = ask_to_confirm(session, kpi=kpi, value=value, at=at)
                    if reply is None:
                        recorded = kpis.record_values(
                            session,
                            kpi=kpi,
                            points=[(value, at)],
                            source="slack",
                            recorded_by=user_id,
                            now=now,
                        )
                        reply = answer_record(
                            session, recorded=recorded, value=value, at=at, now=now
                        )
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
                        every=parsed.every,
                        created_by=user_id,
                        now=now,
                    )
                    reply = render("messages/kpi_added", kpi=kpi)
                case Edit() | EditUsage():
                    reply = _edit(session, parsed, team_id=team_id, user_id=user_id, now=now)
                case Values(name=name, period=period):
                    kpi = kpis.find_kpi(session, team_id=team_id, name=name)
                    admin = is_admin(runtime, session, client, team_id=team_id, user_id=user_id)
                    reply = kpi_correction_messages.values_reply(
                        session, kpi=kpi, period=period, admin=admin, now=now
                    )
                case Undo(name=name):
                    kpi = kpis.find_kpi(session, team_id=team_id, name=name)
                    removed = kpi_corrections.undo_last(session, kpi=kpi, user_id=user_id, now=now)
                    reply = render(
                        "messages/kpi_corrected",
                        r=removed,
                        kind="undo",
                        channel=kpis.kpi_channel(session, team_id=team_id),
                    )
                    post_alerts(session, [removed.alert], now=now)
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
                view=modal or render("views/kpi_add", channel_id=channel_id, CallbackId=CallbackId),
            )
            return
        ack(**reply)


def _edit(
    session: Session, parsed: Edit | EditUsage, *, team_id: str, user_id: str, now: datetime
) -> dict[str, Any]:
    """`/kpi edit`: change the definition and say what changed; alone, show the definition."""
    kpi = kpis.find_kpi(session, team_id=team_id, name=parsed.name)
    if isinstance(parsed, EditUsage):
        fresh = kpi_freshness.freshness(session, kpi=kpi, now=now)
        return render("messages/kpi_edited", e=None, kpi=kpi, fresh=fresh)
    before = kpi_freshness.freshness(session, kpi=kpi, now=now)
    try:
        edited = kpi_corrections.edit_kpi(
            session, kpi=kpi, edits=parsed.edits(unit=kpi.unit), edited_by=user_id, now=now
        )
    except kpis.KpiValueError as exc:
        message = f"{str(exc)[0].upper()}{str(exc)[1:]}."
        if "warn" in message and "warn" not in parsed.changes and kpi.warn is not None:
            message += (
                f" The warning level is {format_number(kpi.warn)}: change it in the same "
                "edit (warn=… or warn=none)."
            )
        raise UsageError(message, EDIT_USAGE) from None
    standing = kpi_corrections.standing(session, kpi=kpi)
    post_alerts(session, [edited.alert], now=now)
    return render(
        "messages/kpi_edited",
        e=edited,
        kpi=kpi,
        fresh=kpi_freshness.freshness(session, kpi=kpi, now=now),
        learnt_before=before.every if before.learnt else None,
        status=standing.status,
        latest=standing.latest,
        latest_at=standing.latest_at,
        channel=kpis.kpi_channel(session, team_id=team_id),
    )


def _record_value(parsed: Record, *, kpi_unit: str) -> float:
    try:
        return check_unit(Quantity(parsed.value, parsed.unit), kpi_unit)
    except NumberError as exc:
        raise UsageError(f"The value: {exc}", RECORD_USAGE) from None


def _record_time(at: Moment | None, *, zone: ZoneInfo, now: datetime) -> datetime:
    if at is None:
        return now
    try:
        return kpis.check_time(at.resolve(zone, now), now=now)
    except kpis.KpiValueError:
        # A time with its own offset (or Z) is not read in the caller's zone.
        exact = at.wall is not None and at.wall.tzinfo is not None
        where = "" if exact else f" (times are in {zone.key})"
        raise UsageError(f"at={at.text} is in the future{where}.", RECORD_USAGE) from None
