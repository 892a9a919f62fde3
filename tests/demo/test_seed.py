"""The demo seed: people and channels, cached profiles, and the feature seed list."""

from __future__ import annotations

from datetime import UTC, datetime
from random import Random
from typing import Any

import pytest
from sqlalchemy.orm import Session

from bot.demo import DEMO_TEAM, PEOPLE
from bot.demo import seed as demo_seed
from bot.runtime import Runtime
from bot.services import workspace
from bot.standin.server import FakeSlack


def test_populate_standin_adds_people_with_timezones_and_channels() -> None:
    slack = FakeSlack(team_id=DEMO_TEAM)
    demo_seed.populate_standin(slack)
    assert len(slack.state.users) == len(PEOPLE) == 8
    maria = slack.state.users["UMARIA"]
    assert (maria["name"], maria["real_name"], maria["tz"], maria["is_admin"]) == (
        "maria",
        "Maria Lopez",
        "America/Chicago",
        True,
    )
    assert slack.state.users["UAIKO"]["tz"] == "Asia/Tokyo"
    assert not slack.state.users["UAIKO"]["is_admin"]
    assert slack.state.channels["C0HUDDLE"]["name"] == "ops-huddle"


def test_seed_demo_caches_profiles_and_runs_every_feature_seed(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def feature_seed(session: Session, *, team_id: str, now: datetime, rng: Random) -> None:
        calls.append({"team_id": team_id, "now": now, "draw": rng.random()})
        workspace.set_setting(session, team_id=team_id, key="seeded", value="yes", now=now)

    monkeypatch.setattr(demo_seed, "FEATURE_SEEDS", [feature_seed, feature_seed])
    demo_seed.seed_demo(runtime, Random(1))
    assert [c["team_id"] for c in calls] == [DEMO_TEAM, DEMO_TEAM]
    assert calls[0]["now"] == runtime.clock.now()
    assert calls[0]["draw"] != calls[1]["draw"]  # one random stream shared in order
    with runtime.db.session() as session:
        lena = workspace.get_profile(session, team_id=DEMO_TEAM, user_id="ULENA")
        assert lena is not None and (lena.name, lena.tz) == ("Lena Fischer", "Europe/Berlin")
        assert workspace.get_setting(session, team_id=DEMO_TEAM, key="seeded") == "yes"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Saturday → the coming Monday, 07:30 Chicago (CST, UTC-6).
        (datetime(2026, 2, 28, 12, 0, tzinfo=UTC), datetime(2026, 3, 2, 13, 30, tzinfo=UTC)),
        # Monday before 07:30 Chicago → today.
        (datetime(2026, 3, 2, 12, 0, tzinfo=UTC), datetime(2026, 3, 2, 13, 30, tzinfo=UTC)),
        # Monday after 07:30 → next week; DST has started (CDT, UTC-5).
        (datetime(2026, 3, 2, 14, 0, tzinfo=UTC), datetime(2026, 3, 9, 12, 30, tzinfo=UTC)),
    ],
)
def test_demo_morning_is_the_next_monday_at_half_past_seven(
    now: datetime, expected: datetime
) -> None:
    assert demo_seed.demo_morning(now) == expected
