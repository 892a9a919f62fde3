"""The huddle lists the on-call gaps of the next 24 hours, and says when every schedule is
covered; without a schedule it has no on-call section at all."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.standin.driver import SlackDriver
from tests.conftest import ADMIN, OPS_CHANNEL


def test_the_huddle_names_on_call_gaps_in_the_next_day(
    slack: SlackDriver, runtime: Runtime, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 3, 2, 13, tzinfo=UTC))  # Monday 07:00 in Chicago
    slack.command("/huddle", f"config <#{OPS_CHANNEL}|ops> time=07:45", user=ADMIN)
    before = slack.command("/huddle", "preview", user=ADMIN, channel=OPS_CHANNEL).text()
    assert "On call" not in before

    slack.command(
        "/oncall",
        "create office <@UJOE> every=1d handover=08:00 tz=America/Chicago days=mon-fri "
        "hours=08:00-17:00",
        user=ADMIN,
    )
    shown = slack.command("/huddle", "preview", user=ADMIN, channel=OPS_CHANNEL).text()
    on_call = shown[shown.index("On call") :]
    # Nobody until 08:00 CST (14:00 UTC), then from 17:00 (23:00 UTC) to the next 08:00.
    assert "*office* now, until <!date^1772460000^" in on_call  # 08:00 CST (14:00 UTC)
    # The evening gap with its true end, the next morning's 08:00 (past the 24 hours).
    assert "*office* <!date^1772492400^" in on_call  # 17:00 CST (23:00 UTC) …
    assert "\u2013 <!date^1772546400^" in on_call  # … to Tue 08:00 CST (14:00 UTC)
    assert on_call.count(":warning: *office*") == 2

    layered = slack.command(
        "/oncall", "layer office <@UMARIA> every=1d handover=00:00", user=ADMIN
    ).text()
    assert "Covered around the clock" in layered, layered
    covered = slack.command("/huddle", "preview", user=ADMIN, channel=OPS_CHANNEL).text()
    assert "every schedule is covered for the next 24 hours" in covered
