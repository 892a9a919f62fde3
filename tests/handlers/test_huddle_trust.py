"""A huddle a team can trust, through signed requests: who may post it now and how often,
standups not reminded yet, stale KPIs, target directions and what needs attention first."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.ids import ActionId
from bot.runtime import Runtime
from bot.standin.driver import SlackDriver, form_values
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import ADMIN, JOE, MARIA, OPS_CHANNEL, driver_for, instance

OPS = f"<#{OPS_CHANNEL}|ops>"
GENERAL = "C0GENERAL"
LEAD = "ULEAD"  # set the huddle up while an admin, then was made a regular member
SAM = "USAM"  # America/Los_Angeles
PRIYA = "UPRIYA"  # America/Chicago
STANDUP = "C0STANDUP"


def posts(fake_slack: FakeSlack, channel: str = OPS_CHANNEL) -> list[str]:
    return [ApiCall("post", m).blocks_text() for m in fake_slack.messages_in(channel)]


def at(clock: ManualClock, *args: int) -> None:
    clock.set(datetime(*args, tzinfo=UTC))  # type: ignore[misc]


def section(message: dict[str, Any], heading: str) -> str:
    """The mrkdwn of the huddle's section that starts with `heading`."""
    [text] = [
        block["text"]["text"]
        for block in message["blocks"]
        if block["type"] == "section" and block["text"]["text"].startswith(heading)
    ]
    return text


# --- /huddle now: who, and how often -------------------------------------------------------


def test_only_admins_and_the_channels_huddle_owner_post_now(
    slack: SlackDriver, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    fake_slack.add_user(LEAD, "lena", is_admin=True, tz="America/Chicago")
    slack.command("/huddle", f"config {OPS} time=07:45 tz=America/Chicago", user=LEAD)
    # Lena is no longer a workspace admin; Opsbot learns it when her profile is refreshed.
    fake_slack.add_user(LEAD, "lena", is_admin=False, tz="America/Chicago")
    clock.advance(timedelta(days=1, hours=1))
    assert "Only workspace admins" in slack.command("/huddle", "status", user=LEAD).text()

    refused = slack.command("/huddle", "now", user=MARIA, channel=OPS_CHANNEL)
    assert refused.json.get("response_type", "ephemeral") == "ephemeral"
    assert (
        f"Only Opsbot admins and <@{LEAD}>, who set up the huddle in <#{OPS_CHANNEL}>, can post "
        f"the huddle in <#{OPS_CHANNEL}> now. `/huddle preview` shows you today's huddle right "
        "away, only to you."
    ) in refused.text()
    elsewhere = slack.command("/huddle", "now", user=MARIA, channel=GENERAL).text()
    assert f"Only Opsbot admins can post the huddle in <#{GENERAL}> now." in elsewhere
    assert "/huddle preview" in elsewhere
    assert fake_slack.calls_to("chat.postMessage") == []

    # The owner may, though no longer an admin; an admin may anywhere.
    assert (
        "Posting today's huddle"
        in slack.command("/huddle", "now", user=LEAD, channel=OPS_CHANNEL).text()
    )
    assert (
        "Posting today's huddle"
        in slack.command("/huddle", "now", user=ADMIN, channel=GENERAL).text()
    )
    assert len(posts(fake_slack)) == 1
    assert "Daily huddle · Tuesday 3 March 2026" in posts(fake_slack)[0]
    assert len(posts(fake_slack, GENERAL)) == 1


def test_now_posts_at_most_once_per_ten_minutes_per_channel_and_not_as_the_scheduled_one(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    slack.command("/huddle", f"config {OPS} time=09:00", user=ADMIN)
    assert "Posting" in slack.command("/huddle", "now", user=ADMIN, channel=OPS_CHANNEL).text()
    first = clock.now()  # Monday 2 March, 08:00 UTC

    clock.advance(timedelta(minutes=4))
    again = slack.command("/huddle", "now", user=ADMIN, channel=OPS_CHANNEL)
    assert again.json.get("response_type", "ephemeral") == "ephemeral"
    posted = int(first.timestamp())
    allowed = int((first + timedelta(minutes=10)).timestamp())
    assert (
        f"<@{ADMIN}> posted the huddle in <#{OPS_CHANNEL}> "
        f"<!date^{posted}^{{date_short_pretty}} at {{time}}|Mon 2 Mar 08:00 UTC>; `/huddle now` "
        "posts at most once every 10m in a channel, so the next can go out "
        f"<!date^{allowed}^{{date_short_pretty}} at {{time}}|Mon 2 Mar 08:10 UTC>. "
        "`/huddle preview` shows it to you now."
    ) in again.text()
    assert len(posts(fake_slack)) == 1
    # Once per channel: another channel is not held back.
    assert "Posting" in slack.command("/huddle", "now", user=ADMIN, channel=GENERAL).text()
    assert len(posts(fake_slack, GENERAL)) == 1

    # A manual post is not the day's scheduled one.
    status = slack.command("/huddle", "status", user=ADMIN).text()
    assert "Last post: none yet" in status

    clock.set(first + timedelta(minutes=10))
    assert "Posting" in slack.command("/huddle", "now", user=ADMIN, channel=OPS_CHANNEL).text()
    assert len(posts(fake_slack)) == 2

    clock.set(first + timedelta(hours=1))  # 09:00 UTC: the scheduled huddle still goes out
    runtime.scheduler.tick()
    assert len(posts(fake_slack)) == 3
    status = slack.command("/huddle", "status", user=ADMIN).text()
    assert "Last post: Mon 2 Mar: sent" in status


@pytest.fixture
def second(runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock) -> SlackDriver:
    """A second Opsbot instance on the same database, as behind a load balancer."""
    settings: Settings = runtime.settings
    other = instance(settings, clock)
    yield driver_for(other, fake_slack)
    other.close()


def test_two_clicks_at_once_on_two_instances_post_once(
    slack: SlackDriver, second: SlackDriver, fake_slack: FakeSlack
) -> None:
    slack.command("/huddle", f"config {OPS} time=09:00", user=ADMIN)
    for round_ in range(3):
        with ThreadPoolExecutor(max_workers=2) as pool:
            replies = list(
                pool.map(
                    lambda driver: driver.command(
                        "/huddle", "now", user=ADMIN, channel=OPS_CHANNEL
                    ).text(),
                    (slack, second),
                )
            )
        assert sum("Posting" in reply for reply in replies) == (1 if round_ == 0 else 0)
        assert sum("posted the huddle in" in reply for reply in replies) == (
            1 if round_ == 0 else 2
        )
    assert len(posts(fake_slack)) == 1


# --- The standup section: reminders in each person's timezone ------------------------------


def answer(slack: SlackDriver, fake_slack: FakeSlack, user: str, texts: list[str]) -> None:
    """Open the standup modal with /standup and submit it."""
    opened = len(fake_slack.calls_to("views.open"))
    assert slack.command("/standup", "", user=user).text() == ""
    view = fake_slack.wait_for("views.open", count=opened + 1)[-1]["view"]
    values = form_values(
        view, {f"{ActionId.STANDUP_ANSWER_INPUT}_{i}": text for i, text in enumerate(texts)}
    )
    assert slack.submit(view, values, user=user).status == 200


@pytest.fixture
def standup(slack: SlackDriver, fake_slack: FakeSlack) -> SlackDriver:
    """Reminders at 08:30 in each person's zone for Maria and Priya (Chicago) and Sam (Los
    Angeles); the huddle in #ops at 07:45 Chicago time."""
    fake_slack.add_user(SAM, "sam", tz="America/Los_Angeles")
    fake_slack.add_user(PRIYA, "priya", tz="America/Chicago")
    fake_slack.add_channel(STANDUP, "shift-leads")
    slack.command(
        "/standup",
        f"config <#{STANDUP}|shift-leads> time=08:30 report=11:00 tz=America/Chicago",
        user=ADMIN,
    )
    slack.command("/standup", f"add <@{MARIA}> <@{PRIYA}> <@{SAM}>", user=ADMIN)
    slack.command("/huddle", f"config {OPS} time=07:45 tz=America/Chicago", user=ADMIN)
    return slack


def preview(slack: SlackDriver) -> dict[str, Any]:
    return slack.command("/huddle", "preview", user=ADMIN, channel=OPS_CHANNEL).json


def test_the_huddle_before_and_after_the_standup_reminders(
    standup: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    # 07:45 in Chicago (13:45 UTC): nobody has been reminded yet, so nobody is missing.
    at(clock, 2026, 3, 2, 13, 45)
    runtime.scheduler.tick()
    [post] = fake_slack.messages_in(OPS_CHANNEL)
    chicago_0830 = int(datetime(2026, 3, 2, 14, 30, tzinfo=UTC).timestamp())
    assert section(post, "*:busts_in_silhouette: Standup*") == (
        "*:busts_in_silhouette: Standup*\n"
        "Reminders go out at 08:30 in each person's timezone; the first: "
        f"<!date^{chicago_0830}^{{date_short_pretty}} at {{time}}|Mon 2 Mar 14:30 UTC>.\n"
        "No open blockers."
    )
    assert "answered" not in post["text"]

    # 09:00 in Chicago, 07:00 in Los Angeles: Sam's reminder is not due yet.
    at(clock, 2026, 3, 2, 15, 0)
    answer(standup, fake_slack, MARIA, ["Cycle counts", "Dock audit", "nothing blocking"])
    shown = section(preview(standup), "*:busts_in_silhouette: Standup*")
    assert shown == (
        "*:busts_in_silhouette: Standup* · 1 of 2 answered (50%)\n"
        f"No answer yet: <@{PRIYA}>\n"
        f"Not due yet (their reminder has not come): <@{SAM}>\n"
        "No open blockers."
    )

    # 08:30 in Los Angeles has passed: Sam counts now.
    at(clock, 2026, 3, 2, 16, 45)
    shown = section(preview(standup), "*:busts_in_silhouette: Standup*")
    assert shown.splitlines()[:2] == [
        "*:busts_in_silhouette: Standup* · 1 of 3 answered (33%)",
        f"No answer yet: <@{PRIYA}>, <@{SAM}>",
    ]
    assert "Not due yet" not in shown


def test_someone_answering_before_the_reminders_is_counted_without_a_percentage(
    standup: SlackDriver, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    at(clock, 2026, 3, 2, 13, 0)
    answer(standup, fake_slack, PRIYA, ["Inbound", "Outbound", ""])
    shown = section(preview(standup), "*:busts_in_silhouette: Standup*")
    assert shown.splitlines()[0] == "*:busts_in_silhouette: Standup* · 1 answered already"
    assert "Reminders go out at 08:30 in each person's timezone" in shown
    assert "No answer yet" not in shown and "%" not in shown


def test_a_day_without_the_standup_says_so(standup: SlackDriver, clock: ManualClock) -> None:
    at(clock, 2026, 3, 7, 15, 0)  # Saturday; the standup runs Monday to Friday
    shown = section(preview(standup), "*:busts_in_silhouette: Standup*")
    assert shown == "*:busts_in_silhouette: Standup*\nNo standup today.\nNo open blockers."


# --- KPI lines: direction, deltas with units, stale values ---------------------------------


def test_kpi_lines_show_the_direction_the_delta_unit_and_a_stale_values_age(
    slack: SlackDriver, clock: ManualClock
) -> None:
    slack.command("/kpi", "add backorders target=25 unit=orders better=lower", user=ADMIN)
    slack.command("/kpi", "add on-time target=95 unit=%", user=ADMIN)
    slack.command("/kpi", "record backorders 53", user=MARIA)
    slack.command("/kpi", "record on-time 96", user=MARIA)
    clock.advance(timedelta(days=1))
    slack.command("/kpi", "record backorders 51", user=MARIA)
    slack.command("/kpi", "record on-time 96", user=MARIA)
    lines = section(preview(slack), "*:bar_chart: KPI scoreboard*").splitlines()
    assert lines[1:] == [
        ":red_circle: *backorders* 51 orders · target ≤ 25 orders · "
        "↓ 2 orders since the last value",
        ":large_green_circle: *on-time* 96% · target ≥ 95% · → no change since the last value",
    ]

    # Eight days without a new backorders value (one a day is expected): it is stale.
    clock.advance(timedelta(days=8))
    slack.command("/kpi", "record on-time 97", user=MARIA)
    shown = preview(slack)
    lines = section(shown, "*:bar_chart: KPI scoreboard*").splitlines()
    assert lines[1] == (
        ":red_circle: *backorders* 51 orders · target ≤ 25 orders · :hourglass: latest 8d old"
    )
    assert lines[2] == (
        ":large_green_circle: *on-time* 97% · target ≥ 95% · ↑ 1% since the last value"
    )
    assert "*backorders*, 104% off target (latest 8d old)" in section(
        shown, "*:dart: Needs attention today*"
    )


# --- Needs attention ---------------------------------------------------------------------


def test_open_sev1_and_sev2_rank_above_a_blocker_and_a_kpi(
    standup: SlackDriver, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    slack = standup
    # Maria has reported the same blocker since Monday; Priya says nothing is blocking.
    for day in (2, 3, 4, 5):
        at(clock, 2026, 3, day, 9, 0)  # 03:00 in Chicago
        answer(slack, fake_slack, MARIA, ["Counts", "Audit", "Waiting on forklift parts"])
        answer(slack, fake_slack, PRIYA, ["Inbound", "Outbound", "No blockers today"])
    slack.command("/kpi", "add pick-rate target=140 unit=lines/h", user=ADMIN)
    slack.command("/kpi", "record pick-rate 100", user=MARIA)  # 29 % below target
    at(clock, 2026, 3, 5, 13, 0)
    slack.command("/escalate", "sev1 Ammonia smell in cold store", user=MARIA)
    at(clock, 2026, 3, 5, 13, 2)
    assert "ESC-1" in slack.command("/escalate", "ack ESC-1", user=JOE).text()
    at(clock, 2026, 3, 5, 13, 10)
    slack.command("/escalate", "sev2 Conveyor 2 running slow", user=MARIA)

    at(clock, 2026, 3, 5, 13, 45)  # Thursday 07:45 in Chicago
    shown = section(preview(slack), "*:dart: Needs attention today*").splitlines()
    assert shown[1] == "1. *ESC-1 (sev1) Ammonia smell in cold store*, acknowledged, open 45m"
    assert shown[2] == (
        "2. *ESC-2 (sev2) Conveyor 2 running slow*, not acknowledged, past its SLA by 20m"
    )
    assert shown[3].startswith("3. *Waiting on forklift parts*, blocked for 3d")
    assert len(shown) == 4
    assert "No blockers today" not in str(preview(slack))
