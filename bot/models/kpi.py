"""KPI definitions, their recorded values, and the bearer tokens of the ingest API."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, TeamScoped


class Better:
    HIGHER = "higher"
    LOWER = "lower"


class Kpi(TeamScoped, Base):
    """One KPI of a workspace. Removed KPIs keep `deleted_at` (restorable for 30 days)."""

    __tablename__ = "kpis"
    __table_args__ = (UniqueConstraint("team_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    name_key: Mapped[str] = mapped_column(String(64))  # lower-cased name, for lookups
    unit: Mapped[str] = mapped_column(String(32), default="")
    target: Mapped[float] = mapped_column(Float)
    better: Mapped[str] = mapped_column(String(8), default=Better.HIGHER)
    warn: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
    deleted_by: Mapped[str | None] = mapped_column(String(32))
    # What the KPI channel was last told about (status plus broken SPC rules), so that
    # one alert goes out per change of state, not one per value.
    alert_state: Mapped[str] = mapped_column(String(64), default="")
    # Bumped with every write of its values, so a process can tell whether what it worked
    # out from them before (a lookup's figures) still holds.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    # How often a value is expected, in seconds, as the admin set it with `every=`; None
    # means learnt from the data (else one day).
    every_seconds: Mapped[int | None]
    # When the owner was told the KPI went stale; cleared when a fresh value arrives.
    stale_notified_at: Mapped[datetime | None]


class KpiDatapoint(TeamScoped, Base):
    """One recorded value of a KPI at a moment."""

    __tablename__ = "kpi_datapoints"
    # Lookups read one KPI's values in time order: with (id, value) in the index they are
    # answered from the index alone, in order, on SQLite and PostgreSQL alike.
    __table_args__ = (Index("ix_kpi_datapoints_lookup", "team_id", "kpi_id", "at", "id", "value"),)

    # The composite index leads with team_id, so the mixin's own index would only slow writes.
    team_id: Mapped[str] = mapped_column(String(32))
    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"))
    value: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(16))  # slack, api or csv
    recorded_by: Mapped[str | None] = mapped_column(String(64))


class KpiChangeKind:
    EDIT = "edit"  # the definition changed (detail: {"field": [old, new], ...})
    DELETE = "delete"  # an admin deleted a value (detail: the value, its time and recorder)
    UNDO = "undo"  # someone removed their own last value
    REPLACE = "replace"  # an import replaced a stored value


class KpiChange(TeamScoped, Base):
    """One correction of a KPI: its definition edited or a value taken back. Shown in the
    KPI's detail, so every change of what the numbers say has a name and a time."""

    __tablename__ = "kpi_changes"
    __table_args__ = (Index("ix_kpi_changes_kpi", "team_id", "kpi_id", "at"),)

    team_id: Mapped[str] = mapped_column(String(32))
    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    user_id: Mapped[str | None] = mapped_column(String(64))  # None: the CLI or the API
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON


class KpiChartPost(TeamScoped, Base):
    """The chart of a KPI and period last uploaded to a channel by a lookup: the same chart
    is not posted to the same channel again within a few minutes (lookups say where it is)."""

    __tablename__ = "kpi_chart_posts"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "kpi_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))
    chart_key: Mapped[str] = mapped_column(String(64))  # what the chart shows (see kpi_lookups)
    posted_at: Mapped[datetime]


class ApiToken(TeamScoped, Base):
    """A bearer token of the ingest API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
