"""Run as its own process by test_crash_safety: an Opsbot instance that ticks once at a given
time, posting every huddle due then through the ledger (the test kills it half-way).

    python -m tests.resilience.huddle_fanout DATABASE_URL SLACK_API_URL ISO_TIME
"""

from __future__ import annotations

import sys
from datetime import datetime

from bot.clock import ManualClock
from bot.config import load_settings
from bot.runtime import build_runtime


def main(database_url: str, api_url: str, at: str) -> None:
    settings = load_settings(
        _env_file=None,
        slack_bot_token="xoxb-fanout",
        slack_signing_secret="fanout",
        slack_api_url=api_url,
        database_url=database_url,
    )
    runtime = build_runtime(settings, clock=ManualClock(datetime.fromisoformat(at)))
    runtime.scheduler.tick()
    runtime.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
