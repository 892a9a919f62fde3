"""The working day the resilience tests disturb: huddles, a standup and sev1 escalations
whose posts all fall due around one moment (by default 09:00 UTC on Monday 2 March 2026)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import select

from bot.db import Database
from bot.models import Escalation, EscalationEvent
from bot.services import escalations, huddle, standups
from bot.services.schedule import WEEKDAYS
from bot.standin.driver import SlackDriver
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import ADMIN, JOE, MARIA, OPS_CHANNEL, TEAM

MONDAY_0850 = datetime(2026, 3, 2, 8, 50, tzinfo=UTC)
HUDDLE_CHANNELS = [f"C0HUDDLE{n}" for n in range(4)]
STANDUP_CHANNEL = "C0STANDUP"
PEOPLE = [f"UPICKER{n}" for n in range(4)]
ESCALATIONS = 3


@dataclass(frozen=True)
class Day:
    """When the day is set up (configs made, escalations opened) and when its posts fall
    due: each time is wall-clock time in the zone next to it."""

    set_up_at: datetime
    days: frozenset[int]
    huddle_at: time
    huddle_tz: str
    remind_at: time  # in each person's own Slack timezone, `people_tz`
    people_tz: str
    report_at: time  # in the standup's (the team's) timezone
    standup_tz: str
    escalations: int = ESCALATIONS  # sev1, opened at `set_up_at`


MONDAY = Day(
    set_up_at=MONDAY_0850,
    days=WEEKDAYS,
    huddle_at=time(9, 0),
    huddle_tz="UTC",
    remind_at=time(9, 0),
    people_tz="UTC",
    report_at=time(10, 0),
    standup_tz="UTC",
)


def set_up_the_day(db: Database, fake_slack: FakeSlack, day: Day = MONDAY) -> None:
    """A huddle in each of HUDDLE_CHANNELS, a standup in STANDUP_CHANNEL for PEOPLE, and
    the day's sev1 escalations with a two-level chain (Maria, then Joe; a deadline every
    5 minutes)."""
    for person in PEOPLE:
        fake_slack.add_user(person, person.lower(), tz=day.people_tz)
    now = day.set_up_at
    with db.session() as session:
        for channel in HUDDLE_CHANNELS:
            huddle.configure(
                session,
                team_id=TEAM,
                channel_id=channel,
                at=day.huddle_at,
                tz=day.huddle_tz,
                days=day.days,
                default_tz="UTC",
                user_id=ADMIN,
                now=now,
            )
        standup, _ = standups.configure(
            session,
            team_id=TEAM,
            channel_id=STANDUP_CHANNEL,
            user_id=ADMIN,
            now=now,
            remind_at=day.remind_at,
            report_at=day.report_at,
            days=day.days,
            timezone=day.standup_tz,
            questions=None,
            default_timezone="UTC",
        )
        for person in PEOPLE:
            standups.join(session, team_id=TEAM, standup_id=standup.id, user_id=person, now=now)
        escalations.set_channel(session, team_id=TEAM, channel_id=OPS_CHANNEL, now=now)
        escalations.set_chain(session, team_id=TEAM, severity=None, user_ids=[MARIA, JOE], now=now)
        for number in range(day.escalations):
            escalations.open_escalation(
                session,
                team_id=TEAM,
                reporter_id=ADMIN,
                summary=f"Sorter {number} jammed",
                details="",
                severity="sev1",
                now=now,
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


def pages_to(fake_slack: FakeSlack, person: str) -> Counter[str]:
    """How often `person` was DMed about each escalation, by `ESC-<n>`."""
    return Counter(re.findall(r"ESC-\d+", m["text"])[0] for m in fake_slack.messages_in(person))


def escalation_events(db: Database) -> list[tuple[int, str, datetime]]:
    """Every escalation's timeline as (number, event kind, when)."""
    with db.session() as session:
        return [
            (number, kind, at)
            for number, kind, at in session.execute(
                select(Escalation.number, EscalationEvent.kind, EscalationEvent.at).join(
                    Escalation, Escalation.id == EscalationEvent.escalation_id
                )
            )
        ]


def open_escalations_through(drivers: Sequence[SlackDriver], count: int) -> list[int]:
    """Maria types `/escalate sevN Dock door <n> stuck` `count` times, eight at once, sent
    to each driver in turn. Each is acknowledged with its ESC number; returns the numbers,
    sorted."""

    def open_one(n: int) -> int:
        reply = drivers[n % len(drivers)].command(
            "/escalate", f"sev{n % 4 + 1} Dock door {n} stuck", user=MARIA
        )
        assert reply.status == 200, reply.body
        found = re.search(r"ESC-(\d+)", reply.text())
        assert found, reply.text()
        return int(found.group(1))

    with ThreadPoolExecutor(max_workers=8) as pool:
        return sorted(pool.map(open_one, range(count)))
