"""What keeps `/kpi <name>` lookups cheap and a channel's history readable.

- The figures of a KPI over a period (latest value, min/mean/max, SPC and the broken rules)
  are worked out once per revision of its values (`Kpi.revision`, bumped with every write)
  and whole minute of the period's start; the next lookups read only the KPI's row. Each
  serving process remembers them.
- A lookup is private; its Share button posts it to the channel once: the same chart (same
  definition, period and values) is not shared in the same channel again within
  `CHART_REPOST_AFTER` (a double click, or two people sharing the same thing), and the
  sharer is told when it was shared instead. Which chart each channel got last is kept in
  the database (`kpi_chart_posts`), so that every process and instance agrees.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace
from datetime import datetime, timedelta

from cachetools import LRUCache
from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import Kpi, KpiChartPost
from bot.services import kpis

CHART_REPOST_AFTER = timedelta(minutes=10)
REMEMBERED = 4096

FiguresKey = tuple[int, int, float, float | None, str, kpis.Period, datetime]


def chart_key(detail: kpis.KpiDetail) -> str:
    """What the lookup's chart shows: the KPI's definition, the period and its values (their
    count, sum and latest moment), so two lookups with the same key draw the same picture."""
    kpi = detail.kpi
    shown = (
        kpi.id,
        kpi.name,
        kpi.unit,
        kpi.target,
        kpi.warn,
        kpi.better,
        detail.period.code,
        detail.count,
        repr(detail.mean),
        detail.latest_at.isoformat() if detail.latest_at else None,
    )
    return hashlib.sha256(repr(shown).encode()).hexdigest()


class KpiLookups:
    """The figures of recent lookups in this process (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._figures: LRUCache[FiguresKey, kpis.KpiDetail] = LRUCache(maxsize=REMEMBERED)

    def detail(
        self, session: Session, *, kpi: Kpi, period: kpis.Period, now: datetime
    ) -> kpis.KpiDetail:
        """`kpis.kpi_detail`, worked out again only when a value was written or the period
        moved on by a minute."""
        key = (kpi.id, kpi.revision, kpi.target, kpi.warn, kpi.better, period, period.start(now))
        with self._lock:
            known = self._figures.get(key)
        if known is None:
            known = kpis.kpi_detail(session, kpi=kpi, period=period, now=now)
            with self._lock:
                self._figures[key] = known
        return replace(known, kpi=kpi, end=now)


def _chart_post_of(channel_id: str, detail: kpis.KpiDetail) -> tuple[ColumnElement[bool], ...]:
    """The row of `kpi_chart_posts` for the lookup's KPI and period in the channel."""
    return (
        KpiChartPost.team_id == detail.kpi.team_id,
        KpiChartPost.channel_id == channel_id,
        KpiChartPost.kpi_id == detail.kpi.id,
        KpiChartPost.period == detail.period.code,
    )


def chart_shared_at(
    session: Session, *, channel_id: str, detail: kpis.KpiDetail, now: datetime
) -> datetime | None:
    """When this very chart was shared in the channel, if recently enough not to share it
    again (read only: `claim_chart_post` takes the turn to share)."""
    last = session.scalar(select(KpiChartPost).where(*_chart_post_of(channel_id, detail)))
    if last is None or last.chart_key != chart_key(detail):
        return None
    return last.posted_at if now - last.posted_at < CHART_REPOST_AFTER else None


def claim_chart_post(
    session: Session, *, channel_id: str, detail: kpis.KpiDetail, now: datetime
) -> datetime | None:
    """Claim the sharing of the lookup's chart in the channel: None when this caller is to
    share it, else when the same chart went there (within `CHART_REPOST_AFTER`)."""
    kpi = detail.kpi
    where = _chart_post_of(channel_id, detail)
    key = chart_key(detail)
    last = session.scalar(select(KpiChartPost).where(*where).with_for_update())
    if last is None:
        try:
            with session.begin_nested():
                session.add(
                    KpiChartPost(
                        team_id=kpi.team_id,
                        channel_id=channel_id,
                        kpi_id=kpi.id,
                        period=detail.period.code,
                        chart_key=key,
                        posted_at=now,
                    )
                )
            return None
        except IntegrityError:  # another process claimed it a moment ago
            last = session.scalar(select(KpiChartPost).where(*where).with_for_update())
            assert last is not None
    if last.chart_key == key and now - last.posted_at < CHART_REPOST_AFTER:
        return last.posted_at
    last.chart_key, last.posted_at = key, now
    return None


def release_chart_post(
    session: Session, *, channel_id: str, detail: kpis.KpiDetail, now: datetime
) -> None:
    """Give a claim back when the chart could not be shared, so that Share can try again."""
    session.execute(
        delete(KpiChartPost).where(
            *_chart_post_of(channel_id, detail),
            KpiChartPost.chart_key == chart_key(detail),
            KpiChartPost.posted_at == now,
        )
    )
