"""The working day the resilience tests disturb: huddles, a standup and sev1 escalations
whose posts all fall due around 09:00 UTC on Monday 2 March 2026."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.runtime import Runtime
from bot.services import escalations, huddle, standups
from bot.services.schedule import WEEKDAYS
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import ADMIN, JOE, MARIA, OPS_CHANNEL, TEAM

MONDAY_0850 = datetime(2026, 3, 2, 8, 50, tzinfo=UTC)
HUDDLE_CHANNELS = [f"C0HUDDLE{n}" for n in range(4)]
STANDUP_CHANNEL = "C0STANDUP"
PEOPLE = [f"UPICKER{n}" for n in range(4)]
ESCALATIONS = 3


def set_up_the_day(runtime: Runtime, fake_slack: FakeSlack) -> None:
    """Huddles at 09:00 UTC, a standup at 09:00 (report 10:00) for people in UTC, and sev1
    escalations opened at 08:50 with a two-level chain (deadline every 5 minutes)."""
    for person in PEOPLE:
        fake_slack.add_user(person, person.lower(), tz="UTC")
    with runtime.db.session() as session:
        for channel in HUDDLE_CHANNELS:
            huddle.configure(
                session,
                team_id=TEAM,
                channel_id=channel,
                at=time(9, 0),
                tz="UTC",
                days=WEEKDAYS,
                default_tz="UTC",
                user_id=ADMIN,
                now=MONDAY_0850,
            )
        standup, _ = standups.configure(
            session,
            team_id=TEAM,
            channel_id=STANDUP_CHANNEL,
            user_id=ADMIN,
            now=MONDAY_0850,
            remind_at=time(9, 0),
            report_at=time(10, 0),
            days=WEEKDAYS,
            timezone="UTC",
            questions=None,
            default_timezone="UTC",
        )
        for person in PEOPLE:
            standups.join(
                session, team_id=TEAM, standup_id=standup.id, user_id=person, now=MONDAY_0850
            )
        escalations.set_channel(session, team_id=TEAM, channel_id=OPS_CHANNEL, now=MONDAY_0850)
        escalations.set_chain(
            session, team_id=TEAM, severity=None, user_ids=[MARIA, JOE], now=MONDAY_0850
        )
        for number in range(ESCALATIONS):
            escalations.open_escalation(
                session,
                team_id=TEAM,
                reporter_id=ADMIN,
                summary=f"Sorter {number} jammed",
                details="",
                severity="sev1",
                now=MONDAY_0850,
            )


def huddles_in(fake_slack: FakeSlack, channel: str) -> list[str]:
    return [
        ApiCall("post", m).blocks_text()
        for m in fake_slack.messages_in(channel)
        if m["text"].startswith("Daily huddle")
    ]


def reminders_to(fake_slack: FakeSlack, person: str) -> list[dict[str, object]]:
    return [m for m in fake_slack.messages_in(person) if "standup" in m["text"]]


def reports_in(fake_slack: FakeSlack) -> list[dict[str, object]]:
    return [m for m in fake_slack.messages_in(STANDUP_CHANNEL) if not m.get("thread_ts")]
