"""Run as its own process by test_delivery: an Opsbot instance's delivery worker that
delivers what is due, one at a time (the test kills it mid-send).

    python -m tests.resilience.deliver_once DATABASE_URL SLACK_API_URL ISO_TIME
"""

from __future__ import annotations

import sys
from datetime import datetime

from bot.app import build_delivery
from bot.clock import ManualClock
from bot.config import load_settings
from bot.db import Database


def main(database_url: str, api_url: str, at: str) -> None:
    settings = load_settings(
        _env_file=None,
        slack_bot_token="xoxb-deliver",
        slack_signing_secret="deliver",
        slack_api_url=api_url,
        database_url=database_url,
    )
    db = Database(database_url)
    worker = build_delivery(settings, db=db, clock=ManualClock(datetime.fromisoformat(at)))
    worker.threads = 1
    worker.drain(timeout=30)
    worker.close()
    db.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:4])
