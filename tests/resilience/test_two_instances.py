"""Two Opsbot instances on one database, both handling Slack requests and both ticking at the
same moments: every huddle, standup reminder and report, and SLA step happens once, and
escalation numbers handed out by both stay unique and gap-free."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.models import Escalation, EventKind
from bot.runtime import Runtime
from bot.services import escalations
from bot.standin.server import FakeSlack
from tests.conftest import JOE, OPS_CHANNEL, TEAM, driver_for
from tests.resilience.scenario import (
    ESCALATIONS,
    HUDDLE_CHANNELS,
    MONDAY_0850,
    PEOPLE,
    escalation_events,
    huddles_in,
    open_escalations_through,
    pages_to,
    reminders_to,
    reports_in,
    set_up_the_day,
)


def test_scheduled_work_happens_once_when_both_instances_tick_together(
    runtime: Runtime, second_runtime: Runtime, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    set_up_the_day(runtime.db, fake_slack)
    barrier = threading.Barrier(2)

    def tick(instance: Runtime) -> None:
        barrier.wait(timeout=10)
        instance.scheduler.tick()

    ticks = 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        moment = MONDAY_0850
        while moment <= MONDAY_0850 + timedelta(minutes=80):
            clock.set(moment)
            list(pool.map(tick, (runtime, second_runtime)))
            ticks += 1
            moment += timedelta(minutes=5)

    for channel in HUDDLE_CHANNELS:
        assert len(fake_slack.messages_in(channel)) == len(huddles_in(fake_slack, channel)) == 1
    for person in PEOPLE:
        assert len(reminders_to(fake_slack, person)) == 1, person
    assert len(reports_in(fake_slack)) == 1

    events = escalation_events(runtime.db)
    # One step per escalation per tick at most: an instance never repeats the other's step.
    steps = Counter((number, at) for number, kind, at in events if kind != EventKind.OPENED)
    assert steps and max(steps.values()) == 1
    for number in range(1, ESCALATIONS + 1):
        kinds = [kind for n, kind, _at in events if n == number]
        # Deadline 08:55 → level 2 (Joe); then reminders to the channel at 09:00, 09:10,
        # 09:30 and 10:10 (each gap twice the last).
        assert kinds.count(EventKind.ESCALATED) == 1
        assert kinds.count(EventKind.REMINDED) == 4
    assert ticks == 17
    # Joe, paged once for each: a page is his only message about it.
    assert pages_to(fake_slack, JOE) == {f"ESC-{n}": 1 for n in range(1, ESCALATIONS + 1)}


def test_escalation_numbers_from_both_instances_are_unique_and_gap_free(
    runtime: Runtime, second_runtime: Runtime, fake_slack: FakeSlack
) -> None:
    with runtime.db.session() as session:
        escalations.set_channel(session, team_id=TEAM, channel_id=OPS_CHANNEL, now=MONDAY_0850)
    drivers = [driver_for(runtime, fake_slack), driver_for(second_runtime, fake_slack)]
    opened = 24
    numbers = open_escalations_through(drivers, opened)
    assert numbers == list(range(1, opened + 1))
    with runtime.db.session() as session:
        stored = sorted(session.scalars(select(Escalation.number)))
    assert stored == numbers
    # Each got its one channel message.
    fake_slack.wait_for(
        "chat.postMessage",
        lambda c: c.get("channel") == OPS_CHANNEL and not c.get("thread_ts"),
        count=opened,
    )
    top_level = [m for m in fake_slack.messages_in(OPS_CHANNEL) if not m.get("thread_ts")]
    assert len(top_level) == opened
