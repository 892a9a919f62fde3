"""Seeds the demo operation: its people and channels in the Slack stand-in, their cached
profiles in the database, then each feature's demo data (`opsbot console --demo`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from random import Random
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.demo import (
    CHANNELS,
    DEMO_TEAM,
    PEOPLE,
    escalations,
    huddle,
    kpis,
    oncall,
    reports,
    standups,
    wms,
)
from bot.services import workspace

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.standin.server import FakeSlack

DEMO_TIMEZONE = "America/Chicago"
DEMO_MORNING = time(7, 30)


class FeatureSeed(Protocol):
    """One feature's demo history (`bot/demo/<feature>.py`'s `seed`): adds and flushes."""

    def __call__(self, session: Session, *, team_id: str, now: datetime, rng: Random) -> None: ...


# Each feature's `bot/demo/<feature>.py` `seed` function, run in this order.
FEATURE_SEEDS: list[FeatureSeed] = [
    kpis.seed,
    escalations.seed,
    standups.seed,
    huddle.seed,
    reports.seed,
    oncall.seed,  # after escalations, standups and huddle: it sets their chain and holidays
]


def populate_standin(slack: FakeSlack) -> None:
    """Add the demo people (with their timezones; Maria is an admin), channels and the
    shift leads' user group."""
    for person in PEOPLE:
        slack.add_user(
            person.user_id,
            person.handle,
            tz=person.tz,
            is_admin=person.is_admin,
            real_name=person.name,
        )
    for channel_id, name in CHANNELS.items():
        slack.add_channel(channel_id, name)
    slack.add_usergroup(oncall.USERGROUP, oncall.USERGROUP_HANDLE)


def seed_demo(runtime: Runtime, rng: Random) -> None:
    """Cache the demo people's profiles, then run every feature seed in its own transaction."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        for person in PEOPLE:
            workspace.save_profile(
                session,
                team_id=DEMO_TEAM,
                user_id=person.user_id,
                name=person.name,
                tz=person.tz,
                is_admin=person.is_admin,
                now=now,
            )
    for seed in FEATURE_SEEDS:
        with runtime.db.session() as session:
            seed(session, team_id=DEMO_TEAM, now=now, rng=rng)
    # The demo's WMS database and the KPIs computed from it by SQL (the console's `wms` source).
    wms.seed(runtime, rng)


def demo_morning(now: datetime) -> datetime:
    """The next Monday at 07:30 in the demo's timezone (today if it is Monday before 07:30)."""
    zone = ZoneInfo(DEMO_TIMEZONE)
    today = now.astimezone(zone).date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7)
    moment = _at(monday, zone)
    return moment if moment > now else _at(monday + timedelta(days=7), zone)


def _at(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, DEMO_MORNING, tzinfo=zone)
