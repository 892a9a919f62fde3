"""KPIs: definitions, recorded values, status and trend, the scoreboard, the detail of
one KPI over a period (with SPC), and the alert state that keeps alerts to one per change.

Status of a value: on target when it meets the target (>= for better=higher, <= for
better=lower); warning when it misses the target but meets `warn`; off target otherwise.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement, Select, delete, func, select, update
from sqlalchemy.orm import Session

from bot import periods
from bot.errors import ConflictError, NotFoundError
from bot.models import Better, Kpi, KpiDatapoint
from bot.periods import Period
from bot.services import kpi_changes, kpi_freshness, spc, workspace

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
NAME_RULE = (
    "a name is one word of letters, digits, `-`, `_` or `.` (up to 64), such as on-time-shipping"
)
MAX_ABS_VALUE = 1e12
FUTURE_TOLERANCE = timedelta(minutes=1)
RESTORE_WINDOW = timedelta(days=30)
MIN_EVERY = timedelta(minutes=1)
MAX_EVERY = timedelta(days=365)
ALERT_WINDOW = timedelta(days=30)
KPI_CHANNEL_SETTING = "kpi.channel"


class Status(StrEnum):
    OFF_TARGET = "off target"
    WARNING = "warning"
    ON_TARGET = "on target"
    NO_DATA = "no data"


_STATUS_ORDER = {Status.OFF_TARGET: 0, Status.WARNING: 1, Status.ON_TARGET: 2, Status.NO_DATA: 3}


class KpiValueError(ValueError):
    """A value, time or definition that cannot be stored; the message says why."""


def kpi_status(value: float | None, *, target: float, better: str, warn: float | None) -> Status:
    """Where `value` stands against `target` (and the optional warning threshold `warn`)."""
    if value is None:
        return Status.NO_DATA
    sign = 1 if better == Better.HIGHER else -1
    if sign * (value - target) >= 0:
        return Status.ON_TARGET
    if warn is not None and sign * (value - warn) >= 0:
        return Status.WARNING
    return Status.OFF_TARGET


def status_of(kpi: Kpi, value: float | None) -> Status:
    """`kpi_status` with the KPI's own target, direction and warning threshold."""
    return kpi_status(value, target=kpi.target, better=kpi.better, warn=kpi.warn)


@dataclass(frozen=True)
class Trend:
    """Change from a previous value (or mean) to the latest one."""

    change: float
    direction: str  # "up", "down" or "flat"
    improving: bool | None  # None when flat


def trend(latest: float | None, previous: float | None, *, better: str) -> Trend | None:
    """The trend from `previous` to `latest`; None unless both exist."""
    if latest is None or previous is None:
        return None
    change = latest - previous
    if math.isclose(latest, previous, rel_tol=1e-9, abs_tol=1e-12):
        return Trend(0.0, "flat", None)
    up = change > 0
    return Trend(change, "up" if up else "down", up == (better == Better.HIGHER))


# -- values and periods ---------------------------------------------------------------


def check_value(value: float) -> float:
    """A value Opsbot stores: a finite number no larger than a trillion either way."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise KpiValueError("the value must be a number")
    if not math.isfinite(value):
        raise KpiValueError("the value must be a finite number")
    if abs(value) > MAX_ABS_VALUE:
        raise KpiValueError("the value is too large (at most 1e12 either way)")
    return float(value)


def check_time(at: datetime, *, now: datetime) -> datetime:
    """A time Opsbot stores: aware, and not more than a minute in the future."""
    if at.tzinfo is None:
        raise KpiValueError("the time needs a timezone")
    if at > now + FUTURE_TOLERANCE:
        raise KpiValueError("the time is in the future")
    return at


DEFAULT_PERIOD = Period(30, "d")


def parse_period(text: str) -> Period | None:
    """A period as every command reads it (bot.periods); None if `text` is not one."""
    try:
        return periods.parse_period(text)
    except periods.PeriodError:
        return None


# -- definitions ----------------------------------------------------------------------


def check_definition(
    *, name: str, target: float, better: str, warn: float | None, unit: str, description: str
) -> None:
    """Raise KpiValueError when a definition makes no sense."""
    if not NAME_PATTERN.match(name):
        raise KpiValueError(f"`{name}` is not a KPI name: {NAME_RULE}")
    check_value(target)
    if better not in (Better.HIGHER, Better.LOWER):
        raise KpiValueError("better must be higher or lower")
    if warn is not None:
        check_value(warn)
        if (warn >= target) if better == Better.HIGHER else (warn <= target):
            side = "below" if better == Better.HIGHER else "above"
            raise KpiValueError(
                f"warn must be {side} the target when better={better} "
                "(it is the level that is still only a warning)"
            )
    if len(unit) > 32:
        raise KpiValueError("the unit is too long (at most 32 characters)")
    if len(description) > 1000:
        raise KpiValueError("the description is too long (at most 1,000 characters)")


def create_kpi(
    session: Session,
    *,
    team_id: str,
    name: str,
    target: float,
    better: str = Better.HIGHER,
    warn: float | None = None,
    unit: str = "",
    description: str = "",
    owner_id: str | None = None,
    every: timedelta | None = None,
    created_by: str,
    now: datetime,
) -> Kpi:
    """Define a KPI. Names are unique per workspace, ignoring case. `every` is how often a
    value is expected (None: learnt from the data)."""
    check_definition(
        name=name, target=target, better=better, warn=warn, unit=unit, description=description
    )
    check_name_free(session, team_id=team_id, name=name)
    kpi = Kpi(
        team_id=team_id,
        name=name,
        name_key=name.lower(),
        target=float(target),
        better=better,
        warn=None if warn is None else float(warn),
        unit=unit,
        description=description,
        owner_id=owner_id,
        every_seconds=every_seconds(every),
        created_by=created_by,
        created_at=now,
        alert_state="",
    )
    session.add(kpi)
    session.flush()
    return kpi


def check_name_free(
    session: Session, *, team_id: str, name: str, other_than: Kpi | None = None
) -> None:
    """Raise ConflictError when another KPI of the workspace (a removed one included, as it
    can be restored) already has `name`, ignoring case."""
    existing = session.scalar(
        select(Kpi).where(Kpi.team_id == team_id, Kpi.name_key == name.lower())
    )
    if existing is None or existing is other_than:
        return
    if existing.deleted_at is not None:
        raise ConflictError(
            f"A KPI named {existing.name} was removed recently; bring it back with its "
            f"history with `/kpi restore {existing.name}`."
        )
    raise ConflictError(f"There is already a KPI named {existing.name}.")


def every_seconds(every: timedelta | None) -> int | None:
    """How `every=` is stored: whole seconds, None when it is learnt from the data."""
    if every is None:
        return None
    if not MIN_EVERY <= every <= MAX_EVERY:
        raise KpiValueError("every must be between 1 minute and 365 days")
    return int(every.total_seconds())


def active_names(session: Session, *, team_id: str) -> list[str]:
    """Names of the workspace's KPIs that are not removed, alphabetically."""
    return list(
        session.scalars(
            select(Kpi.name)
            .where(Kpi.team_id == team_id, Kpi.deleted_at.is_(None))
            .order_by(Kpi.name_key)
        )
    )


def suggest_names(session: Session, *, team_id: str, name: str, limit: int = 3) -> list[str]:
    """The KPI names closest to `name`, best first."""
    names = active_names(session, team_id=team_id)
    matches = process.extract(
        name.lower(),
        {n: n.lower() for n in names},
        scorer=fuzz.WRatio,
        limit=limit,
        score_cutoff=50,
    )
    return [key for _choice, _score, key in matches]


def unknown_kpi_message(name: str, suggestions: list[str]) -> str:
    if suggestions:
        return f"There is no KPI named {name}. Did you mean {', '.join(suggestions)}?"
    return f"There is no KPI named {name}. `/kpi` lists every KPI."


def find_kpi(session: Session, *, team_id: str, name: str, removed: bool = False) -> Kpi:
    """The KPI called `name` (any case); NotFoundError suggesting the closest names.
    With `removed`, only KPIs removed within the restore window are found."""
    kpi = session.scalar(select(Kpi).where(Kpi.team_id == team_id, Kpi.name_key == name.lower()))
    if kpi is not None and (kpi.deleted_at is not None) == removed:
        return kpi
    if removed:
        raise NotFoundError(f"There is no removed KPI named {name} to restore.")
    raise NotFoundError(
        unknown_kpi_message(name, suggest_names(session, team_id=team_id, name=name))
    )


def remove_kpi(session: Session, *, kpi: Kpi, removed_by: str, now: datetime) -> Kpi:
    """Hide a KPI; it and its history can be restored for 30 days."""
    if kpi.deleted_at is not None:
        raise ConflictError(f"{kpi.name} was already removed.")
    kpi.deleted_at = now
    kpi.deleted_by = removed_by
    session.flush()
    return kpi


def restore_kpi(session: Session, *, kpi: Kpi) -> Kpi:
    """Bring back a removed KPI with its history."""
    kpi.deleted_at = None
    kpi.deleted_by = None
    session.flush()
    return kpi


def restore_deadline(kpi: Kpi) -> datetime | None:
    return None if kpi.deleted_at is None else kpi.deleted_at + RESTORE_WINDOW


def purge_removed(session: Session, *, now: datetime) -> int:
    """Delete for good the KPIs (and their values) removed more than 30 days ago."""
    expired = select(Kpi.id).where(Kpi.deleted_at < now - RESTORE_WINDOW)
    session.execute(delete(KpiDatapoint).where(KpiDatapoint.kpi_id.in_(expired)))
    result = session.execute(delete(Kpi).where(Kpi.deleted_at < now - RESTORE_WINDOW))
    return result.rowcount or 0


def kpi_channel(session: Session, *, team_id: str) -> str | None:
    """The channel KPI alerts go to, if one is configured."""
    return workspace.get_setting(session, team_id=team_id, key=KPI_CHANNEL_SETTING)


def set_kpi_channel(session: Session, *, team_id: str, channel_id: str, now: datetime) -> None:
    """Send KPI alerts to `channel_id` from now on."""
    workspace.set_setting(
        session, team_id=team_id, key=KPI_CHANNEL_SETTING, value=channel_id, now=now
    )


# -- recording and alerts -------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    """What the KPI channel must be told after new values: a change of state."""

    team_id: str
    kpi_id: int
    name: str
    unit: str
    value: float
    at: datetime
    target: float
    warn: float | None
    better: str
    status: Status
    rules: tuple[str, ...]  # broken SPC rules, in plain words
    recovered: bool  # back on target with no rule broken
    # Set when a correction (a KpiChangeKind) changed the state, with who made it (None:
    # the CLI): the channel hears the state as it now stands, better or worse.
    correction: str | None = None
    corrected_by: str | None = None


@dataclass(frozen=True)
class Recorded:
    kpi: Kpi
    count: int
    latest: float
    latest_at: datetime
    status: Status
    alert: Alert | None


def values_changing(session: Session, *, kpi: Kpi) -> None:
    """Call before writing a KPI's values or definition: locks the KPI's row (one writer at
    a time works out its alert state) and tells every process that figures worked out from
    the old values are out of date."""
    session.execute(update(Kpi).where(Kpi.id == kpi.id).values(revision=Kpi.revision + 1))


def record_values(
    session: Session,
    *,
    kpi: Kpi,
    points: list[tuple[float, datetime]],
    source: str,
    recorded_by: str | None,
    now: datetime,
) -> Recorded:
    """Store values of one KPI (already checked with check_value/check_time) and work out
    whether the KPI channel must hear about it (see `update_alert_state`)."""
    values_changing(session, kpi=kpi)
    session.add_all(
        KpiDatapoint(
            team_id=kpi.team_id,
            kpi_id=kpi.id,
            value=value,
            at=at,
            recorded_at=now,
            source=source,
            recorded_by=recorded_by,
        )
        for value, at in points
    )
    session.flush()
    alert = update_alert_state(session, kpi=kpi)
    latest = latest_values(session, kpi=kpi, count=1)[0]
    return Recorded(
        kpi=kpi,
        count=len(points),
        latest=latest[0],
        latest_at=latest[1],
        status=status_of(kpi, latest[0]),
        alert=alert,
    )


def latest_values(session: Session, *, kpi: Kpi, count: int) -> list[tuple[float, datetime]]:
    """The `count` most recent values of a KPI, newest first."""
    rows = session.execute(
        select(KpiDatapoint.value, KpiDatapoint.at)
        .where(KpiDatapoint.team_id == kpi.team_id, KpiDatapoint.kpi_id == kpi.id)
        .order_by(KpiDatapoint.at.desc(), KpiDatapoint.id.desc())
        .limit(count)
    )
    return [(value, at) for value, at in rows]


def period_values(
    session: Session, *, kpi: Kpi, start: datetime, end: datetime
) -> tuple[list[datetime], list[float]]:
    """Times and values of a KPI from `start` to `end` (inclusive), oldest first."""
    query = _in_order(kpi, start, end).add_columns(KpiDatapoint.at)
    rows = session.connection().execute(query).all()
    values, times = zip(*rows, strict=True) if rows else ((), ())
    return list(times), list(values)


def _state_key(status: Status, violations: list[spc.Violation]) -> str:
    rules = ",".join(sorted(f"{v.rule}{'+' if v.above else '-'}" for v in violations))
    return f"{status}|{rules}"


def update_alert_state(
    session: Session,
    *,
    kpi: Kpi,
    correction: str | None = None,
    corrected_by: str | None = None,
) -> Alert | None:
    """Compare the KPI's state now (status of its latest value, SPC rules that value
    breaks over the 30 days before it) with the state last announced. Returns the alert
    to post when the state got worse in a new way or recovered; None otherwise.

    After a `correction` (a KpiChangeKind: an edit, a deleted or undone value) any change
    of state is announced, an alert that is no longer true included."""
    latest = latest_values(session, kpi=kpi, count=1)
    if not latest:
        kpi.alert_state = ""  # nothing left to be on or off target; the next value tells
        return None
    value, at = latest[0]
    values = _values_between(session, kpi=kpi, start=at - ALERT_WINDOW, end=at)
    chart = spc.control_chart(values)
    violations = chart.rules_at(len(values) - 1) if chart else []
    status = status_of(kpi, value)
    state = _state_key(status, violations)
    previous = kpi.alert_state or f"{Status.ON_TARGET}|"
    if state == previous:
        return None
    kpi.alert_state = state
    session.flush()
    previous_status, _, previous_rules = previous.partition("|")
    new_rules = set(state.partition("|")[2].split(",")) - set(previous_rules.split(","))
    worse = status != previous_status and status != Status.ON_TARGET
    recovered = state == f"{Status.ON_TARGET}|" and previous_status != Status.ON_TARGET
    if correction is None and not (worse or (new_rules - {""}) or recovered):
        return None
    if correction is not None:
        recovered = state == f"{Status.ON_TARGET}|"
    return Alert(
        team_id=kpi.team_id,
        kpi_id=kpi.id,
        name=kpi.name,
        unit=kpi.unit,
        value=value,
        at=at,
        target=kpi.target,
        warn=kpi.warn,
        better=kpi.better,
        status=status,
        rules=tuple(v.description for v in violations),
        recovered=recovered,
        correction=correction,
        corrected_by=corrected_by,
    )


# -- the scoreboard -------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreLine:
    kpi: Kpi
    latest: float | None
    latest_at: datetime | None
    previous: float | None
    status: Status
    trend: Trend | None
    # How old the latest value is when it is stale (older than twice the KPI's expected
    # interval, see kpi_freshness): every surface shows this age instead of the trend.
    stale_age: timedelta | None = None


def _nth_latest(column: object, offset: int) -> object:
    return (
        select(column)
        .where(KpiDatapoint.team_id == Kpi.team_id, KpiDatapoint.kpi_id == Kpi.id)
        .order_by(KpiDatapoint.at.desc(), KpiDatapoint.id.desc())
        .offset(offset)
        .limit(1)
        .correlate(Kpi)
        .scalar_subquery()
    )


def scoreboard(session: Session, *, team_id: str, now: datetime) -> list[ScoreLine]:
    """Every KPI of the workspace with its latest value, status and trend against the
    previous value (or, when stale at `now`, the latest value's age): off target first,
    then warning, on target and no data, by name. Two queries, whatever the number of
    KPIs."""
    rows = session.execute(
        select(
            Kpi,
            _nth_latest(KpiDatapoint.value, 0),
            _nth_latest(KpiDatapoint.at, 0),
            _nth_latest(KpiDatapoint.value, 1),
        ).where(Kpi.team_id == team_id, Kpi.deleted_at.is_(None))
    ).all()
    fresh = kpi_freshness.freshness_of(
        session, team_id=team_id, kpis=[kpi for kpi, *_ in rows], now=now
    )
    lines = [
        ScoreLine(
            kpi=kpi,
            latest=latest,
            latest_at=latest_at,
            previous=previous,
            status=status_of(kpi, latest),
            trend=trend(latest, previous, better=kpi.better),
            stale_age=fresh[kpi.id].age,
        )
        for kpi, latest, latest_at, previous in rows
    ]
    lines.sort(key=lambda line: (_STATUS_ORDER[line.status], line.kpi.name_key))
    return lines


# -- one KPI over a period ------------------------------------------------------------


@dataclass(frozen=True)
class RuleSummary:
    rule: int
    above: bool
    description: str
    count: int
    last_at: datetime


@dataclass(frozen=True)
class KpiDetail:
    kpi: Kpi
    period: Period
    start: datetime
    end: datetime
    latest: float | None
    latest_at: datetime | None
    status: Status
    count: int
    minimum: float | None
    mean: float | None
    maximum: float | None
    previous_mean: float | None
    change: Trend | None  # this period's mean against the previous period's
    limits: spc.Limits | None  # None with fewer than two values
    rules: list[RuleSummary]
    freshness: kpi_freshness.Freshness | None = None  # how often a value is expected; stale?
    changes: tuple[kpi_changes.ChangeLine, ...] = ()  # the latest corrections, newest first
    more_changes: int = 0  # corrections older than those


def kpi_detail(session: Session, *, kpi: Kpi, period: Period, now: datetime) -> KpiDetail:
    """Latest value and status, min/mean/max and SPC over `period` ending `now`, and the
    change of the mean against the period before. Only the period's values are loaded,
    without their times (which cost more to load than the values); the previous period's
    mean is an SQL aggregate, and only the times of the last violations are read."""
    start = period.start(now)
    values = _values_between(session, kpi=kpi, start=start, end=now)
    previous_mean = session.scalar(
        select(func.avg(KpiDatapoint.value)).where(
            *_of(kpi), KpiDatapoint.at >= period.start(start), KpiDatapoint.at < start
        )
    )
    latest = latest_values(session, kpi=kpi, count=1)
    latest_value, latest_at = latest[0] if latest else (None, None)
    mean = float(values.mean()) if len(values) else None
    previous_mean = None if previous_mean is None else float(previous_mean)
    chart = spc.control_chart(values)
    changes, changes_total = kpi_changes.recent_changes(session, kpi=kpi)
    return KpiDetail(
        kpi=kpi,
        period=period,
        start=start,
        end=now,
        latest=latest_value,
        latest_at=latest_at,
        status=status_of(kpi, latest_value),
        count=len(values),
        minimum=float(values.min()) if len(values) else None,
        mean=mean,
        maximum=float(values.max()) if len(values) else None,
        previous_mean=previous_mean,
        change=trend(mean, previous_mean, better=kpi.better),
        limits=chart,
        rules=_summarise(session, kpi=kpi, start=start, end=now, chart=chart),
        freshness=kpi_freshness.freshness(session, kpi=kpi, now=now),
        changes=tuple(changes),
        more_changes=changes_total - len(changes),
    )


def _of(kpi: Kpi) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return KpiDatapoint.team_id == kpi.team_id, KpiDatapoint.kpi_id == kpi.id


_ORDER = (KpiDatapoint.at, KpiDatapoint.id)


def _between(kpi: Kpi, start: datetime, end: datetime) -> tuple[ColumnElement[bool], ...]:
    return (*_of(kpi), KpiDatapoint.at >= start, KpiDatapoint.at <= end)


def _in_order(kpi: Kpi, start: datetime, end: datetime) -> Select[tuple[float]]:
    return select(KpiDatapoint.value).where(*_between(kpi, start, end)).order_by(*_ORDER)


def _values_between(session: Session, *, kpi: Kpi, start: datetime, end: datetime) -> np.ndarray:
    """The values in time order as an array. Read straight from the DBAPI cursor: for
    10^4-10^5 floats SQLAlchemy's per-row objects cost more than the query itself."""
    result = session.connection().execute(_in_order(kpi, start, end))
    try:
        return np.array(result.cursor.fetchall(), dtype=float).reshape(-1)
    finally:
        result.close()


def _summarise(
    session: Session, *, kpi: Kpi, start: datetime, end: datetime, chart: spc.ControlChart | None
) -> list[RuleSummary]:
    """One line per rule and side: how often it broke and when last, rule 1 first. Only
    the times of those last points are read, by their position counted from the end
    (the last violations are usually recent, so each lookup is short)."""
    if chart is None:
        return []
    grouped: dict[tuple[int, bool], list[spc.Violation]] = {}
    for violation in chart.violations:
        grouped.setdefault((violation.rule, not violation.above), []).append(violation)
    summaries = []
    for (rule, below), found in sorted(grouped.items()):
        last_at = session.scalar(
            select(KpiDatapoint.at)
            .where(*_between(kpi, start, end))
            .order_by(KpiDatapoint.at.desc(), KpiDatapoint.id.desc())
            .offset(chart.count - 1 - found[-1].index)
            .limit(1)
        )
        assert last_at is not None
        summaries.append(RuleSummary(rule, not below, found[0].description, len(found), last_at))
    return summaries
