"""`/ops`: what Opsbot does and every command with an example; `/ops status` (admins): what
is waiting to be delivered or failed, with Retry buttons, and the scheduler's health;
`/ops holidays [#channel]`: the next holidays that apply."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.grammar import ops as grammar
from bot.ids import Command
from bot.messaging.deliveries import render_status
from bot.messaging.profiles import require_admin
from bot.parsing import command_text
from bot.services import holiday_calendars, outbox

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    @app.command(Command.OPS)
    def ops_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        match grammar.parse(command_text(command)):
            case grammar.Help():
                ack(**render("messages/ops_help"))
            case grammar.Status():
                team_id, user_id = str(command["team_id"]), str(command["user_id"])
                ack(**status_reply(runtime, client, team_id=team_id, user_id=user_id))
            case grammar.Holidays(channel_id=channel_id):
                with runtime.db.session() as session:
                    found = holiday_calendars.calendars_in_use(
                        session,
                        team_id=str(command["team_id"]),
                        now=runtime.clock.now(),
                        channel_id=channel_id,
                    )
                ack(**render("messages/ops_holidays", calendars=found, channel_id=channel_id))


def status_reply(
    runtime: Runtime, client: WebClient, *, team_id: str, user_id: str
) -> dict[str, Any]:
    """`/ops status` for an admin (times are shown in the reader's zone by Slack)."""
    with runtime.db.session() as session:
        require_admin(
            runtime, session, client, team_id=team_id, user_id=user_id, action="use `/ops status`"
        )
        status = outbox.status(session, team_id=team_id)
    return render_status(
        status,
        now=runtime.clock.now(),
        last_tick_at=runtime.scheduler.last_tick_at,
    )
