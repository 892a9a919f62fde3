"""Stale KPIs with the injectable clock: the scoreboard, the detail and the App Home show the
latest value's age instead of a trend, and the owner is DMed once each time a KPI goes
stale."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.standin.driver import SlackDriver
from bot.standin.server import FakeSlack
from tests.conftest import ADMIN, JOE, MARIA, settle
from tests.handlers.test_app_home import home_of, text_of


def _dms_to(fake_slack: FakeSlack, user: str) -> list[str]:
    return [
        call.blocks_text()
        for call in fake_slack.calls_to("chat.postMessage")
        if call.get("channel") in (user, "D" + user[1:])
    ]


def test_a_stale_kpi_shows_its_age_everywhere(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    slack.command("/kpi", "add backorders target=25 unit=orders better=lower every=1d", user=ADMIN)
    slack.command("/kpi", "add pick-rate target=140", user=ADMIN)  # learnt: hourly
    start = clock.now()
    for hours in (3, 2, 1):
        clock.set(start - timedelta(hours=hours))
        slack.command("/kpi", "record pick-rate 150", user=MARIA)
    clock.set(start)
    slack.command("/kpi", "record backorders 53", user=MARIA)
    slack.command("/kpi", "record backorders 51", user=MARIA)
    slack.command("/kpi", "record pick-rate 152", user=MARIA)

    fresh = slack.command("/kpi", "", user=MARIA).text()
    assert "*backorders* 51 orders · target ≤ 25 orders · ↓ 2" in fresh
    assert ":hourglass:" not in fresh

    clock.advance(timedelta(days=8, hours=2))
    board = slack.command("/kpi", "", user=MARIA).text()
    assert "*backorders* 51 orders · target ≤ 25 orders · :hourglass: latest 8d 2h old" in board
    assert ":hourglass: latest 8d 2h old" in board.split("*pick-rate*")[1]  # hourly, learnt
    assert "↓ 2" not in board

    detail = slack.command("/kpi", "backorders", user=MARIA).text()
    assert ":hourglass: *latest 8d 2h old*" in detail
    assert "*Expected*\nevery 1d" in detail and "(learnt)" not in detail.split("*Expected*")[1][:20]
    learnt = slack.command("/kpi", "pick-rate", user=MARIA).text()
    assert "*Expected*\nevery 1h (learnt)" in learnt

    slack.open_home(user=JOE)
    home = text_of(home_of(fake_slack, JOE))
    assert "*backorders* 51 orders · target ≤ 25 orders · :hourglass: latest 8d 2h old" in home

    # Telling Opsbot the real cadence makes it fresh again.
    slack.command("/kpi", "edit backorders every=14d", user=ADMIN)
    assert (
        "*backorders* 51 orders · target ≤ 25 orders · ↓ 2"
        in slack.command("/kpi", "", user=MARIA).text()
    )


def test_the_owner_is_told_once_when_a_kpi_goes_stale_and_again_after_it_recovers(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    slack.command(
        "/kpi", f"add backorders target=25 better=lower every=1d owner=<@{MARIA}>", user=ADMIN
    )
    slack.command("/kpi", "add dock-doors target=10", user=ADMIN)  # no owner: its creator
    slack.command("/kpi", "record backorders 20", user=JOE)
    slack.command("/kpi", "record dock-doors 12", user=JOE)

    clock.advance(timedelta(days=1, hours=23))
    runtime.scheduler.tick()
    assert _dms_to(fake_slack, MARIA) == [] and _dms_to(fake_slack, ADMIN) == []

    clock.advance(timedelta(hours=8))  # 2d 7h: stale since 2d, told at 09:00 in Chicago
    runtime.scheduler.tick()
    settle(runtime)
    [told] = _dms_to(fake_slack, MARIA)
    assert ":hourglass: *backorders* has had no new value for 2d 7h" in told
    assert "(the latest is from <!date^" in told and "You are its owner" in told
    assert "`/kpi record backorders &lt;value&gt;`" in told
    assert "`/kpi edit backorders every=…`" in told
    [creator] = _dms_to(fake_slack, ADMIN)
    assert "*dock-doors*" in creator and "as learnt from its data" in creator
    assert "You are its creator" in creator

    for _ in range(3):  # later checks stay quiet
        clock.advance(timedelta(minutes=10))
        runtime.scheduler.tick()
    settle(runtime)
    assert len(_dms_to(fake_slack, MARIA)) == 1

    slack.command("/kpi", "record backorders 22", user=JOE)
    clock.advance(timedelta(minutes=10))
    runtime.scheduler.tick()  # fresh again: the notice is cleared
    clock.advance(timedelta(days=2, hours=1))
    runtime.scheduler.tick()
    settle(runtime)
    assert len(_dms_to(fake_slack, MARIA)) == 2
    assert len(_dms_to(fake_slack, ADMIN)) == 1
