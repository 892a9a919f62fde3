"""KPI status, trend, scoreboard, detail, alerts, removal and CSV import on real databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from bot.db import Database
from bot.errors import ConflictError, NotFoundError
from bot.models import Kpi, KpiDatapoint
from bot.services import kpi_ingest, kpis
from bot.services.kpis import Status, kpi_status
from tests.conftest import OTHER_TEAM, START, TEAM


def test_status_for_higher_is_better() -> None:
    def status(value: float | None) -> Status:
        return kpi_status(value, target=95, better="higher", warn=93)

    assert status(95) == status(99) == Status.ON_TARGET
    assert status(94.9) == status(93) == Status.WARNING
    assert status(92.9) == Status.OFF_TARGET
    assert status(None) == Status.NO_DATA
    assert kpi_status(94, target=95, better="higher", warn=None) == Status.OFF_TARGET


def test_status_for_lower_is_better() -> None:
    def status(value: float) -> Status:
        return kpi_status(value, target=4, better="lower", warn=6)

    assert status(4) == status(1) == Status.ON_TARGET
    assert status(4.1) == status(6) == Status.WARNING
    assert status(6.5) == Status.OFF_TARGET


def test_trend_knows_which_way_is_better() -> None:
    up = kpis.trend(97, 95, better="higher")
    assert up is not None and up.direction == "up" and up.improving is True
    down_is_good = kpis.trend(3, 5, better="lower")
    assert down_is_good is not None and down_is_good.direction == "down"
    assert down_is_good.improving is True
    worse = kpis.trend(6, 5, better="lower")
    assert worse is not None and worse.improving is False and worse.change == 1
    flat = kpis.trend(5, 5, better="lower")
    assert flat is not None and flat.direction == "flat" and flat.improving is None
    assert kpis.trend(5, None, better="higher") is None


def test_periods() -> None:
    end = datetime(2026, 8, 31, 12, tzinfo=UTC)
    assert kpis.parse_period("90D") == kpis.Period(90, "d")
    assert kpis.Period(12, "w").start(end) == end - timedelta(weeks=12)
    assert kpis.Period(6, "m").start(end) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert kpis.Period(6, "m").label == "6 months"
    assert kpis.parse_period("1y") == kpis.Period(1, "y")
    for bad in ("0d", "400d", "13m", "30", "d30", "2y"):
        assert kpis.parse_period(bad) is None


def _add(session, name: str = "on-time", **kw) -> Kpi:  # type: ignore[no-untyped-def]
    options = {"target": 95.0, "better": "higher", "warn": 93.0, "unit": "%"} | kw
    return kpis.create_kpi(
        session, team_id=TEAM, name=name, created_by="UADMIN", now=START, **options
    )


def _record(session, kpi: Kpi, *values: float, start: datetime | None = None) -> kpis.Recorded:  # type: ignore[no-untyped-def]
    first = start or START - timedelta(days=len(values))
    points = [(v, first + timedelta(days=i)) for i, v in enumerate(values)]
    return kpis.record_values(
        session, kpi=kpi, points=points, source="slack", recorded_by="UMARIA", now=START
    )


def test_definitions_validate_and_names_are_unique_ignoring_case(db: Database) -> None:
    with db.session() as session:
        _add(session, "On-Time")
        with pytest.raises(ConflictError):
            _add(session, "on-time")
        with pytest.raises(kpis.KpiValueError, match="warn must be below the target"):
            _add(session, "pick-rate", target=140, warn=150)
        with pytest.raises(kpis.KpiValueError, match="not a KPI name"):
            _add(session, "pick rate")
        assert kpis.find_kpi(session, team_id=TEAM, name="ON-TIME").name == "On-Time"
        with pytest.raises(NotFoundError):
            kpis.find_kpi(session, team_id=OTHER_TEAM, name="on-time")


def test_unknown_names_suggest_the_closest(db: Database) -> None:
    with db.session() as session:
        for name in ("on-time-shipping", "order-accuracy", "dock-to-stock", "pick-rate"):
            _add(session, name)
        assert kpis.suggest_names(session, team_id=TEAM, name="ontime-shiping")[0] == (
            "on-time-shipping"
        )
        with pytest.raises(NotFoundError, match="Did you mean dock-to-stock"):
            kpis.find_kpi(session, team_id=TEAM, name="dock2stock")


def test_scoreboard_orders_off_target_first_with_trend_in_three_queries(db: Database) -> None:
    with db.session() as session:
        _record(session, _add(session, "on-time"), 96, 97)  # on target, improving
        _record(session, _add(session, "accuracy"), 99, 92)  # off target, worse
        _record(session, _add(session, "dock", target=4, better="lower", warn=6), 3, 5)
        _add(session, "empty")
        for i in range(20):
            _record(session, _add(session, f"extra-{i:02}"), 96)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.session() as session:
            board = kpis.scoreboard(session, team_id=TEAM, now=START)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # One for the lines, one for their freshness and one for their SQL queries, whatever the
    # number of KPIs.
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 3
    names = [line.kpi.name for line in board]
    assert names[:3] == ["accuracy", "dock", "extra-00"]
    assert names[-1] == "empty"
    accuracy, dock = board[0], board[1]
    assert accuracy.status == Status.OFF_TARGET and accuracy.latest == 92
    assert accuracy.trend is not None and accuracy.trend.improving is False
    assert dock.status == Status.WARNING and dock.previous == 3
    assert board[-1].status == Status.NO_DATA and board[-1].trend is None
    on_time = next(line for line in board if line.kpi.name == "on-time")
    assert on_time.trend is not None and on_time.trend.improving is True


def test_detail_aggregates_the_period_and_compares_with_the_one_before(db: Database) -> None:
    with db.session() as session:
        kpi = _add(session)
        # previous 7 days: mean 90; this 7 days: 94, 96, 98, with one point beyond a limit
        _record(session, kpi, 90, 90, 90, start=START - timedelta(days=13))
        _record(session, kpi, 94, 96, 98, start=START - timedelta(days=3))
        detail = kpis.kpi_detail(session, kpi=kpi, period=kpis.Period(7, "d"), now=START)
    assert (detail.count, detail.minimum, detail.maximum) == (3, 94, 98)
    assert detail.mean == pytest.approx(96)
    assert detail.previous_mean == pytest.approx(90)
    assert detail.change is not None and detail.change.improving is True
    assert detail.latest == 98 and detail.status == Status.ON_TARGET
    assert detail.limits is not None and detail.limits.centre == pytest.approx(96)


def test_one_alert_per_change_of_state(db: Database) -> None:
    with db.session() as session:
        kpi = _add(session)
        assert _record(session, kpi, 96, 97, 96).alert is None
        drop = _record(session, kpi, 92, start=START - timedelta(hours=3))
        assert drop.alert is not None and drop.alert.status == Status.OFF_TARGET
        assert drop.alert.value == 92 and not drop.alert.recovered
        assert _record(session, kpi, 91.5, start=START - timedelta(hours=2)).alert is None
        warning = _record(session, kpi, 94, start=START - timedelta(hours=1))
        assert warning.alert is not None and warning.alert.status == Status.WARNING
        back = _record(session, kpi, 95.5, start=START)
        assert back.alert is not None and back.alert.recovered
        assert _record(session, kpi, 96, start=START).alert is None


def test_breaking_a_control_rule_alerts_once(db: Database) -> None:
    with db.session() as session:
        kpi = _add(session, "pick-rate", target=100, warn=None, unit="lines/h")
        base = [120.0, 121.0] * 10
        assert _record(session, kpi, *base, start=START - timedelta(days=25)).alert is None
        spike = _record(session, kpi, 160, start=START - timedelta(days=5))
        assert spike.alert is not None and spike.alert.status == Status.ON_TARGET
        assert spike.alert.rules == ("1 point beyond the upper control limit",)


def test_removed_kpis_are_restorable_for_30_days_then_purged(db: Database) -> None:
    with db.session() as session:
        kpi = _add(session)
        _record(session, kpi, 96)
        kpis.remove_kpi(session, kpi=kpi, removed_by="UADMIN", now=START)
        assert kpis.scoreboard(session, team_id=TEAM, now=START) == []
        with pytest.raises(ConflictError, match="restore"):
            _add(session, "ON-TIME")
        restored = kpis.find_kpi(session, team_id=TEAM, name="on-time", removed=True)
        kpis.restore_kpi(session, kpi=restored)
        assert [line.latest for line in kpis.scoreboard(session, team_id=TEAM, now=START)] == [96]
        kpis.remove_kpi(session, kpi=kpi, removed_by="UADMIN", now=START)
        assert kpis.purge_removed(session, now=START + timedelta(days=29)) == 0
        assert kpis.purge_removed(session, now=START + timedelta(days=31)) == 1
        assert session.scalar(select(func.count()).select_from(KpiDatapoint)) == 0


def test_csv_import_is_all_or_nothing_and_names_line_and_column(db: Database) -> None:
    with db.session() as session:
        _add(session, "on-time")
        _add(session, "dock-to-stock", target=4, better="lower", warn=6)
    rows = [
        {"kpi": "on-time", "value": "96.5", "at": "2026-03-01T08:00:00Z"},
        {"kpi": "dock-to-stok", "value": "3.5", "at": "2026-03-01"},
        {"kpi": "on-time", "value": "abc", "at": "2026-03-01"},
        {"kpi": "on-time", "value": "97", "at": "2027-01-01"},
    ]
    with pytest.raises(kpi_ingest.ImportRejectedError) as rejected, db.session() as session:
        kpi_ingest.import_rows(session, team_id=TEAM, rows=rows, now=START)
    assert rejected.value.problems == [
        "line 3, column kpi: There is no KPI named dock-to-stok. Did you mean dock-to-stock?",
        "line 4, column value: `abc` is not a number; write it like 97.5, 3,5 or 1,234.5",
        "line 5, column at: the time is in the future",
    ]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(KpiDatapoint)) == 0
        result = kpi_ingest.import_rows(session, team_id=TEAM, rows=rows[:1], now=START)
        assert result.count == 1
        exported = list(kpi_ingest.export_rows(session, team_id=TEAM, kpi_name=None, since=None))
    assert exported == [("on-time", 96.5, datetime(2026, 3, 1, 8, tzinfo=UTC))]


def test_tokens_are_stored_hashed_and_revocable(db: Database) -> None:
    with db.session() as session:
        row, token = kpi_ingest.create_token(session, team_id=TEAM, name="wms", now=START)
        assert token not in row.token_hash and len(row.token_hash) == 64
        assert kpi_ingest.team_for_token(session, token=token) == TEAM
        assert kpi_ingest.team_for_token(session, token=token + "x") is None
        kpi_ingest.revoke_token(session, team_id=TEAM, token_id=row.id, now=START)
        assert kpi_ingest.team_for_token(session, token=token) is None
        with pytest.raises(NotFoundError):
            kpi_ingest.revoke_token(session, team_id=OTHER_TEAM, token_id=row.id, now=START)
