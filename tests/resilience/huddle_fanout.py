"""Run as its own process by test_crash_safety: an Opsbot instance that ticks once at a given
time, queueing every huddle due then, and delivers them one at a time (the test kills it
half-way).

    python -m tests.resilience.huddle_fanout DATABASE_URL SLACK_API_URL ISO_TIME
"""

from __future__ import annotations

import sys
from datetime import datetime

from bot.app import build_runtime
from bot.clock import ManualClock
from bot.config import load_settings


def main(database_url: str, api_url: str, at: str) -> None:
    settings = load_settings(
        _env_file=None,
        slack_bot_token="xoxb-fanout",
        slack_signing_secret="fanout",
        slack_api_url=api_url,
        database_url=database_url,
    )
    runtime = build_runtime(settings, clock=ManualClock(datetime.fromisoformat(at)))
    runtime.delivery.threads = 1
    runtime.scheduler.tick()
    runtime.delivery.drain()
    runtime.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
