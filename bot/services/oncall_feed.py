"""Secret iCalendar feeds of on-call shifts, for Google Calendar or Outlook to subscribe to.

`opsbot oncall feed` makes a feed of one schedule (or of one person's shifts in it) and
prints its URL once; only the token's SHA-256 is stored, so a leaked database does not leak
feeds, and a feed is revoked by marking its row. The calendar holds one event per shift
(gaps are not events) from 14 days back to 60 days ahead, each with a UID that stays the
same from one fetch to the next, so calendars update events instead of duplicating them.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.errors import ConflictError
from bot.models import OncallFeed, OncallSchedule
from bot.services import oncall, workspace

FEED_BEHIND = timedelta(days=14)
FEED_AHEAD = timedelta(days=60)
# Shifts are looked for from further back, so that the first one in the feed starts where it
# really starts (its UID, made from its start, stays the same from day to day).
LOOK_BEHIND = timedelta(days=7)
TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(
    session: Session, *, schedule: OncallSchedule, user_id: str | None, now: datetime
) -> str:
    """A new feed of `schedule` (only `user_id`'s shifts when given, who must be one of its
    people); returns its secret token, which is not stored and cannot be shown again."""
    if user_id is not None:
        people = oncall.members(session, schedule=schedule, now=now)
        if user_id not in people:
            listed = ", ".join(
                f"{_name(session, team_id=schedule.team_id, user_id=user)} ({user})"
                for user in people
            )
            raise ConflictError(
                f"{user_id} is not one of the people of {schedule.name} (in a layer or an "
                f"override), so their feed would stay empty. Its people: {listed}."
            )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        OncallFeed(
            team_id=schedule.team_id,
            schedule_id=schedule.id,
            user_id=user_id,
            token_hash=token_hash(token),
            created_at=now,
        )
    )
    session.flush()
    return token


def revoke_feeds(
    session: Session, *, schedule: OncallSchedule, user_id: str | None, now: datetime
) -> int:
    """Revoke the schedule's live feeds (only `user_id`'s own feeds when given); returns how
    many."""
    query = (
        update(OncallFeed)
        .where(
            OncallFeed.team_id == schedule.team_id,
            OncallFeed.schedule_id == schedule.id,
            OncallFeed.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if user_id is not None:
        query = query.where(OncallFeed.user_id == user_id)
    return session.execute(query).rowcount or 0


def feed_for(session: Session, *, token: str) -> OncallFeed | None:
    """The live feed of a token (None: unknown or revoked). The one look-up that starts from
    no workspace: the secret token names the workspace."""
    if not token or len(token) > 200:
        return None
    return session.scalar(
        select(OncallFeed).where(
            OncallFeed.token_hash == token_hash(token), OncallFeed.revoked_at.is_(None)
        )
    )


def _name(session: Session, *, team_id: str, user_id: str) -> str:
    profile = workspace.get_profile(session, team_id=team_id, user_id=user_id)
    return profile.name if profile is not None and profile.name else user_id


def calendar(session: Session, *, feed: OncallFeed, now: datetime) -> bytes:
    """The feed as an RFC 5545 calendar."""
    schedule = session.get(OncallSchedule, feed.schedule_id)
    assert schedule is not None and schedule.team_id == feed.team_id
    start, end = now - FEED_BEHIND, now + FEED_AHEAD
    found = [
        shift
        for shift in oncall.shifts(session, schedule=schedule, start=start - LOOK_BEHIND, end=end)
        if shift.ends_at > start
        and shift.user_id is not None
        and feed.user_id in (None, shift.user_id)
    ]
    names = {
        user: _name(session, team_id=schedule.team_id, user_id=user)
        for user in {shift.user_id for shift in found if shift.user_id}
    }
    cal = Calendar()
    cal.add("prodid", "-//Opsbot//On-call shifts//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    title = f"{schedule.name} on call" + (
        f" ({names.get(feed.user_id, feed.user_id)})" if feed.user_id else ""
    )
    cal.add("x-wr-calname", title)
    cal.add("x-wr-timezone", schedule.tz)
    for shift in found:
        assert shift.user_id is not None
        event = Event()
        event.add("uid", f"{schedule.id}-{shift.starts_at:%Y%m%dT%H%M%SZ}-{shift.user_id}@opsbot")
        event.add("dtstamp", now)
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        event.add("summary", f"On call: {schedule.name} ({names[shift.user_id]})")
        event.add(
            "description",
            f"{names[shift.user_id]} is on call in {schedule.name}. "
            "Shifts change with overrides; this calendar follows them.",
        )
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
