"""The one error handler: domain and usage errors become friendly replies to the person
who caused them; anything else is logged and answered with an apology, never a trace."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltResponse
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.blocks import render
from bot.errors import OpsbotError, UsageError

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_bolt.context.respond import Respond
    from slack_sdk import WebClient

    from bot.runtime import Runtime

log = logging.getLogger(__name__)


@contextmanager
def answering_errors(respond: Respond, client: WebClient, body: dict[str, Any]) -> Iterator[None]:
    """Answer an expected error (a double click's "already acknowledged") to the clicker.

    Bolt 1.30 clears an action's ack when its listener raises just after `ack()`, and
    then answers Slack with a 404 after three seconds; so a button listener answers
    expected errors inside this block, with the one error handler's text, instead of
    raising them. Anything else is still raised to the error handler. A button on the
    App Home comes without a response_url, so the answer goes to the clicker's DM."""
    try:
        yield
    except OpsbotError as error:
        if respond.response_url:
            respond(response_type="ephemeral", replace_original=False, **error_message(error))
        else:
            reply_privately(client, body, error_message(error))


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
    return render(
        "messages/error",
        message="Something went wrong on Opsbot's side and nothing was changed. "
        "The error was logged; please try again or tell your Opsbot admin.",
        usage=None,
    )


def register(app: App, runtime: Runtime) -> None:
    del runtime

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
        if respond is not None and respond.response_url:
            respond(response_type="ephemeral", replace_original=False, **message)
            return None
        reply_privately(client, body, message)
        return None


def _json_response(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200,
        body=json.dumps(payload),
        headers={"content-type": "application/json;charset=utf-8"},
    )


def reply_privately(client: WebClient, body: dict[str, Any], message: dict[str, Any]) -> None:
    """Show `message` to the person behind `body` where there is no response_url: an
    ephemeral message in the channel, or a DM (events, App Home buttons)."""
    event = body.get("event") or {}
    user = (body.get("user") or {}).get("id") or body.get("user_id") or event.get("user")
    channel = (
        (body.get("channel") or {}).get("id") or body.get("channel_id") or event.get("channel")
    )
    if not user:
        return
    try:
        if event.get("channel_type") == "im" and channel:
            client.chat_postMessage(channel=channel, **message)
        elif channel:
            client.chat_postEphemeral(channel=channel, user=user, **message)
        else:
            client.chat_postMessage(channel=user, **message)
    except Exception:
        log.exception("could not tell %s about an error", user)
