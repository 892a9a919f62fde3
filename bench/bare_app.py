"""The ceiling for any Bolt bot: a Bolt app whose only listener acks every command,
served exactly like `opsbot serve` (Flask on gunicorn gthread workers)."""

from __future__ import annotations

import argparse
import re
from typing import Any

from flask import Flask, request
from gunicorn.app.base import BaseApplication
from slack_bolt import Ack, App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient


def create(signing_secret: str, api_url: str) -> Flask:
    app = App(
        client=WebClient(token="xoxb-bare", base_url=api_url),
        signing_secret=signing_secret,
        process_before_response=False,
    )

    @app.command(re.compile(".*"))
    def ack_only(ack: Ack) -> None:
        ack()

    web = Flask("bare")
    handler = SlackRequestHandler(app)
    web.add_url_rule("/slack/events", view_func=lambda: handler.handle(request), methods=["POST"])
    return web


class BareServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any], secret: str, api_url: str) -> None:
        self.options = options
        self.secret = secret
        self.api_url = api_url
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return create(self.secret, self.api_url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    BareServer(
        {
            "bind": f"127.0.0.1:{args.port}",
            "workers": args.workers,
            "threads": args.threads,
            "worker_class": "gthread",
            "accesslog": None,
            "loglevel": "warning",
        },
        args.secret,
        args.api_url,
    ).run()
