"""The delivery outbox against a misbehaving Slack: every permanent error fails at once with
a reason, rate limits are waited out for the whole process, messages of one key keep their
order under concurrency, a channel is paced, a process killed between claim and send loses
nothing, two instances drain one outbox without sending anything twice, and an admin can
retry what failed. And listeners cannot call the Web API themselves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import Ack
from sqlalchemy import select

from bot.clock import ManualClock
from bot.delivery import ChannelPacer, DeliveryWorker
from bot.models import Delivery, DeliveryStatus
from bot.runtime import Runtime
from bot.services import escalations, outbox
from bot.standin.driver import SlackDriver
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import ADMIN, MARIA, OPS_CHANNEL, PG_URL, TEAM, settle

ROOT = Path(__file__).resolve().parents[2]


def queue_posts(runtime: Runtime, key: str, channel: str, count: int, *, prefix: str = "") -> None:
    with runtime.db.session() as session:
        for n in range(count):
            outbox.enqueue(
                session,
                team_id=TEAM,
                key=key,
                method="chat.postMessage",
                channel_id=channel,
                payload={"channel": channel, "text": f"{prefix}{n}"},
                now=runtime.clock.now(),
                notify_user_id=ADMIN,
                description=f"post {prefix}{n}",
            )


def texts_in(fake_slack: FakeSlack, channel: str) -> list[str]:
    return [m["text"] for m in fake_slack.messages_in(channel)]


def statuses(runtime: Runtime) -> list[str]:
    with runtime.db.session() as session:
        return list(session.scalars(select(Delivery.status).order_by(Delivery.id)))


def dms_to(fake_slack: FakeSlack, user: str) -> list[str]:
    return [
        c.blocks_text()
        for c in fake_slack.calls_to("chat.postMessage")
        if c.get("channel") in (user, "D" + user[1:])
    ]


@pytest.mark.parametrize(
    ("error", "channel_problem"),
    [
        ("not_in_channel", True),
        ("channel_not_found", True),
        ("is_archived", True),
        ("invalid_auth", False),
        ("user_not_found", False),
        ("invalid_blocks", False),
    ],
)
def test_each_permanent_error_fails_at_once_with_a_reason(
    runtime: Runtime, fake_slack: FakeSlack, slack: SlackDriver, error: str, channel_problem: bool
) -> None:
    for attempt in range(2):
        fake_slack.fail("chat.postMessage", error=error)
        queue_posts(runtime, "k", OPS_CHANNEL, 1, prefix=f"{attempt}-")
        settle(runtime)
    with runtime.db.session() as session:
        posts = list(session.scalars(select(Delivery).where(Delivery.key == "k")))
    assert [p.status for p in posts] == [DeliveryStatus.FAILED] * 2
    assert [p.attempts for p in posts] == [0, 0]  # failed at once, never retried
    status = slack.command("/ops", "status", user=ADMIN).text()
    assert f"`{error}`" in status and outbox.reason_for(error) in status.replace("&gt;", ">")
    notices = [t for t in dms_to(fake_slack, ADMIN) if "could not post" in t]
    # The admin who set the channel up is told once, for a channel problem only.
    assert len(notices) == (1 if channel_problem else 0)


def test_a_429_storm_holds_the_method_and_everything_lands_once(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    fake_slack.fail("chat.postMessage", status=429, retry_after=1, times=5)
    for n in range(5):
        queue_posts(runtime, f"key{n}", f"C0STORM{n}", 2, prefix=f"{n}-")
    started = time.monotonic()
    while len(fake_slack.calls_to("chat.postMessage")) < 10:
        clock.advance(timedelta(seconds=1))
        settle(runtime)
        assert time.monotonic() - started < 30
    refused = [c for c in fake_slack.calls if c.method == "chat.postMessage" and c.status == 429]
    assert len(refused) == 5
    # Retry-After held the method back: it took at least a second of real time per 429 wave.
    assert time.monotonic() - started >= 1
    for n in range(5):
        assert texts_in(fake_slack, f"C0STORM{n}") == [f"{n}-0", f"{n}-1"]


def test_messages_of_one_key_keep_their_order_under_concurrency(
    runtime: Runtime, fake_slack: FakeSlack
) -> None:
    for n in range(6):
        queue_posts(runtime, f"order{n}", f"C0ORDER{n}", 25, prefix="")
    settle(runtime)
    for n in range(6):
        assert texts_in(fake_slack, f"C0ORDER{n}") == [str(i) for i in range(25)]


def test_a_channel_gets_about_one_message_a_second_after_a_short_burst(
    runtime: Runtime, fake_slack: FakeSlack
) -> None:
    runtime.delivery.pacer = ChannelPacer()  # the real pace
    arrived: list[float] = []
    fake_slack.listeners.append(
        lambda call: arrived.append(time.monotonic()) if call.method == "chat.postMessage" else None
    )
    queue_posts(runtime, "paced", OPS_CHANNEL, 6)
    queue_posts(runtime, "other", "C0OTHER", 3)
    settle(runtime)
    assert texts_in(fake_slack, OPS_CHANNEL) == [str(i) for i in range(6)]
    ops_times = sorted(arrived)[:]
    assert len(ops_times) == 9
    # 3 at once, then one a second: the 6th post to #ops comes 3 s after the first.
    assert ops_times[-1] - ops_times[0] >= 2.5


def test_an_escalation_during_an_outage_lands_in_order_once_slack_recovers(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    with runtime.db.session() as session:
        escalations.set_channel(session, team_id=TEAM, channel_id=OPS_CHANNEL, now=clock.now())
        escalations.set_chain(
            session, team_id=TEAM, severity=None, user_ids=[ADMIN], now=clock.now()
        )
    slack.command("/escalate", "list", user=MARIA)
    # Ten minutes of Slack answering 503 to everything.
    fake_slack.fail("*", status=503, retry_after=None, times=1_000_000)
    slack.command("/escalate", "sev2 Freezer 2 door alarm", user=MARIA)
    slack.command("/escalate", "ack ESC-1 on my way", user=ADMIN)
    slack.command("/escalate", "resolve ESC-1 door closed", user=ADMIN)
    for _ in range(120):
        clock.advance(timedelta(seconds=5))
        settle(runtime)
    assert not fake_slack.messages_in(OPS_CHANNEL)
    recovered = clock.now()
    fake_slack.recover()
    while clock.now() < recovered + timedelta(seconds=65):
        clock.advance(timedelta(seconds=5))
        settle(runtime)
    messages = fake_slack.messages_in(OPS_CHANNEL)
    [parent] = [m for m in messages if not m["thread_ts"]]
    lines = [m["text"] for m in messages if m["thread_ts"] == parent["ts"]]
    assert len(lines) == 3
    assert "Resolved" in parent["text"] or "resolved" in parent["text"]
    [page] = [t for t in dms_to(fake_slack, ADMIN) if "You are on call" in t]
    assert "level 1" in page
    assert set(statuses(runtime)) == {DeliveryStatus.SENT}
    # Two updates waited (ack, resolve); made when sent, only the last one went to Slack.
    updates = [c for c in fake_slack.calls_to("chat.update") if c["ts"] == parent["ts"]]
    assert len(updates) == 1


def test_retry_from_ops_status_sends_a_failed_delivery_again(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", error="not_in_channel")
    queue_posts(runtime, "k", OPS_CHANNEL, 1)
    settle(runtime)
    reply = slack.command("/ops", "status", user=ADMIN)
    button = next(b for b in reply.json["blocks"] if b.get("accessory"))["accessory"]
    assert button["text"]["text"] == "Retry"
    denied = slack.click(button["action_id"], user=MARIA, value=button["value"])
    assert denied.status == 200 and statuses(runtime)[0] == DeliveryStatus.FAILED
    slack.click(button["action_id"], user=ADMIN, value=button["value"])
    assert texts_in(fake_slack, OPS_CHANNEL) == ["0"]
    assert statuses(runtime)[0] == DeliveryStatus.SENT


def test_a_listener_that_calls_the_web_api_itself_fails(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack
) -> None:
    @runtime.app.command("/rogue")
    def rogue(ack: Ack, client: Any) -> None:
        client.chat_postMessage(channel=OPS_CHANNEL, text="straight to Slack")
        ack()

    reply = slack.command("/rogue", "", user=MARIA)
    assert "Something went wrong on Opsbot's side" in reply.text()
    assert fake_slack.messages_in(OPS_CHANNEL) == []


def test_a_process_killed_between_claim_and_send_loses_nothing(
    database_url: str, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    runtime.delivery.stop()  # only the process below delivers, until it is killed
    queue_posts(runtime, "k", OPS_CHANNEL, 3)
    children: list[subprocess.Popen[bytes]] = []
    killed = threading.Event()

    def kill_on_arrival(call: ApiCall) -> None:
        # The request reached Slack but Slack never acts on it: the process had claimed the
        # row and was sending when it died.
        if call.method == "chat.postMessage" and not killed.is_set():
            os.kill(children[0].pid, signal.SIGKILL)
            killed.set()
            raise ConnectionAbortedError("the sender died")

    fake_slack.arrival_listeners.append(kill_on_arrival)
    try:
        children.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.resilience.deliver_once",
                    database_url,
                    fake_slack.api_url,
                    clock.now().isoformat(),
                ],
                cwd=ROOT,
            )
        )
        assert children[0].wait(timeout=60) == -signal.SIGKILL
    finally:
        fake_slack.arrival_listeners.remove(kill_on_arrival)
    assert statuses(runtime)[0] == DeliveryStatus.SENDING
    # Another process takes over once the claim's lease has run out.
    clock.advance(outbox.LEASE + timedelta(seconds=1))
    assert runtime.delivery.drain(timeout=30)
    assert texts_in(fake_slack, OPS_CHANNEL) == ["0", "1", "2"]
    assert statuses(runtime) == [DeliveryStatus.SENT] * 3


@pytest.mark.skipif(not PG_URL, reason="several instances share PostgreSQL")
def test_two_instances_drain_one_outbox_without_sending_anything_twice(
    runtime: Runtime, second_runtime: Runtime, fake_slack: FakeSlack
) -> None:
    if runtime.db.is_sqlite:
        pytest.skip("several instances share PostgreSQL")
    for n in range(20):
        queue_posts(runtime, f"two{n}", f"C0TWO{n:02d}", 10)
    workers: list[DeliveryWorker] = [runtime.delivery, second_runtime.delivery]
    threads = [threading.Thread(target=w.drain, kwargs={"timeout": 60}) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    settle(runtime, second_runtime)
    for n in range(20):
        assert texts_in(fake_slack, f"C0TWO{n:02d}") == [str(i) for i in range(10)]
    with runtime.db.session() as session:
        claimed_by = set(session.scalars(select(Delivery.claimed_by)))
    assert len(claimed_by) == 2  # both instances took part


def test_admins_see_failed_deliveries_on_their_home_tab(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", error="is_archived")
    queue_posts(runtime, "k", OPS_CHANNEL, 1)
    settle(runtime)
    for user in (ADMIN, MARIA):
        slack.open_home(user=user)
    homes = {
        call.get("user_id"): ApiCall("view", {"blocks": call["view"]["blocks"]}).blocks_text()
        for call in fake_slack.calls_to("views.publish")
    }
    assert "Messages Opsbot could not deliver" in homes[ADMIN]
    assert "post 0 → <#C0OPS>: The channel is archived." in homes[ADMIN]
    assert "could not deliver" not in homes[MARIA]


def test_sent_deliveries_are_forgotten_after_a_week_and_failures_after_a_month(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    fake_slack.fail("chat.postMessage", error="channel_not_found")
    queue_posts(runtime, "k", OPS_CHANNEL, 2)
    settle(runtime)
    # The failed post, the next one, and the notice to the admin.
    assert statuses(runtime) == [DeliveryStatus.FAILED, DeliveryStatus.SENT, DeliveryStatus.SENT]
    clock.advance(timedelta(days=8))
    runtime.scheduler.tick()
    assert statuses(runtime) == [DeliveryStatus.FAILED]
    clock.advance(timedelta(days=23))
    runtime.scheduler.tick()
    assert statuses(runtime) == []


def test_retry_sends_the_whole_conversation_again_in_order(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    with runtime.db.session() as session:
        escalations.set_channel(session, team_id=TEAM, channel_id=OPS_CHANNEL, now=clock.now())
    fake_slack.fail("chat.postMessage", error="not_in_channel")
    slack.command("/escalate", "sev3 Pallet wrap low", user=MARIA)
    # The message failed, so its thread line could not follow; the reporter was told.
    assert statuses(runtime)[:2] == [DeliveryStatus.FAILED, DeliveryStatus.FAILED]
    [notice] = [t for t in dms_to(fake_slack, MARIA) if "could not post" in t]
    assert "the message of ESC-1 in <#C0OPS>" in notice
    reply = slack.command("/ops", "status", user=ADMIN)
    assert "The message it belongs under could not be posted." in reply.text()
    line_retry = next(b for b in reply.json["blocks"] if b.get("accessory"))["accessory"]
    slack.click(line_retry["action_id"], user=ADMIN, value=line_retry["value"])
    [parent] = [m for m in fake_slack.messages_in(OPS_CHANNEL) if not m["thread_ts"]]
    [line] = [m for m in fake_slack.messages_in(OPS_CHANNEL) if m["thread_ts"]]
    assert "ESC-1" in parent["text"] and line["thread_ts"] == parent["ts"]
    assert "Failed:* none" in slack.command("/ops", "status", user=ADMIN).text()
