"""The demo KPIs: a dozen KPIs with 180 days of history, trends and control-rule violations."""

from __future__ import annotations

import random

from bot.db import Database
from bot.demo import DEMO_TEAM
from bot.demo.kpis import seed
from bot.services import kpis
from tests.conftest import START


def test_demo_kpis_tell_a_story(db: Database) -> None:
    with db.session() as session:
        seed(session, team_id=DEMO_TEAM, now=START, rng=random.Random(42))
    with db.session() as session:
        board = kpis.scoreboard(session, team_id=DEMO_TEAM, now=START)
        assert len(board) == 12
        assert kpis.kpi_channel(session, team_id=DEMO_TEAM) == "C0KPI"
        by_name = {line.kpi.name: line for line in board}
        assert by_name["on-time-shipping"].status == kpis.Status.OFF_TARGET
        assert board[0].status == kpis.Status.OFF_TARGET
        on_time = kpis.kpi_detail(
            session, kpi=by_name["on-time-shipping"].kpi, period=kpis.Period(6, "m"), now=START
        )
        assert on_time.count == 180
        assert any("below the centre line" in rule.description for rule in on_time.rules)
        pick = kpis.kpi_detail(
            session, kpi=by_name["pick-rate"].kpi, period=kpis.Period(90, "d"), now=START
        )
        assert any(r.description == "1 point beyond the upper control limit" for r in pick.rules)
