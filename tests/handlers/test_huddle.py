"""/huddle through the real app: configuring, previewing, posting now, status and errors."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.standin.driver import SlackDriver
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import ADMIN, MARIA, OPS_CHANNEL

OPS = f"<#{OPS_CHANNEL}|ops>"


def posts(fake_slack: FakeSlack) -> list[str]:
    return [ApiCall("post", m).blocks_text() for m in fake_slack.messages_in(OPS_CHANNEL)]


def test_help_lists_every_subcommand(slack: SlackDriver) -> None:
    for text in ("", "help", "HELP"):
        shown = slack.command("/huddle", text, user=MARIA).text()
        for usage in ("/huddle preview", "/huddle now", "/huddle config", "/huddle off"):
            assert usage in shown
        assert "/huddle status" in shown


def test_admin_configures_a_huddle_and_sees_the_next_run(slack: SlackDriver) -> None:
    reply = slack.command(
        "/huddle", f"config {OPS} time=10:15 tz=Europe/Berlin days=mon-fri", user=ADMIN
    )
    assert reply.json.get("response_type", "ephemeral") == "ephemeral"
    shown = reply.text()
    assert f"<#{OPS_CHANNEL}>" in shown
    assert "10:15" in shown and "Europe/Berlin" in shown and "mon-fri" in shown
    # 08:00 UTC on Monday 2 March is 09:00 in Berlin: the first huddle is today, 10:15 there
    # (09:15 UTC), shown to the reader in their own zone.
    assert "at *10:15* Europe/Berlin, mon-fri." in shown
    assert (
        "Next huddle: *<!date^1772442900^{date_short_pretty} at {time}|Mon 2 Mar 09:15 UTC>*."
        in shown
    )


def test_a_time_already_past_today_starts_on_the_next_scheduled_day(slack: SlackDriver) -> None:
    shown = slack.command("/huddle", f"config {OPS} time=07:00", user=ADMIN).text()
    assert "UTC" in shown and "mon-fri" in shown
    assert (
        "Next huddle: *<!date^1772521200^{date_short_pretty} at {time}|Tue 3 Mar 07:00 UTC>*."
        in shown
    )


def test_changing_a_huddle_keeps_what_is_not_named(slack: SlackDriver) -> None:
    slack.command("/huddle", f"config {OPS} time=10:00 tz=Asia/Tokyo days=daily", user=ADMIN)
    shown = slack.command("/huddle", f"config {OPS} days=mon,wed,fri", user=ADMIN).text()
    assert "10:00" in shown and "Asia/Tokyo" in shown and "mon,wed,fri" in shown


def test_config_is_for_admins_only(slack: SlackDriver) -> None:
    for text in (f"config {OPS} time=09:00", f"off {OPS}", "status"):
        shown = slack.command("/huddle", text, user=MARIA).text()
        assert "Only workspace admins" in shown


def test_bad_config_gets_a_clear_error_and_the_usage(slack: SlackDriver) -> None:
    cases = {
        f"config {OPS} time=25:00": "`25:00` is not a time",
        f"config {OPS} time=9am": "`9am` is not a time",
        f"config {OPS} time=09:00 tz=Mars/Base": "`Mars/Base` is not a timezone",
        f"config {OPS} time=09:00 days=someday": "`someday` is not a day list",
        f"config {OPS}": "needs its time",
        "config time=09:00": "Name the channel",
        "config ops time=09:00": "`ops` is not a channel",
        f"config {OPS} time=09:00 please": "`please` is not understood",
    }
    for text, problem in cases.items():
        reply = slack.command("/huddle", text, user=ADMIN)
        shown = reply.text()
        assert problem in shown, (text, shown)
        assert "Usage: `/huddle config #channel time=HH:MM [tz=Area/City] [days=mon-fri]" in shown
    assert "is not a huddle command" in slack.command("/huddle", "later", user=MARIA).text()
    assert "takes nothing after it" in slack.command("/huddle", "now please", user=MARIA).text()


def test_preview_is_only_for_the_caller(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    reply = slack.command("/huddle", "preview", user=MARIA, channel=OPS_CHANNEL)
    assert reply.json.get("response_type", "ephemeral") == "ephemeral"
    shown = reply.text()
    assert "Daily huddle · Monday 2 March 2026" in shown
    assert "Preview, only you can see this" in shown
    assert "No data yet" in shown
    assert fake_slack.calls_to("chat.postMessage") == []


def test_now_posts_in_the_channel_and_the_scheduled_huddle_still_goes_out(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    slack.command("/huddle", f"config {OPS} time=09:00", user=ADMIN)
    reply = slack.command("/huddle", "now", user=ADMIN, channel=OPS_CHANNEL)
    assert "Posting today's huddle" in reply.text()
    fake_slack.wait_for("chat.postMessage", lambda c: c["channel"] == OPS_CHANNEL)
    assert len(posts(fake_slack)) == 1
    assert "Daily huddle · Monday 2 March 2026" in posts(fake_slack)[0]

    clock.advance(timedelta(hours=1))
    runtime.scheduler.tick()
    assert len(posts(fake_slack)) == 2


def test_off_stops_the_scheduled_huddle(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    slack.command("/huddle", f"config {OPS} time=09:00", user=ADMIN)
    assert "is off" in slack.command("/huddle", f"off {OPS}", user=ADMIN).text()
    clock.advance(timedelta(hours=1))
    runtime.scheduler.tick()
    assert posts(fake_slack) == []
    again = slack.command("/huddle", f"off {OPS}", user=ADMIN).text()
    assert "no scheduled huddle" in again
    status = slack.command("/huddle", "status", user=ADMIN).text()
    assert "_off_ (was 09:00 UTC, mon-fri)" in status


def dms_to(fake_slack: FakeSlack, user: str) -> list[str]:
    """Texts of the DMs that reached `user`."""
    return [
        call.blocks_text()
        for call in fake_slack.calls_to("chat.postMessage")
        if call.get("channel") in (user, "D" + user[1:])
    ]


def test_status_shows_next_run_last_post_and_failures(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    assert "No channel has a huddle yet" in slack.command("/huddle", "status", user=ADMIN).text()
    slack.command("/huddle", f"config {OPS} time=09:00 tz=america/chicago", user=ADMIN)
    slack.command("/huddle", "config <#C0OTHER|other> time=03:30", user=ADMIN)
    shown = slack.command("/huddle", "status", user=ADMIN).text()
    assert (
        "<#C0OPS> · *09:00* America/Chicago, mon-fri · "
        "next: <!date^1772463600^{date_short_pretty} at {time}|Mon 2 Mar 15:00 UTC>"
    ) in shown
    assert (
        "<#C0OTHER> · *03:30* UTC, mon-fri · "
        "next: <!date^1772508600^{date_short_pretty} at {time}|Tue 3 Mar 03:30 UTC>"
    ) in shown
    assert "Last post: none yet" in shown

    # 09:00 in Chicago is 15:00 UTC. Opsbot is not in the channel: that is no outage, so
    # the post fails at once, and the admin who set the huddle up is told once.
    fake_slack.fail("chat.postMessage", error="not_in_channel")
    clock.set(clock.now().replace(hour=15))
    runtime.scheduler.tick()
    shown = slack.command("/huddle", "status", user=ADMIN).text()
    assert "Mon 2 Mar: :x: not sent: Opsbot is not in the channel" in shown
    assert "(not_in_channel)" in shown
    assert "next: <!date^1772550000^{date_short_pretty} at {time}|Tue 3 Mar 15:00 UTC>" in shown
    [notice] = [t for t in dms_to(fake_slack, ADMIN) if "could not post" in t]
    assert "<#C0OPS>" in notice and "/invite @Opsbot" in notice
    status = slack.command("/ops", "status", user=ADMIN).text()
    assert "huddle" in status and "`not_in_channel`" in status and "Retry" in status


def test_now_in_a_channel_without_the_bot_explains_what_to_do(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", error="not_in_channel")
    reply = slack.command("/huddle", "now", user=ADMIN, channel=OPS_CHANNEL)
    assert "Posting" in reply.text() or "post" in reply.text().lower()
    [notice] = dms_to(fake_slack, ADMIN)
    assert "I could not post the huddle in <#C0OPS>" in notice
    assert "`not_in_channel`" in notice and "/invite @Opsbot" in notice
