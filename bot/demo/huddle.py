"""Demo data of the daily huddle: #ops-huddle gets it at 07:45 Chicago time, Monday to Friday."""

from __future__ import annotations

from datetime import datetime, time
from random import Random

from sqlalchemy.orm import Session

from bot.demo import PEOPLE
from bot.services import huddle
from bot.services.schedule import WEEKDAYS

HUDDLE_CHANNEL = "C0HUDDLE"
HUDDLE_TIME = time(7, 45)
HUDDLE_TZ = "America/Chicago"


def seed(session: Session, *, team_id: str, now: datetime, rng: Random) -> None:
    """Schedule the demo huddle, set up by the operations manager just now (so it first posts
    at the next 07:45). Nothing about a schedule is random, so `rng` is not used."""
    del rng
    manager = next(person for person in PEOPLE if person.is_admin)
    huddle.configure(
        session,
        team_id=team_id,
        channel_id=HUDDLE_CHANNEL,
        at=HUDDLE_TIME,
        tz=HUDDLE_TZ,
        days=WEEKDAYS,
        default_tz=HUDDLE_TZ,
        user_id=manager.user_id,
        now=now,
    )
