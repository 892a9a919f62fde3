"""The HTTP surface: Slack's requests, the health check and the ingest API."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from flask import Flask, jsonify, request
from slack_bolt import BoltContext, BoltRequest
from slack_bolt.adapter.flask.handler import to_flask_response
from slack_bolt.request.internals import build_context

if TYPE_CHECKING:
    from flask import Response

    from bot.runtime import Runtime

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


def create_web_app(runtime: Runtime) -> Flask:
    from handlers import api

    web = Flask("opsbot")
    web.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    @web.post("/slack/events")
    def slack_events() -> Response | tuple[Response, int]:
        try:
            # Bolt parses the body before it checks the signature: a body it cannot parse
            # (broken JSON, a list where an object belongs) did not come from Slack.
            slack_request = bolt_request(request.get_data(as_text=True), dict(request.headers))
        except (ValueError, TypeError, AttributeError, KeyError):
            return jsonify(error="malformed request"), 400
        try:
            return to_flask_response(runtime.app.dispatch(slack_request))
        except Exception:  # Bolt's own error path failed on a signed but malformed payload
            log.warning("refused a signed request Bolt could not handle", exc_info=True)
            return jsonify(error="malformed request"), 400

    @web.get("/healthz")
    def healthz() -> tuple[Response, int]:
        if runtime.db.ping():
            return jsonify(status="ok", database="ok"), 200
        return jsonify(status="unavailable", database="unreachable"), 503

    api.register(web, runtime)
    return web


def bolt_request(body: str, headers: dict[str, str]) -> BoltRequest:
    """A request from Slack as Bolt's, parsed right.

    Bolt takes any form body containing the word "payload" for an interaction and, finding
    no `payload` field, reads it as empty: `/escalate payload upload failing` would go
    unanswered. Such a body is parsed again as the plain form it is."""
    slack_request = BoltRequest(body=body, headers=headers)
    if not slack_request.body and body and not body.startswith("{"):
        form = dict(parse_qsl(body, keep_blank_values=True))
        if "payload" not in form:
            slack_request.body = form
            slack_request.context = build_context(BoltContext({}), form)
    return slack_request
