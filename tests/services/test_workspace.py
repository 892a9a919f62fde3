"""Workspace settings, cached Slack profiles and once-only keys, scoped by team."""

from __future__ import annotations

import threading

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
