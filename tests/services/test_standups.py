"""Standup services on real databases: answers per local date, participation, open blockers
with their age, what App Home shows, and what is due when."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.db import Database
from bot.models import SlackUser, Standup, StandupAnswer
from bot.services import ledger, standups
from bot.services.ledger import PostKey
from tests.conftest import JOE, MARIA, OTHER_TEAM, TEAM

MONDAY = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SAM = "USAM"
GRACE = timedelta(hours=2)


def _standup(
    session: Session, *, channel_id: str = "C0STANDUP", team_id: str = TEAM, **options: Any
) -> Standup:
    standup, _created = standups.configure(
        session,
        team_id=team_id,
        channel_id=channel_id,
        user_id="UADMIN",
        now=MONDAY - timedelta(days=7),
        remind_at=options.pop("remind_at", time(8, 30)),
        timezone="America/Chicago",
        **options,
    )
    return standup


def _answer(
    session: Session,
    standup: Standup,
    user_id: str,
    day: date,
    blocker: str = "none",
    *,
    at: datetime | None = None,
) -> StandupAnswer:
    answer, _replaced = standups.save_answer(
        session,
        team_id=standup.team_id,
        standup=standup,
        user_id=user_id,
        local_date=day,
        texts=["Did things", "Doing things", blocker],
        now=at or datetime.combine(day, time(14, 0), tzinfo=UTC),
    )
    return answer


def _join(session: Session, standup: Standup, *users: str) -> None:
    for user_id in users:
        standups.join(
            session,
            team_id=standup.team_id,
            standup_id=standup.id,
            user_id=user_id,
            now=MONDAY - timedelta(days=7),
        )


def test_second_answer_the_same_day_replaces_the_first(db: Database) -> None:
    with db.session() as session:
        standup = _standup(session)
        first = _answer(session, standup, MARIA, date(2026, 3, 2), "Scanner down")
        second = _answer(session, standup, MARIA, date(2026, 3, 2), "n/a")
        assert first.id == second.id and second.blocker is None
        assert [a.answer for a in standups.answers_of(second)][2] == "n/a"
        other_day = _answer(session, standup, MARIA, date(2026, 3, 3))
        assert other_day.id != first.id


def test_participation_and_open_blockers_with_age(db: Database) -> None:
    with db.session() as session:
        standup = _standup(session)
        _join(session, standup, MARIA, JOE, SAM)
        # Maria blocked since Friday (three answers in a row), Joe's blocker cleared Monday.
        _answer(session, standup, MARIA, date(2026, 2, 26), "none")
        _answer(session, standup, MARIA, date(2026, 2, 27), "Forklift 2 down")
        _answer(session, standup, MARIA, date(2026, 3, 2), "Forklift 2 still down")
        _answer(session, standup, JOE, date(2026, 2, 27), "No carrier")
        _answer(session, standup, JOE, date(2026, 3, 2), "none")
        standups.add_away(
            session,
            team_id=TEAM,
            user_id=SAM,
            starts_on=date(2026, 3, 2),
            ends_on=date(2026, 3, 6),
            now=MONDAY,
        )
        # Another workspace's standup never shows.
        elsewhere = _standup(session, team_id=OTHER_TEAM)
        _join(session, elsewhere, MARIA)
        _answer(session, elsewhere, MARIA, date(2026, 3, 2), "Other team's blocker")

    with db.session() as session:
        [today] = standups.participation(session, team_id=TEAM, now=MONDAY)
        assert today.local_date == date(2026, 3, 2)
        assert today.answered == [MARIA, JOE]
        assert today.away == [SAM] and today.missing == []
        assert [b.text for b in today.blockers] == ["Forklift 2 still down"]

        [blocker] = standups.open_blockers(session, team_id=TEAM, now=MONDAY)
        assert blocker.user_id == MARIA and blocker.text == "Forklift 2 still down"
        assert blocker.since == datetime(2026, 2, 27, 14, 0, tzinfo=UTC)
        assert blocker.age == timedelta(days=3, hours=-2)


def test_what_app_home_shows_uses_the_persons_own_date(db: Database) -> None:
    with db.session() as session:
        first = _standup(session)
        second = _standup(session, channel_id="C0NIGHT", days=standups.parse_days("daily"))
        _join(session, first, JOE)
        _join(session, second, JOE)
        session.add(
            SlackUser(team_id=TEAM, user_id=JOE, name="Joe", tz="Asia/Tokyo", refreshed_at=MONDAY)
        )
        # Saturday 7 March in Tokyo while it is still Friday in Chicago.
        friday_night = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
        _answer(session, second, JOE, date(2026, 3, 7), at=friday_night)
        shown = standups.user_standups_today(session, team_id=TEAM, user_id=JOE, now=friday_night)
    assert [(s.channel_id, s.local_date, s.runs_today, s.answered) for s in shown] == [
        ("C0STANDUP", date(2026, 3, 7), False, False),
        ("C0NIGHT", date(2026, 3, 7), True, True),
    ]


def test_reports_are_due_at_report_time_and_skipped_after_the_grace(db: Database) -> None:
    with db.session() as session:
        standup = _standup(session, report_at=time(10, 0))
    report_time = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
    with db.session() as session:
        # A minute early, the latest report time is Friday's, long past: missed, not due.
        due, missed = standups.due_reports(
            session, now=report_time - timedelta(minutes=1), grace=GRACE
        )
        assert due == [] and [m.local_date for m in missed] == [date(2026, 2, 27)]
        due, missed = standups.due_reports(session, now=report_time, grace=GRACE)
        assert [(d.channel_id, d.local_date) for d in due] == [("C0STANDUP", date(2026, 3, 2))]
        ledger.claim_post(
            session,
            key=PostKey(TEAM, standup.channel_id, standups.REPORT_KIND, date(2026, 3, 2)),
            scheduled_for=report_time,
            now=report_time,
        )
        assert standups.due_reports(session, now=report_time, grace=GRACE) == ([], [])
        # Tuesday's report time passed three hours ago (the bot was down): missed, not due.
        due, missed = standups.due_reports(
            session, now=report_time + timedelta(days=1, hours=3), grace=GRACE
        )
        assert due == [] and [m.local_date for m in missed] == [date(2026, 3, 3)]


def test_one_reminder_per_person_per_local_day_across_standups(db: Database) -> None:
    with db.session() as session:
        first = _standup(session)
        second = _standup(session, channel_id="C0NIGHT", remind_at=time(9, 0))
        _join(session, first, MARIA)
        _join(session, second, MARIA)
        session.add(
            SlackUser(
                team_id=TEAM, user_id=MARIA, name="Maria", tz="America/Chicago", refreshed_at=MONDAY
            )
        )
    nine = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 09:00 Chicago: both are due
    with db.session() as session:
        [due] = standups.due_reminders(session, now=nine, grace=GRACE)
        assert (due.user_id, due.local_date) == (MARIA, date(2026, 3, 2))
        assert due.scheduled_for == datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
        _answer(session, first, MARIA, date(2026, 3, 2))
        listed = standups.reminder_standups(
            session, team_id=TEAM, user_id=MARIA, local_date=date(2026, 3, 2)
        )
        assert [s.channel_id for s in listed] == ["C0NIGHT"]
        _answer(session, second, MARIA, date(2026, 3, 2))
        assert standups.due_reminders(session, now=nine, grace=GRACE) == []


def test_demo_seed_gives_a_standup_with_history_and_an_open_blocker(db: Database) -> None:
    from random import Random

    from bot.demo import DEMO_TEAM, PEOPLE
    from bot.demo.standups import STUCK, seed

    with db.session() as session:
        seed(session, team_id=DEMO_TEAM, now=MONDAY, rng=Random(7))
    with db.session() as session:
        [standup] = standups.list_standups(session, team_id=DEMO_TEAM)
        assert standup.channel_id == "C0STANDUP" and standup.timezone == "America/Chicago"
        assert len(standups.participants(session, team_id=DEMO_TEAM, standup_id=standup.id)) == len(
            PEOPLE
        )
        history = standups.history(
            session, team_id=DEMO_TEAM, user_id="UDEV", since=date(2026, 2, 16)
        )
        assert len(history) >= 5
        blockers = standups.open_blockers(session, team_id=DEMO_TEAM, now=MONDAY)
        assert STUCK in [b.text for b in blockers]
