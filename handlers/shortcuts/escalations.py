"""The "Escalate message" shortcut: the escalation modal pre-filled with the message
and a permalink to it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.ids import CallbackId
from bot.messaging import escalations as messages
from bot.parsing import decode_entities
from handlers.views.escalations import open_escalation_modal

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    del runtime

    @app.shortcut(CallbackId.ESCALATE_MESSAGE)
    def escalate_message(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        message = shortcut.get("message") or {}
        permalink = client.chat_getPermalink(
            channel=shortcut["channel"]["id"], message_ts=message["ts"]
        )["permalink"]
        open_escalation_modal(
            client,
            trigger_id=shortcut["trigger_id"],
            link=permalink,
            **messages.summary_and_details(decode_entities(str(message.get("text") or ""))),
        )
