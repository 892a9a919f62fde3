"""Every huddle template renders valid Block Kit with sample data, escaping user text."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.blocks import render
from bot.models import HuddleConfig, PostStatus, ScheduledPost
from bot.services.huddle import ChannelStatus
from bot.standin.server import ApiCall

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def config(channel: str, *, enabled: bool = True) -> HuddleConfig:
    return HuddleConfig(
        team_id="T1",
        channel_id=channel,
        time=time(7, 45),
        tz="America/Chicago",
        days="mon-fri",
        enabled=enabled,
        updated_by="UADMIN",
        updated_at=NOW,
    )


def post(day: int, status: str, *, error: str | None = None) -> ScheduledPost:
    return ScheduledPost(
        team_id="T1",
        channel_id="C1",
        kind="huddle",
        local_date=date(2026, 3, day),
        scheduled_for=NOW,
        status=status,
        attempts=2,
        claimed_at=NOW,
        next_attempt_at=NOW + timedelta(minutes=2),
        sent_at=NOW if status == PostStatus.SENT else None,
        last_error=error,
    )


def test_help() -> None:
    shown = ApiCall("ack", render("messages/huddle_help")).blocks_text()
    assert "`/huddle config #ops-huddle time=07:45 tz=America/Chicago days=mon-fri`" in shown


def test_replies() -> None:
    status = ChannelStatus(config("C1"), NOW + timedelta(days=1), None, [])
    configured = ApiCall("ack", render("messages/huddle_reply", action="configured", status=status))
    # The schedule is a wall-clock time in its zone; the next run is a moment in the reader's zone.
    assert "*07:45* America/Chicago, mon-fri" in configured.blocks_text()
    assert (
        "Next huddle: *<!date^1772546400^{date_short_pretty} at {time}|Tue 3 Mar 14:00 UTC>*."
        in configured.blocks_text()
    )
    off = render("messages/huddle_reply", action="off", channel_id="C1")
    assert "<#C1> is off" in ApiCall("ack", off).blocks_text()
    posting = render("messages/huddle_reply", action="posting", channel_id="C1")
    assert "Posting today's huddle in <#C1>" in ApiCall("ack", posting).blocks_text()


def test_status_describes_every_ledger_state_and_escapes_errors() -> None:
    statuses = [
        ChannelStatus(
            config("C1"),
            NOW + timedelta(days=1),
            post(2, PostStatus.FAILED, error="Slack refused it (`<bad> & more`)."),
            [
                post(2, PostStatus.FAILED, error="x"),
                post(1, PostStatus.FAILED, error="Opsbot is not in the channel. (not_in_channel)"),
                post(27, PostStatus.SKIPPED, error="missed by 300 min"),
            ],
        ),
        ChannelStatus(config("C2"), None, post(2, PostStatus.SENT), []),
        ChannelStatus(config("C3", enabled=False), None, post(2, PostStatus.CLAIMED), []),
    ]
    statuses[0].problems[0] = statuses[0].last  # the latest row is listed once
    shown = ApiCall("ack", render("messages/huddle_status", statuses=statuses)).blocks_text()
    assert (
        "<#C1> · *07:45* America/Chicago, mon-fri · "
        "next: <!date^1772546400^{date_short_pretty} at {time}|Tue 3 Mar 14:00 UTC>"
    ) in shown
    assert (
        "Last post: Mon 2 Mar: :x: not sent: Slack refused it (`&lt;bad&gt; &amp; more`)."
    ) in shown
    assert "Sun 1 Mar: :x: not sent: Opsbot is not in the channel. (not_in_channel)" in shown
    assert "Fri 27 Mar: skipped (missed by 300 min)" in shown
    assert (
        "Last post: Mon 2 Mar: sent <!date^1772460000^{date_short_pretty} at {time}|"
        "Mon 2 Mar 14:00 UTC>"
    ) in shown
    assert "_off_ (was 07:45 America/Chicago, mon-fri)" in shown
    assert "queued, not confirmed by Slack yet (`/ops status` shows why)" in shown
    assert shown.count("not sent:") == 2


def test_status_of_many_channels_stays_within_the_block_limit() -> None:
    statuses = [ChannelStatus(config(f"C{n}"), NOW, None, []) for n in range(120)]
    message = render("messages/huddle_status", statuses=statuses)
    assert len(message["blocks"]) <= 50
    assert "… and 80 more channels." in ApiCall("ack", message).blocks_text()
