"""KPIs computed by SQL queries on the team's own databases: the query of a KPI, when it is
due, the claim of each due time (exactly once across instances), what its rows mean and
what a run changes (values recorded like any other, and the KPI's source failing or
working again).

Schedule: every `every` from `at` (default 00:00) on each local day in the query's zone,
so `every=1h at=06:30` runs at 06:30, 07:30, … and `every=1d at=06:00` once a day. A
wall-clock time that does not exist (DST) runs when the clock jumps past it; two wall
times on the same instant run once. After downtime only the latest due time is made up,
and only within the grace period.

What a query returns: one number (recorded at the time of the run), or rows of
`(at, value)` (every row newer than the KPI's latest value is recorded, so a query can
backfill; rows later than the run are left for a later run). NULL, text, no rows or more
than two columns are an error on the KPI, and nothing is recorded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.durations import format_duration
from bot.errors import NotFoundError
from bot.formats import format_amount
from bot.models import Kpi, KpiQuery, KpiQueryRun
from bot.parsing import parse_duration
from bot.services import kpis
from bot.services.sources import Rows

MIN_EVERY = timedelta(minutes=15)
MAX_EVERY = timedelta(days=1)
MAX_SQL_LENGTH = 20_000
DATAPOINT_SOURCE = "query"
_DAY = timedelta(days=1)


class QueryResultError(ValueError):
    """The rows of a query cannot be read as values of a KPI; the message says why."""


@dataclass(frozen=True)
class Schedule:
    every: timedelta
    at: time | None
    zone: ZoneInfo


def parse_every(text: str) -> timedelta:
    """How often a query runs, from `15m` (the most often) to `1d`; ValueError otherwise."""
    every = parse_duration(text)
    if every is None:
        raise ValueError(
            f"`every={text}` is not a duration; a query runs from every 15m to once a day "
            "(1d): use every=15m, 30m, 1h, 4h or 1d"
        )
    check_schedule(every)
    return every


def check_schedule(every: timedelta) -> None:
    """Raise ValueError unless `every` is between 15 minutes and a day."""
    if not MIN_EVERY <= every <= MAX_EVERY:
        raise ValueError(
            f"a query runs from every 15m to once a day (1d), not every "
            f"{format_duration(every)}: use every=15m, 30m, 1h, 4h or 1d"
        )


def schedule_of(query: KpiQuery) -> Schedule:
    return Schedule(timedelta(seconds=query.every_seconds), query.at, ZoneInfo(query.timezone))


def _day_start(day: date, schedule: Schedule) -> datetime:
    return datetime.combine(day, schedule.at or time(0))


def _runs_per_day(schedule: Schedule) -> int:
    return math.ceil(_DAY / schedule.every)


def _utc(wall: datetime, zone: ZoneInfo) -> datetime:
    return wall.replace(tzinfo=zone).astimezone(UTC)


def latest_due(now: datetime, schedule: Schedule, *, after: datetime) -> datetime | None:
    """The latest due time at or before `now` and after `after` (when the query was set,
    which ran it), if any."""
    local_now = now.astimezone(schedule.zone).replace(tzinfo=None)
    today = local_now.date()
    for day in (today, today - _DAY, today - 2 * _DAY):
        start = _day_start(day, schedule)
        if local_now < start:
            continue
        last = min(int((local_now - start) / schedule.every), _runs_per_day(schedule) - 1)
        for index in range(last, max(-1, last - 3), -1):
            moment = _utc(start + index * schedule.every, schedule.zone)
            if moment <= now:
                return moment if moment > after else None
    return None


def next_due(now: datetime, schedule: Schedule) -> datetime:
    """The first due time after `now`."""
    local_now = now.astimezone(schedule.zone).replace(tzinfo=None)
    today = local_now.date()
    for day in (today - _DAY, today, today + _DAY, today + 2 * _DAY):
        start = _day_start(day, schedule)
        first = max(0, int((local_now - start) / schedule.every) - 1) if local_now > start else 0
        for index in range(first, _runs_per_day(schedule)):
            moment = _utc(start + index * schedule.every, schedule.zone)
            if moment > now:
                return moment
    raise AssertionError("a schedule always has a next due time within two days")


# -- definitions ----------------------------------------------------------------------


def query_of(session: Session, *, kpi: Kpi) -> KpiQuery | None:
    """The query of a KPI (running or stopped), if it ever had one."""
    return session.scalar(
        select(KpiQuery).where(KpiQuery.team_id == kpi.team_id, KpiQuery.kpi_id == kpi.id)
    )


def check_sql(sql: str) -> str:
    """The SQL as the admin wrote it, without surrounding blanks and a final `;`."""
    text = sql.strip().rstrip(";").strip()
    if not text:
        raise QueryResultError("write the SELECT that computes the KPI")
    if len(text) > MAX_SQL_LENGTH:
        raise QueryResultError(f"the SQL is too long (at most {MAX_SQL_LENGTH:,} characters)")
    return text


def save_query(
    session: Session,
    *,
    kpi: Kpi,
    source: str,
    sql: str,
    schedule: Schedule,
    set_by: str | None,
    now: datetime,
) -> KpiQuery:
    """Set (or replace) the query of a KPI; it runs from the next due time after `now`."""
    query = query_of(session, kpi=kpi)
    if query is None:
        query = KpiQuery(team_id=kpi.team_id, kpi_id=kpi.id, last_outcome="")
        session.add(query)
    query.source = source.lower()
    query.sql = sql
    query.every_seconds = int(schedule.every.total_seconds())
    query.at = schedule.at
    query.timezone = schedule.zone.key
    query.set_by = set_by
    query.set_at = now
    query.stopped_at = None
    query.failing_since = None
    query.failure = None
    session.flush()
    return query


def stop_query(session: Session, *, kpi: Kpi, now: datetime) -> KpiQuery:
    """Stop running the KPI's query (its SQL is kept for when it is set again)."""
    query = query_of(session, kpi=kpi)
    if query is None or query.stopped_at is not None:
        raise NotFoundError(f"{kpi.name} has no query running.")
    query.stopped_at = now
    session.flush()
    return query


def failing_sources(session: Session, *, team_id: str) -> dict[int, KpiQuery]:
    """The running queries of the workspace whose source is failing, by KPI id."""
    rows = session.scalars(
        select(KpiQuery).where(
            KpiQuery.team_id == team_id,
            KpiQuery.stopped_at.is_(None),
            KpiQuery.failing_since.is_not(None),
        )
    )
    return {query.kpi_id: query for query in rows}


# -- due times and claims -------------------------------------------------------------


@dataclass(frozen=True)
class DueRun:
    team_id: str
    query_id: int
    source: str
    due_at: datetime


def due_runs(session: Session, *, now: datetime, grace: timedelta) -> list[DueRun]:
    """Every running query's latest due time that has not been claimed and is at most
    `grace` old, across workspaces (the scheduler serves them all)."""
    queries = session.execute(
        select(KpiQuery)
        .join(Kpi, (Kpi.id == KpiQuery.kpi_id) & (Kpi.team_id == KpiQuery.team_id))
        .where(KpiQuery.stopped_at.is_(None), Kpi.deleted_at.is_(None))
    ).scalars()
    candidates = []
    for query in queries:
        due = latest_due(now, schedule_of(query), after=query.set_at)
        if due is not None and now - due <= grace:
            candidates.append(DueRun(query.team_id, query.id, query.source, due))
    if not candidates:
        return []
    claimed = set(
        session.execute(
            select(KpiQueryRun.query_id, KpiQueryRun.due_at).where(
                KpiQueryRun.query_id.in_([c.query_id for c in candidates]),
                KpiQueryRun.due_at >= min(c.due_at for c in candidates),
            )
        ).tuples()
    )
    return [c for c in candidates if (c.query_id, c.due_at) not in claimed]


def claim_run(session: Session, *, due: DueRun, now: datetime) -> KpiQueryRun | None:
    """Claim the right to run this due time; None when another instance already has."""
    run = KpiQueryRun(
        team_id=due.team_id, query_id=due.query_id, due_at=due.due_at, claimed_at=now, outcome=""
    )
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError:
        return None
    return run


# -- what the rows mean ---------------------------------------------------------------


@dataclass(frozen=True)
class Points:
    values: list[tuple[float, datetime]]  # oldest first
    single: bool  # one number, recorded at the time of the run


def read_points(rows: Rows, *, now: datetime) -> Points:
    """The values in a query's rows (see the module rules); QueryResultError otherwise."""
    width = len(rows.columns)
    if width > 2:
        raise QueryResultError(
            f"the query returned {width} columns; return one number, or rows of (at, value)"
        )
    if not rows.rows:
        raise QueryResultError("the query returned no rows")
    if width == 1:
        if len(rows.rows) > 1:
            raise QueryResultError(
                f"the query returned {len(rows.rows):,} rows of one column; return one "
                "number, or rows of (at, value)"
            )
        return Points([(_number(rows.rows[0][0], row=None), now)], single=True)
    names = [column.lower() for column in rows.columns]
    at_index, value_index = (
        (names.index("at"), names.index("value"))
        if set(names)
        == {
            "at",
            "value",
        }
        else (0, 1)
    )
    points = [
        (_number(row[value_index], row=n), _moment(row[at_index], row=n))
        for n, row in enumerate(rows.rows, start=1)
    ]
    points.sort(key=lambda point: point[1])
    return Points(points, single=False)


def _number(value: Any, *, row: int | None) -> float:
    where = f" in row {row:,}" if row is not None else ""
    if value is None:
        raise QueryResultError(f"the query returned NULL{where} where a number belongs")
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        shown = str(value)[:40]
        raise QueryResultError(
            f"the query returned text (`{shown}`){where} where a number belongs; "
            "cast it to a number in the SQL"
        )
    try:
        return kpis.check_value(float(value))
    except kpis.KpiValueError as exc:
        raise QueryResultError(f"{exc}{where}") from None


def _moment(value: Any, *, row: int) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise QueryResultError(
                f"row {row:,}: `{value[:40]}` is not a time; the at column holds a date or time"
            ) from None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    raise QueryResultError(
        f"row {row:,}: the at column must hold a date or time (times without a zone are UTC)"
    )


# -- what a run changes ---------------------------------------------------------------


@dataclass(frozen=True)
class RunOutcome:
    """What came of one run of a KPI's query."""

    kpi: Kpi
    query: KpiQuery
    ok: bool
    message: str  # what happened, in words (the error when not ok)
    recorded: kpis.Recorded | None
    started_failing: bool
    recovered_since: datetime | None  # when the source had started failing, if it recovered


@dataclass(frozen=True)
class NewPoints:
    """What a run records of the points it read, and which rows it leaves."""

    values: list[tuple[float, datetime]]  # to record, oldest first
    rows: int  # rows the query returned
    not_newer: int  # rows at or before the latest stored value
    later: int  # rows dated after the run, left for a later run


def new_points(session: Session, *, kpi: Kpi, points: Points, now: datetime) -> NewPoints:
    """The points to record: the one number, or the rows newer than the latest stored
    value and not later than the run."""
    if points.single:
        return NewPoints(points.values, 1, 0, 0)
    latest = kpis.latest_values(session, kpi=kpi, count=1)
    after = latest[0][1] if latest else None
    values = []
    not_newer = later = 0
    for value, at in points.values:
        if after is not None and at <= after:
            not_newer += 1
        elif at > now + kpis.FUTURE_TOLERANCE:
            later += 1
        else:
            values.append((value, at))
    return NewPoints(values, len(points.values), not_newer, later)


def record_outcome(
    session: Session,
    *,
    query: KpiQuery,
    kpi: Kpi,
    rows: Rows | None,
    error: str | None,
    now: datetime,
    run: KpiQueryRun | None = None,
) -> RunOutcome:
    """Record what a run returned (its values, like any other) or why it failed, and
    whether the source started failing or works again. `error` is set when it failed."""
    recorded = None
    if error is None:
        assert rows is not None
        try:
            points = read_points(rows, now=now)
        except QueryResultError as exc:
            error = str(exc)
        else:
            fresh = new_points(session, kpi=kpi, points=points, now=now)
            if fresh.values:
                recorded = kpis.record_values(
                    session,
                    kpi=kpi,
                    points=fresh.values,
                    source=DATAPOINT_SOURCE,
                    recorded_by=f"source {query.source}",
                    now=now,
                )
            message = describe_values(fresh, unit=kpi.unit)
    started_failing = False
    recovered_since = None
    if error is not None:
        message = error
        started_failing = query.failing_since is None
        if started_failing:
            query.failing_since = now
        query.failure = error
    elif query.failing_since is not None:
        recovered_since = query.failing_since
        query.failing_since = None
        query.failure = None
    query.last_run_at = now
    query.last_outcome = message[:2000]
    if run is not None:
        run.finished_at = now
        run.ok = error is None
        run.outcome = message[:2000]
    session.flush()
    return RunOutcome(
        kpi, query, error is None, message, recorded, started_failing, recovered_since
    )


def describe_values(fresh: NewPoints, *, unit: str) -> str:
    """What a run recorded, as it reads after "it ran and" or "this run": `recorded 97.5%`,
    `recorded 3 new values (of 3 rows)`, `recorded 7 new values (of 11 rows; the other 4
    are dated after this run, left for a later run)`, `found 11 rows, none newer than the
    latest stored value`."""
    count, rows = len(fresh.values), fresh.rows
    not_newer = "not newer than the latest stored value"
    later = "dated after this run, left for a later run"
    if count == 0:
        if not fresh.later:
            none = "none" if rows > 1 else "not"
            return f"found {_rows(rows)}, {none} newer than the latest stored value"
        if not fresh.not_newer:
            return f"found {_rows(rows)}, {'all ' if rows > 1 else ''}{later}"
        return f"found {_rows(rows)}: {fresh.not_newer:,} {not_newer} and {fresh.later:,} {later}"
    if count == 1:
        recorded, of = f"recorded {format_amount(fresh.values[0][0], unit)}", "1 of "
    else:
        recorded, of = f"recorded {count:,} new values", "of "
    if count == rows:
        return recorded if count == 1 else f"{recorded} (of {_rows(rows)})"
    left = [(n, why) for n, why in ((fresh.not_newer, not_newer), (fresh.later, later)) if n]
    other = rows - count
    if len(left) == 1:
        which = "the other one is" if other == 1 else f"the other {other:,} are"
        return f"{recorded} ({of}{_rows(rows)}; {which} {left[0][1]})"
    said = " and ".join(f"{n:,} {'is' if n == 1 else 'are'} {why}" for n, why in left)
    return f"{recorded} ({of}{_rows(rows)}; of the other {other:,}, {said})"


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count:,} rows"
