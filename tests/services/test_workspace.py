"""Workspace settings and once-only keys, scoped by team."""

from __future__ import annotations

import threading

from bot.clock import ManualClock
from bot.db import Database
from bot.services import workspace
from tests.conftest import OTHER_TEAM, TEAM


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
