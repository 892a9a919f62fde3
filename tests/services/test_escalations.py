"""Escalation services on real databases: numbering under concurrency, lifecycle
conflicts, the SLA claim, the read functions and the stats figures."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.db import Database
from bot.errors import ConflictError, UsageError
from bot.services import escalations
from tests.conftest import ADMIN, JOE, MARIA, OTHER_TEAM, START, TEAM


def _open(db: Database, summary: str, *, severity: str = "sev3", at=START, team: str = TEAM):
    with db.session() as session:
        return escalations.open_escalation(
            session,
            team_id=team,
            reporter_id=MARIA,
            summary=summary,
            details="",
            severity=severity,
            now=at,
        )


def test_concurrent_opens_get_consecutive_distinct_numbers(db: Database) -> None:
    numbers: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(12)

    def open_one(index: int) -> None:
        try:
            barrier.wait()
            for n in range(3):
                escalation = _open(db, f"Parallel {index}-{n}")
                with lock:
                    numbers.append(escalation.number)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_one, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 37))
    assert _open(db, "Elsewhere", team=OTHER_TEAM).number == 1
    assert _open(db, "Next here").number == 37


def test_lifecycle_conflicts_name_the_current_state(db: Database) -> None:
    _open(db, "Dock 3 door")
    with db.session() as session:
        escalations.acknowledge(session, team_id=TEAM, number=1, user_id=JOE, now=START)
    with db.session() as session, pytest.raises(ConflictError, match="already acknowledged"):
        escalations.acknowledge(session, team_id=TEAM, number=1, user_id=ADMIN, now=START)
    with db.session() as session, pytest.raises(ConflictError, match="not resolved"):
        escalations.reopen(session, team_id=TEAM, number=1, user_id=JOE, now=START)
    with db.session() as session, pytest.raises(ConflictError, match="already assigned"):
        escalations.assign(
            session, team_id=TEAM, number=1, user_id=MARIA, assignee_id=JOE, now=START
        )
    with db.session() as session, pytest.raises(UsageError, match="not a cause"):
        escalations.resolve(
            session, team_id=TEAM, number=1, user_id=JOE, cause="two words", now=START
        )
    with db.session() as session, pytest.raises(UsageError, match="the limit is 1000"):
        escalations.resolve(
            session, team_id=TEAM, number=1, user_id=JOE, note="n" * 1001, now=START
        )


def test_overdue_step_is_claimed_once_across_sessions(db: Database) -> None:
    with db.session() as session:
        escalations.set_chain(
            session, team_id=TEAM, severity="sev1", user_ids=[JOE, ADMIN], now=START
        )
    _open(db, "Freezer alarm", severity="sev1")
    later = START + timedelta(minutes=5)
    with db.session() as first, db.session() as second:
        seen_by_second = escalations.advance_overdue(second, now=later - timedelta(seconds=1))
        taken = escalations.advance_overdue(first, now=later)
        assert seen_by_second == []
        assert [(c.event.kind, c.paged_user_id) for c in taken] == [("escalated", ADMIN)]
    with db.session() as session:
        assert escalations.advance_overdue(session, now=later) == []
        again = escalations.advance_overdue(session, now=later + timedelta(minutes=5))
        assert [c.event.kind for c in again] == ["reminded"]
        escalation = escalations.get_escalation(session, team_id=TEAM, number=1)
        assert (escalation.level, escalation.reminder_count, escalation.assignee_id) == (
            2,
            1,
            ADMIN,
        )


def test_read_functions_for_huddle_and_home(db: Database) -> None:
    _open(db, "Low", severity="sev4")
    _open(db, "Critical", severity="sev1", at=START + timedelta(minutes=1))
    _open(db, "Medium", severity="sev3")
    _open(db, "Fixed", severity="sev2")
    with db.session() as session:
        escalations.assign(
            session, team_id=TEAM, number=3, user_id=MARIA, assignee_id=JOE, now=START
        )
        escalations.resolve(
            session,
            team_id=TEAM,
            number=4,
            user_id=JOE,
            cause="carrier",
            now=START + timedelta(minutes=45),
        )
    now = START + timedelta(minutes=30)
    with db.session() as session:
        open_items = escalations.open_escalations(session, team_id=TEAM, now=now)
        assert [(i.ref, i.sla_breached) for i in open_items] == [
            ("ESC-2", True),
            ("ESC-3", False),
            ("ESC-1", False),
        ]
        assert open_items[0].age == timedelta(minutes=29)
        joes = escalations.escalations_for_user(session, team_id=TEAM, user_id=JOE, now=now)
        assert [i.ref for i in joes] == ["ESC-3"]
        resolved = escalations.resolved_since(session, team_id=TEAM, since=START)
        assert [(r.ref, r.time_to_resolve, r.cause) for r in resolved] == [
            ("ESC-4", timedelta(minutes=45), "carrier")
        ]
        assert (
            escalations.resolved_since(session, team_id=TEAM, since=now + timedelta(hours=1)) == []
        )
        assert escalations.open_escalations(session, team_id=OTHER_TEAM, now=now) == []


def test_stats_figures_on_a_hand_computed_data_set(db: Database) -> None:
    minute = timedelta(minutes=1)
    t = START
    plan = [
        # severity, opened, ack after, resolve after, cause
        ("sev1", t, 3, 63, "equipment"),  # acked in time (deadline 5m)
        ("sev1", t + 60 * minute, 9, 120, "equipment"),  # acked late: breach
        ("sev2", t + 120 * minute, 10, 50, "carrier"),  # in time (15m)
        ("sev2", t + 180 * minute, None, None, None),  # never acked, past deadline: breach
        ("sev3", t + 240 * minute, None, 30, None),  # resolved unacked: ack = resolve, in time
        ("sev3", t - timedelta(days=40), 1, 2, "staffing"),  # outside the 30-day window
    ]
    for index, (severity, opened, ack_after, resolve_after, cause) in enumerate(plan, start=1):
        _open(db, f"Case {index}", severity=severity, at=opened)
        with db.session() as session:
            if ack_after is not None:
                escalations.acknowledge(
                    session,
                    team_id=TEAM,
                    number=index,
                    user_id=JOE,
                    now=opened + ack_after * minute,
                )
            if resolve_after is not None:
                escalations.resolve(
                    session,
                    team_id=TEAM,
                    number=index,
                    user_id=JOE,
                    cause=cause,
                    now=opened + resolve_after * minute,
                )
    now = START + timedelta(days=10)
    with db.session() as session:
        stats = escalations.escalation_stats(session, team_id=TEAM, days=30, now=now)
    by_severity = {s.severity: s for s in stats.by_severity}
    assert (by_severity["sev1"].count, by_severity["sev1"].mtta, by_severity["sev1"].mttr) == (
        2,
        6 * minute,
        timedelta(minutes=91, seconds=30),
    )
    assert by_severity["sev1"].breach_rate == 0.5
    assert (by_severity["sev2"].count, by_severity["sev2"].mtta, by_severity["sev2"].mttr) == (
        2,
        10 * minute,
        50 * minute,
    )
    assert by_severity["sev2"].breach_rate == 0.5
    assert (by_severity["sev3"].mtta, by_severity["sev3"].mttr, by_severity["sev3"].breached) == (
        30 * minute,
        30 * minute,
        0,
    )
    # all: MTTA (3+9+10+30)/4 = 13m; MTTR (63+120+50+30)/4 = 65.75m; 2 breaches of 5.
    assert (stats.total.count, stats.total.mtta, stats.total.mttr) == (
        5,
        13 * minute,
        timedelta(minutes=65, seconds=45),
    )
    assert stats.total.breach_rate == 0.4
    assert [(c.cause, c.count, c.percent, c.cumulative_percent) for c in stats.causes] == [
        ("equipment", 2, 50.0, 50.0),
        ("carrier", 1, 25.0, 75.0),
        ("unspecified", 1, 25.0, 100.0),
    ]


def test_config_chains_fall_back_to_all_and_sla_defaults(db: Database) -> None:
    with db.session() as session:
        escalations.set_chain(session, team_id=TEAM, severity=None, user_ids=[JOE], now=START)
        escalations.set_chain(
            session, team_id=TEAM, severity="sev1", user_ids=[ADMIN, MARIA], now=START
        )
        escalations.set_sla(session, team_id=TEAM, severity="sev4", minutes=480, now=START)
        config = escalations.load_config(session, team_id=TEAM)
    assert config.chain_for("sev1") == (ADMIN, MARIA)
    assert config.chain_for("sev2") == (JOE,)
    assert config.sla_for("sev4") == timedelta(hours=8)
    assert config.sla_for("sev1") == timedelta(minutes=5)
    assert config.channel_id is None
