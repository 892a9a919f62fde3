"""`/huddle`: configure the daily huddle, preview it, post it now, and see how posting went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.errors import UsageError
from bot.ids import Command
from bot.messaging import huddle as huddle_messages
from bot.messaging.profiles import require_admin
from bot.parsing import command_text, parse_channel_ref, split_options
from bot.services import huddle
from bot.services.huddle_sources import huddle_sources
from bot.services.schedule import ScheduleValueError, parse_days, parse_time, parse_timezone

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime

CONFIG_USAGE = "/huddle config #channel time=HH:MM [tz=Area/City] [days=mon-fri]"
OFF_USAGE = "/huddle off #channel"
USAGE = f"{CONFIG_USAGE} | {OFF_USAGE} | /huddle preview | /huddle now | /huddle status"


@dataclass(frozen=True)
class ConfigRequest:
    channel_id: str
    at: time | None
    tz: str | None
    days: frozenset[int] | None


def parse_config(text: str) -> ConfigRequest:
    """`#channel time=HH:MM [tz=Area/City] [days=…]` → ConfigRequest, or a UsageError."""
    words = split_options(text, {"time", "tz", "days"})
    channel_id = _one_channel(words.positional, CONFIG_USAGE)
    try:
        at = parse_time(words.options["time"]) if "time" in words.options else None
        zone = parse_timezone(words.options["tz"]) if "tz" in words.options else None
        days = parse_days(words.options["days"]) if "days" in words.options else None
    except ScheduleValueError as exc:
        raise UsageError(str(exc), CONFIG_USAGE) from None
    return ConfigRequest(channel_id, at, zone.key if zone else None, days)


def _one_channel(words: list[str], usage: str) -> str:
    if not words:
        raise UsageError("Name the channel, for example `#ops-huddle`.", usage)
    channel_id = parse_channel_ref(words[0])
    if channel_id is None:
        raise UsageError(f"`{words[0]}` is not a channel; pick one with `#`.", usage)
    if len(words) > 1:
        raise UsageError(f"`{' '.join(words[1:])}` is not understood here.", usage)
    return channel_id


def register(app: App, runtime: Runtime) -> None:
    @app.command(Command.HUDDLE)
    def huddle_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        verb, _, rest = command_text(command).partition(" ")
        verb = verb.lower()
        team_id, user_id, here = command["team_id"], command["user_id"], command["channel_id"]
        if verb in ("", "help"):
            ack(**render("messages/huddle_help"))
            return
        if verb not in ("config", "off", "preview", "now", "status"):
            raise UsageError(f"`/huddle {verb}` is not a huddle command.", USAGE)
        if verb in ("preview", "now", "status") and rest.strip():
            raise UsageError(f"`/huddle {verb}` takes nothing after it.", f"/huddle {verb}")
        now = runtime.clock.now()
        default_tz = runtime.settings.opsbot_timezone
        with runtime.db.session() as session:
            if verb in ("config", "off", "status"):
                require_admin(
                    runtime,
                    session,
                    client,
                    team_id=team_id,
                    user_id=user_id,
                    action=f"use `/huddle {verb}`",
                )
            if verb == "config":
                reply = _configure(
                    session, rest, team_id=team_id, user_id=user_id, default_tz=default_tz, now=now
                )
            elif verb == "off":
                channel_id = _one_channel(split_options(rest, set()).positional, OFF_USAGE)
                huddle.turn_off(
                    session, team_id=team_id, channel_id=channel_id, user_id=user_id, now=now
                )
                reply = render("messages/huddle_reply", action="off", channel_id=channel_id)
            elif verb == "status":
                statuses = huddle.channel_statuses(session, team_id=team_id, now=now)
                reply = render("messages/huddle_status", statuses=statuses)
            elif verb == "preview":
                built = huddle.channel_huddle(
                    session,
                    team_id=team_id,
                    channel_id=here,
                    default_tz=default_tz,
                    now=now,
                    sources=huddle_sources(),
                )
                reply = render("messages/huddle", huddle=built, preview=True)
            else:
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
    session: Session, text: str, *, team_id: str, user_id: str, default_tz: str, now: datetime
) -> dict[str, Any]:
    request = parse_config(text)
    existing = huddle.get_config(session, team_id=team_id, channel_id=request.channel_id)
    if existing is None and request.at is None:
        raise UsageError("A new huddle needs its time, for example `time=07:45`.", CONFIG_USAGE)
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
