"""Wording found in a trial: a time with its own offset is not said to be in the caller's
timezone, and an edit of `every` says what was learnt from the data."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.standin.driver import SlackDriver
from tests.conftest import ADMIN, MARIA


def test_a_future_time_names_the_callers_zone_only_when_it_was_read_in_it(
    slack: SlackDriver,
) -> None:
    slack.command("/kpi", "add on-time-shipping target=95 unit=%", user=ADMIN)
    exact = slack.command(
        "/kpi", "record on-time-shipping 97.5% at=2026-12-07T18:00Z", user=MARIA
    ).text()
    assert "at=2026-12-07T18:00Z is in the future." in exact
    assert "times are in" not in exact
    wall = slack.command(
        "/kpi", "record on-time-shipping 97.5% at=2026-12-07 18:00", user=MARIA
    ).text()
    assert "at=2026-12-07 18:00 is in the future (times are in America/Chicago)." in wall


def test_editing_every_says_what_was_learnt(slack: SlackDriver, clock: ManualClock) -> None:
    slack.command("/kpi", "add pick-rate target=140", user=ADMIN)
    start = clock.now()
    for hours in (3, 2, 1, 0):
        clock.set(start - timedelta(hours=hours))
        slack.command("/kpi", "record pick-rate 150", user=MARIA)
    set_every = slack.command("/kpi", "edit pick-rate every=12h", user=ADMIN).text()
    assert "expected every: learnt (1h) → 12h" in set_every
    back = slack.command("/kpi", "edit pick-rate every=auto", user=ADMIN).text()
    assert "expected every: 12h → learnt (1h)" in back
