"""What the huddle puts first, and how often `/huddle now` may post in a channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.blocks import render
from bot.db import Database
from bot.services import huddle
from bot.services.huddle import (
    Blocker,
    HuddleSources,
    KpiLine,
    KpiStatus,
    OpenEscalation,
)
from bot.standin.server import ApiCall
from tests.conftest import ADMIN, MARIA, OTHER_TEAM, TEAM

NOW = datetime(2026, 3, 5, 13, 45, tzinfo=UTC)  # Thursday, 07:45 in Chicago
MINUTE = timedelta(minutes=1)

ACKED_SEV1 = OpenEscalation(
    "ESC-1",
    1,
    "Ammonia smell in cold store",
    "UJOE",
    NOW - 45 * MINUTE,
    sla_deadline=None,
    sla_breached=False,
    acknowledged_at=NOW - 43 * MINUTE,
)
BREACHED_SEV2 = OpenEscalation(
    "ESC-2", 2, "Conveyor 2 slow", None, NOW - 35 * MINUTE, NOW - 20 * MINUTE, True
)
OLD_BLOCKER = Blocker("UMARIA", "Waiting on forklift parts", NOW - timedelta(days=3))
FAR_OFF_KPI = KpiLine("pick-rate", 70, "lines/h", 140, KpiStatus.OFF_TARGET, -5)


def test_open_sev1_and_sev2_come_before_a_blocker_and_a_kpi() -> None:
    items = huddle.rank_attention(
        now=NOW,
        kpis=[FAR_OFF_KPI],  # 50 % off target: 10 points
        open_escalations=[BREACHED_SEV2, ACKED_SEV1],
        blockers=[OLD_BLOCKER],  # 3 days: 6 points
        limit=4,
    )
    assert [(item.title, item.detail) for item in items] == [
        ("ESC-1 (sev1) Ammonia smell in cold store", "acknowledged, open 45m"),
        ("ESC-2 (sev2) Conveyor 2 slow", "not acknowledged, past its SLA by 20m"),
        ("pick-rate", "50% off target"),
        ("Waiting on forklift parts", "blocked for 3d"),
    ]


def test_sev2_order_is_breached_first_then_oldest_and_states_are_worded() -> None:
    within = OpenEscalation("ESC-3", 2, "new", None, NOW - 5 * MINUTE, NOW + 10 * MINUTE, False)
    acked_late = OpenEscalation(
        "ESC-4",
        2,
        "acked late",
        "UJOE",
        NOW - 3 * timedelta(hours=1),
        None,
        True,
        acknowledged_at=NOW - 2 * timedelta(hours=1),
    )
    overdue = OpenEscalation(
        "ESC-5",
        2,
        "slow fix",
        "UJOE",
        NOW - timedelta(hours=10),
        None,
        False,
        resolve_overdue_since=NOW - timedelta(days=1),
        acknowledged_at=NOW - timedelta(hours=9),
    )
    items = huddle.rank_attention(
        now=NOW,
        kpis=[],
        open_escalations=[within, overdue, BREACHED_SEV2, acked_late],
        blockers=[],
        since=NOW - timedelta(hours=1),
        limit=4,
    )
    assert [(item.title.split()[0], item.detail) for item in items] == [
        ("ESC-4", "acknowledged late, open 3h"),
        ("ESC-2", "not acknowledged, past its SLA by 20m"),
        # Not raised in the previous huddle only: a sev2 says it whenever it is listed.
        ("ESC-5", "acknowledged but past its resolve target, open 10h"),
        ("ESC-3", "not acknowledged yet, SLA in 10m"),
    ]


def test_every_open_sev1_is_shown_even_beyond_three(db: Database) -> None:
    many = [
        OpenEscalation(f"ESC-{n}", 1, f"fire {n}", None, NOW - n * MINUTE, NOW + MINUTE, False)
        for n in range(1, 13)
    ]

    def sources(escalations: list[OpenEscalation]) -> HuddleSources:
        return HuddleSources(open_escalations=lambda session, **_: escalations)

    with db.session() as session:
        five = huddle.build_huddle(
            session,
            team_id=TEAM,
            channel_id="C0HUDDLE",
            tz="America/Chicago",
            now=NOW,
            sources=sources([*many[:5], BREACHED_SEV2]),
        )
        twelve = huddle.build_huddle(
            session,
            team_id=TEAM,
            channel_id="C0HUDDLE",
            tz="America/Chicago",
            now=NOW,
            sources=sources(many),
        )
    assert [item.title.split(" (")[0:2] for item in five.attention] == [
        ["ESC-5", "sev1) fire 5"],
        ["ESC-4", "sev1) fire 4"],
        ["ESC-3", "sev1) fire 3"],
        ["ESC-2", "sev1) fire 2"],
        ["ESC-1", "sev1) fire 1"],
        ["ESC-2", "sev2) Conveyor 2 slow"],  # the sev2 after the sev1s, never dropped
    ]
    assert len(twelve.attention) == huddle.MAX_ATTENTION_URGENT and twelve.attention_more == 2
    shown = ApiCall("post", render("messages/huddle", huddle=twelve)).blocks_text()
    assert "10. *ESC-3 (sev1) fire 3*" in shown
    assert "… and 2 more open sev1/sev2: `/escalate list` shows them all." in shown


def test_now_is_claimed_once_per_ten_minutes_per_channel(db: Database) -> None:
    def claim(user: str, at: datetime, *, team: str = TEAM, channel: str = "C0OPS") -> object:
        with db.session() as session:
            last = huddle.claim_manual_post(
                session, team_id=team, channel_id=channel, user_id=user, now=at
            )
            return None if last is None else (last.posted_by, last.posted_at)

    assert claim(ADMIN, NOW) is None
    assert claim(MARIA, NOW + 9 * MINUTE) == (ADMIN, NOW)
    assert claim(MARIA, NOW, channel="C0OTHER") is None
    assert claim(MARIA, NOW, team=OTHER_TEAM) is None
    assert claim(MARIA, NOW + 10 * MINUTE) is None
    assert claim(ADMIN, NOW + 11 * MINUTE) == (MARIA, NOW + 10 * MINUTE)
