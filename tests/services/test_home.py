"""What a Home tab shows, and the per-person publishing throttle that holds across instances."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.db import Database
from bot.models import SlackUser
from bot.services import escalations, home, huddle, standups
from tests.conftest import ADMIN, JOE, MARIA, OTHER_TEAM, TEAM

NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # Monday 07:00 in Chicago
SECOND = timedelta(seconds=1)


def _open(
    db: Database, summary: str, *, reporter: str, owner: str | None, team: str = TEAM
) -> None:
    with db.session() as session:
        escalations.open_escalation(
            session,
            team_id=team,
            reporter_id=reporter,
            summary=summary,
            details="",
            severity="sev2",
            assignee_id=owner,
            now=NOW,
        )


def test_overview_shows_the_persons_escalations_standups_and_next_huddle(db: Database) -> None:
    _open(db, "Dock door 4 stuck", reporter=MARIA, owner=JOE)
    _open(db, "Conveyor 2 down", reporter=JOE, owner=ADMIN)
    _open(db, "Printer offline", reporter=ADMIN, owner=ADMIN)
    _open(db, "Another workspace", reporter=JOE, owner=JOE, team=OTHER_TEAM)
    with db.session() as session:
        escalations.resolve(session, team_id=TEAM, number=2, user_id=ADMIN, now=NOW)
        standup, _ = standups.configure(
            session,
            team_id=TEAM,
            channel_id="C0STANDUP",
            user_id=ADMIN,
            now=NOW,
            remind_at=time(8, 30),
            timezone="America/Chicago",
        )
        standups.join(session, team_id=TEAM, standup_id=standup.id, user_id=JOE, now=NOW)
        session.add(
            SlackUser(team_id=TEAM, user_id=JOE, name="Joe", tz="Asia/Tokyo", refreshed_at=NOW)
        )
        huddle.configure(
            session,
            team_id=TEAM,
            channel_id="C0HUDDLE",
            at=time(7, 45),
            tz="America/Chicago",
            days=None,
            default_tz="UTC",
            user_id=ADMIN,
            now=NOW - timedelta(days=1),
        )
    with db.session() as session:
        joe = home.overview(session, team_id=TEAM, user_id=JOE, now=NOW)
        maria = home.overview(session, team_id=TEAM, user_id=MARIA, now=NOW)

    assert [e.ref for e in joe.escalations] == ["ESC-1"]  # owned; ESC-2 he reported is resolved
    assert [e.ref for e in maria.escalations] == ["ESC-1"]  # reported
    assert joe.kpis is None  # "no data yet" until the KPI feature is wired in
    assert [(s.channel_id, s.answered) for s in joe.standups] == [("C0STANDUP", False)]
    assert maria.standups == []
    assert joe.huddles == [
        home.NextHuddle("C0HUDDLE", datetime(2026, 3, 2, 13, 45, tzinfo=UTC), "America/Chicago")
    ]


def test_a_tab_is_published_at_most_once_per_interval_and_stale_ones_later(db: Database) -> None:
    with db.session() as session:
        # Nobody opened a tab yet: a change concerns nobody.
        assert home.claim_refresh(session, team_id=TEAM, user_ids=[MARIA, JOE], now=NOW) == []
        assert home.open_tab(session, team_id=TEAM, user_id=MARIA, now=NOW)
    with db.session() as session:
        # Opened again and a change, within the interval: nothing now, the tab is stale.
        assert not home.open_tab(session, team_id=TEAM, user_id=MARIA, now=NOW + SECOND)
        assert home.claim_refresh(session, team_id=TEAM, user_ids=[MARIA, JOE], now=NOW) == []
        assert home.claim_stale(session, now=NOW + 4 * SECOND) == []
    with db.session() as session:
        assert home.claim_stale(session, now=NOW + home.REFRESH_INTERVAL) == [(TEAM, MARIA)]
        assert home.claim_stale(session, now=NOW + 2 * home.REFRESH_INTERVAL) == []
    later = NOW + 3 * home.REFRESH_INTERVAL
    with db.session() as session:
        assert home.claim_refresh(session, team_id=TEAM, user_ids=[MARIA, MARIA], now=later) == [
            MARIA
        ]
        assert (
            home.claim_refresh(
                session, team_id=OTHER_TEAM, user_ids=[MARIA], now=later + home.REFRESH_INTERVAL
            )
            == []
        )


def test_two_instances_claim_each_publish_once(database_url: str) -> None:
    first, second = Database(database_url), Database(database_url)
    try:
        with first.session() as session:
            assert home.open_tab(session, team_id=TEAM, user_id=JOE, now=NOW)
        with first.session() as session:
            assert home.claim_refresh(session, team_id=TEAM, user_ids=[JOE], now=NOW) == []
        due = NOW + home.REFRESH_INTERVAL
        with first.session() as one, second.session() as other:
            claimed = home.claim_stale(one, now=due)
            one.commit()
            assert claimed == [(TEAM, JOE)]
            assert home.claim_stale(other, now=due) == []
            assert home.claim_refresh(other, team_id=TEAM, user_ids=[JOE], now=due) == []
    finally:
        first.dispose()
        second.dispose()
