"""KPI data from other systems: bearer tokens of the ingest API, CSV import and export."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import numbers
from bot.errors import NotFoundError, OpsbotError
from bot.models import ApiToken, Kpi, KpiChangeKind, KpiDatapoint
from bot.parsing import MomentError, parse_moment
from bot.services import kpi_corrections, kpis

TOKEN_PREFIX = "opsbot_"
CSV_COLUMNS = ("kpi", "value", "at")
# Where csv.DictReader(restkey=...) puts the fields of a row beyond the header's; a field
# the row lacks is None (restval).
EXTRA_FIELDS = "\0extra"
LOOKUP_CHUNK = 500  # times per query when looking for values already stored


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


def active_token(session: Session, *, token: str) -> ApiToken | None:
    """The stored token a bearer token is, or None if it is unknown or revoked."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    return row


def team_for_token(session: Session, *, token: str) -> str | None:
    """The workspace a bearer token belongs to, or None if it is unknown or revoked."""
    row = active_token(session, token=token)
    return None if row is None else row.team_id


def parse_time(text: str, *, now: datetime) -> datetime:
    """A time as every surface reads it (`2026-03-01`, `2026-03-01 08:30`,
    `2026-03-01T08:30:00Z`, `today`, … see bot.parsing.read_moment), in UTC; a time without
    an offset is UTC, and so are `today` and `yesterday`."""
    try:
        return parse_moment(text, UTC, now)
    except MomentError as exc:
        raise kpis.KpiValueError(str(exc).rstrip(".")) from None


def parse_value(text: str, *, unit: str | None) -> float:
    """A number as every surface reads it (`97.5`, `3,5`, `97.5%`, see bot.numbers); a
    unit after it must be the KPI's `unit` (None: a KPI not known, the unit is not checked)."""
    try:
        quantity = numbers.read_quantity(text)
        return quantity.value if unit is None else numbers.check_unit(quantity, unit)
    except numbers.NumberError as exc:
        raise kpis.KpiValueError(str(exc).rstrip(".")) from None


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
    recorded: list[kpis.Recorded]  # the new values, per KPI
    skipped: int = 0  # already stored for the same KPI and time, with the same value
    differing: int = 0  # already stored with another value, kept (no --replace)
    replaced: int = 0  # already stored with another value, overwritten (--replace)
    replace_alerts: list[kpis.Alert] = field(default_factory=list)  # after replacements alone

    @property
    def count(self) -> int:
        return sum(r.count for r in self.recorded)

    @property
    def alerts(self) -> list[kpis.Alert]:
        """What the KPI channel must hear after the import."""
        return [r.alert for r in self.recorded if r.alert is not None] + self.replace_alerts

    def plus(self, other: ImportResult) -> ImportResult:
        return ImportResult(
            recorded=self.recorded + other.recorded,
            skipped=self.skipped + other.skipped,
            differing=self.differing + other.differing,
            replaced=self.replaced + other.replaced,
            replace_alerts=self.replace_alerts + other.replace_alerts,
        )


def import_rows(
    session: Session,
    *,
    team_id: str,
    rows: Iterable[dict[str, str]],
    now: datetime,
    replace: bool = False,
) -> ImportResult:
    """Import CSV rows (`kpi,value,at`; line 1 is the header) all or nothing: any bad row
    raises ImportRejectedError naming every bad line and column, and nothing is stored.

    A value already stored for the same KPI and time is skipped, or with `replace`
    overwritten (kept in the KPI's log of changes). Within one file, a row repeating an
    earlier one is read once; two different values for one KPI and time are an error."""
    known = {
        kpi.name_key: kpi
        for kpi in session.scalars(
            select(Kpi).where(Kpi.team_id == team_id, Kpi.deleted_at.is_(None))
        )
    }
    points: dict[int, dict[datetime, tuple[int, float]]] = {}  # kpi → at → (line, value)
    problems: list[str] = []
    suggestions: dict[str, list[str]] = {}
    line = 1
    for line, row in enumerate(rows, start=2):
        miscounted = _field_count_problem(line, row)
        if miscounted is not None:
            problems.append(miscounted)
            continue
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
            value = parse_value(row["value"], unit=kpi.unit if kpi is not None else None)
        except kpis.KpiValueError as exc:
            problems.append(f"line {line}, column value: {exc}")
            continue
        try:
            at = kpis.check_time(parse_time(row["at"], now=now), now=now)
        except kpis.KpiValueError as exc:
            problems.append(f"line {line}, column at: {exc}")
            continue
        if kpi is None:
            continue
        earlier = points.setdefault(kpi.id, {}).get(at)
        if earlier is not None and earlier[1] != value:
            problems.append(
                f"line {line}, column at: line {earlier[0]} already gives {kpi.name} a value "
                f"at {at:%Y-%m-%dT%H:%M:%SZ}; keep one of the two"
            )
        elif earlier is None:
            points[kpi.id][at] = (line, value)
    if line == 1:
        problems.append("the file has no rows after the header")
    if problems:
        raise ImportRejectedError(problems)
    by_id = {kpi.id: kpi for kpi in known.values()}
    result = ImportResult(recorded=[])
    for kpi_id, batch in points.items():
        values = {at: value for at, (_line, value) in batch.items()}
        result = result.plus(
            _store(session, kpi=by_id[kpi_id], values=values, replace=replace, now=now)
        )
    return result


def _field_count_problem(line: int, row: dict[str, str]) -> str | None:
    """A row with more or fewer fields than the header, said as such (an unquoted comma in
    a value shifts every field after it)."""
    columns = [name for name in row if name != EXTRA_FIELDS]
    extra = row.get(EXTRA_FIELDS) or []
    found = sum(1 for name in columns if row[name] is not None) + len(extra)
    if found == len(columns):
        return None
    problem = (
        f"line {line} has {found} field{'' if found == 1 else 's'} where {len(columns)} "
        f"are expected ({','.join(columns)})"
    )
    if extra:
        problem += '; a value with a comma in it needs quotes, such as "3,5"'
    return problem


def _stored_at(
    session: Session, *, kpi: Kpi, times: list[datetime]
) -> dict[datetime, KpiDatapoint]:
    """The KPI's stored values at these times (the first, when a time has several)."""
    found: dict[datetime, KpiDatapoint] = {}
    for start in range(0, len(times), LOOKUP_CHUNK):
        rows = session.scalars(
            select(KpiDatapoint)
            .where(
                KpiDatapoint.team_id == kpi.team_id,
                KpiDatapoint.kpi_id == kpi.id,
                KpiDatapoint.at.in_(times[start : start + LOOKUP_CHUNK]),
            )
            .order_by(KpiDatapoint.id)
        )
        for row in rows:
            found.setdefault(row.at, row)
    return found


def _store(
    session: Session, *, kpi: Kpi, values: dict[datetime, float], replace: bool, now: datetime
) -> ImportResult:
    """Store one KPI's imported values: new times recorded, stored ones skipped or replaced."""
    stored = _stored_at(session, kpi=kpi, times=list(values))
    new = [(value, at) for at, value in values.items() if at not in stored]
    changed = [
        (stored[at], value)
        for at, value in values.items()
        if at in stored and stored[at].value != value
    ]
    replacements = changed if replace else []
    kpi_corrections.replace_values(session, kpi=kpi, replacements=replacements, now=now)
    recorded = (
        [kpis.record_values(session, kpi=kpi, points=new, source="csv", recorded_by=None, now=now)]
        if new
        else []
    )
    alert = None
    if replacements and not new:
        alert = kpis.update_alert_state(session, kpi=kpi, correction=KpiChangeKind.REPLACE)
    return ImportResult(
        recorded=recorded,
        skipped=len(values) - len(new) - len(changed),
        differing=len(changed) - len(replacements),
        replaced=len(replacements),
        replace_alerts=[alert] if alert else [],
    )


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
