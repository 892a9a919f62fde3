"""Holiday calendars on `/standup config` and `/huddle config` (`holidays=US`, `skip=…`):
nothing scheduled goes out on those days, the config replies show the calendar, and
`/ops holidays [#channel]` lists the next ones. Signed requests through the real app, the
fake Slack, a real database and the injectable clock (START: Monday 2 March 2026)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.standin.driver import SlackDriver
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import ADMIN, JOE, MARIA, OPS_CHANNEL

STANDUPS = "C0STANDUP"
HUDDLES = "C0HUDDLE"
WEDNESDAY = datetime(2026, 3, 4, tzinfo=UTC)  # the company's own day off
MEMORIAL_DAY = datetime(2026, 5, 25, tzinfo=UTC)  # a US public holiday, a Monday


def _day(runtime: Runtime, clock: ManualClock, midnight: datetime) -> None:
    """Tick through a day, every 15 minutes."""
    moment = midnight
    while moment < midnight + timedelta(days=1):
        clock.set(moment)
        runtime.scheduler.tick()
        moment += timedelta(minutes=15)


def _reminders(fake_slack: FakeSlack, person: str) -> int:
    return sum(1 for m in fake_slack.messages_in(person) if "standup" in m["text"])


def _posts(fake_slack: FakeSlack, channel: str) -> list[str]:
    return [
        ApiCall("post", m).blocks_text()
        for m in fake_slack.messages_in(channel)
        if not m.get("thread_ts")
    ]


def test_no_reminders_reports_or_huddles_on_holidays(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    fake_slack.add_channel(STANDUPS, "standup")
    fake_slack.add_channel(HUDDLES, "huddle")
    standup = slack.command(
        "/standup",
        f"config <#{STANDUPS}|standup> time=09:00 report=11:00 tz=UTC holidays=US skip=2026-03-04",
        user=ADMIN,
    ).text()
    assert "No reminders or report on US public holidays and 1 company day off" in standup
    assert "(next: Wed 4 Mar, company day off)" in standup
    slack.command("/standup", f"join <#{STANDUPS}|standup>", user=MARIA)
    slack.command("/standup", f"join <#{STANDUPS}|standup>", user=ADMIN)
    huddle = slack.command(
        "/huddle",
        f"config <#{HUDDLES}|huddle> time=07:45 tz=UTC days=mon-fri holidays=us skip=2026-03-04",
        user=ADMIN,
    ).text()
    assert "No huddle on US public holidays and 1 company day off" in huddle

    # Tuesday: everything goes out; Wednesday (skip=): nothing; Thursday: everything again.
    _day(runtime, clock, WEDNESDAY - timedelta(days=1))
    assert _reminders(fake_slack, MARIA) == 1 and _reminders(fake_slack, ADMIN) == 1
    assert len(_posts(fake_slack, STANDUPS)) == 1
    assert len(_posts(fake_slack, HUDDLES)) == 1
    _day(runtime, clock, WEDNESDAY)
    assert _reminders(fake_slack, MARIA) == 1 and _reminders(fake_slack, ADMIN) == 1
    assert len(_posts(fake_slack, STANDUPS)) == 1
    assert len(_posts(fake_slack, HUDDLES)) == 1
    _day(runtime, clock, WEDNESDAY + timedelta(days=1))
    assert _reminders(fake_slack, MARIA) == 2
    assert len(_posts(fake_slack, STANDUPS)) == 2
    assert len(_posts(fake_slack, HUDDLES)) == 2

    # Memorial Day (US): no huddle, no reminder, no report; the Tuesday after, all again.
    _day(runtime, clock, MEMORIAL_DAY)
    assert len(_posts(fake_slack, HUDDLES)) == 2
    assert _reminders(fake_slack, MARIA) == 2
    assert len(_posts(fake_slack, STANDUPS)) == 2
    _day(runtime, clock, MEMORIAL_DAY + timedelta(days=1))
    assert len(_posts(fake_slack, HUDDLES)) == 3
    assert _reminders(fake_slack, MARIA) == 3


def test_ops_holidays_lists_the_calendars_that_apply(slack: SlackDriver) -> None:
    empty = slack.command("/ops", "holidays", user=JOE).text()
    assert "No standup, huddle or report keeps a holiday calendar yet" in empty
    slack.command("/huddle", f"config <#{HUDDLES}|huddle> time=07:45 holidays=DE-BY", user=ADMIN)
    slack.command(
        "/standup",
        f"config <#{OPS_CHANNEL}|ops> time=09:00 holidays=de-by skip=2026-03-04",
        user=ADMIN,
    )
    listed = slack.command("/ops", "holidays", user=JOE).text()
    assert "*DE-BY public holidays* · no huddle in <#C0HUDDLE> on these days" in listed
    assert "*DE-BY public holidays and 1 company day off* · no standup in <#C0OPS>" in listed
    assert "• Wed 4 Mar: company day off" in listed
    assert "• Fri 3 Apr: Good Friday" in listed
    here = slack.command("/ops", f"holidays <#{HUDDLES}|huddle>", user=JOE).text()
    assert "huddle in <#C0HUDDLE>" in here and "standup" not in here
    none_here = slack.command("/ops", "holidays <#C0ELSE|else>", user=JOE).text()
    assert "Nothing scheduled in <#C0ELSE> keeps a holiday calendar" in none_here
    bad = slack.command("/ops", "holidays tomorrow", user=JOE).text()
    assert "`tomorrow` is not a channel" in bad and "/ops holidays [#channel]" in bad


def test_calendars_are_checked_and_cleared(slack: SlackDriver) -> None:
    wrong = slack.command(
        "/huddle", f"config <#{HUDDLES}|huddle> time=07:45 holidays=DE-XX", user=ADMIN
    ).text()
    assert "`XX` is not a region of DE" in wrong and "Usage" in wrong
    bad_day = slack.command(
        "/standup", f"config <#{OPS_CHANNEL}|ops> time=09:00 skip=24.12.2026", user=ADMIN
    ).text()
    assert "`24.12.2026` is not a date" in bad_day
    slack.command(
        "/huddle",
        f"config <#{HUDDLES}|huddle> time=07:45 holidays=GB-SCT skip=2026-12-24",
        user=ADMIN,
    )
    cleared = slack.command(
        "/huddle", f"config <#{HUDDLES}|huddle> holidays=none skip=none", user=ADMIN
    ).text()
    assert "No huddle on" not in cleared
    assert "No standup, huddle or report" in slack.command("/ops", "holidays", user=JOE).text()
