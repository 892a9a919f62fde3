"""The huddle for 1,000 configured channels: SQL queries per channel and time, with small
and large data sets (the query count must not grow with the data), then the whole
scheduled path (one tick finds, claims, builds, renders, posts and records 1,000 huddles).

Set OPSBOT_BENCH_DATABASE_URL to run on PostgreSQL; the default is a temporary SQLite file.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from random import Random

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session

from bot.app import build_runtime
from bot.blocks import render
from bot.clock import ManualClock
from bot.config import load_settings
from bot.db import Base, Database
from bot.demo import escalations as demo_escalations
from bot.demo import kpis as demo_kpis
from bot.demo import standups as demo_standups
from bot.migrate import upgrade
from bot.services import escalations, huddle, kpis
from bot.services.huddle import (
    Blocker,
    HuddleSources,
    KpiLine,
    KpiStatus,
    OpenEscalation,
    ResolvedEscalation,
    StandupSummary,
)
from bot.services.huddle_sources import huddle_sources
from bot.services.schedule import WEEKDAYS
from bot.standin.server import FakeSlack

CHANNELS = 1_000
TEAMS = 10
ZONES = ("America/Chicago", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "UTC")
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday
HOUR = timedelta(hours=1)
# Monday 07:45 in every zone, from Tokyo (Sunday 22:45 UTC) to Chicago (Monday 13:45 UTC).
TICKS_FROM = datetime(2026, 3, 1, 12, 46, tzinfo=UTC)
TICKS = 30


@dataclass
class QueryCounter:
    count: int = 0

    @contextmanager
    def counting(self, engine: Engine) -> Iterator[None]:
        def count(*_args: object) -> None:
            self.count += 1

        event.listen(engine, "before_cursor_execute", count)
        try:
            yield
        finally:
            event.remove(engine, "before_cursor_execute", count)


def data_sources(size: int) -> HuddleSources:
    """In-memory section data of `size` open escalations (and proportionally more of the rest)."""
    kpis = [
        KpiLine(f"KPI {n}", 90 + n % 20, "%", 95, list(KpiStatus)[n % 4], (n % 5) - 2.0)
        for n in range(max(size // 5, 5))
    ]
    opened = [
        OpenEscalation(
            f"ESC-{n}",
            n % 4 + 1,
            f"Issue number {n} on dock {n % 12}",
            f"U{n % 40:04d}",
            NOW - timedelta(minutes=30 * n),
            NOW - timedelta(minutes=30 * n - 60),
            n % 3 == 0,
        )
        for n in range(size)
    ]
    resolved = [
        ResolvedEscalation(f"ESC-{n}", n % 4 + 1, f"Fix {n}", NOW - 9 * HOUR, None, NOW - HOUR)
        for n in range(size // 2)
    ]
    people = [f"U{n:04d}" for n in range(max(size // 2, 8))]
    standup = StandupSummary(
        answered=people[::2],
        missing=people[1::2],
        blockers=[Blocker(p, "Waiting on parts", NOW - timedelta(hours=30)) for p in people[::5]],
    )

    def fixed(data: object):  # type: ignore[no-untyped-def]
        def source(session: Session, *, team_id: str, now: datetime, since: datetime) -> object:
            return data

        return source

    return HuddleSources(fixed(kpis), fixed(opened), fixed(resolved), fixed(standup))


def seed(db: Database) -> list[tuple[str, str]]:
    channels = [(f"T{n % TEAMS:04d}", f"C{n:06d}") for n in range(CHANNELS)]
    with db.session() as session:
        for n, (team_id, channel_id) in enumerate(channels):
            huddle.configure(
                session,
                team_id=team_id,
                channel_id=channel_id,
                at=clock_time(7, 45),
                tz=ZONES[n % len(ZONES)],
                days=WEEKDAYS,
                default_tz="UTC",
                user_id="UADMIN",
                now=NOW - timedelta(days=3),
            )
    return channels


def bench_build(
    db: Database, channels: list[tuple[str, str]], sources: HuddleSources, label: str
) -> None:
    counter = QueryCounter()
    started = time.perf_counter()
    with counter.counting(db.engine):
        for team_id, channel_id in channels:
            with db.session() as session:
                built = huddle.channel_huddle(
                    session,
                    team_id=team_id,
                    channel_id=channel_id,
                    default_tz="UTC",
                    now=NOW,
                    sources=sources,
                )
            render("messages/huddle", huddle=built)
    elapsed = time.perf_counter() - started
    print(
        f"build+render, {label}: {counter.count / len(channels):.1f} queries/channel, "
        f"{elapsed / len(channels) * 1000:.2f} ms/channel, {elapsed:.1f} s in all"
    )


def seed_features(db: Database) -> None:
    """Every team gets the demo operation's real data: 12 KPIs with 180 days of history,
    about 60 escalations, a standup with two weeks of answers."""
    for n in range(TEAMS):
        team_id = f"T{n:04d}"
        for seed_feature in (demo_kpis.seed, demo_escalations.seed, demo_standups.seed):
            with db.session() as session:
                seed_feature(session, team_id=team_id, now=NOW, rng=Random(n))


def grow_features(db: Database) -> None:
    """Per team, 500 more open escalations and 88 more KPIs (100 in all) with a value each."""
    for n in range(TEAMS):
        team_id = f"T{n:04d}"
        with db.session() as session:
            for k in range(500):
                escalations.open_escalation(
                    session,
                    team_id=team_id,
                    reporter_id="UMARIA",
                    summary=f"Dock {k % 12} issue {k}",
                    details="",
                    severity=f"sev{k % 4 + 1}",
                    now=NOW - timedelta(minutes=k),
                )
            for k in range(88):
                kpi = kpis.create_kpi(
                    session,
                    team_id=team_id,
                    name=f"extra-{k}",
                    target=95,
                    created_by="UMARIA",
                    now=NOW - timedelta(days=2),
                )
                kpis.record_values(
                    session,
                    kpi=kpi,
                    points=[(90.0 + k % 10, NOW - HOUR)],
                    source="bench",
                    recorded_by=None,
                    now=NOW,
                )


def bench_tick(url: str, fake: FakeSlack) -> None:
    settings = load_settings(
        _env_file=None,
        slack_bot_token="xoxb-bench",
        slack_signing_secret="bench",
        slack_api_url=fake.api_url,
        database_url=url,
    )
    clock = ManualClock(NOW)
    runtime = build_runtime(settings, clock=clock)
    counter = QueryCounter()
    started = time.perf_counter()
    with counter.counting(runtime.db.engine):
        for hours in range(TICKS):
            clock.set(TICKS_FROM + hours * HOUR)
            runtime.scheduler.tick()
            runtime.delivery.drain()
    elapsed = time.perf_counter() - started
    posted = len(fake.calls_to("chat.postMessage"))
    runtime.close()
    print(
        f"scheduled path, {TICKS} hourly ticks: {posted} huddles posted, "
        f"{counter.count / posted:.1f} queries/channel (ticks included), "
        f"{elapsed / posted * 1000:.2f} ms/channel, {elapsed:.1f} s in all"
    )


def reset(url: str) -> None:
    if url.startswith("sqlite"):
        return
    engine = create_engine(load_settings(_env_file=None, database_url=url).database_url)
    with engine.begin() as connection:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def main() -> None:
    fake = FakeSlack().start()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("OPSBOT_BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'b.db'}"
        url = load_settings(_env_file=None, database_url=url).database_url
        upgrade(url)
        reset(url)
        db = Database(url)
        print(f"{CHANNELS} channels on {db.engine.dialect.name}")
        channels = seed(db)
        for size in (10, 500):
            label = f"in-memory sections, {size} open escalations, {max(size // 5, 5)} KPIs"
            bench_build(db, channels, data_sources(size), label)
        seed_features(db)
        label = "real sources, demo data (12 KPIs, ~60 escalations, a standup)"
        bench_build(db, channels, huddle_sources(), label)
        grow_features(db)
        label = "real sources, plus 500 open escalations and 88 KPIs per team"
        bench_build(db, channels, huddle_sources(), label)
        db.dispose()
        bench_tick(url, fake)
    fake.stop()


if __name__ == "__main__":
    main()
