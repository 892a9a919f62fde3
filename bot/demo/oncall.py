"""Demo data of on-call and holidays: the `shift-leads` schedule, with a night rotation (Sam
and Omar, a week each, 24/7) and a day rotation over it (Jamal and Priya, a week each,
08:00-20:00 on weekdays), in Chicago time. On the demo's Monday Sam hands over to Jamal at
08:00: Jamal gets the handover at 07:45 (with Sam's note from the night) and #shift-leads
gets the shift-change line at 08:00, when @shift-lead follows. Sev1 escalations page the
shift lead first. The standup and the huddle keep US holidays and the company's own days
off (24 and 31 December)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.demo import PEOPLE
from bot.services import escalations, handover, huddle, oncall, standups
from bot.services.schedule import WEEKDAYS

SCHEDULE = "shift-leads"
SCHEDULE_TZ = "America/Chicago"
CHANNEL = "C0STANDUP"  # #shift-leads
USERGROUP = "S0SHIFTLEAD"
USERGROUP_HANDLE = "shift-lead"
NIGHT = ("USAM", "UOMAR")
DAY = ("UJAMAL", "UPRIYA")
SEV1_CHAIN = (f"schedule:{SCHEDULE}", "UMARIA")
HOLIDAYS = "US"
NIGHT_NOTE = (
    "Dock 4 door sensor is flaky: it was propped open at 04:10 and maintenance has a ticket. "
    "The FedEx pickup moved to 06:30 tomorrow; wave 1 is released early for it."
)
# The rotations have run for eight weeks (an even number, so the same people are on duty on
# the demo's Monday), so the escalation history's pages fall inside or outside real shifts.
ROTATING_FOR = timedelta(weeks=8)
STANDUP_CHANNEL = "C0STANDUP"
HUDDLE_CHANNEL = "C0HUDDLE"


def _company_days(today: date) -> str:
    """24 and 31 December of the demo's year (next year's once they are past)."""
    year = today.year if today < date(today.year, 12, 24) else today.year + 1
    return f"{year}-12-24,{year}-12-31"


def seed(session: Session, *, team_id: str, now: datetime, rng: Random) -> None:
    """Create the schedule (made by the operations manager just now), Sam's note of the
    night, the sev1 chain's first level, and the holiday calendars. Nothing is random."""
    del rng
    manager = next(person for person in PEOPLE if person.is_admin)
    today = now.astimezone(ZoneInfo(SCHEDULE_TZ)).date()
    schedule = oncall.create_schedule(
        session,
        team_id=team_id,
        name=SCHEDULE,
        tz=SCHEDULE_TZ,
        layer=oncall.LayerSpec(
            NIGHT,
            timedelta(weeks=1),
            time(20, 0),
            today - timedelta(days=today.weekday() + 1) - ROTATING_FOR,
        ),
        created_by=manager.user_id,
        now=now,
    )
    oncall.add_layer(
        session,
        schedule=schedule,
        layer=oncall.LayerSpec(
            DAY,
            timedelta(weeks=1),
            time(8, 0),
            today - timedelta(days=today.weekday()) - ROTATING_FOR,
            WEEKDAYS,
            (time(8, 0), time(20, 0)),
        ),
        created_by=manager.user_id,
        now=now,
    )
    # The rotation has run for ROTATING_FOR: the escalation history's pages fall inside or
    # outside real shifts, as the weekly report's on-call load shows.
    since = now - ROTATING_FOR
    schedule.created_at = since
    for layer in oncall.layers(session, schedule=schedule):
        layer.created_at = since
    oncall.configure(
        session,
        schedule=schedule,
        channel_id=CHANNEL,
        usergroup_id=USERGROUP,
        notice_minutes=15,
        now=now,
    )
    night_lead = oncall.on_call_at(session, schedule=schedule, at=now)
    if night_lead is not None:
        handover.add_note(
            session,
            schedule=schedule,
            user_id=night_lead,
            text=NIGHT_NOTE,
            now=now - timedelta(hours=2, minutes=30),
        )
    escalations.set_chain(session, team_id=team_id, severity="sev1", user_ids=SEV1_CHAIN, now=now)

    skip = _company_days(today)
    standup = standups.find_standup(session, team_id=team_id, channel_id=STANDUP_CHANNEL)
    if standup is not None:
        standup.holidays, standup.skip_dates = HOLIDAYS, skip
    config = huddle.get_config(session, team_id=team_id, channel_id=HUDDLE_CHANNEL)
    if config is not None:
        config.holidays, config.skip_dates = HOLIDAYS, skip
    session.flush()
