"""Demo standups: the shift leads' standup in #shift-leads (08:30, report 10:00, mon-fri,
America/Chicago) with the demo people and two weeks of answers, a few with blockers, one of
them still open and reported day after day (so it is aged from its first day)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.demo import PEOPLE
from bot.services import standups
from bot.services.schedule import WEEKDAYS

CHANNEL = "C0STANDUP"
DAYS_OF_HISTORY = 14
DONE = (
    "Cleared the inbound backlog on doors 1-6",
    "Cycle counted zone C, variance under 0.5%",
    "Shipped all same-day orders by cut-off",
    "Trained two new pickers on RF scanners",
    "Closed out the weekly safety walk",
    "Reslotted fast movers in aisle 12",
    "Reconciled the carrier invoices for last week",
)
TODAY = (
    "Wave planning for the afternoon peak",
    "Receiving audit with the vendor rep",
    "Returns processing and restock",
    "Preventive maintenance on conveyor line 2",
    "Pick-rate coaching on second shift",
    "Yard check and trailer turn plan",
    "Quality hold review for lot 4471",
)
BLOCKERS = (
    "Carrier no-show for two outbound loads; need a backup carrier",
    "Label printer on pack line 2 keeps jamming",
    "Short two pickers tonight; temp agency has not confirmed",
    "Cycle count variance in zone C needs recount approval",
)
STUCK = "Forklift 3 out of service, waiting on a hydraulic part from the vendor"
# How people say that nothing is in the way (none of these is a blocker); "" stands for the
# modal's "Nothing is blocking me" checkbox.
NOTHING = (
    "none",
    "No blockers today",
    "nothing blocking, all good",
    "n/a",
    "-",
    "None so far 👍",
    "",
)


def seed(session: Session, *, team_id: str, now: datetime, rng: random.Random) -> None:
    """Configure the shift leads' standup and fill two weeks of answers."""
    start = now - timedelta(days=DAYS_OF_HISTORY + 1)
    standup, _created = standups.configure(
        session,
        team_id=team_id,
        channel_id=CHANNEL,
        user_id=PEOPLE[0].user_id,
        now=start,
        remind_at=time(8, 30),
        report_at=time(10, 0),
        days=WEEKDAYS,
        timezone="America/Chicago",
    )
    for person in PEOPLE:
        standups.join(
            session, team_id=team_id, standup_id=standup.id, user_id=person.user_id, now=start
        )
    stuck_person = PEOPLE[3]  # the maintenance supervisor: blocked for the last few days
    for person in PEOPLE:
        zone = ZoneInfo(person.tz)
        local_now = now.astimezone(zone)
        for back in range(DAYS_OF_HISTORY, -1, -1):
            local_date = local_now.date() - timedelta(days=back)
            if local_date.weekday() not in WEEKDAYS:
                continue
            answered_at = datetime.combine(
                local_date, time(8, 30 + rng.randrange(0, 25)), tzinfo=zone
            )
            stuck = person is stuck_person and back <= 4
            if answered_at > local_now or (rng.random() < 0.12 and not stuck):
                continue
            if stuck:
                blocker = STUCK
            elif rng.random() < 0.1:
                blocker = rng.choice(BLOCKERS)
            else:
                blocker = rng.choice(NOTHING)
            standups.save_answer(
                session,
                team_id=team_id,
                standup=standup,
                user_id=person.user_id,
                local_date=local_date,
                texts=[rng.choice(DONE), rng.choice(TODAY), blocker],
                now=answered_at,
                nothing_blocking=not blocker,
            )
