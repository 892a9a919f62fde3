"""`/huddle`: configure the daily huddle, preview it, post it now, and see how posting went."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.blocks import render
from bot.errors import UsageError
from bot.grammar import huddle as grammar
from bot.ids import Command
from bot.messaging import huddle as huddle_messages
from bot.messaging.profiles import is_admin, require_admin
from bot.parsing import command_text
from bot.services import holidays, huddle
from bot.services.huddle_sources import huddle_sources

if TYPE_CHECKING:
    from datetime import datetime

    from slack_bolt import Ack, App
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime

# The commands only admins may use, by the word that names them.
ADMIN_ONLY: dict[type[grammar.HuddleCommand], str] = {
    grammar.Config: "config",
    grammar.Off: "off",
    grammar.Status: "status",
}


def register(app: App, runtime: Runtime) -> None:
    @app.command(Command.HUDDLE)
    def huddle_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        parsed = grammar.parse(command_text(command))
        if isinstance(parsed, grammar.Help):
            ack(**render("messages/huddle_help"))
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
                    action=f"use `/huddle {admin_word}`",
                )
            match parsed:
                case grammar.Config():
                    reply = _configure(
                        session,
                        parsed,
                        team_id=team_id,
                        user_id=user_id,
                        default_tz=default_tz,
                        now=now,
                    )
                case grammar.Off(channel_id=channel_id):
                    huddle.turn_off(
                        session, team_id=team_id, channel_id=channel_id, user_id=user_id, now=now
                    )
                    reply = render("messages/huddle_reply", action="off", channel_id=channel_id)
                case grammar.Status():
                    statuses = huddle.channel_statuses(session, team_id=team_id, now=now)
                    reply = render("messages/huddle_status", statuses=statuses)
                case grammar.Preview():
                    built = huddle.channel_huddle(
                        session,
                        team_id=team_id,
                        channel_id=here,
                        default_tz=default_tz,
                        now=now,
                        sources=huddle_sources(),
                    )
                    reply = render("messages/huddle", huddle=built, preview=True)
                case grammar.Now():
                    reply = _post_now(
                        runtime,
                        session,
                        client,
                        team_id=team_id,
                        user_id=user_id,
                        channel_id=here,
                        default_tz=default_tz,
                        now=now,
                    )
        ack(**reply)


def _post_now(
    runtime: Runtime,
    session: Session,
    client: WebClient,
    *,
    team_id: str,
    user_id: str,
    channel_id: str,
    default_tz: str,
    now: datetime,
) -> dict[str, Any]:
    """`/huddle now`: admins and the channel's huddle owner, once per 10 minutes per channel."""
    config = huddle.get_config(session, team_id=team_id, channel_id=channel_id)
    owner = config.updated_by if config is not None else None
    if user_id != owner and not is_admin(
        runtime, session, client, team_id=team_id, user_id=user_id
    ):
        return render(
            "messages/huddle_reply", action="not_allowed", channel_id=channel_id, owner=owner
        )
    last = huddle.claim_manual_post(
        session, team_id=team_id, channel_id=channel_id, user_id=user_id, now=now
    )
    if last is not None:
        return render(
            "messages/huddle_reply",
            action="too_soon",
            channel_id=channel_id,
            last=last,
            next_at=last.posted_at + huddle.MANUAL_POST_EVERY,
            every=huddle.MANUAL_POST_EVERY,
        )
    huddle_messages.post(
        session,
        team_id=team_id,
        channel_id=channel_id,
        now=now,
        default_tz=default_tz,
        notify_user_id=user_id,
    )
    return render("messages/huddle_reply", action="posting", channel_id=channel_id)


def _configure(
    session: Session,
    request: grammar.Config,
    *,
    team_id: str,
    user_id: str,
    default_tz: str,
    now: datetime,
) -> dict[str, Any]:
    existing = huddle.get_config(session, team_id=team_id, channel_id=request.channel_id)
    if existing is None and request.at is None:
        raise UsageError(
            "A new huddle needs its time, for example `time=07:45`.", grammar.CONFIG_USAGE
        )
    huddle.configure(
        session,
        team_id=team_id,
        channel_id=request.channel_id,
        at=request.at,
        tz=request.tz,
        days=request.days,
        default_tz=default_tz,
        user_id=user_id,
        now=now,
        holiday_calendar=request.holidays,
        skip=request.skip,
    )
    [status] = huddle.channel_statuses(
        session, team_id=team_id, now=now, channel_id=request.channel_id
    )
    calendar = huddle.calendar_of(status.config)
    today = now.astimezone(ZoneInfo(status.config.tz)).date()
    return render(
        "messages/huddle_reply",
        action="configured",
        status=status,
        calendar=calendar,
        next_off=holidays.next_holidays(calendar, today=today),
    )
