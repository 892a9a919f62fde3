"""Is a value typed in Slack plausible for its KPI? A typo (`-5` for `5`, `0.975` for
`97.5%`) must not be stored at once, as it could turn the KPI off target and alert the
channel; the caller is asked to confirm it instead.

A value is doubtful, against the KPI's latest `RECENT` values and its target:
- negative when the target and every recent value are ≥ 0 (at least one value stored);
- on a `%` KPI, between 0 and 1 when the target and every recent value are above 1 (a
  fraction typed for a percentage: "did you mean 97.5%?");
- with at least `MIN_HISTORY` recent values, more than `FACTOR` (5) times the largest of them
  (by size), or a positive value less than a fifth of the smallest positive one (0 is not
  doubted: "no incidents" is a value). A dropped or misplaced decimal separator (`35` for
  `3,5`) is ten times off, so it is caught, and the value ten or a hundred times smaller or
  larger that falls among the recent ones is suggested.

Only people are asked: the CSV import, the HTTP API and SQL queries record what they get.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Kpi, KpiDatapoint
from bot.services import kpis

RECENT = 30
MIN_HISTORY = 3
FACTOR = 5
SHIFTS = (0.1, 10, 0.01, 100)  # a decimal separator dropped or misplaced


@dataclass(frozen=True)
class Doubt:
    """Why a value looks like a typo, and the value probably meant (if one stands out)."""

    reason: str  # "negative", "fraction" or "scale"
    suggestion: float | None


def doubt(session: Session, *, kpi: Kpi, value: float) -> Doubt | None:
    """Why `value` looks like a typo for `kpi` (see the module's rules); None when it
    looks plausible."""
    recent = list(
        session.scalars(
            select(KpiDatapoint.value)
            .where(KpiDatapoint.team_id == kpi.team_id, KpiDatapoint.kpi_id == kpi.id)
            .order_by(KpiDatapoint.at.desc(), KpiDatapoint.id.desc())
            .limit(RECENT)
        )
    )
    known = [*recent, kpi.target]
    if value < 0 and recent and min(known) >= 0:
        return Doubt("negative", -value)
    if kpi.unit == "%" and 0 < value <= 1 and min(known) > 1:
        return Doubt("fraction", round(value * 100, 9))
    if len(recent) >= MIN_HISTORY and not _plausible(value, recent):
        return Doubt("scale", _shifted(value, recent))
    return None


def _shifted(value: float, recent: list[float]) -> float | None:
    """The value with its decimal separator moved, when that lands among the recent ones."""
    low, high = min(recent), max(recent)
    for shift in SHIFTS:
        candidate = round(value * shift, 9)
        if low - (high - low) / 2 <= candidate <= high + (high - low) / 2:
            return candidate
    return None


def _plausible(value: float, recent: list[float]) -> bool:
    """Within a factor of FACTOR of what the KPI has seen (with too little seen, anything)."""
    if len(recent) < MIN_HISTORY:
        return True
    largest = max(abs(v) for v in recent)
    if largest > 0 and abs(value) > FACTOR * largest:
        return False
    positive = [v for v in recent if v > 0]
    return not (value > 0 and positive and value < min(positive) / FACTOR)


def record_anyway(
    session: Session, *, kpi: Kpi, value: float, at: datetime, user_id: str, now: datetime
) -> kpis.Recorded | None:
    """Record a doubted value the caller confirmed; None when it is already recorded (a
    double click records once: the KPI's row is locked before looking)."""
    kpis.values_changing(session, kpi=kpi)
    recorded = session.scalar(
        select(KpiDatapoint.id).where(
            KpiDatapoint.team_id == kpi.team_id,
            KpiDatapoint.kpi_id == kpi.id,
            KpiDatapoint.at == at,
            KpiDatapoint.value == value,
            KpiDatapoint.recorded_by == user_id,
        )
    )
    if recorded is not None:
        return None
    return kpis.record_values(
        session, kpi=kpi, points=[(value, at)], source="slack", recorded_by=user_id, now=now
    )
