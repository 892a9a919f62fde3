"""The log of a KPI's corrections (KpiChange rows): written by kpi_corrections and the CSV
import, read back for the KPI's detail ("@maria changed target 95% → 97%")."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Kpi, KpiChange, KpiChangeKind, KpiDatapoint

SHOWN = 5  # corrections the detail lists


@dataclass(frozen=True)
class FieldChange:
    field: str  # one of kpi_corrections.EDITABLE
    old: Any
    new: Any  # `every`: a timedelta, or None when learnt from the data


@dataclass(frozen=True)
class StoredValue:
    """One recorded value, with who or what recorded it."""

    id: int
    value: float
    at: datetime
    source: str  # slack, api, csv or query
    recorded_by: str | None  # a Slack user (slack), a token or source name, or None
    recorded_at: datetime

    @classmethod
    def of(cls, row: KpiDatapoint) -> StoredValue:
        return cls(
            id=row.id,
            value=row.value,
            at=row.at,
            source=row.source,
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
        )


@dataclass(frozen=True)
class ChangeLine:
    """One correction as the KPI's detail shows it."""

    at: datetime
    user_id: str | None  # None: the CLI
    kind: str  # a KpiChangeKind
    fields: tuple[FieldChange, ...]  # edit
    value: StoredValue | None  # delete, undo, replace: the value taken out
    new_value: float | None  # replace


def _stored(field: str, value: Any) -> Any:
    """A field's value as the change's JSON keeps it."""
    if field == "every":
        return None if value is None else int(value.total_seconds())
    return value


def _loaded(field: str, value: Any) -> Any:
    if field == "every":
        return None if value is None else timedelta(seconds=value)
    return value


def _value_detail(value: StoredValue) -> dict[str, Any]:
    return {
        "value": value.value,
        "at": value.at.isoformat(),
        "source": value.source,
        "recorded_by": value.recorded_by,
        "recorded_at": value.recorded_at.isoformat(),
    }


def log_edit(
    session: Session, *, kpi: Kpi, changes: list[FieldChange], user_id: str | None, now: datetime
) -> None:
    """Keep an edit of the definition: each field's old and new value."""
    detail = {c.field: [_stored(c.field, c.old), _stored(c.field, c.new)] for c in changes}
    _log(session, kpi=kpi, kind=KpiChangeKind.EDIT, user_id=user_id, detail=detail, now=now)


def log_value(
    session: Session,
    *,
    kpi: Kpi,
    kind: str,
    value: StoredValue,
    user_id: str | None,
    now: datetime,
    new_value: float | None = None,
) -> None:
    """Keep a value taken out (delete, undo) or overwritten (replace, with `new_value`)."""
    detail = _value_detail(value)
    if new_value is not None:
        detail["new_value"] = new_value
    _log(session, kpi=kpi, kind=kind, user_id=user_id, detail=detail, now=now)


def _log(
    session: Session,
    *,
    kpi: Kpi,
    kind: str,
    user_id: str | None,
    detail: dict[str, Any],
    now: datetime,
) -> None:
    session.add(
        KpiChange(
            team_id=kpi.team_id,
            kpi_id=kpi.id,
            at=now,
            user_id=user_id,
            kind=kind,
            detail=json.dumps(detail, separators=(",", ":")),
        )
    )
    session.flush()


def _change_line(row: KpiChange) -> ChangeLine:
    detail = json.loads(row.detail or "{}")
    if row.kind == KpiChangeKind.EDIT:
        fields = tuple(
            FieldChange(field, _loaded(field, old), _loaded(field, new))
            for field, (old, new) in detail.items()
        )
        return ChangeLine(row.at, row.user_id, row.kind, fields, value=None, new_value=None)
    at = datetime.fromisoformat(detail["at"])
    value = StoredValue(
        id=0,
        value=detail["value"],
        at=at,
        source=detail.get("source") or "",
        recorded_by=detail.get("recorded_by"),
        recorded_at=datetime.fromisoformat(detail.get("recorded_at") or detail["at"]),
    )
    return ChangeLine(row.at, row.user_id, row.kind, (), value, detail.get("new_value"))


def recent_changes(
    session: Session, *, kpi: Kpi, limit: int = SHOWN
) -> tuple[list[ChangeLine], int]:
    """The KPI's latest corrections, newest first, and how many there are in all."""
    where = (KpiChange.team_id == kpi.team_id, KpiChange.kpi_id == kpi.id)
    rows = session.scalars(
        select(KpiChange)
        .where(*where)
        .order_by(KpiChange.at.desc(), KpiChange.id.desc())
        .limit(limit)
    )
    lines = [_change_line(row) for row in rows]
    total = session.scalar(select(func.count()).select_from(KpiChange).where(*where)) or 0
    return lines, total
