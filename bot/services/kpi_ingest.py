"""KPI data from other systems: bearer tokens of the ingest API, CSV import and export."""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import NotFoundError, OpsbotError
from bot.models import ApiToken, Kpi, KpiDatapoint
from bot.services import kpis

TOKEN_PREFIX = "opsbot_"
CSV_COLUMNS = ("kpi", "value", "at")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, *, team_id: str, name: str, now: datetime
) -> tuple[ApiToken, str]:
    """A new ingest token for the workspace. The token itself is returned once and only
    its SHA-256 is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(team_id=team_id, name=name, token_hash=_hash(token), created_at=now)
    session.add(row)
    session.flush()
    return row, token


def list_tokens(session: Session, *, team_id: str) -> list[ApiToken]:
    """The workspace's tokens (revoked ones included), oldest first."""
    return list(
        session.scalars(select(ApiToken).where(ApiToken.team_id == team_id).order_by(ApiToken.id))
    )


def revoke_token(session: Session, *, team_id: str, token_id: int, now: datetime) -> ApiToken:
    """Stop a token from working, at once and for good."""
    row = session.scalar(
        select(ApiToken).where(ApiToken.team_id == team_id, ApiToken.id == token_id)
    )
    if row is None:
        raise NotFoundError(f"There is no token {token_id} in workspace {team_id}.")
    if row.revoked_at is None:
        row.revoked_at = now
        session.flush()
    return row


def team_for_token(session: Session, *, token: str) -> str | None:
    """The workspace a bearer token belongs to, or None if it is unknown or revoked."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    return row.team_id


def parse_time(text: str) -> datetime:
    """An ISO 8601 time (`2026-03-01`, `2026-03-01T08:30`, with or without an offset);
    a time without an offset is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise kpis.KpiValueError(
            f"`{text}` is not a time; use ISO 8601 such as 2026-03-01T08:30:00Z"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_number(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise kpis.KpiValueError(f"`{text}` is not a number") from None
    if not math.isfinite(value):
        raise kpis.KpiValueError(f"`{text}` is not a finite number")
    return kpis.check_value(value)


class ImportRejectedError(OpsbotError):
    """A CSV file that was not imported; `problems` name each line and column."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:20]
        more = len(problems) - len(shown)
        lines = "\n".join(shown) + (f"\n… and {more} more" if more > 0 else "")
        super().__init__(f"Nothing was imported:\n{lines}")
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    recorded: list[kpis.Recorded]

    @property
    def count(self) -> int:
        return sum(r.count for r in self.recorded)


def import_rows(
    session: Session, *, team_id: str, rows: Iterable[dict[str, str]], now: datetime
) -> ImportResult:
    """Import CSV rows (`kpi,value,at`; line 1 is the header) all or nothing: any bad row
    raises ImportRejectedError naming every bad line and column, and nothing is stored."""
    known = {
        kpi.name_key: kpi
        for kpi in session.scalars(
            select(Kpi).where(Kpi.team_id == team_id, Kpi.deleted_at.is_(None))
        )
    }
    points: dict[int, list[tuple[float, datetime]]] = {}
    problems: list[str] = []
    suggestions: dict[str, list[str]] = {}
    line = 1
    for line, row in enumerate(rows, start=2):
        missing = [c for c in CSV_COLUMNS if not (row.get(c) or "").strip()]
        if missing:
            problems.extend(f"line {line}, column {c}: empty" for c in missing)
            continue
        name = row["kpi"].strip()
        kpi = known.get(name.lower())
        if kpi is None:
            if name not in suggestions:
                suggestions[name] = kpis.suggest_names(session, team_id=team_id, name=name)
            message = kpis.unknown_kpi_message(name, suggestions[name])
            problems.append(f"line {line}, column kpi: {message}")
        try:
            value = parse_number(row["value"])
        except kpis.KpiValueError as exc:
            problems.append(f"line {line}, column value: {exc}")
            continue
        try:
            at = kpis.check_time(parse_time(row["at"]), now=now)
        except kpis.KpiValueError as exc:
            problems.append(f"line {line}, column at: {exc}")
            continue
        if kpi is not None:
            points.setdefault(kpi.id, []).append((value, at))
    if line == 1:
        problems.append("the file has no rows after the header")
    if problems:
        raise ImportRejectedError(problems)
    by_id = {kpi.id: kpi for kpi in known.values()}
    recorded = [
        kpis.record_values(
            session, kpi=by_id[kpi_id], points=batch, source="csv", recorded_by=None, now=now
        )
        for kpi_id, batch in points.items()
    ]
    return ImportResult(recorded)


def check_header(fieldnames: Iterable[str] | None) -> None:
    """Raise ImportRejectedError unless the header has the columns kpi, value and at."""
    names = [name.strip().lower() for name in fieldnames or []]
    missing = [c for c in CSV_COLUMNS if c not in names]
    if missing:
        raise ImportRejectedError(
            [f"line 1: the header needs the columns kpi,value,at (missing: {', '.join(missing)})"]
        )


def export_rows(
    session: Session, *, team_id: str, kpi_name: str | None, since: datetime | None
) -> Iterator[tuple[str, float, datetime]]:
    """Every stored value as (kpi, value, at), by KPI then time; streamed, not loaded."""
    query = (
        select(Kpi.name, KpiDatapoint.value, KpiDatapoint.at)
        .join(Kpi, Kpi.id == KpiDatapoint.kpi_id)
        .where(KpiDatapoint.team_id == team_id, Kpi.deleted_at.is_(None))
        .order_by(Kpi.name_key, KpiDatapoint.at, KpiDatapoint.id)
    )
    if kpi_name is not None:
        kpi = kpis.find_kpi(session, team_id=team_id, name=kpi_name)
        query = query.where(KpiDatapoint.kpi_id == kpi.id)
    if since is not None:
        query = query.where(KpiDatapoint.at >= since)
    yield from session.execute(query.execution_options(yield_per=5000)).tuples()
