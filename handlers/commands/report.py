"""`/report`: schedule weekly and monthly leadership reports, preview one, post one now."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.grammar import report as grammar
from bot.ids import Command
from bot.messaging import reports as report_messages
from bot.messaging.profiles import require_admin
from bot.parsing import command_text
from bot.services import reports

if TYPE_CHECKING:
    from datetime import datetime

    from slack_bolt import Ack, App
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session

    from bot.models import ReportConfig
    from bot.runtime import Runtime

# The commands only admins may use, by the word that names them.
ADMIN_ONLY: dict[type[grammar.ReportCommand], str] = {
    grammar.Config: "config",
    grammar.Off: "off",
}


def register(app: App, runtime: Runtime) -> None:
    @app.command(Command.REPORT)
    def report_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        answer(runtime, ack, command, client)


def answer(runtime: Runtime, ack: Ack, command: dict[str, Any], client: WebClient) -> None:
    """Parse, act and answer the caller in the acknowledgement."""
    parsed = grammar.parse(command_text(command))
    if isinstance(parsed, grammar.Help):
        ack(**render("messages/report_help"))
        return
    team_id, user_id, here = command["team_id"], command["user_id"], command["channel_id"]
    now = runtime.clock.now()
    default_tz = runtime.settings.opsbot_timezone
    admin_word = ADMIN_ONLY.get(type(parsed))
    with runtime.db.session() as session:
        if admin_word:
            require_admin(
                runtime,
                session,
                client,
                team_id=team_id,
                user_id=user_id,
                action=f"use `/report {admin_word}`",
            )
        match parsed:
            case grammar.Config():
                config = reports.configure(
                    session,
                    team_id=team_id,
                    channel_id=parsed.channel_id,
                    cadence=parsed.cadence,
                    day=parsed.day,
                    at=parsed.at,
                    tz=parsed.tz,
                    holiday_calendar=parsed.holidays,
                    skip=parsed.skip,
                    default_tz=default_tz,
                    user_id=user_id,
                    now=now,
                )
                reply = render(
                    "messages/report_reply", action="configured", lines=[_line(config, now)]
                )
            case grammar.Off(channel_id=channel_id, cadence=cadence):
                turned_off = reports.turn_off(
                    session,
                    team_id=team_id,
                    channel_id=channel_id,
                    cadence=cadence,
                    user_id=user_id,
                    now=now,
                )
                reply = render(
                    "messages/report_reply",
                    action="off",
                    channel_id=channel_id,
                    cadence=cadence,
                    already=not turned_off,
                )
            case grammar.Status():
                lines = [_line(c, now) for c in reports.list_configs(session, team_id=team_id)]
                reply = render("messages/report_reply", action="status", lines=lines)
            case grammar.Preview(cadence=cadence):
                period = reports.last_full_period(
                    cadence, now=now, tz=_zone_here(session, team_id, here, cadence, default_tz)
                )
                built = reports.build_report(session, team_id=team_id, period=period, now=now)
                reply = render("messages/report", report=built, preview=True)
            case grammar.Now(cadence=cadence):
                period = reports.last_full_period(
                    cadence, now=now, tz=_zone_here(session, team_id, here, cadence, default_tz)
                )
                report_messages.post(
                    session,
                    team_id=team_id,
                    channel_id=here,
                    period=period,
                    now=now,
                    notify_user_id=user_id,
                    manual=True,
                )
                reply = render(
                    "messages/report_reply",
                    action="posting",
                    channel_id=here,
                    cadence=cadence,
                    label=period.label,
                )
    ack(**reply)


def _zone_here(
    session: Session, team_id: str, channel_id: str, cadence: str, default_tz: str
) -> str:
    """The zone of this channel's report of that cadence, else the default."""
    config = reports.get_config(session, team_id=team_id, channel_id=channel_id, cadence=cadence)
    return config.tz if config is not None else default_tz


def _line(config: ReportConfig, now: datetime) -> dict[str, Any]:
    upcoming = reports.next_run(config, now)
    return {
        "config": config,
        "day": reports.describe_day(config),
        "next_at": upcoming[1] if upcoming else None,
        "next_label": upcoming[0].label if upcoming else None,
    }
