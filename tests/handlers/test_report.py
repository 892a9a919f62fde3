"""/report through the real app: configuring, previewing, posting now, and the scheduled
weekly report with its files in the thread, exactly once per channel and period (two
instances, a restart, a changed schedule), late within the grace period, and holidays."""

from __future__ import annotations

import csv
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta

from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.services import standups
from bot.standin.driver import SlackDriver
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import ADMIN, MARIA, OPS_CHANNEL, TEAM, instance, settle

LEAD = "C0LEAD"
LEADERSHIP = f"<#{LEAD}|leadership>"
SHIFT = "C0SHIFT"
# START is Monday 2 March 2026 08:00 UTC; the next Monday 08:00 UTC:
NEXT_MONDAY = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


def reports_in(fake_slack: FakeSlack, channel: str = LEAD) -> list[str]:
    return [
        text
        for message in fake_slack.messages_in(channel)
        if "report ·" in (text := ApiCall("post", message).blocks_text())
    ]


def files_in_thread(fake_slack: FakeSlack, channel: str = LEAD) -> list[str]:
    """Titles of the files that reached `channel`, each in a report's thread."""
    posted = {m["ts"] for m in fake_slack.messages_in(channel)}
    return [
        file["title"]
        for call in fake_slack.calls_to("files.completeUploadExternal")
        if call.status == 200 and call["channel_id"] == channel
        for file in call["files"]
        if call.get("thread_ts") in posted
    ]


def test_help_lists_every_subcommand_and_ops_help_names_report(slack: SlackDriver) -> None:
    shown = slack.command("/report", "help", user=MARIA).text()
    for usage in ("/report preview weekly", "/report now weekly", "/report config #leadership"):
        assert usage in shown
    assert "/report off" in shown and "/report status" in shown and "holidays=" in shown
    assert "/report preview weekly" in slack.command("/ops", "", user=MARIA).text()


def test_admin_configures_a_weekly_report_and_sees_the_next_run(slack: SlackDriver) -> None:
    shown = slack.command(
        "/report",
        f"config {LEADERSHIP} WEEKLY day=tue time=09:30 tz=europe/berlin holidays=de-by",
        user=ADMIN,
    ).text()
    assert f"<#{LEAD}> · *weekly* on Tuesday at *09:30* Europe/Berlin · holidays: DE-BY" in shown
    # Tuesday 3 March 09:30 in Berlin is 08:30 UTC; it covers Mon 2 to Sun 8 March? No: the
    # week that ended on Sunday 1 March.
    assert "next: Mon 23 Feb to Sun 1 Mar 2026, <!date^1772526600^" in shown
    status = slack.command("/report", "status", user=MARIA).text()
    assert "*weekly* on Tuesday" in status
    monthly = slack.command("/report", f"config {LEADERSHIP} monthly", user=ADMIN).text()
    assert "*monthly* on the 1st at *08:00* UTC" in monthly
    assert "next: March 2026, <!date^1775030400^" in monthly  # Wed 1 April 08:00 UTC


def test_config_is_for_admins_and_mistakes_get_the_usage(slack: SlackDriver) -> None:
    refused = slack.command("/report", f"config {LEADERSHIP} weekly", user=MARIA).text()
    assert "Only workspace admins" in refused
    cases = {
        f"config {LEADERSHIP} weekley": "Did you mean `weekly`?",
        f"config {LEADERSHIP} weekly day=15": "`15` is not a weekday",
        f"config {LEADERSHIP} monthly day=31": "use `day=1` to `day=28`",
        f"config {LEADERSHIP} weekly holidays=DE-XX": "`XX` is not a region of DE",
        f"config {LEADERSHIP} weekly skip=24.12.2026": "`24.12.2026` is not a date",
        f"config {LEADERSHIP} weekly time=8am": "`8am` is not a time",
        "config weekly": "`weekly` is not a channel",
        f"config {LEADERSHIP}": "Say which report",
    }
    for text, problem in cases.items():
        shown = slack.command("/report", text, user=ADMIN).text()
        assert problem in shown, (text, shown)
        assert "Usage: `/report config #channel weekly|monthly" in shown
    typo = slack.command("/report", "preveiw weekly", user=MARIA).text()
    assert "Did you mean `preview`?" in typo


def test_preview_is_only_for_the_caller_and_says_nothing_to_report(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    reply = slack.command("/report", "preview weekly", user=MARIA, channel=OPS_CHANNEL)
    assert reply.json.get("response_type", "ephemeral") == "ephemeral"
    shown = reply.text()
    assert "Weekly report · Mon 23 Feb to Sun 1 Mar 2026" in shown
    assert "Preview, only you can see this" in shown
    assert "Nothing to report for this week" in shown
    assert fake_slack.calls_to("chat.postMessage") == []


def test_now_posts_here_with_four_files_in_the_thread(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    fake_slack.add_channel(SHIFT, "shift-leads")
    with runtime.db.session() as session:
        standup, _ = standups.configure(
            session,
            team_id=TEAM,
            channel_id=SHIFT,
            user_id=ADMIN,
            now=datetime(2026, 1, 5, tzinfo=UTC),
            remind_at=time(9, 0),
            days=frozenset(range(5)),
            timezone="UTC",
        )
        standups.join(
            session,
            team_id=TEAM,
            standup_id=standup.id,
            user_id=MARIA,
            now=datetime(2026, 1, 5, tzinfo=UTC),
        )
    reply = slack.command("/report", "now monthly", user=MARIA, channel=LEAD).text()
    assert "Posting the monthly report for *February 2026*" in reply
    settle(runtime)
    [post] = reports_in(fake_slack)
    assert "Monthly report · February 2026" in post
    assert sorted(files_in_thread(fake_slack)) == [
        "Escalation causes, February 2026",
        "Every figure, February 2026 (CSV)",
        "KPI board, February 2026",
        "Monthly report · February 2026 (PDF)",
    ]
    # The CSV, read outside Slack, names the channel and the people, not their ids.
    [csv_id] = [
        file["id"]
        for call in fake_slack.calls_to("files.completeUploadExternal")
        for file in call["files"]
        if file["title"].endswith("(CSV)")
    ]
    figures = {
        (row["section"], row["item"], row["metric"]): row
        for row in csv.DictReader(io.StringIO(fake_slack.upload_bytes(csv_id).decode()))
    }
    standup = figures[("standup", "#shift-leads", "expected")]
    assert (standup["channel"], standup["period_first_day"]) == ("#shift-leads", "2026-02-01")
    person = figures[("person", "Maria", "expected")]
    assert (person["person"], person["channel"], person["value"]) == ("Maria", "#shift-leads", "20")
    again = slack.command("/report", "now monthly", user=MARIA, channel=LEAD).text()
    assert "less than 10 minutes ago" in again
    settle(runtime)
    assert len(reports_in(fake_slack)) == 1


def test_the_weekly_report_goes_out_once_on_monday_with_its_files(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    slack.command("/report", f"config {LEADERSHIP} weekly", user=ADMIN)  # Monday 08:00 UTC
    runtime.scheduler.tick()
    clock.set(NEXT_MONDAY - timedelta(minutes=1))
    runtime.scheduler.tick()
    # At START (08:00, the moment it was set) the week before was due at once.
    assert [r.split(":")[0] for r in reports_in(fake_slack)] == [
        "Weekly report · Mon 23 Feb to Sun 1 Mar 2026"
    ]
    clock.set(NEXT_MONDAY)
    runtime.scheduler.tick()
    settle(runtime)
    clock.advance(timedelta(minutes=5))
    runtime.scheduler.tick()
    settle(runtime)
    posted = reports_in(fake_slack)
    assert [r.split(":")[0] for r in posted] == [
        "Weekly report · Mon 23 Feb to Sun 1 Mar 2026",
        "Weekly report · Mon 2 Mar to Sun 8 Mar 2026",
    ]
    assert len(files_in_thread(fake_slack)) == 8


def test_exactly_once_with_two_instances_a_restart_and_a_changed_schedule(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    clock.set(NEXT_MONDAY - timedelta(days=1))
    slack.command("/report", f"config {LEADERSHIP} weekly", user=ADMIN)
    second = instance(runtime.settings, clock)
    try:
        barrier = threading.Barrier(2)

        def tick(which: Runtime) -> None:
            barrier.wait(timeout=10)
            which.scheduler.tick()

        clock.set(NEXT_MONDAY)
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(tick, (runtime, second)))
        settle(runtime, second)
    finally:
        second.close()
    assert len(reports_in(fake_slack)) == 1

    # A restart: a new instance on the same database ticks the same moment again.
    restarted = instance(runtime.settings, clock)
    try:
        clock.advance(timedelta(minutes=1))
        restarted.scheduler.tick()
        # A changed schedule (later the same day) does not post the same week again.
        slack.command("/report", f"config {LEADERSHIP} weekly time=10:00", user=ADMIN)
        clock.set(NEXT_MONDAY.replace(hour=10, minute=1))
        restarted.scheduler.tick()
        settle(restarted)
    finally:
        restarted.close()
    assert len(reports_in(fake_slack)) == 1
    assert len(files_in_thread(fake_slack)) == 4


def test_a_missed_report_is_made_up_within_the_grace_period_only(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    clock.set(NEXT_MONDAY - timedelta(days=1))
    slack.command("/report", f"config {LEADERSHIP} weekly", user=ADMIN)
    slack.command("/report", "config <#C0OTHER|other> weekly", user=ADMIN)
    clock.set(NEXT_MONDAY + timedelta(minutes=90))  # down from 08:00 to 09:30: within 2 h
    runtime.scheduler.tick()
    assert len(reports_in(fake_slack)) == 1
    clock.set(NEXT_MONDAY + timedelta(days=7, hours=3))  # down all morning next week
    runtime.scheduler.tick()
    assert len(reports_in(fake_slack)) == 1  # skipped, not posted three hours late


def test_a_report_due_on_a_holiday_goes_out_the_next_day(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    clock.set(NEXT_MONDAY - timedelta(days=1))
    slack.command("/report", f"config {LEADERSHIP} weekly skip=2026-03-09", user=ADMIN)
    clock.set(NEXT_MONDAY + timedelta(minutes=1))
    runtime.scheduler.tick()
    assert reports_in(fake_slack) == []
    clock.set(NEXT_MONDAY + timedelta(days=1, minutes=1))
    runtime.scheduler.tick()
    [post] = reports_in(fake_slack)
    assert "Weekly report · Mon 2 Mar to Sun 8 Mar 2026" in post


def test_off_stops_the_report(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    clock.set(NEXT_MONDAY - timedelta(days=1))
    slack.command("/report", f"config {LEADERSHIP} weekly", user=ADMIN)
    assert "is off" in slack.command("/report", f"off {LEADERSHIP} weekly", user=ADMIN).text()
    clock.set(NEXT_MONDAY)
    runtime.scheduler.tick()
    assert reports_in(fake_slack) == []
    again = slack.command("/report", f"off {LEADERSHIP} weekly", user=ADMIN).text()
    assert f"The weekly report in <#{LEAD}> is already off." in again
    assert ":warning:" not in again
    assert "_off_" in slack.command("/report", "status", user=ADMIN).text()
    never = slack.command("/report", f"off {LEADERSHIP} monthly", user=ADMIN).text()
    assert "no monthly report, so there is nothing to turn off" in never
