"""A monthly report of a 24-KPI operation: the files' rendering (KPI board, Pareto chart,
CSV and PDF in the chart process) must take under 5 s; the report's queries are timed too.

A month of 24 KPIs with a value every hour (17,856 values) and 1,000 escalations with 25
causes, on a temporary SQLite file (OPSBOT_BENCH_DATABASE_URL for PostgreSQL).
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from random import Random

from sqlalchemy import insert

from bot.config import load_settings
from bot.db import Database
from bot.migrate import upgrade
from bot.models import Cadence, Escalation, EscalationStatus, Kpi, KpiDatapoint
from bot.services import reports
from bot.services.report_files import report_files

TEAM = "TBENCH"
KPIS = 24
ESCALATIONS = 1000
TARGET_SECONDS = 5.0


def seed(db: Database, period: reports.ReportPeriod) -> None:
    random = Random(17)
    start = period.previous().starts_at
    hours = int((period.ends_at - start).total_seconds() // 3600)
    with db.session() as session:
        for n in range(KPIS):
            kpi = Kpi(
                team_id=TEAM,
                name=f"kpi-{n:02d}",
                name_key=f"kpi-{n:02d}",
                unit="%" if n % 2 else "orders",
                target=95.0 if n % 2 else 400.0,
                better="higher" if n % 3 else "lower",
                created_by="UBENCH",
                created_at=start,
            )
            session.add(kpi)
            session.flush()
            base = kpi.target
            session.execute(
                insert(KpiDatapoint),
                [
                    {
                        "team_id": TEAM,
                        "kpi_id": kpi.id,
                        "value": base * random.uniform(0.85, 1.1),
                        "at": start + timedelta(hours=h),
                        "recorded_at": start + timedelta(hours=h),
                        "source": "api",
                    }
                    for h in range(hours)
                ],
            )
        for n in range(ESCALATIONS):
            opened = period.starts_at + timedelta(minutes=44 * n)
            session.add(
                Escalation(
                    team_id=TEAM,
                    number=n + 1,
                    severity=f"sev{n % 4 + 1}",
                    summary=f"Issue {n}",
                    details="",
                    status=EscalationStatus.RESOLVED,
                    reporter_id="UBENCH",
                    level=1,
                    created_at=opened,
                    ack_due_at=opened + timedelta(minutes=15),
                    acknowledged_at=opened + timedelta(minutes=random.randint(1, 40)),
                    resolved_at=opened + timedelta(minutes=random.randint(41, 600)),
                    cause=f"cause-{random.randint(0, 24):02d}",
                )
            )


def main() -> None:
    url = os.environ.get("OPSBOT_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder:
        url = url or f"sqlite:///{Path(folder) / 'bench.db'}"
        url = load_settings(database_url=url, _env_file=None).database_url
        upgrade(url)
        db = Database(url)
        period = reports.period_containing(Cadence.MONTHLY, date(2026, 3, 1), "Europe/Berlin")
        seed(db, period)
        now = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
        started = time.perf_counter()
        with db.session() as session:
            built = reports.build_report(session, team_id=TEAM, period=period, now=now)
        queried = time.perf_counter() - started
        report_files(built)  # starts the chart process; not part of the figure
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            files = report_files(built)
            timings.append(time.perf_counter() - started)
        sizes = ", ".join(f"{f.kind} {len(f.content) // 1024} KiB" for f in files)
        best, worst = min(timings), max(timings)
        print(f"report queries ({KPIS} KPIs, {ESCALATIONS} escalations, a month): {queried:.2f} s")
        print(
            f"files rendered in the chart process: best {best:.2f} s, worst {worst:.2f} s ({sizes})"
        )
        print(
            f"target under {TARGET_SECONDS:.0f} s: {'met' if worst < TARGET_SECONDS else 'NOT met'}"
        )
        db.dispose()
