"""Workspace settings, cached Slack profiles and once-only keys, scoped by team."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import event

from bot.clock import ManualClock
from bot.db import Database
from bot.services import workspace
from tests.conftest import JOE, OTHER_TEAM, TEAM


def test_settings_are_per_workspace(db: Database, clock: ManualClock) -> None:
    with db.session() as session:
        workspace.set_setting(
            session, team_id=TEAM, key="escalation_channel", value="C1", now=clock.now()
        )
        workspace.set_setting(
            session, team_id=TEAM, key="escalation_channel", value="C2", now=clock.now()
        )
    with db.session() as session:
        assert workspace.get_setting(session, team_id=TEAM, key="escalation_channel") == "C2"
        assert workspace.get_setting(session, team_id=OTHER_TEAM, key="escalation_channel") is None


def test_a_key_is_claimed_once_even_by_racing_threads(db: Database, clock: ManualClock) -> None:
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def claim() -> None:
        barrier.wait()
        with db.session() as session:
            results.append(
                workspace.claim_key(session, team_id=TEAM, key="event:Ev1", now=clock.now())
            )

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]
    with db.session() as session:
        assert workspace.claim_key(session, team_id=OTHER_TEAM, key="event:Ev1", now=clock.now())


def test_two_first_requests_of_a_person_both_store_the_profile(
    db: Database, clock: ManualClock
) -> None:
    """The race the HTTP benchmark hit on PostgreSQL: both requests find no cached profile,
    the other one inserts it first; this one refreshes that row instead of failing."""
    raced = threading.Event()

    def other_request_first(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO slack_users") and not raced.is_set():
            raced.set()
            with db.session() as other:
                workspace.save_profile(
                    other,
                    team_id=TEAM,
                    user_id="UNEW",
                    name="first",
                    tz=None,
                    is_admin=False,
                    now=clock.now(),
                )

    event.listen(db.engine, "before_cursor_execute", other_request_first)
    try:
        with db.session() as session:
            workspace.save_profile(
                session,
                team_id=TEAM,
                user_id="UNEW",
                name="Nia",
                tz="Europe/Paris",
                is_admin=True,
                now=clock.now(),
            )
    finally:
        event.remove(db.engine, "before_cursor_execute", other_request_first)
    assert raced.is_set()
    with db.session() as session:
        stored = workspace.get_profile(session, team_id=TEAM, user_id="UNEW")
        assert stored is not None and (stored.name, stored.tz, stored.is_admin) == (
            "Nia",
            "Europe/Paris",
            True,
        )


def test_a_profile_stored_by_a_failed_request_is_not_kept(db: Database, clock: ManualClock) -> None:
    """A request that fails after caching a profile leaves nothing half-stored behind (a
    savepoint on SQLite once committed the new row early, without its admin flag)."""
    try:
        with db.session() as session:
            workspace.save_profile(
                session,
                team_id=TEAM,
                user_id="UADA",
                name="Ada",
                tz=None,
                is_admin=True,
                now=clock.now(),
            )
            raise RuntimeError("the request fails after the profile was cached")
    except RuntimeError:
        pass
    with db.session() as session:
        assert workspace.get_profile(session, team_id=TEAM, user_id="UADA") is None


def test_a_process_reuses_a_profile_for_a_minute_only(clock: ManualClock) -> None:
    recent = workspace.RecentProfiles()
    ada = workspace.Profile(TEAM, "UADA", "Ada", "Europe/Berlin", is_admin=True)
    now = clock.now()
    recent.remember(ada, now=now)
    assert recent.get(team_id=TEAM, user_id="UADA", now=now + timedelta(seconds=59)) == ada
    assert recent.get(team_id=OTHER_TEAM, user_id="UADA", now=now) is None
    assert recent.get(team_id=TEAM, user_id="UADA", now=now + timedelta(minutes=1)) is None
    assert recent.get(team_id=TEAM, user_id="UADA", now=now - timedelta(seconds=1)) is None


def test_a_profile_cached_by_racing_instances_is_saved_by_each(
    db: Database, clock: ManualClock
) -> None:
    """Several instances meeting a person for the first time at once (the schedulers'
    timezone refresh, a listener) each cache the profile without a unique-key error."""
    errors: list[Exception] = []
    barrier = threading.Barrier(6)

    def cache(n: int) -> None:
        barrier.wait()
        try:
            with db.session() as session:
                saved = workspace.save_profile(
                    session,
                    team_id=TEAM,
                    user_id=JOE,
                    name=f"Joe {n}",
                    tz="Asia/Tokyo",
                    is_admin=False,
                    now=clock.now(),
                )
                assert saved.name == f"Joe {n}"
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=cache, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.session() as session:
        profile = workspace.get_profile(session, team_id=TEAM, user_id=JOE)
        assert profile is not None and profile.tz == "Asia/Tokyo"
        assert profile.name in {f"Joe {n}" for n in range(6)}
        workspace.save_profile(
            session,
            team_id=TEAM,
            user_id=JOE,
            name="Joe",
            tz="Europe/Berlin",
            is_admin=True,
            now=clock.now(),
        )
        assert (profile.name, profile.tz, profile.is_admin) == ("Joe", "Europe/Berlin", True)
