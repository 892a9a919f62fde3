"""Slack's Web API answers 5xx and 429 on every method for a while: everything Opsbot has to
say waits in the outbox and lands once, in order, within a minute of Slack recovering;
commands are still acknowledged at once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.models import Delivery, PostStatus, ScheduledPost
from bot.runtime import Runtime
from bot.services import escalations
from bot.standin.driver import SlackDriver
from bot.standin.server import FakeSlack
from tests.conftest import ADMIN, MARIA, OPS_CHANNEL, TEAM, settle
from tests.resilience.scenario import (
    HUDDLE_CHANNELS,
    MONDAY_0850,
    PEOPLE,
    huddles_in,
    reminders_to,
    reports_in,
    set_up_the_day,
)

FOREVER = 1_000_000


def test_scheduled_posts_land_once_when_slack_recovers(
    runtime: Runtime, second_runtime: Runtime, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    set_up_the_day(runtime.db, fake_slack)
    # From 08:58 to 09:12 every call fails: first with a 503 and 429s (which the client waits
    # out and retries), then with Slack's `service_unavailable` answer.
    outage = (MONDAY_0850 + timedelta(minutes=8), MONDAY_0850 + timedelta(minutes=22))
    moment = MONDAY_0850
    while moment <= MONDAY_0850 + timedelta(minutes=80):
        if moment == outage[0]:
            fake_slack.fail("*", status=503, retry_after=None)
            fake_slack.fail("*", status=429, retry_after=0, times=2)
            fake_slack.fail("*", error="service_unavailable", times=FOREVER)
        if moment == outage[1]:
            fake_slack.recover()
        clock.set(moment)
        runtime.scheduler.tick()
        second_runtime.scheduler.tick()
        moment += timedelta(minutes=2)

    refused = [c for c in fake_slack.calls if c.status != 200]
    assert len(refused) > 20
    for channel in HUDDLE_CHANNELS:
        assert len(huddles_in(fake_slack, channel)) == 1, channel
    for person in PEOPLE:
        assert len(reminders_to(fake_slack, person)) == 1, person
    assert len(reports_in(fake_slack)) == 1
    with runtime.db.session() as session:
        rows = list(session.query(ScheduledPost))
        late = list(
            session.scalars(
                select(Delivery).where(Delivery.attempts > 0, Delivery.method == "chat.postMessage")
            )
        )
    assert {row.status for row in rows} == {PostStatus.SENT}
    # The 09:00 posts failed during the outage and were sent within a minute of its end
    # (updates left waiting were made only once, the last one, after it).
    assert late and all(
        outage[1] <= row.sent_at <= outage[1] + timedelta(minutes=2) for row in late
    )


def test_commands_are_acknowledged_while_slack_refuses_every_call(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    with runtime.db.session() as session:
        escalations.set_channel(
            session, team_id=TEAM, channel_id=OPS_CHANNEL, now=runtime.clock.now()
        )
    slack.command("/escalate", "list", user=MARIA)  # the profile is cached before the outage
    fake_slack.fail("chat.postMessage", status=503, retry_after=None, times=FOREVER)
    reply = slack.command("/escalate", "sev2 Freezer 2 door alarm", user=MARIA)
    assert reply.status == 200 and "ESC-1" in reply.text()
    for command, text in (
        ("/escalate", "list"),
        ("/escalate", "show ESC-1"),
        ("/huddle", "preview"),
        ("/standup", "report"),
        ("/ops", "help"),
    ):
        answer = slack.command(command, text, user=MARIA, channel=OPS_CHANNEL)
        assert answer.status == 200 and answer.text(), (command, text)
    assert not fake_slack.messages_in(OPS_CHANNEL)
    # 45 seconds of outage, then Slack recovers.
    for _ in range(9):
        clock.advance(timedelta(seconds=5))
        settle(runtime)
    recovered = clock.now()
    fake_slack.recover()
    while clock.now() < recovered + timedelta(seconds=60):
        clock.advance(timedelta(seconds=5))
        settle(runtime)
    posted = [m for m in fake_slack.messages_in(OPS_CHANNEL) if not m["thread_ts"]]
    assert len(posted) == 1 and "ESC-1" in posted[0]["text"]
    thread = [m for m in fake_slack.messages_in(OPS_CHANNEL) if m["thread_ts"]]
    assert len(thread) == 1 and thread[0]["thread_ts"] == posted[0]["ts"]


def test_a_post_slack_keeps_refusing_waits_in_the_outbox_and_shows_in_ops_status(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    with runtime.db.session() as session:
        escalations.set_channel(
            session, team_id=TEAM, channel_id=OPS_CHANNEL, now=runtime.clock.now()
        )
    slack.command("/escalate", "list", user=ADMIN)
    fake_slack.fail("chat.postMessage", status=429, retry_after=0, times=FOREVER)
    reply = slack.command("/escalate", "sev2 Dock door 4 stuck", user=MARIA)
    assert "ESC-1" in reply.text()
    status = slack.command("/ops", "status", user=ADMIN).text()
    assert "Deliveries waiting:* 2" in status and "`ratelimited`" in status
    assert "Failed:* none" in status
    fake_slack.recover()
    clock.advance(timedelta(seconds=5))
    settle(runtime)
    assert "Deliveries waiting:* none" in slack.command("/ops", "status", user=ADMIN).text()
    assert len([m for m in fake_slack.messages_in(OPS_CHANNEL) if not m["thread_ts"]]) == 1
