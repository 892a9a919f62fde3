"""`/huddle`: configure the daily huddle, preview it, post it now, and see how posting went."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.errors import UsageError
from bot.grammar import huddle as grammar
from bot.ids import Command
from bot.messaging import huddle as huddle_messages
from bot.messaging.profiles import require_admin
from bot.parsing import command_text
from bot.services import huddle
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
                    huddle_messages.post(
                        session,
                        team_id=team_id,
                        channel_id=here,
                        now=now,
                        default_tz=default_tz,
                        notify_user_id=user_id,
                    )
                    reply = render("messages/huddle_reply", action="posting", channel_id=here)
        ack(**reply)


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
    )
    [status] = huddle.channel_statuses(
        session, team_id=team_id, now=now, channel_id=request.channel_id
    )
    return render("messages/huddle_reply", action="configured", status=status)
