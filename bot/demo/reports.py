"""Demo data of the leadership reports: #leadership gets the weekly report on Monday at 08:00
Chicago time (US holidays honoured), so `:advance 30m` from the demo's Monday 07:30 shows it."""

from __future__ import annotations

from datetime import datetime, time
from random import Random

from sqlalchemy.orm import Session

from bot.demo import PEOPLE
from bot.models import Cadence
from bot.services import reports

REPORT_CHANNEL = "C0LEADERS"
REPORT_TIME = time(8, 0)
REPORT_TZ = "America/Chicago"


def seed(session: Session, *, team_id: str, now: datetime, rng: Random) -> None:
    """Schedule the weekly report, set up by the operations manager just now. Nothing about
    a schedule is random, so `rng` is not used."""
    del rng
    manager = next(person for person in PEOPLE if person.is_admin)
    reports.configure(
        session,
        team_id=team_id,
        channel_id=REPORT_CHANNEL,
        cadence=Cadence.WEEKLY,
        day=0,
        at=REPORT_TIME,
        tz=REPORT_TZ,
        holiday_calendar="US",
        skip=None,
        default_tz=REPORT_TZ,
        user_id=manager.user_id,
        now=now,
    )
