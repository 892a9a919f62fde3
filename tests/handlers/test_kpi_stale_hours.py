"""Stale-KPI DMs reach people during their working hours (08:00-18:00, Monday to Friday, in
their Slack timezone), one DM per person listing every stale KPI with its own commands."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.standin.driver import SlackDriver
from bot.standin.server import FakeSlack
from tests.conftest import ADMIN, JOE, MARIA, settle
from tests.handlers.test_kpi_stale import _dms_to


def _tick_at(runtime: Runtime, clock: ManualClock, moment: datetime) -> None:
    clock.set(moment)
    runtime.scheduler.tick()
    settle(runtime)


def test_a_kpi_gone_stale_at_night_is_told_at_the_owners_next_8am_with_the_others(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    # Maria is in America/Chicago (UTC-6 in early March); the clock starts Mon 2 Mar 08:00 UTC.
    for name in ("backorders", "dock-to-stock"):
        slack.command(
            "/kpi", f"add {name} target=25 better=lower every=1d owner=<@{MARIA}>", user=ADMIN
        )
        slack.command("/kpi", f"record {name} 20", user=JOE)

    _tick_at(runtime, clock, datetime(2026, 3, 4, 9, tzinfo=UTC))  # Wed 03:00 in Chicago
    _tick_at(runtime, clock, datetime(2026, 3, 4, 13, 55, tzinfo=UTC))  # 07:55
    assert _dms_to(fake_slack, MARIA) == []

    _tick_at(runtime, clock, datetime(2026, 3, 4, 14, 0, tzinfo=UTC))  # 08:00
    [told] = _dms_to(fake_slack, MARIA)
    assert "2 KPIs you answer for have had no new value for a while" in told
    for name in ("backorders", "dock-to-stock"):
        assert f":hourglass: *{name}* has had no new value for 2d 6h" in told
        assert f"`/kpi record {name} &lt;value&gt;`" in told
        assert f"`/kpi edit {name} every=…`" in told

    _tick_at(runtime, clock, datetime(2026, 3, 4, 15, 0, tzinfo=UTC))
    assert len(_dms_to(fake_slack, MARIA)) == 1


def test_after_working_hours_and_at_the_weekend_the_notice_waits_for_monday(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    # Ada is in Europe/Berlin (UTC+1).
    slack.command("/kpi", "add pick-rate target=140 every=1d", user=ADMIN)
    clock.set(datetime(2026, 3, 4, 17, tzinfo=UTC))  # Wed 18:00 in Berlin
    slack.command("/kpi", "record pick-rate 150", user=JOE)

    _tick_at(runtime, clock, datetime(2026, 3, 6, 17, 5, tzinfo=UTC))  # Fri 18:05: too late
    _tick_at(runtime, clock, datetime(2026, 3, 7, 10, tzinfo=UTC))  # Saturday
    _tick_at(runtime, clock, datetime(2026, 3, 9, 6, 55, tzinfo=UTC))  # Mon 07:55
    assert _dms_to(fake_slack, ADMIN) == []

    _tick_at(runtime, clock, datetime(2026, 3, 9, 7, 0, tzinfo=UTC))  # Mon 08:00 in Berlin
    [told] = _dms_to(fake_slack, ADMIN)
    assert ":hourglass: *pick-rate* has had no new value for 4d 14h" in told
    assert "You are its creator" in told


def test_a_value_recorded_before_working_hours_means_no_notice_at_all(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    slack.command("/kpi", "add pick-rate target=140 every=1d", user=ADMIN)
    slack.command("/kpi", "record pick-rate 150", user=JOE)
    _tick_at(runtime, clock, datetime(2026, 3, 4, 23, tzinfo=UTC))  # Thu 00:00 in Berlin
    clock.set(datetime(2026, 3, 5, 6, tzinfo=UTC))
    slack.command("/kpi", "record pick-rate 151", user=JOE)
    _tick_at(runtime, clock, datetime(2026, 3, 5, 7, 5, tzinfo=UTC))  # 08:05 in Berlin
    assert _dms_to(fake_slack, ADMIN) == []
