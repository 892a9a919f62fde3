"""The one error handler: domain and usage errors become friendly replies to the person
who caused them; anything else is logged and answered with an apology, never a trace."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltResponse
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.blocks import render
from bot.errors import OpsbotError, UsageError
from bot.services import outbox

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import App
    from slack_bolt.context.respond import Respond
    from slack_sdk import WebClient

    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def error_message(error: Exception) -> dict[str, Any]:
    """The reply a user sees for `error`."""
    if isinstance(error, UsageError):
        return render("messages/error", message=error.message, usage=error.usage)
    if isinstance(error, OpsbotError):
        return render("messages/error", message=error.message, usage=None)
    if isinstance(error, OperationalError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    ):
        return render(
            "messages/error",
            message="Opsbot's database is temporarily unavailable, so nothing was changed and "
            "nothing already stored was lost. Please try again in a minute.",
            usage=None,
        )
    if isinstance(error, SlackApiError):
        # Usually raised after the ack, once the change was saved and confirmed.
        return render(
            "messages/error",
            message=f"Slack refused one of Opsbot's messages just now "
            f"(`{error.response.get('error') or error.response.status_code}`), so a post or "
            "notification may be late or missing. Anything Opsbot already confirmed to you "
            "was saved.",
            usage=None,
        )
    return render(
        "messages/error",
        message="Something went wrong on Opsbot's side and nothing was changed. "
        "The error was logged; please try again or tell your Opsbot admin.",
        usage=None,
    )


def answer_or_explain(respond: Respond, work: Callable[[], dict[str, Any]]) -> None:
    """Replace the clicked message with what `work` returns; an expected problem is told to
    the clicker privately instead, and the message stays as it was."""
    try:
        message = work()
    except OpsbotError as exc:
        respond(response_type="ephemeral", replace_original=False, **error_message(exc))
        return
    respond(replace_original=True, **message)


def register(app: App, runtime: Runtime) -> None:
    @app.error
    def handle_error(
        error: Exception,
        body: dict[str, Any],
        response: BoltResponse | None,
        respond: Respond | None,
        client: WebClient,
    ) -> BoltResponse | None:
        if not isinstance(error, OpsbotError):
            log.error("unhandled error in a listener", exc_info=error)
        message = error_message(error)
        if body.get("type") == "view_submission" and response is not None:
            view = render("views/error", text=message["text"])
            return _json_response({"response_action": "push", "view": view})
        if body.get("command") and response is not None:
            return _json_response({"response_type": "ephemeral", **message})
        _tell(runtime, respond, body, message)
        # The person was told; Slack gets its 200 (listeners run before the response, so a
        # 500 here would also make Slack retry an event and tell them twice).
        return BoltResponse(status=200, body="")


def _tell(
    runtime: Runtime, respond: Respond | None, body: dict[str, Any], message: dict[str, Any]
) -> None:
    """Through the request's response_url when it has one (messages, shortcuts), else as an
    ephemeral message or a DM (events, buttons in views)."""
    if respond is not None and respond.response_url:
        respond(response_type="ephemeral", replace_original=False, **message)
    else:
        _reply_privately(runtime, body, message)


def _json_response(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200,
        body=json.dumps(payload),
        headers={"content-type": "application/json;charset=utf-8"},
    )


def _reply_privately(runtime: Runtime, body: dict[str, Any], message: dict[str, Any]) -> None:
    event = _mapping(body.get("event"))
    user = _mapping(body.get("user")).get("id") or body.get("user_id") or event.get("user")
    channel = (
        _mapping(body.get("channel")).get("id") or body.get("channel_id") or event.get("channel")
    )
    if not isinstance(user, str) or not user:
        return
    if event.get("channel_type") == "im" and channel:
        method, payload = "chat.postMessage", {"channel": channel, **message}
    elif channel:
        method, payload = "chat.postEphemeral", {"channel": channel, "user": user, **message}
    else:
        method, payload = "chat.postMessage", {"channel": user, **message}
    team_id = str(_mapping(body.get("team")).get("id") or body.get("team_id") or "")
    try:
        with runtime.db.session() as session:
            outbox.enqueue(
                session,
                team_id=team_id,
                key=f"im:{team_id}:{user}",
                method=method,
                channel_id=str(payload["channel"]),
                payload=payload,
                now=runtime.clock.now(),
                description="error reply",
            )
    except Exception:
        # The database is what failed: this one reply cannot wait in the outbox.
        runtime.delivery.send_now(method, payload)


def _mapping(value: object) -> dict[str, Any]:
    """A part of the request body that should be an object; anything else counts as empty."""
    return value if isinstance(value, dict) else {}
