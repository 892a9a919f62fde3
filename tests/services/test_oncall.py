"""On-call schedules stored and answered from the database, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.db import Database
from bot.errors import ConflictError, NotFoundError
from bot.services import oncall
from bot.services.rotation import RotationError
from tests.conftest import OTHER_TEAM, TEAM

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)  # Monday 06:00 in Chicago
DAY_LEADS = oncall.LayerSpec(("UJAMAL", "UDEV"), timedelta(hours=12), time(7), date(2026, 12, 7))


def test_create_answer_override_and_delete(db: Database) -> None:
    with db.session() as session:
        schedule = oncall.create_schedule(
            session, team_id=TEAM, name="Leads", tz="America/Chicago", layer=DAY_LEADS,
            created_by="UMARIA", now=NOW,
        )  # fmt: skip
        oncall.create_schedule(
            session, team_id=OTHER_TEAM, name="leads", tz="UTC", layer=DAY_LEADS,
            created_by="UX", now=NOW,
        )  # fmt: skip
    with db.session() as session:
        schedule = oncall.find_schedule(session, team_id=TEAM, name="LEADS")
        # 07:00 CST is 13:00 UTC: Jamal's day shift, then Dev's night.
        assert oncall.on_call_at(session, schedule=schedule, at=NOW) is None  # before the start
        assert (
            oncall.on_call_at(session, schedule=schedule, at=NOW + timedelta(hours=1)) == "UJAMAL"
        )
        assert oncall.on_call_at(session, schedule=schedule, at=NOW + timedelta(hours=13)) == "UDEV"
        oncall.add_override(
            session, schedule=schedule, user_id="UPRIYA", starts_at=NOW + timedelta(hours=2),
            ends_at=NOW + timedelta(hours=3), created_by="UPRIYA", now=NOW,
        )  # fmt: skip
    with db.session() as session:
        schedule = oncall.find_schedule(session, team_id=TEAM, name="leads")
        at = NOW + timedelta(hours=2, minutes=30)
        assert oncall.on_call_at(session, schedule=schedule, at=at) == "UPRIYA"
        found = oncall.shifts(session, schedule=schedule, start=NOW, end=NOW + timedelta(hours=6))
        assert [s.user_id for s in found] == [None, "UJAMAL", "UPRIYA", "UJAMAL"]
        [override] = oncall.current_overrides(session, schedule=schedule, now=NOW)
        oncall.remove_override(
            session, team_id=TEAM, override_id=override.id, removed_by="UMARIA", now=NOW
        )
        with pytest.raises(ConflictError):
            oncall.remove_override(
                session, team_id=TEAM, override_id=override.id, removed_by="UMARIA", now=NOW
            )
    with db.session() as session:
        schedule = oncall.find_schedule(session, team_id=TEAM, name="leads")
        at = NOW + timedelta(hours=2, minutes=30)
        assert oncall.on_call_at(session, schedule=schedule, at=at) == "UJAMAL"
        oncall.delete_schedule(session, schedule=schedule)
    with db.session() as session:
        with pytest.raises(NotFoundError):
            oncall.find_schedule(session, team_id=TEAM, name="leads")  # only the other team's
        assert [s.name for s in oncall.schedules(session, team_id=OTHER_TEAM)] == ["leads"]


def test_layers_and_gaps(db: Database) -> None:
    office = oncall.LayerSpec(
        ("UAIKO",), timedelta(days=1), time(8), date(2026, 12, 7),
        days=frozenset(range(5)), hours=(time(8), time(17)),
    )  # fmt: skip
    with db.session() as session:
        schedule = oncall.create_schedule(
            session, team_id=TEAM, name="support", tz="America/Chicago", layer=office,
            created_by="UMARIA", now=NOW,
        )  # fmt: skip
        gaps = oncall.coverage_gaps(session, schedule=schedule, now=NOW, within=timedelta(days=1))
        assert [(g.starts_at.hour, g.ends_at.hour) for g in gaps] == [(12, 14), (23, 12)]
        midnight = oncall.LayerSpec(
            ("UOMAR",), timedelta(days=1), time(0), date(2026, 12, 7),
            hours=(time(0), time(8)),
        )  # fmt: skip
        oncall.add_layer(session, schedule=schedule, layer=midnight, created_by="UMARIA", now=NOW)
    with db.session() as session:
        schedule = oncall.find_schedule(session, team_id=TEAM, name="support")
        gaps = oncall.coverage_gaps(session, schedule=schedule, now=NOW, within=timedelta(days=1))
        # 17:00-24:00 CST is still a gap; midnight to 08:00 is Omar's.
        assert [(g.starts_at.hour, g.ends_at.hour) for g in gaps] == [(23, 6)]


def test_hostile_input_is_refused(db: Database) -> None:
    with db.session() as session:
        for name in ("<!channel>", "night leads", ""):
            with pytest.raises(RotationError):
                oncall.create_schedule(
                    session, team_id=TEAM, name=name, tz="UTC", layer=DAY_LEADS,
                    created_by="UMARIA", now=NOW,
                )  # fmt: skip
        bad = oncall.LayerSpec(("UJ",), timedelta(hours=5), time(7), date(2026, 12, 7))
        with pytest.raises(RotationError):
            oncall.create_schedule(
                session, team_id=TEAM, name="x", tz="UTC", layer=bad, created_by="U", now=NOW
            )
        schedule = oncall.create_schedule(
            session, team_id=TEAM, name="x", tz="UTC", layer=DAY_LEADS, created_by="U", now=NOW
        )
        with pytest.raises(RotationError):
            oncall.add_override(
                session, schedule=schedule, user_id="UJ", starts_at=NOW,
                ends_at=NOW - timedelta(hours=1), created_by="UJ", now=NOW,
            )  # fmt: skip
        with pytest.raises(ConflictError):
            oncall.create_schedule(
                session, team_id=TEAM, name="X", tz="UTC", layer=DAY_LEADS, created_by="U", now=NOW
            )
