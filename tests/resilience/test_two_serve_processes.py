"""Two real `opsbot serve` processes share one PostgreSQL database and one Slack, as in
production: gunicorn with two workers each, so four schedulers tick every second on the real
clock. The huddles, standup reminders and report, and SLA escalations that are due when they
start happen exactly once, and /escalate sent to both at once numbers escalations uniquely
and without gaps."""

from __future__ import annotations

import re
import time as clock
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.models import Escalation, EventKind, PostStatus, ScheduledPost
from bot.services import huddle, standups
from bot.services.schedule import EVERY_DAY
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import JOE, OPS_CHANNEL, SIGNING_SECRET, TEAM, empty_postgres
from tests.resilience.scenario import (
    HUDDLE_CHANNELS,
    PEOPLE,
    STANDUP_CHANNEL,
    Day,
    escalation_events,
    huddles_in,
    open_escalations_through,
    pages_to,
    reminders_to,
    reports_in,
    set_up_the_day,
)
from tests.serve_process import ServeProcess, clean_env

PROCESSES = 2
WORKERS = 2  # per process: four schedulers in all
# Overdue when the processes start: enough that one scheduler's SLA step (a transaction
# over all of them) is still running when another one ticks.
OVERDUE = 20
COMMANDS = 24
LANDING_SECONDS = 30
# After everything has landed, a few more ticks of every scheduler for a duplicate to show.
SETTLE_SECONDS = 4


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """The PostgreSQL test database only (overrides the shared fixture): several instances
    share one database in production only on PostgreSQL."""
    empty_postgres(postgres_url)
    return postgres_url


def zone_where_it_is(hour: int, now: datetime) -> str:
    """A fixed-offset zone (no DST to trip over) whose wall clock reads `hour`:MM at `now`."""
    offset = (hour - now.hour) % 24
    if offset > 14:
        offset -= 24
    # POSIX-style names: Etc/GMT-3 is three hours ahead of UTC.
    return f"Etc/GMT{-offset:+d}" if offset else "UTC"


def due_now(now: datetime) -> Day:
    """A day set up ten minutes before `now` (so its sev1 escalations are 5 minutes past
    their deadline) whose posts fell due three minutes before it: every day of the week, in
    zones where it is morning (far from midnight). The standup's own zone is four hours
    behind its people's, so only their Slack timezone (users.info) makes the reminders due;
    its report is due in its own zone."""
    due = now - timedelta(minutes=3)

    def wall_clock(zone: str) -> time:
        return due.astimezone(ZoneInfo(zone)).time().replace(second=0, microsecond=0)

    huddle_tz, people_tz, standup_tz = (zone_where_it_is(h, now) for h in (9, 10, 6))
    return Day(
        set_up_at=now - timedelta(minutes=10),
        days=EVERY_DAY,
        huddle_at=wall_clock(huddle_tz),
        huddle_tz=huddle_tz,
        remind_at=wall_clock(people_tz),
        people_tz=people_tz,
        report_at=wall_clock(standup_tz),
        standup_tz=standup_tz,
        escalations=OVERDUE,
    )


def assert_each_happened_once(fake_slack: FakeSlack, escalations: int) -> None:
    """What Slack shows: one huddle per channel, one reminder per person, one report, one
    page to Joe per overdue escalation, and per escalation one channel message with one
    thread line under it (that it was opened, or escalated for the overdue ones)."""
    for channel in HUDDLE_CHANNELS:
        assert len(fake_slack.messages_in(channel)) == len(huddles_in(fake_slack, channel)) == 1
    for person in PEOPLE:
        assert len(fake_slack.messages_in(person)) == len(reminders_to(fake_slack, person)) == 1
    assert len(fake_slack.messages_in(STANDUP_CHANNEL)) == len(reports_in(fake_slack)) == 1
    assert pages_to(fake_slack, JOE) == {f"ESC-{n}": 1 for n in range(1, OVERDUE + 1)}
    posted = [m for m in fake_slack.messages_in(OPS_CHANNEL) if not m["thread_ts"]]
    refs = Counter(re.findall(r"ESC-\d+", m["text"])[0] for m in posted)
    assert refs == {f"ESC-{n}": 1 for n in range(1, escalations + 1)}
    lines = Counter(m["thread_ts"] for m in fake_slack.messages_in(OPS_CHANNEL) if m["thread_ts"])
    assert lines == {m["ts"]: 1 for m in posted}


def ledger_rows(db: Database) -> list[tuple[object, ...]]:
    """The scheduled-post ledger, to explain a post that never landed."""
    with db.session() as session:
        return [
            (post.kind, post.channel_id, post.status, post.attempts, post.claimed_at, post.sent_at)
            for post in session.scalars(select(ScheduledPost).order_by(ScheduledPost.id))
        ]


class Landing:
    """Waits, on the fake Slack's calls and within one deadline, for the posts due."""

    def __init__(self, fake_slack: FakeSlack) -> None:
        self.fake_slack = fake_slack
        self.deadline = clock.monotonic() + LANDING_SECONDS

    def wait_for(self, predicate: Callable[[ApiCall], bool], count: int = 1) -> None:
        self.fake_slack.wait_for(
            "chat.postMessage",
            predicate,
            count=count,
            timeout=max(self.deadline - clock.monotonic(), 0.1),
        )

    def first_scheduled_post(self) -> None:
        self.wait_for(lambda c: c["channel"] in (*HUDDLE_CHANNELS, *PEOPLE, STANDUP_CHANNEL, JOE))

    def everything(self, escalations: int) -> None:
        self.wait_for(
            lambda c: c["channel"] in HUDDLE_CHANNELS and c["text"].startswith("Daily huddle"),
            len(HUDDLE_CHANNELS),
        )
        self.wait_for(lambda c: c["channel"] in PEOPLE and "standup" in c["text"], len(PEOPLE))
        self.wait_for(lambda c: c["channel"] == STANDUP_CHANNEL)
        self.wait_for(lambda c: c["channel"] == JOE, OVERDUE)
        self.wait_for(
            lambda c: c["channel"] == OPS_CHANNEL and bool(c.get("thread_ts")), escalations
        )


def test_two_serve_processes_do_due_work_once_and_number_escalations_without_gaps(
    database_url: str, db: Database, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    set_up_the_day(db, fake_slack, due_now(datetime.now(UTC)))
    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-two-serve",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url,
        DATABASE_URL=database_url,
        OPSBOT_TICK_SECONDS="1",
    )
    total = OVERDUE + COMMANDS
    with ExitStack() as stack:
        instances = [
            stack.enter_context(
                ServeProcess(cwd=tmp_path, env=env, log=tmp_path / f"serve{n}.log", workers=WORKERS)
            )
            for n in range(PROCESSES)
        ]
        for instance in instances:
            instance.wait_until_healthy()
        drivers = [
            instance.driver(
                signing_secret=SIGNING_SECRET, response_base_url=fake_slack.url, team_id=TEAM
            )
            for instance in instances
        ]
        landing = Landing(fake_slack)
        # The commands come while the schedulers are posting what is due.
        landing.first_scheduled_post()
        numbers = open_escalations_through(drivers, COMMANDS)
        assert numbers == list(range(OVERDUE + 1, total + 1))

        try:
            landing.everything(total)
        except AssertionError as missing:
            logs = "\n".join(instance.output() for instance in instances)
            raise AssertionError(f"{missing}\nledger: {ledger_rows(db)}\n{logs}") from None
        settled = clock.monotonic() + SETTLE_SECONDS
        while clock.monotonic() < settled:
            assert_each_happened_once(fake_slack, total)
            clock.sleep(0.2)
        assert_each_happened_once(fake_slack, total)

        codes = [instance.stop() for instance in instances]
        logs = [instance.output() for instance in instances]
    assert codes == [0] * PROCESSES, logs
    for log in logs:
        assert log.count("scheduler started (tick every 1s)") == WORKERS, log
        assert log.count("scheduler stopped") == WORKERS, log
        assert "Traceback" not in log and " ERROR " not in log, log

    with db.session() as session:
        assert sorted(session.scalars(select(Escalation.number))) == list(range(1, total + 1))
        ledger = Counter(
            (post.kind, post.channel_id, post.status)
            for post in session.scalars(select(ScheduledPost))
        )
    assert ledger == {
        **{(huddle.HUDDLE_KIND, channel, PostStatus.SENT): 1 for channel in HUDDLE_CHANNELS},
        **{(standups.REMINDER_KIND, person, PostStatus.SENT): 1 for person in PEOPLE},
        (standups.REPORT_KIND, STANDUP_CHANNEL, PostStatus.SENT): 1,
    }
    steps = Counter(
        (number, kind) for number, kind, _at in escalation_events(db) if kind != EventKind.OPENED
    )
    assert steps == {(number, EventKind.ESCALATED): 1 for number in range(1, OVERDUE + 1)}
