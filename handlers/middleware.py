"""Global middleware: an ack that stays given, a Web API client that only opens modals and
looks things up, and Slack retries of an event that was already handled are dropped here."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, BoltResponse

from bot.delivery import listener_client
from bot.services import workspace

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import App, BoltContext, BoltRequest

    from bot.runtime import Runtime

log = logging.getLogger(__name__)


class KeptAck(Ack):
    """An Ack whose response, once given, is never taken back.

    slack-bolt 1.30 resets `ack.response` to None when a listener raises *after* acking
    (thread_runner's error path), so Slack could get a 404 after three seconds instead of
    the ack it was already promised. The error handler still answers the user.
    """

    @property  # type: ignore[override]
    def response(self) -> BoltResponse | None:
        return getattr(self, "_kept_response", None)

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is not None or self.response is None:
            self._kept_response = value


def register(app: App, runtime: Runtime) -> None:
    guarded = listener_client(runtime.client)

    @app.middleware
    def keep_acks(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        context["ack"] = KeptAck()
        # Listeners write what they have to say to the outbox; this client refuses anything
        # else than opening modals and looking things up.
        context["client"] = guarded
        return next()

    @app.middleware
    def drop_repeated_events(
        request: BoltRequest, body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        event_id = body.get("event_id")
        if body.get("type") != "event_callback" or not event_id:
            return next()
        team_id = body.get("team_id") or ""
        with runtime.db.session() as session:
            first_time = workspace.claim_key(
                session, team_id=team_id, key=f"event:{event_id}", now=runtime.clock.now()
            )
        if first_time:
            return next()
        retry = request.headers.get("x-slack-retry-num", ["?"])[0]
        log.info("dropping event %s: already handled (Slack retry %s)", event_id, retry)
        return BoltResponse(status=200, body="")
