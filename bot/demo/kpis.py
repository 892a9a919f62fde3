"""Demo KPIs of the distribution centre: a dozen KPIs with 180 days of daily history,
real trends (on-time shipping slipping for three weeks, dock-to-stock improving, backorders
building up) and a few control-rule violations, and alerts going to #ops-kpis."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy.orm import Session

from bot.demo import CHANNELS
from bot.models import Better
from bot.services import kpis

DAYS = 180
KPI_CHANNEL = next(cid for cid, name in CHANNELS.items() if name == "ops-kpis")


@dataclass(frozen=True)
class DemoKpi:
    name: str
    unit: str
    target: float
    warn: float | None
    better: str
    owner: str
    description: str
    shape: Callable[[int, random.Random], float]  # day 0 … DAYS-1 → value
    digits: int = 1


def _steady(level: float, noise: float) -> Callable[[int, random.Random], float]:
    return lambda _day, rng: level + rng.gauss(0, noise)


def _on_time(day: int, rng: random.Random) -> float:
    slip = max(0, day - (DAYS - 21)) * 0.22  # a carrier problem for the last three weeks
    return min(100.0, 98.6 - slip + rng.gauss(0, 0.45))


def _dock_to_stock(day: int, rng: random.Random) -> float:
    return max(1.0, 6.2 - 2.6 * day / DAYS + rng.gauss(0, 0.35))  # new receiving process


def _pick_rate(day: int, rng: random.Random) -> float:
    spike = 38 if day == DAYS - 40 else 0  # a mis-keyed batch on one night
    weekend = -9 if day % 7 in (5, 6) else 0
    return 146 + weekend + spike + rng.gauss(0, 4)


def _backorders(day: int, rng: random.Random) -> float:
    build_up = max(0, day - (DAYS - 30)) * 1.1
    return max(0.0, round(19 + build_up + rng.gauss(0, 3)))


def _recordables(day: int, rng: random.Random) -> float:
    return 1.0 if day in (23, 97, DAYS - 12) else 0.0


def _utilisation(day: int, rng: random.Random) -> float:
    season = 4 * math.sin(2 * math.pi * day / 91)
    return 84 + season + rng.gauss(0, 1.2)


DEMO_KPIS: tuple[DemoKpi, ...] = (
    DemoKpi(
        "on-time-shipping",
        "%",
        98,
        96,
        Better.HIGHER,
        "UJAMAL",
        "Orders shipped by the promised ship date.",
        _on_time,
    ),
    DemoKpi(
        "order-accuracy",
        "%",
        99.5,
        99,
        Better.HIGHER,
        "ULENA",
        "Orders shipped complete and correct.",
        _steady(99.7, 0.12),
        2,
    ),
    DemoKpi(
        "dock-to-stock",
        "h",
        4,
        6,
        Better.LOWER,
        "UOMAR",
        "Hours from trailer arrival to stock being pickable.",
        _dock_to_stock,
    ),
    DemoKpi(
        "pick-rate",
        "lines/h",
        140,
        125,
        Better.HIGHER,
        "UJAMAL",
        "Order lines picked per labour hour.",
        _pick_rate,
    ),
    DemoKpi(
        "backorders",
        "orders",
        25,
        40,
        Better.LOWER,
        "UPRIYA",
        "Open customer orders waiting for stock.",
        _backorders,
        0,
    ),
    DemoKpi(
        "inventory-accuracy",
        "%",
        99,
        98,
        Better.HIGHER,
        "UPRIYA",
        "Cycle-count locations with no variance.",
        _steady(99.3, 0.3),
        2,
    ),
    DemoKpi(
        "osha-recordables",
        "",
        0,
        None,
        Better.LOWER,
        "UDEV",
        "OSHA recordable injuries per day.",
        _recordables,
        0,
    ),
    DemoKpi(
        "fill-rate",
        "%",
        97,
        95,
        Better.HIGHER,
        "UPRIYA",
        "Order lines filled from stock on first shipment.",
        _steady(97.8, 0.6),
    ),
    DemoKpi(
        "cost-per-order",
        "USD",
        3.2,
        3.5,
        Better.LOWER,
        "UMARIA",
        "Warehouse cost per order shipped.",
        _steady(3.05, 0.09),
        2,
    ),
    DemoKpi(
        "trailer-turn-time",
        "min",
        45,
        60,
        Better.LOWER,
        "UAIKO",
        "Minutes from gate-in to gate-out.",
        _steady(41, 5),
        0,
    ),
    DemoKpi(
        "labor-utilization",
        "%",
        85,
        80,
        Better.HIGHER,
        "USAM",
        "Direct labour hours over paid hours.",
        _utilisation,
    ),
    DemoKpi(
        "damaged-shipments",
        "%",
        0.5,
        0.8,
        Better.LOWER,
        "ULENA",
        "Shipments with a damage claim.",
        _steady(0.38, 0.08),
        2,
    ),
)


def seed(session: Session, *, team_id: str, now: datetime, rng: random.Random) -> None:
    """Create the demo KPIs with their history and send alerts to #ops-kpis."""
    kpis.set_kpi_channel(session, team_id=team_id, channel_id=KPI_CHANNEL, now=now)
    first_day = now.date() - timedelta(days=DAYS)
    for spec in DEMO_KPIS:
        kpi = kpis.create_kpi(
            session,
            team_id=team_id,
            name=spec.name,
            target=spec.target,
            warn=spec.warn,
            better=spec.better,
            unit=spec.unit,
            description=spec.description,
            owner_id=spec.owner,
            created_by="UMARIA",
            now=now - timedelta(days=DAYS + 1),
        )
        points = [
            (
                round(spec.shape(day, rng), spec.digits),
                datetime.combine(first_day + timedelta(days=day), time(6), tzinfo=now.tzinfo),
            )
            for day in range(DAYS)
        ]
        kpis.record_values(session, kpi=kpi, points=points, source="csv", recorded_by=None, now=now)
