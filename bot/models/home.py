"""App Home: when each person's Home tab was last published, and whether it is out of date."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, TeamScoped


class HomeTab(TeamScoped, Base):
    """One person's Home tab. The row exists once they have opened it; only then is it kept
    current. `published_at` is when a publish was last claimed (at most one per refresh
    interval, whichever instance claims it); `stale_since` is set when a change arrived
    inside that interval and waits for the `app-home` job."""

    __tablename__ = "home_tabs"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    published_at: Mapped[datetime | None]
    stale_since: Mapped[datetime | None] = mapped_column(index=True)
