"""The HTTP surface: Slack's requests, the health check and the ingest API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, jsonify, request
from slack_bolt.adapter.flask import SlackRequestHandler

if TYPE_CHECKING:
    from flask import Response

    from bot.runtime import Runtime

MAX_BODY_BYTES = 1024 * 1024


def create_web_app(runtime: Runtime) -> Flask:
    from handlers import api

    web = Flask("opsbot")
    web.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    slack = SlackRequestHandler(runtime.app)

    @web.post("/slack/events")
    def slack_events() -> Response:
        return slack.handle(request)

    @web.get("/healthz")
    def healthz() -> tuple[Response, int]:
        if runtime.db.ping():
            return jsonify(status="ok", database="ok"), 200
        return jsonify(status="unavailable", database="unreachable"), 503

    api.register(web, runtime)
    return web
