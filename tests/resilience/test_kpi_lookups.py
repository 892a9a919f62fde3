"""`/kpi <name>` on two instances of one database: a value written through one is in the
other's next lookup at once, and a chart one instance posted to a channel is not posted
there again by the other."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.standin.driver import SlackDriver
from bot.standin.server import FakeSlack
from tests.conftest import ADMIN, MARIA, OPS_CHANNEL, chart_uploads, driver_for, settle


def test_lookups_agree_across_instances_and_post_each_chart_once(
    runtime: Runtime,
    second_runtime: Runtime,
    slack: SlackDriver,
    fake_slack: FakeSlack,
    clock: ManualClock,
) -> None:
    other = driver_for(second_runtime, fake_slack)
    slack.command("/kpi", "add On-Time target=95 unit=%", user=ADMIN)
    start = clock.now()
    for day, value in enumerate([96, 97, 95.5]):
        clock.set(start - timedelta(days=3 - day))
        slack.command("/kpi", f"record on-time {value}", user=MARIA)
    clock.set(start)

    assert (
        "being posted" in slack.command("/kpi", "on-time", user=MARIA, channel=OPS_CHANNEL).text()
    )
    settle(runtime)
    assert chart_uploads(fake_slack) == 1
    # The other instance has not seen that post yet; it finds it in the database.
    other.command("/kpi", "on-time", user=MARIA, channel=OPS_CHANNEL)
    settle(second_runtime)
    assert chart_uploads(fake_slack) == 1
    clock.advance(timedelta(minutes=1))
    told = other.command("/kpi", "on-time", user=MARIA, channel=OPS_CHANNEL).text()
    assert "The same chart was posted to this channel <!date^1772438400^" in told
    assert "|Mon 2 Mar 08:00 UTC>." in told

    assert "Recorded 90%" in other.command("/kpi", "record on-time 90", user=MARIA).text()
    fresh = slack.command("/kpi", "on-time", user=MARIA, channel=OPS_CHANNEL).text()
    assert "latest 90% as of <!date^" in fresh and "The chart is being posted" in fresh
    settle(runtime, second_runtime)
    assert chart_uploads(fake_slack) == 2
