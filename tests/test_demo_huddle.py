"""The huddle's demo data schedules #ops-huddle at 07:45 Chicago time on weekdays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from random import Random

from bot.db import Database
from bot.demo import CHANNELS, DEMO_TEAM
from bot.demo.huddle import HUDDLE_CHANNEL, seed
from bot.services import huddle

# Monday 2 March 2026, 06:00 in Chicago.
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_demo_huddle_posts_at_the_next_0745_in_chicago(db: Database) -> None:
    assert CHANNELS[HUDDLE_CHANNEL] == "ops-huddle"
    with db.session() as session:
        seed(session, team_id=DEMO_TEAM, now=NOW, rng=Random(1))
    with db.session() as session:
        [status] = huddle.channel_statuses(session, team_id=DEMO_TEAM, now=NOW)
        assert status.config.days == "mon-fri" and status.config.tz == "America/Chicago"
        assert status.next_run == datetime(2026, 3, 2, 13, 45, tzinfo=UTC)
        grace = timedelta(hours=2)
        assert huddle.due_huddles(session, now=NOW + timedelta(hours=1), grace=grace) == []
        [due] = huddle.due_huddles(session, now=NOW + timedelta(hours=2), grace=grace)
    assert (due.key.team_id, due.key.channel_id) == (DEMO_TEAM, HUDDLE_CHANNEL)
