"""Slack's Web API answers 5xx and 429 on every method for a while: scheduled posts are
retried until they land, once each; commands are still acknowledged at once, and what they
post afterwards lands when Slack takes it."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.models import PostStatus, ScheduledPost
from bot.runtime import Runtime
from bot.services import escalations
from bot.standin.driver import SlackDriver
from bot.standin.server import FakeSlack
from tests.conftest import MARIA, OPS_CHANNEL, TEAM
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
    assert {row.status for row in rows} == {PostStatus.SENT}
    # The 09:00 posts failed during the outage and were retried after it.
    late = [row for row in rows if row.local_date and row.attempts > 0]
    assert late and all(row.sent_at > outage[1] for row in late)


def test_commands_are_acknowledged_while_slack_refuses_every_call(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack
) -> None:
    with runtime.db.session() as session:
        escalations.set_channel(
            session, team_id=TEAM, channel_id=OPS_CHANNEL, now=runtime.clock.now()
        )
    # Every call is refused twice with Retry-After: 1 before Slack takes it again.
    fake_slack.fail("*", status=429, retry_after=1, times=2)
    reply = slack.command("/escalate", "sev1 Conveyor 2 down", user=MARIA)
    # The ack came back with the new id while its channel post was still waiting out the 429s.
    assert reply.status == 200 and "ESC-1" in reply.text()
    assert not [m for m in fake_slack.messages_in(OPS_CHANNEL) if "ESC-1" in m["text"]]
    for command, text in (
        ("/escalate", "list"),
        ("/escalate", "show ESC-1"),
        ("/huddle", "preview"),
        ("/standup", "report"),
        ("/ops", "help"),
    ):
        answer = slack.command(command, text, user=MARIA, channel=OPS_CHANNEL)
        assert answer.status == 200 and answer.text(), (command, text)
    fake_slack.wait_for(
        "chat.postMessage",
        lambda c: c.get("channel") == OPS_CHANNEL and "ESC-1" in str(c.get("text")),
        timeout=15,
    )
    # Its one channel message (the thread line under it may follow at any moment).
    posted = [
        m
        for m in fake_slack.messages_in(OPS_CHANNEL)
        if "ESC-1" in m["text"] and not m["thread_ts"]
    ]
    assert len(posted) == 1


def test_a_post_slack_keeps_refusing_after_the_ack_is_explained_truthfully(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack
) -> None:
    with runtime.db.session() as session:
        escalations.set_channel(
            session, team_id=TEAM, channel_id=OPS_CHANNEL, now=runtime.clock.now()
        )
    fake_slack.fail("chat.postMessage", status=429, retry_after=0, times=FOREVER)
    reply = slack.command("/escalate", "sev2 Dock door 4 stuck", user=MARIA)
    assert "ESC-1" in reply.text()
    [told] = fake_slack.wait_for("response_url")
    assert "nothing was changed" not in told.blocks_text()
    assert "Slack refused one of Opsbot's messages" in told.blocks_text()
    assert "ratelimited" in told.blocks_text()
    fake_slack.recover()
    assert "ESC-1" in slack.command("/escalate", "list", user=MARIA).text()
