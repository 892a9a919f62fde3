"""A blocker's age counts from the first day that same blocker was reported; the checkbox
settles that there is none; each person's reminder time on a standup's day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.db import Database
from bot.models import SlackUser
from bot.services import standups
from tests.conftest import JOE, MARIA, TEAM
from tests.services.test_standups import SAM, _answer, _join, _standup

MON, TUE, WED, THU = (date(2026, 3, d) for d in (2, 3, 4, 5))
THURSDAY_NOON = datetime(2026, 3, 5, 18, 0, tzinfo=UTC)


def test_a_different_blocker_starts_its_own_age(db: Database) -> None:
    with db.session() as session:
        standup = _standup(session)
        _join(session, standup, MARIA)
        _answer(session, standup, MARIA, MON, "waiting on the forklift repair")
        _answer(session, standup, MARIA, TUE, "waiting on the forklift repair")
        third = _answer(session, standup, MARIA, WED, "blocked by IT on scanner access")
        assert third.blocker_since == WED

        [blocker] = standups.open_blockers(
            session, team_id=TEAM, now=datetime(2026, 3, 4, 14, 30, tzinfo=UTC)
        )
        assert blocker.text == "blocked by IT on scanner access"
        assert blocker.first_day == WED
        assert blocker.since == datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
        assert blocker.age == timedelta(minutes=30)


def test_the_same_blocker_counts_from_its_first_report(db: Database) -> None:
    with db.session() as session:
        standup = _standup(session)
        _join(session, standup, MARIA, JOE)
        _answer(session, standup, MARIA, MON, "Waiting on the forklift repair")
        _answer(session, standup, MARIA, TUE, "still waiting on the forklift repair 😩")
        # No answer on Wednesday; Thursday's "same as yesterday" continues it.
        thursday = _answer(session, standup, MARIA, THU, "same as yesterday")
        assert thursday.blocker_since == MON
        # Joe: a blocker, a day without, the same blocker again: a new one.
        _answer(session, standup, JOE, MON, "no pallets left for outbound")
        _answer(session, standup, JOE, TUE, "No blockers today")
        again = _answer(session, standup, JOE, WED, "no pallets left for outbound")
        assert again.blocker_since == WED
        # Re-submitting the same day keeps the first day.
        assert _answer(session, standup, MARIA, THU, "same").blocker_since == MON

        blockers = standups.open_blockers(session, team_id=TEAM, now=THURSDAY_NOON)
        assert [(b.user_id, b.first_day) for b in blockers] == [(MARIA, MON), (JOE, WED)]
        assert blockers[0].since == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
        assert blockers[0].age == timedelta(days=3, hours=4)

        report = standups.day_report(session, team_id=TEAM, standup=standup, local_date=THU)
        assert [(b.text, b.first_day) for b in report.blockers] == [("same", MON)]


def test_the_checkbox_wins_over_the_text(db: Database) -> None:
    with db.session() as session:
        standup = _standup(session)
        _join(session, standup, MARIA)
        answer, _replaced = standups.save_answer(
            session,
            team_id=TEAM,
            standup=standup,
            user_id=MARIA,
            local_date=MON,
            texts=["a", "b", "dock 3 door sticks"],
            now=datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
            nothing_blocking=True,
        )
        assert answer.blocker is None and answer.nothing_blocking
        assert [a.answer for a in standups.answers_of(answer)][2] == "dock 3 door sticks"
        # The next day the same text, unticked, is a new blocker of its own.
        assert _answer(session, standup, MARIA, TUE, "dock 3 door sticks").blocker_since == TUE


def test_reminder_times_in_each_persons_zone(db: Database) -> None:
    with db.session() as session:
        standup = _standup(session, report_at=time(10, 0))
        _join(session, standup, MARIA, JOE, SAM)
        for user_id, tz in ((MARIA, "America/Chicago"), (JOE, "Asia/Tokyo"), (SAM, None)):
            session.add(
                SlackUser(
                    team_id=TEAM, user_id=user_id, name=user_id, tz=tz, refreshed_at=THURSDAY_NOON
                )
            )
        standups.add_away(
            session, team_id=TEAM, user_id=JOE, starts_on=TUE, ends_on=TUE, now=THURSDAY_NOON
        )
        session.flush()
        assert standups.reminder_times(session, standup, MON) == {
            MARIA: datetime(2026, 3, 2, 14, 30, tzinfo=UTC),
            JOE: datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
            SAM: datetime(2026, 3, 2, 14, 30, tzinfo=UTC),  # no zone known: the standup's
        }
        assert JOE not in standups.reminder_times(session, standup, TUE)
        assert standups.reminder_times(session, standup, date(2026, 3, 7)) == {}  # Saturday
