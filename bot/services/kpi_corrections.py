"""Corrections of a KPI: its definition edited, its recorded values listed, a wrong value
deleted (admins) or taken back by the person who recorded it (within the hour).

Every correction is kept in the KPI's log (kpi_changes, shown in its detail) and
re-evaluates its alert state: when the state it announced no longer holds, the KPI channel
hears the state as it now stands, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import ConflictError, NotFoundError
from bot.models import Kpi, KpiChangeKind, KpiDatapoint
from bot.services import kpi_changes, kpis
from bot.services.kpi_changes import FieldChange, StoredValue

UNDO_WINDOW = timedelta(hours=1)
# What `/kpi edit` can change, as the service names them (the grammar maps its options).
EDITABLE = ("name", "target", "warn", "better", "unit", "description", "every", "owner_id")


@dataclass(frozen=True)
class Edited:
    kpi: Kpi
    changes: list[FieldChange]  # empty when the edit changed nothing
    alert: kpis.Alert | None


@dataclass(frozen=True)
class ValueList:
    values: list[StoredValue]  # newest first
    total: int  # how many the period holds


@dataclass(frozen=True)
class Removed:
    """A value taken back (deleted or undone), and where the KPI stands without it."""

    kpi: Kpi
    value: StoredValue
    latest: float | None
    latest_at: datetime | None
    status: kpis.Status
    alert: kpis.Alert | None


@dataclass(frozen=True)
class Standing:
    """Where a KPI stands: its latest value and status."""

    latest: float | None
    latest_at: datetime | None
    status: kpis.Status


def standing(session: Session, *, kpi: Kpi) -> Standing:
    """The KPI's latest value and its status now."""
    latest = kpis.latest_values(session, kpi=kpi, count=1)
    value, at = latest[0] if latest else (None, None)
    return Standing(latest=value, latest_at=at, status=kpis.status_of(kpi, value))


# -- editing the definition ---------------------------------------------------------------


def _current(kpi: Kpi) -> dict[str, Any]:
    return {
        "name": kpi.name,
        "target": kpi.target,
        "warn": kpi.warn,
        "better": kpi.better,
        "unit": kpi.unit,
        "description": kpi.description,
        "every": None if kpi.every_seconds is None else timedelta(seconds=kpi.every_seconds),
        "owner_id": kpi.owner_id,
    }


def edit_kpi(
    session: Session, *, kpi: Kpi, edits: dict[str, Any], edited_by: str | None, now: datetime
) -> Edited:
    """Change a KPI's definition with the checks of `create_kpi` (a free name, a warning
    level on the right side of the target, …). `edits` maps fields of EDITABLE to their
    new values (`warn`/`every`/`owner_id` None: none, learnt, nobody). Its values are kept;
    the change is logged and the alert state re-evaluated."""
    unknown = set(edits) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    old = _current(kpi)
    new = {**old, **edits}
    kpis.check_definition(
        name=new["name"],
        target=new["target"],
        better=new["better"],
        warn=new["warn"],
        unit=new["unit"],
        description=new["description"],
    )
    every_seconds = kpis.every_seconds(new["every"])
    if new["name"] != kpi.name:
        kpis.check_name_free(session, team_id=kpi.team_id, name=new["name"], other_than=kpi)
    changes = [FieldChange(field, old[field], new[field]) for field in EDITABLE]
    changes = [change for change in changes if change.old != change.new]
    if not changes:
        return Edited(kpi=kpi, changes=[], alert=None)
    kpis.values_changing(session, kpi=kpi)
    kpi.name, kpi.name_key = new["name"], new["name"].lower()
    kpi.target = float(new["target"])
    kpi.warn = None if new["warn"] is None else float(new["warn"])
    kpi.better, kpi.unit, kpi.description = new["better"], new["unit"], new["description"]
    kpi.every_seconds = every_seconds
    kpi.owner_id = new["owner_id"]
    kpi_changes.log_edit(session, kpi=kpi, changes=changes, user_id=edited_by, now=now)
    alert = kpis.update_alert_state(
        session, kpi=kpi, correction=KpiChangeKind.EDIT, corrected_by=edited_by
    )
    return Edited(kpi=kpi, changes=changes, alert=alert)


# -- the values -------------------------------------------------------------------------


def recorded_values(
    session: Session, *, kpi: Kpi, start: datetime, end: datetime, limit: int
) -> ValueList:
    """The KPI's values from `start` to `end`, newest first, at most `limit` of them, and
    how many there are in all."""
    where = (
        KpiDatapoint.team_id == kpi.team_id,
        KpiDatapoint.kpi_id == kpi.id,
        KpiDatapoint.at >= start,
        KpiDatapoint.at <= end,
    )
    rows = session.scalars(
        select(KpiDatapoint)
        .where(*where)
        .order_by(KpiDatapoint.at.desc(), KpiDatapoint.id.desc())
        .limit(limit)
    )
    values = [StoredValue.of(row) for row in rows]
    total = session.scalar(select(func.count()).select_from(KpiDatapoint).where(*where)) or 0
    return ValueList(values=values, total=total)


def _remove(
    session: Session, *, kpi: Kpi, row: KpiDatapoint, kind: str, user_id: str | None, now: datetime
) -> Removed:
    value = StoredValue.of(row)
    kpis.values_changing(session, kpi=kpi)
    session.delete(row)
    session.flush()
    kpi_changes.log_value(session, kpi=kpi, kind=kind, value=value, user_id=user_id, now=now)
    alert = kpis.update_alert_state(session, kpi=kpi, correction=kind, corrected_by=user_id)
    now_standing = standing(session, kpi=kpi)
    return Removed(
        kpi=kpi,
        value=value,
        latest=now_standing.latest,
        latest_at=now_standing.latest_at,
        status=now_standing.status,
        alert=alert,
    )


def delete_value(
    session: Session, *, kpi: Kpi, value_id: int, deleted_by: str, now: datetime
) -> Removed:
    """Delete one recorded value (the caller checks that `deleted_by` is an admin).
    ConflictError when it is already gone (a double click deletes once)."""
    row = session.scalar(
        select(KpiDatapoint).where(
            KpiDatapoint.team_id == kpi.team_id,
            KpiDatapoint.kpi_id == kpi.id,
            KpiDatapoint.id == value_id,
        )
    )
    if row is None:
        raise ConflictError(f"That value of {kpi.name} was already deleted.")
    return _remove(
        session, kpi=kpi, row=row, kind=KpiChangeKind.DELETE, user_id=deleted_by, now=now
    )


def undo_last(session: Session, *, kpi: Kpi, user_id: str, now: datetime) -> Removed:
    """Take back the last value `user_id` recorded for the KPI in Slack, if that was within
    the last hour; otherwise say where to go instead."""
    row = session.scalar(
        select(KpiDatapoint)
        .where(
            KpiDatapoint.team_id == kpi.team_id,
            KpiDatapoint.kpi_id == kpi.id,
            KpiDatapoint.source == "slack",
            KpiDatapoint.recorded_by == user_id,
        )
        .order_by(KpiDatapoint.recorded_at.desc(), KpiDatapoint.id.desc())
        .limit(1)
    )
    where_to_go = (
        f"`/kpi values {kpi.name}` lists every value with who recorded it, and an admin can "
        "delete a wrong one there."
    )
    if row is None:
        raise NotFoundError(f"You have not recorded a value of {kpi.name}. {where_to_go}")
    if row.recorded_at < now - UNDO_WINDOW:
        raise ConflictError(
            f"Your last value of {kpi.name} was recorded more than an hour ago, so `/kpi undo` "
            f"can no longer take it back. {where_to_go}"
        )
    return _remove(session, kpi=kpi, row=row, kind=KpiChangeKind.UNDO, user_id=user_id, now=now)


def replace_values(
    session: Session, *, kpi: Kpi, replacements: list[tuple[KpiDatapoint, float]], now: datetime
) -> None:
    """Overwrite stored values with imported ones (`opsbot kpi import --replace`), each old
    value kept in the log. The caller re-evaluates the alert state once every value of
    the import is written."""
    if not replacements:
        return
    kpis.values_changing(session, kpi=kpi)
    for row, value in replacements:
        kpi_changes.log_value(
            session,
            kpi=kpi,
            kind=KpiChangeKind.REPLACE,
            value=StoredValue.of(row),
            user_id=None,
            now=now,
            new_value=value,
        )
        row.value, row.source, row.recorded_by, row.recorded_at = value, "csv", None, now
    session.flush()
