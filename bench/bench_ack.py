"""Ack latency of a signed `/ops help` through the WSGI app (no network), SQLite."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bot.app import build_runtime
from bot.config import load_settings
from bot.migrate import upgrade
from bot.standin.driver import SlackDriver
from bot.standin.server import FakeSlack
from bot.web import create_web_app

REQUESTS = 500


def main() -> None:
    fake = FakeSlack().start()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        settings = load_settings(
            _env_file=None,
            slack_bot_token="xoxb-bench",
            slack_signing_secret="bench-secret",
            slack_api_url=fake.api_url,
            database_url=url,
        )
        runtime = build_runtime(settings)
        web = create_web_app(runtime).test_client()

        def transport(body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
            answer = web.post("/slack/events", data=body, headers=headers)
            return answer.status_code, answer.data

        driver = SlackDriver(
            signing_secret="bench-secret", transport=transport, response_base_url=fake.url
        )
        timings = []
        for _ in range(REQUESTS):
            started = time.perf_counter()
            reply = driver.command("/ops", "help", user="UBENCH")
            timings.append((time.perf_counter() - started) * 1000)
            assert reply.status == 200
        runtime.close()
    fake.stop()
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(
        f"/ops help ack, in-process WSGI, {REQUESTS} requests: p50 {p50:.2f} ms, p99 {p99:.2f} ms"
    )
