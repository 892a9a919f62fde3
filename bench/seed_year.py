"""A realistic year of one busy workspace for the benchmarks: 5,000 escalations over the last
365 days with their timelines (all resolved but the newest few dozen, which are acknowledged
and being worked on, so no SLA timer fires during a run), the escalation channel and an
on-call chain.

It also holds 50 KPIs with 365 daily values each (`KPI_NAMES`, the `/kpi <name>` load).

Rows go in with bulk INSERTs, so seeding takes seconds, not the minutes the services would.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select, text

from bot.db import Base, Database
from bot.models import (
    Escalation,
    EscalationCounter,
    EscalationEvent,
    EscalationStatus,
    EventKind,
    KpiDatapoint,
)
from bot.services import escalations, kpis

ESCALATIONS = 5_000
OPEN = 40
DAYS = 365
CAUSES = ("equipment", "carrier", "staffing", "system", "inventory", "quality")
SUMMARIES = (
    "Dock door {n} stuck open",
    "Conveyor {n} stopped: motor overload",
    "Trailer for route {n} two hours late",
    "Night shift short {n} pickers",
    "Label printers offline in pack station {n}",
    "Cycle count variance in aisle {n}",
)
PEOPLE = tuple(f"UBENCH{n}" for n in range(20))
BATCH = 1_000
KPI_NAMES = tuple(f"kpi-{n:02d}" for n in range(1, 51))


def seed_year(db: Database, *, team_id: str, channel_id: str, now: datetime) -> None:
    """Everything the HTTP benchmark's loads read, for `team_id`, as of `now`."""
    with db.session() as session:
        escalations.set_channel(session, team_id=team_id, channel_id=channel_id, now=now)
        escalations.set_chain(session, team_id=team_id, severity=None, user_ids=PEOPLE[:3], now=now)
    seed_escalations(db.engine, team_id=team_id, channel_id=channel_id, now=now)
    seed_kpis(db, team_id=team_id, now=now)


def seed_kpis(db: Database, *, team_id: str, now: datetime) -> None:
    """`KPI_NAMES`, each with one value a day for the last 365 days around its target."""
    chance = random.Random(365)
    with db.session() as session:
        created = [
            kpis.create_kpi(
                session,
                team_id=team_id,
                name=name,
                target=95.0,
                warn=92.0,
                unit="%",
                created_by=PEOPLE[0],
                now=now - timedelta(days=DAYS + 1),
            )
            for name in KPI_NAMES
        ]
        kpi_ids = [kpi.id for kpi in created]
    rows = [
        {
            "team_id": team_id,
            "kpi_id": kpi_id,
            "value": round(chance.gauss(95.5, 1.5), 2),
            "at": now - timedelta(days=day),
            "recorded_at": now - timedelta(days=day),
            "source": "api",
            "recorded_by": None,
        }
        for kpi_id in kpi_ids
        for day in range(DAYS, 0, -1)
    ]
    with db.engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(KpiDatapoint), rows[start : start + BATCH])


HISTORY_KPI = "on-time-shipping"
HISTORY_STEP = timedelta(minutes=5)
_COLUMNS = "(team_id, kpi_id, value, at, recorded_at, source)"


def seed_history(db: Database, *, team_id: str, now: datetime, values: int) -> int:
    """`HISTORY_KPI` with `values` values, one every 5 minutes up to `now` (a million is about
    9.5 years), loaded in bulk (COPY on PostgreSQL), then analysed as autovacuum would.
    Returns the KPI's id."""
    with db.session() as session:
        kpi_id = kpis.create_kpi(
            session,
            team_id=team_id,
            name=HISTORY_KPI,
            target=95,
            warn=93,
            unit="%",
            created_by=PEOPLE[0],
            now=now,
        ).id
    chance = random.Random(7)
    first = now - HISTORY_STEP * (values - 1)
    rows = []
    for i in range(values):
        at = (first + HISTORY_STEP * i).replace(tzinfo=None)
        value = 96 + 1.5 * ((i // 8640) % 7 - 3) / 3 + chance.gauss(0, 0.8)
        rows.append((team_id, kpi_id, round(value, 2), at, at, "bench"))
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.is_sqlite:
            cursor.executemany(
                f"INSERT INTO kpi_datapoints {_COLUMNS} VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        *r[:3],
                        r[3].isoformat(" ", "microseconds"),
                        r[3].isoformat(" ", "microseconds"),
                        r[5],
                    )
                    for r in rows
                ],
            )
        else:
            with cursor.copy(f"COPY kpi_datapoints {_COLUMNS} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE" if db.is_sqlite else "VACUUM ANALYZE kpi_datapoints"))
    return kpi_id


def seed_escalations(
    engine: Engine,
    *,
    team_id: str,
    channel_id: str,
    now: datetime,
    count: int = ESCALATIONS,
    still_open: int = OPEN,
) -> None:
    """`count` escalations spread over a year, the newest `still_open` not yet resolved."""
    chance = random.Random(2026)
    rows = []
    for number in range(1, count + 1):
        severity = chance.choices(escalations.SEVERITIES, weights=(5, 20, 50, 25))[0]
        created = now - timedelta(days=DAYS) * (1 - number / (count + 1))
        sla = timedelta(minutes=escalations.DEFAULT_SLA_MINUTES[severity])
        acked = created + sla * chance.uniform(0.2, 1.6)
        resolved = acked + timedelta(minutes=chance.randint(10, 600))
        is_open = number > count - still_open
        rows.append(
            {
                "team_id": team_id,
                "number": number,
                "severity": severity,
                "summary": chance.choice(SUMMARIES).format(n=chance.randint(1, 40)),
                "details": "",
                "status": EscalationStatus.ACKNOWLEDGED if is_open else EscalationStatus.RESOLVED,
                "reporter_id": chance.choice(PEOPLE),
                "assignee_id": chance.choice(PEOPLE),
                "level": 1,
                "reminder_count": 0,
                "ack_due_at": created + sla,
                "next_deadline_at": None,
                "channel_id": channel_id,
                "message_ts": None,
                "cause": None if is_open else chance.choice(CAUSES),
                "created_at": created,
                "acknowledged_at": acked,
                "acknowledged_by": chance.choice(PEOPLE),
                "resolved_at": None if is_open else resolved,
                "resolved_by": None if is_open else chance.choice(PEOPLE),
            }
        )
    with engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(Escalation), rows[start : start + BATCH])
        ids = {
            number: escalation_id
            for number, escalation_id in connection.execute(
                select(Escalation.number, Escalation.id).where(Escalation.team_id == team_id)
            )
        }
        events = []
        for row in rows:
            timeline = [(EventKind.OPENED, row["created_at"], row["reporter_id"])]
            if row["resolved_at"] is not None:
                timeline.append(
                    (EventKind.ACKNOWLEDGED, row["acknowledged_at"], row["assignee_id"])
                )
                timeline.append((EventKind.RESOLVED, row["resolved_at"], row["resolved_by"]))
            events.extend(
                {
                    "team_id": team_id,
                    "escalation_id": ids[row["number"]],
                    "at": at,
                    "kind": kind,
                    "actor_id": actor,
                    "level": 1,
                }
                for kind, at, actor in timeline
            )
        for start in range(0, len(events), BATCH):
            connection.execute(insert(EscalationEvent), events[start : start + BATCH])
        connection.execute(insert(EscalationCounter), [{"team_id": team_id, "last_number": count}])
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:  # fresh statistics, as autovacuum would gather
            connection.execute(text("ANALYZE"))


def empty_tables(engine: Engine) -> None:
    """Delete every row (the benchmark database is the benchmarks' own)."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            return
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
