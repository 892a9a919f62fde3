"""The Retry button of `/ops status`: send a failed delivery again, then show the status
as it now stands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.ids import ActionId
from bot.messaging.profiles import require_admin
from bot.services import outbox
from handlers.commands.ops import status_reply

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_bolt.context.respond import Respond
    from slack_sdk import WebClient

    from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    @app.action(ActionId.DELIVERY_RETRY)
    def retry_delivery(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        team_id, user_id = str(body["team"]["id"]), str(body["user"]["id"])
        with runtime.db.session() as session:
            require_admin(
                runtime,
                session,
                client,
                team_id=team_id,
                user_id=user_id,
                action="retry deliveries",
            )
            outbox.retry(
                session,
                team_id=team_id,
                delivery_id=int(action["value"]),
                now=runtime.clock.now(),
            )
        reply = status_reply(runtime, client, team_id=team_id, user_id=user_id)
        respond(replace_original=True, **reply)
