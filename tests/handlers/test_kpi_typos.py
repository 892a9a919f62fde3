"""A typo never alerts anyone: `/kpi record` with a value far from what the KPI has seen
asks the caller to confirm it (Record anyway, once however often it is clicked) instead of
storing it; machines (the CSV import, the API, queries) are not asked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.clock import ManualClock
from bot.ids import ActionId
from bot.runtime import Runtime
from bot.services import kpis
from bot.standin.driver import Reply, SlackDriver
from bot.standin.server import FakeSlack
from tests.conftest import ADMIN, MARIA, TEAM, settle

KPI_CHANNEL = "C0KPI"


def _channel_posts(fake_slack: FakeSlack) -> list[str]:
    return [
        call.blocks_text()
        for call in fake_slack.calls_to("chat.postMessage")
        if call.get("channel") == KPI_CHANNEL
    ]


def _button(reply: Reply) -> dict[str, Any]:
    (button,) = [
        element
        for block in reply.json["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id") == ActionId.KPI_RECORD_ANYWAY
    ]
    return button


def _count(runtime: Runtime, name: str) -> int:
    with runtime.db.session() as session:
        kpi = kpis.find_kpi(session, team_id=TEAM, name=name)
        return len(kpis.latest_values(session, kpi=kpi, count=100))


def _history(slack: SlackDriver, clock: ManualClock, name: str, values: list[float]) -> None:
    start = clock.now()
    for day, value in enumerate(values):
        clock.set(start - timedelta(days=len(values) - day))
        slack.command("/kpi", f"record {name} {value}", user=MARIA)
    clock.set(start)


def test_a_negative_value_is_asked_about_and_recorded_once_when_confirmed(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    slack.command("/kpi", f"config channel <#{KPI_CHANNEL}|ops-kpis>", user=ADMIN)
    slack.command(
        "/kpi", "add trailer-turn-time target=45 unit=min better=lower warn=60", user=ADMIN
    )
    _history(slack, clock, "trailer-turn-time", [40, 42, 38])
    settle(runtime)
    posts_before = len(_channel_posts(fake_slack))

    asked = slack.command("/kpi", "record trailer-turn-time -5", user=MARIA)
    text = asked.text()
    assert "Not recorded yet: -5 min looks unusual for *trailer-turn-time*" in text
    assert "every value so far is 0 or more" in text
    assert "Did you mean 5 min? `/kpi record trailer-turn-time 5`" in text
    assert "*Record -5 min anyway?*" in text
    button = _button(asked)
    assert button["text"]["text"] == "Record anyway"
    assert _count(runtime, "trailer-turn-time") == 3
    settle(runtime)
    assert len(_channel_posts(fake_slack)) == posts_before

    clock.advance(timedelta(minutes=2))
    slack.click(ActionId.KPI_RECORD_ANYWAY, user=MARIA, value=button["value"])
    done = fake_slack.calls_to("response_url")[-1]
    assert done["replace_original"] is True
    assert "Recorded -5 min for *trailer-turn-time*" in done.blocks_text()
    slack.click(ActionId.KPI_RECORD_ANYWAY, user=MARIA, value=button["value"])
    again = fake_slack.calls_to("response_url")[-1]
    assert "already recorded" in str(again.params)
    assert _count(runtime, "trailer-turn-time") == 4


def test_a_fraction_for_a_percentage_suggests_the_percentage_and_alerts_nobody(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    slack.command("/kpi", f"config channel <#{KPI_CHANNEL}|ops-kpis>", user=ADMIN)
    slack.command("/kpi", "add on-time-shipping target=95 unit=%", user=ADMIN)
    slack.command("/kpi", "record on-time-shipping 97.1%", user=MARIA)

    asked = slack.command("/kpi", "record on-time-shipping 0.975", user=MARIA).text()
    assert "0.975% looks unusual for *on-time-shipping*" in asked
    assert "it is a fraction, while the target is 95%" in asked
    assert "Did you mean 97.5%? `/kpi record on-time-shipping 97.5%`" in asked
    settle(runtime)
    assert _channel_posts(fake_slack) == []
    assert _count(runtime, "on-time-shipping") == 1

    recorded = slack.command("/kpi", "record on-time-shipping 97.5%", user=MARIA).text()
    assert "Recorded 97.5% for *on-time-shipping*" in recorded


def test_ten_times_off_is_asked_about_but_ordinary_values_and_machines_are_not(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    slack.command("/kpi", "add pick-rate target=140 unit=orders", user=ADMIN)
    first = slack.command("/kpi", "record pick-rate 1500", user=MARIA).text()
    assert "Recorded 1,500 orders" in first  # nothing to compare with yet
    _history(slack, clock, "pick-rate", [150, 140, 160])
    assert "looks unusual" in slack.command("/kpi", "record pick-rate 16000", user=MARIA).text()
    assert "looks unusual" in slack.command("/kpi", "record pick-rate 1.4", user=MARIA).text()
    assert "Recorded 0 orders" in slack.command("/kpi", "record pick-rate 0", user=MARIA).text()
    assert "Recorded 90 orders" in slack.command("/kpi", "record pick-rate 90", user=MARIA).text()

    with runtime.db.session() as session:  # what the import, the API and queries call
        kpi = kpis.find_kpi(session, team_id=TEAM, name="pick-rate")
        kpis.record_values(
            session,
            kpi=kpi,
            points=[(-16000.0, clock.now())],
            source="csv",
            recorded_by=None,
            now=clock.now(),
        )
    assert _count(runtime, "pick-rate") == 7


def test_a_dropped_decimal_separator_is_asked_about_with_the_value_meant(
    slack: SlackDriver, runtime: Runtime, clock: ManualClock
) -> None:
    slack.command("/kpi", "add dock-to-stock target=4 unit=h better=lower", user=ADMIN)
    _history(slack, clock, "dock-to-stock", [3.3, 4.5, 3.8, 4.1])
    asked = slack.command("/kpi", "record dock-to-stock 35", user=MARIA).text()
    assert "looks unusual" in asked and "Did you mean 3.5 h?" in asked
    assert _count(runtime, "dock-to-stock") == 4
