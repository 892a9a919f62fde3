"""KPIs computed by SQL queries on the team's own databases: the query of a KPI, and each
run claimed at its due time (exactly once across instances)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import ForeignKey, Index, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, TeamScoped


class KpiQuery(TeamScoped, Base):
    """The SQL that computes one KPI from a named source, and when it runs. A stopped query
    (`stopped_at`) keeps its SQL, so setting it again starts from what the admin wrote."""

    __tablename__ = "kpi_queries"
    __table_args__ = (UniqueConstraint("team_id", "kpi_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))  # the lower-cased OPSBOT_SOURCE_<NAME>
    sql: Mapped[str] = mapped_column(Text)  # as the admin wrote it
    every_seconds: Mapped[int]
    at: Mapped[time | None] = mapped_column(Time)  # the first run of each local day
    timezone: Mapped[str] = mapped_column(String(64))
    set_by: Mapped[str | None] = mapped_column(String(64))  # None: the CLI
    # When the schedule was last set: no run is due before it.
    set_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]
    last_outcome: Mapped[str] = mapped_column(Text, default="")
    # Since when every run has failed, and why the last one did; None while it works.
    failing_since: Mapped[datetime | None]
    failure: Mapped[str | None] = mapped_column(Text)

    @property
    def every(self) -> timedelta:
        return timedelta(seconds=self.every_seconds)


class KpiQueryRun(TeamScoped, Base):
    """One due time of a query, claimed by the instance that runs it (the unique key makes
    the claim), with what came of it."""

    __tablename__ = "kpi_query_runs"
    __table_args__ = (
        UniqueConstraint("query_id", "due_at"),
        Index("ix_kpi_query_runs_due", "team_id", "query_id", "due_at"),
    )

    team_id: Mapped[str] = mapped_column(String(32))
    id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("kpi_queries.id", ondelete="CASCADE"))
    due_at: Mapped[datetime]
    claimed_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    ok: Mapped[bool | None]
    outcome: Mapped[str] = mapped_column(Text, default="")
