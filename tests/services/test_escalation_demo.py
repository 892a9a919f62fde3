"""The demo escalation history is realistic and consistent."""

from __future__ import annotations

import random
from datetime import timedelta

from bot.db import Database
from bot.demo import DEMO_TEAM, PEOPLE
from bot.demo.escalations import seed
from bot.services import escalations
from tests.conftest import START


def test_demo_history_has_open_items_stats_and_a_pareto(db: Database) -> None:
    with db.session() as session:
        seed(session, team_id=DEMO_TEAM, now=START, rng=random.Random(7))
    with db.session() as session:
        config = escalations.load_config(session, team_id=DEMO_TEAM)
        open_items = escalations.open_escalations(session, team_id=DEMO_TEAM, now=START)
        stats = escalations.escalation_stats(session, team_id=DEMO_TEAM, days=180, now=START)
        everything, total = escalations.recent_escalations(session, team_id=DEMO_TEAM, now=START)
        resolved = escalations.resolved_since(
            session, team_id=DEMO_TEAM, since=START - timedelta(days=7)
        )
    assert config.channel_id == "C0ESCALATE"
    assert config.chain_for("sev1") == ("UDEV", "UMARIA")
    assert total == 61
    assert len(open_items) == 3 and sum(item.sla_breached for item in open_items) >= 1
    assert stats.total.count == 61 and 0 < stats.total.breach_rate < 0.5
    assert stats.causes[0].cause == "equipment" and stats.causes[-1].cumulative_percent == 100
    assert {c.cause for c in stats.causes} <= {
        "equipment",
        "carrier",
        "staffing",
        "system",
        "inventory",
        "quality",
    }
    people = {p.user_id for p in PEOPLE}
    assert all(item.owner_id in people for item in everything if item.owner_id)
    assert all(r.resolved_at <= START for r in resolved)
