"""The demo's own warehouse database: a small SQLite "WMS" file with a week of orders and
picks before the demo's start and four weeks after it (which count as the console's clock
moves on), the source `wms` of `opsbot console --demo`, and two KPIs computed from it by
SQL queries, so a newcomer sees a queried KPI without setting anything up."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from random import Random
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.demo import DEMO_TEAM
from bot.messaging.kpi_queries import try_and_save
from bot.services import kpis, workspace
from bot.services.kpi_queries import Schedule

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime

SOURCE = "wms"
FILE_NAME = "demo-wms.db"
# Where the demo's WMS file is, for `opsbot kpi query run` on the demo's database.
SOURCE_URL_KEY = "demo.wms_source_url"
DAYS_BEFORE = 7
DAYS_AFTER = 28
# One value per day, stamped at the day's end, so that a run records a day only once it is
# over. The WMS's latest day is still being shipped (or picked) and is left out: against a
# live WMS, `WHERE shipped_at < date('now')` says the same; the demo's clock runs ahead of
# the real one, so the demo asks its data where today is.
ON_TIME_SQL = """-- complete days only: the latest day in the WMS is still being shipped
SELECT date(shipped_at, '+1 day') AS at,
       ROUND(100.0 * SUM(shipped_at <= promised_at) / COUNT(*), 2) AS value
FROM orders
WHERE shipped_at < (SELECT date(MAX(shipped_at)) FROM orders)
GROUP BY date(shipped_at)"""
LINES_PER_HOUR_SQL = """-- complete days only: the latest day in the WMS is still being picked
SELECT date(picked_at, '+1 day') AS at,
       ROUND(SUM(lines) * 1.0 / COUNT(DISTINCT picker || strftime('%H', picked_at)), 1) AS value
FROM picks
WHERE picked_at < (SELECT date(MAX(picked_at)) FROM picks)
GROUP BY date(picked_at)"""
# name, unit, target, warn, better, description, SQL
QUERIED_KPIS = (
    (
        "wms-on-time",
        "%",
        97.0,
        95.0,
        "higher",
        "Orders shipped by the promised time (WMS).",
        ON_TIME_SQL,
    ),
    (
        "wms-lines-per-hour",
        "lines/h",
        140.0,
        125.0,
        "higher",
        "Lines picked per picker-hour (WMS).",
        LINES_PER_HOUR_SQL,
    ),
)


def source_url(directory: Path) -> str:
    return f"sqlite:///{directory / FILE_NAME}"


def build(path: Path, *, now: datetime, rng: Random) -> None:
    """Write the WMS file afresh: orders with promised and shipped times, and picks, every
    day from DAYS_BEFORE days before `now` to DAYS_AFTER days after it."""
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, promised_at TEXT, shipped_at TEXT)"
        )
        connection.execute(
            "CREATE TABLE picks (id INTEGER PRIMARY KEY, picked_at TEXT, picker TEXT, lines INT)"
        )
        first = now.astimezone(UTC).date() - timedelta(days=DAYS_BEFORE)
        for offset in range(DAYS_BEFORE + DAYS_AFTER + 1):
            day = datetime.combine(first + timedelta(days=offset), time(0))
            late_share = 0.015 + (0.04 if offset == DAYS_BEFORE - 2 else 0)  # a carrier no-show
            for _ in range(rng.randint(360, 440)):
                promised = day + timedelta(hours=rng.uniform(10, 23))
                late = rng.random() < late_share + 0.02
                shipped = promised + timedelta(hours=rng.uniform(0.5, 6) * (1 if late else -1))
                connection.execute(
                    "INSERT INTO orders (promised_at, shipped_at) VALUES (?, ?)",
                    (f"{promised:%Y-%m-%d %H:%M:%S}", f"{shipped:%Y-%m-%d %H:%M:%S}"),
                )
            for hour in range(6, 22):
                for picker in ("jamal", "sam", "omar", "lena"):
                    lines = max(60, round(rng.gauss(146 if offset % 7 not in (5, 6) else 132, 9)))
                    connection.execute(
                        "INSERT INTO picks (picked_at, picker, lines) VALUES (?, ?, ?)",
                        (
                            f"{day + timedelta(hours=hour, minutes=30):%Y-%m-%d %H:%M:%S}",
                            picker,
                            lines,
                        ),
                    )
    connection.close()


def seed(runtime: Runtime, rng: Random) -> None:
    """Build the WMS file of the `wms` source, define the two KPIs and attach their queries
    (each runs once, backfilling the week, then daily once the day is over). Without a
    `wms` source there is nothing to do."""
    url = runtime.settings.sources.get(SOURCE)
    if url is None or not url.startswith("sqlite:///"):
        return
    now = runtime.clock.now()
    path = Path(url.removeprefix("sqlite:///")).resolve()
    build(path, now=now, rng=rng)
    with runtime.db.session() as session:
        workspace.set_setting(
            session, team_id=DEMO_TEAM, key=SOURCE_URL_KEY, value=f"sqlite:///{path}", now=now
        )
        for name, unit, target, warn, better, description, _sql in QUERIED_KPIS:
            kpis.create_kpi(
                session,
                team_id=DEMO_TEAM,
                name=name,
                target=target,
                warn=warn,
                better=better,
                unit=unit,
                description=description,
                owner_id="UJAMAL",
                created_by="UMARIA",
                now=now - timedelta(days=DAYS_BEFORE + 1),
            )
    for name, *_rest, sql in QUERIED_KPIS:
        tried = try_and_save(
            runtime.db,
            runtime.sources,
            runtime.clock,
            team_id=DEMO_TEAM,
            kpi_name=name,
            source=SOURCE,
            sql=sql,
            schedule=Schedule(timedelta(days=1), time(0, 30), ZoneInfo("UTC")),
            set_by="UMARIA",
            quiet=True,
        )
        assert tried.ok, tried.message


def stored_source_url(session: Session) -> str | None:
    """The `wms` source of the demo this database holds, when its file is still there."""
    url = workspace.get_setting(session, team_id=DEMO_TEAM, key=SOURCE_URL_KEY)
    if url is None or not Path(url.removeprefix("sqlite:///")).exists():
        return None
    return url
