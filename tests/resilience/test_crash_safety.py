"""kill -9 in the middle of a huddle fan-out: after a restart every huddle is posted at most
once; the one being sent at the moment of the kill is marked failed, not sent again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.clock import ManualClock
from bot.models import PostStatus, ScheduledPost
from bot.runtime import Runtime
from bot.services import huddle
from bot.services.schedule import WEEKDAYS
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import ADMIN, TEAM

ROOT = Path(__file__).resolve().parents[2]
CHANNELS = [f"C0DOCK{n:02d}" for n in range(30)]
KILL_AT_POST = 10
MONDAY_0900 = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)


def test_a_fanout_killed_half_way_posts_nothing_twice_after_restart(
    database_url: str, runtime: Runtime, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    with runtime.db.session() as session:
        for channel in CHANNELS:
            huddle.configure(
                session,
                team_id=TEAM,
                channel_id=channel,
                at=time(9, 0),
                tz="UTC",
                days=WEEKDAYS,
                default_tz="UTC",
                user_id=ADMIN,
                now=MONDAY_0900 - timedelta(days=1),
            )
    instance = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.resilience.huddle_fanout",
            database_url,
            fake_slack.api_url,
            MONDAY_0900.isoformat(),
        ],
        cwd=ROOT,
    )
    posts: list[ApiCall] = []
    killed = threading.Event()

    def kill_while_sending(call: ApiCall) -> None:
        # Runs when Slack has taken the post, before the instance hears back.
        if call.method == "chat.postMessage":
            posts.append(call)
            if len(posts) == KILL_AT_POST and not killed.is_set():
                os.kill(instance.pid, signal.SIGKILL)
                killed.set()

    fake_slack.listeners.append(kill_while_sending)
    try:
        assert instance.wait(timeout=60) == -signal.SIGKILL
    finally:
        fake_slack.listeners.remove(kill_while_sending)
    assert len(posts) == KILL_AT_POST

    # Restarted: the same tick again, then one after a stuck claim counts as interrupted.
    clock.set(MONDAY_0900)
    runtime.scheduler.tick()
    clock.set(MONDAY_0900 + timedelta(minutes=16))
    runtime.scheduler.tick()

    for channel in CHANNELS:
        assert len(fake_slack.messages_in(channel)) == 1, channel
    with runtime.db.session() as session:
        rows = session.execute(select(ScheduledPost.channel_id, ScheduledPost.status)).all()
    statuses = dict(rows)
    assert sorted(statuses) == CHANNELS
    interrupted = [channel for channel, status in statuses.items() if status == PostStatus.FAILED]
    assert interrupted == [posts[-1]["channel"]]
    assert sum(status == PostStatus.SENT for status in statuses.values()) == len(CHANNELS) - 1
