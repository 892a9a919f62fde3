"""The scheduling engine end to end with the huddle: real app, real database, fake Slack
over HTTP, a movable clock. Exactly once across restarts, instances, retries and changes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.app import build_runtime
from bot.clock import ManualClock
from bot.config import load_settings
from bot.models import Delivery, PostStatus
from bot.runtime import Runtime
from bot.services import huddle, ledger
from bot.services.schedule import parse_days
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import ADMIN, OPS_CHANNEL, SIGNING_SECRET, TEAM, instance

MONDAY_0800 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def configure(
    runtime: Runtime,
    *,
    at: str,
    tz: str = "UTC",
    days: str = "mon-fri",
    channel: str = OPS_CHANNEL,
) -> None:
    hour, minute = (int(part) for part in at.split(":"))
    with runtime.db.session() as session:
        huddle.configure(
            session,
            team_id=TEAM,
            channel_id=channel,
            at=time(hour, minute),
            tz=tz,
            days=parse_days(days),
            default_tz="UTC",
            user_id=ADMIN,
            now=runtime.clock.now(),
        )


def huddle_posts(fake_slack: FakeSlack, channel: str = OPS_CHANNEL) -> list[str]:
    return [ApiCall("post", m).blocks_text() for m in fake_slack.messages_in(channel)]


def tick_at(runtime: Runtime, clock: ManualClock, moment: datetime) -> None:
    clock.set(moment)
    runtime.scheduler.tick()


def ledger_rows(runtime: Runtime, channel: str = OPS_CHANNEL) -> list[tuple[str, str]]:
    with runtime.db.session() as session:
        rows = ledger.posts_for_channel(
            session, team_id=TEAM, channel_id=channel, kind=huddle.HUDDLE_KIND, limit=30
        )
        return [(row.local_date.isoformat(), row.status) for row in rows]


@pytest.fixture
def second_runtime(runtime: Runtime, clock: ManualClock) -> Iterator[Runtime]:
    """Another instance of the bot on the same database (and the same clock)."""
    other = instance(runtime.settings, clock)
    yield other
    other.close()


def test_posts_within_a_tick_of_its_time_and_only_once(
    runtime: Runtime, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    configure(runtime, at="09:00")
    tick_at(runtime, clock, MONDAY_0800 + timedelta(minutes=59, seconds=45))
    assert huddle_posts(fake_slack) == []
    for seconds in (0, 15, 30, 600):
        tick_at(runtime, clock, MONDAY_0800 + timedelta(hours=1, seconds=seconds))
    [post] = huddle_posts(fake_slack)
    assert "Daily huddle · Monday 2 March 2026" in post
    assert ledger_rows(runtime) == [("2026-03-02", PostStatus.SENT)]


def test_timezones_and_weekdays(
    runtime: Runtime, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    # 07:45 in Tokyo is 22:45 UTC the day before; mon,wed only.
    configure(runtime, at="07:45", tz="Asia/Tokyo", days="mon,wed")
    moment = MONDAY_0800
    while moment < MONDAY_0800 + timedelta(days=7):
        tick_at(runtime, clock, moment)
        moment += timedelta(minutes=15)
    # Monday 2 March in Tokyo had already passed at configuration time (it was 17:00 there).
    assert ledger_rows(runtime) == [
        ("2026-03-09", PostStatus.SENT),
        ("2026-03-04", PostStatus.SENT),
    ]
    assert [p.split("\n")[1] for p in huddle_posts(fake_slack)] == [
        "Daily huddle · Wednesday 4 March 2026",
        "Daily huddle · Monday 9 March 2026",
    ]


def test_spring_forward_and_fall_back_post_exactly_once(
    runtime: Runtime, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    clock.set(datetime(2026, 3, 28, 12, tzinfo=UTC))
    configure(runtime, at="02:30", tz="Europe/Berlin", days="daily")
    for start in (datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 10, 24, 23, tzinfo=UTC)):
        moment = start
        while moment < start + timedelta(hours=4):
            tick_at(runtime, clock, moment)
            moment += timedelta(minutes=5)
    days = [row for row in ledger_rows(runtime) if row[0] in ("2026-03-29", "2026-10-25")]
    assert days == [("2026-10-25", PostStatus.SENT), ("2026-03-29", PostStatus.SENT)]
    with runtime.db.session() as session:
        rows = ledger.posts_for_channel(
            session, team_id=TEAM, channel_id=OPS_CHANNEL, kind=huddle.HUDDLE_KIND, limit=30
        )
        sent = {row.local_date.isoformat(): row.sent_at for row in rows}
    assert sent["2026-03-29"] == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert sent["2026-10-25"] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # first 02:30


def test_missed_within_grace_posts_late(
    runtime: Runtime, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    configure(runtime, at="09:00")
    tick_at(runtime, clock, MONDAY_0800 + timedelta(minutes=30))
    # The bot was down from 08:30 to 10:55; the grace period is two hours.
    tick_at(runtime, clock, MONDAY_0800 + timedelta(hours=2, minutes=55))
    assert len(huddle_posts(fake_slack)) == 1
    assert ledger_rows(runtime) == [("2026-03-02", PostStatus.SENT)]


def test_missed_beyond_grace_is_skipped_and_logged(
    runtime: Runtime,
    clock: ManualClock,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure(runtime, at="09:00")
    with caplog.at_level(logging.WARNING, logger="bot.services.due_posts"):
        tick_at(runtime, clock, MONDAY_0800 + timedelta(hours=3, minutes=1))
        tick_at(runtime, clock, MONDAY_0800 + timedelta(hours=3, minutes=2))
    assert huddle_posts(fake_slack) == []
    assert ledger_rows(runtime) == [("2026-03-02", PostStatus.SKIPPED)]
    [record] = [r for r in caplog.records if "skipped huddle" in r.getMessage()]
    assert "missed by 121 min" in record.getMessage()
    # The next day posts normally.
    tick_at(runtime, clock, MONDAY_0800 + timedelta(days=1, hours=1))
    assert len(huddle_posts(fake_slack)) == 1


def test_config_change_is_picked_up_at_the_next_tick(
    runtime: Runtime, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    configure(runtime, at="11:00")
    tick_at(runtime, clock, MONDAY_0800 + timedelta(minutes=30))
    configure(runtime, at="09:00")
    tick_at(runtime, clock, MONDAY_0800 + timedelta(hours=1))
    assert len(huddle_posts(fake_slack)) == 1
    tick_at(runtime, clock, MONDAY_0800 + timedelta(hours=3))
    assert len(huddle_posts(fake_slack)) == 1


def test_a_schedule_set_after_todays_time_starts_tomorrow(
    runtime: Runtime, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    configure(runtime, at="07:00")
    tick_at(runtime, clock, MONDAY_0800 + timedelta(minutes=1))
    assert huddle_posts(fake_slack) == []
    assert ledger_rows(runtime) == []
    tick_at(runtime, clock, MONDAY_0800 + timedelta(hours=23))
    assert len(huddle_posts(fake_slack)) == 1


def test_a_schedule_changed_after_todays_post_does_not_post_again_today(
    runtime: Runtime, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    configure(runtime, at="09:00")
    tick_at(runtime, clock, MONDAY_0800 + timedelta(hours=1))
    clock.set(MONDAY_0800 + timedelta(hours=2))
    configure(runtime, at="11:00")
    tick_at(runtime, clock, MONDAY_0800 + timedelta(hours=3))
    assert len(huddle_posts(fake_slack)) == 1
    tick_at(runtime, clock, MONDAY_0800 + timedelta(days=1, hours=3))
    assert len(huddle_posts(fake_slack)) == 2


def test_restart_does_not_post_twice(
    runtime: Runtime, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    configure(runtime, at="09:00")
    tick_at(runtime, clock, MONDAY_0800 + timedelta(hours=1))
    runtime.close()
    restarted = instance(runtime.settings, clock)
    try:
        tick_at(restarted, clock, MONDAY_0800 + timedelta(hours=1, minutes=1))
        tick_at(restarted, clock, MONDAY_0800 + timedelta(hours=2))
    finally:
        restarted.close()
    assert len(huddle_posts(fake_slack)) == 1


def test_two_instances_ticking_at_once_post_once(
    runtime: Runtime, second_runtime: Runtime, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    channels = [f"C0TEAM{n}" for n in range(5)]
    for channel in channels:
        configure(runtime, at="09:00", channel=channel)
    clock.set(MONDAY_0800 + timedelta(hours=1))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(instance: Runtime) -> None:
        try:
            barrier.wait()
            instance.scheduler.tick()
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(r,)) for r in (runtime, second_runtime)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for channel in channels:
        assert len(huddle_posts(fake_slack, channel)) == 1, channel
    assert len(fake_slack.calls_to("chat.postMessage")) == len(channels)


def test_rate_limited_posts_wait_and_then_land_once(
    runtime: Runtime, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    configure(runtime, at="09:00")
    fake_slack.fail("chat.postMessage", status=429, retry_after=0, times=3)
    moment = MONDAY_0800 + timedelta(hours=1)
    tick_at(runtime, clock, moment)
    assert huddle_posts(fake_slack) == []
    assert ledger_rows(runtime) == [("2026-03-02", PostStatus.CLAIMED)]
    while not huddle_posts(fake_slack):
        moment += timedelta(seconds=15)
        tick_at(runtime, clock, moment)
    assert moment == MONDAY_0800 + timedelta(hours=1, seconds=45)
    assert len(huddle_posts(fake_slack)) == 1
    assert ledger_rows(runtime) == [("2026-03-02", PostStatus.SENT)]


def test_a_slack_outage_is_retried_until_the_post_lands_once(
    runtime: Runtime, second_runtime: Runtime, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    configure(runtime, at="09:00")
    # Slack answers 503 nine times in a row; each try is one call (the outbox retries).
    fake_slack.fail("chat.postMessage", status=503, retry_after=None, times=9)
    moment = MONDAY_0800 + timedelta(hours=1)
    while moment < MONDAY_0800 + timedelta(hours=2):
        tick_at(runtime, clock, moment)
        second_runtime.scheduler.tick()
        moment += timedelta(seconds=15)
    assert len(huddle_posts(fake_slack)) == 1
    with runtime.db.session() as session:
        [row] = ledger.posts_for_channel(
            session, team_id=TEAM, channel_id=OPS_CHANNEL, kind=huddle.HUDDLE_KIND
        )
        [delivery] = session.scalars(select(Delivery)).all()
    assert row.status == PostStatus.SENT and delivery.attempts == 9
    # Backoff 1, 2, 4 … 60 s: the ninth failure was followed by a minute's wait at most.
    assert row.sent_at is not None and row.sent_at <= MONDAY_0800 + timedelta(hours=1, minutes=6)


def test_a_settings_grace_period_of_zero_skips_any_late_run(
    database_url: str, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    settings = load_settings(
        _env_file=None,
        slack_bot_token="xoxb-test",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
        database_url=database_url,
        opsbot_grace_minutes=0,
    )
    strict = build_runtime(settings, clock=clock)
    try:
        configure(strict, at="09:00")
        tick_at(strict, clock, MONDAY_0800 + timedelta(hours=1, seconds=20))
        assert ledger_rows(strict) == [("2026-03-02", PostStatus.SKIPPED)]
    finally:
        strict.close()
    assert huddle_posts(fake_slack) == []
