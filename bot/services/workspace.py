"""Workspace-wide settings, cached Slack profiles and once-only keys."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from cachetools import LRUCache
from sqlalchemy import delete, select, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import Base
from bot.models import ProcessedKey, SlackUser, TeamSetting

PROFILE_MAX_AGE = timedelta(days=1)
PROFILE_REUSE = timedelta(minutes=1)  # how long a process reuses a profile it has read
PROCESSED_KEY_RETENTION = timedelta(days=2)


def get_setting(session: Session, *, team_id: str, key: str) -> str | None:
    """The workspace's value for `key`, or None when it was never set."""
    return session.scalar(
        select(TeamSetting.value).where(TeamSetting.team_id == team_id, TeamSetting.key == key)
    )


def set_setting(session: Session, *, team_id: str, key: str, value: str, now: datetime) -> None:
    """Create or replace one workspace setting."""
    row = session.scalar(
        select(TeamSetting).where(TeamSetting.team_id == team_id, TeamSetting.key == key)
    )
    if row is None:
        session.add(TeamSetting(team_id=team_id, key=key, value=value, updated_at=now))
    else:
        row.value = value
        row.updated_at = now
    session.flush()


def claim_key(session: Session, *, team_id: str, key: str, now: datetime) -> bool:
    """Record `key` as handled. False when it already was (a Slack retry, a double click).

    The unique constraint makes this safe across threads and instances.
    """
    try:
        with session.begin_nested():
            session.add(ProcessedKey(team_id=team_id, key=key[:255], created_at=now))
    except IntegrityError:
        return False
    return True


def release_key(session: Session, *, team_id: str, key: str) -> None:
    """Forget a claimed `key`, so that the same action may be taken again (it failed)."""
    session.execute(
        delete(ProcessedKey).where(ProcessedKey.team_id == team_id, ProcessedKey.key == key[:255])
    )


def forget_old_keys(session: Session, *, now: datetime) -> int:
    """Drop keys older than any Slack retry window; returns how many went."""
    result = session.execute(
        delete(ProcessedKey).where(ProcessedKey.created_at < now - PROCESSED_KEY_RETENTION)
    )
    return result.rowcount or 0


def workspace_ids(session: Session) -> list[str]:
    """Every workspace (team id) that has any data in this database, sorted.

    The one query that spans workspaces on purpose: the CLI uses it to default `--team`
    to the only workspace and to name the ones there are when `--team` is wrong."""
    columns = [
        select(table.c.team_id).where(table.c.team_id.is_not(None))
        for table in Base.metadata.sorted_tables
        if "team_id" in table.c
    ]
    return sorted(session.scalars(union(*columns)))


def known_admins(session: Session, *, team_id: str) -> list[str]:
    """Workspace admins and owners Opsbot has seen (from cached Slack profiles)."""
    return sorted(
        session.scalars(
            select(SlackUser.user_id).where(
                SlackUser.team_id == team_id, SlackUser.is_admin.is_(True)
            )
        )
    )


def get_profile(session: Session, *, team_id: str, user_id: str) -> SlackUser | None:
    return session.scalar(
        select(SlackUser).where(SlackUser.team_id == team_id, SlackUser.user_id == user_id)
    )


def is_fresh(profile: SlackUser | None, *, now: datetime) -> bool:
    return profile is not None and now - profile.refreshed_at < PROFILE_MAX_AGE


@dataclass(frozen=True)
class Profile:
    """What commands need of a Slack user, as plain values a process can keep."""

    team_id: str
    user_id: str
    name: str
    tz: str | None
    is_admin: bool

    @classmethod
    def of(cls, row: SlackUser) -> Profile:
        return cls(row.team_id, row.user_id, row.name, row.tz, row.is_admin)


class RecentProfiles:
    """The profiles this process read in the last minute: every command needs its caller's
    timezone or admin flag, and reading them once a minute instead of once a request takes
    a query off most acknowledgements. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: LRUCache[tuple[str, str], tuple[Profile, datetime]] = LRUCache(4096)

    def get(self, *, team_id: str, user_id: str, now: datetime) -> Profile | None:
        with self._lock:
            known = self._known.get((team_id, user_id))
        if known is None or not timedelta(0) <= now - known[1] < PROFILE_REUSE:
            return None
        return known[0]

    def remember(self, profile: Profile, *, now: datetime) -> None:
        with self._lock:
            self._known[(profile.team_id, profile.user_id)] = (profile, now)


def save_profile(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    name: str,
    tz: str | None,
    is_admin: bool,
    now: datetime,
) -> SlackUser:
    """Create or refresh the cached copy of a Slack user's profile.

    One upsert: two instances (or a listener and a scheduler) caching the same person at
    once both succeed, where a read-then-insert lets the second fail on the unique key."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    fresh = {"name": name, "tz": tz, "is_admin": is_admin, "refreshed_at": now}
    statement = insert(SlackUser).values(team_id=team_id, user_id=user_id, **fresh)
    statement = statement.on_conflict_do_update(
        index_elements=["team_id", "user_id"],
        set_={column: statement.excluded[column] for column in fresh},
    ).returning(SlackUser)
    return session.scalars(statement, execution_options={"populate_existing": True}).one()
