"""`/kpi <name>` on two instances of one database: a value written through one is in the
other's next lookup at once, and a chart shared in a channel through one instance is not
shared there again through the other."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.ids import ActionId
from bot.runtime import Runtime
from bot.standin.driver import SlackDriver
from bot.standin.server import FakeSlack
from tests.conftest import ADMIN, JOE, MARIA, OPS_CHANNEL, driver_for, settle


def _share_value(fake_slack: FakeSlack) -> str:
    """The Share button of the latest reply that shows a chart with one."""
    buttons = [
        element["value"]
        for call in fake_slack.calls_to("response_url")
        for block in call["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == ActionId.KPI_SHARE
    ]
    return str(buttons[-1])


def _shares(fake_slack: FakeSlack) -> int:
    return sum(1 for c in fake_slack.calls_to("chat.postMessage") if c["channel"] == OPS_CHANNEL)


def test_lookups_agree_across_instances_and_share_each_chart_once(
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

    slack.command("/kpi", "on-time", user=MARIA, channel=OPS_CHANNEL)
    settle(runtime)
    shared = _share_value(fake_slack)
    slack.click(ActionId.KPI_SHARE, user=MARIA, value=shared, channel=OPS_CHANNEL)
    settle(runtime)
    assert _shares(fake_slack) == 1
    # The same Share pressed again, served by the other instance: it knows from the database.
    other.click(ActionId.KPI_SHARE, user=MARIA, value=shared, channel=OPS_CHANNEL)
    settle(second_runtime)
    assert _shares(fake_slack) == 1
    assert "so I did not post it again" in fake_slack.calls_to("response_url")[-1].blocks_text()
    # Joe, served by the other instance, looks the same chart up: he is told it is there.
    clock.advance(timedelta(minutes=1))
    told = other.command("/kpi", "on-time", user=JOE, channel=OPS_CHANNEL).text()
    assert f"This chart was shared in <#{OPS_CHANNEL}> <!date^1772438400^" in told
    assert "|Mon 2 Mar 08:00 UTC>." in told

    assert "Recorded 90%" in other.command("/kpi", "record on-time 90", user=MARIA).text()
    fresh = slack.command("/kpi", "on-time", user=MARIA, channel=OPS_CHANNEL).text()
    assert "latest 90% as of <!date^" in fresh and "This chart was shared" not in fresh
    settle(runtime, second_runtime)
    other.click(ActionId.KPI_SHARE, user=MARIA, value=_share_value(fake_slack), channel=OPS_CHANNEL)
    settle(runtime, second_runtime)
    assert _shares(fake_slack) == 2
