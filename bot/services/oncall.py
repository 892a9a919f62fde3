"""On-call schedules in the database: create, add layers, configure, override, delete, and
the questions everything else asks (who is on call now, the shifts ahead, the gaps), all
answered by `bot.services.rotation` from the stored layers and overrides.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.errors import ConflictError, NotFoundError
from bot.models import OncallLayer, OncallOverride, OncallSchedule
from bot.services import rotation

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
NAME_RULE = "a schedule's name is one word of letters, digits, `-`, `_` or `.`, such as night-leads"
MAX_LAYERS = 10
MAX_MEMBERS = 50
COVERAGE_WINDOW = timedelta(days=14)  # gaps reported when a schedule is created or changed
LONGEST_OVERRIDE = timedelta(days=90)


@dataclass(frozen=True)
class LayerSpec:
    """A layer as typed: members in turn order and when they hand over."""

    members: tuple[str, ...]
    every: timedelta
    handover: time
    start: date
    days: frozenset[int] = rotation.ALL_DAYS
    hours: tuple[time, time] | None = None

    def as_layer(self) -> rotation.Layer:
        return rotation.Layer(
            self.members, self.every, self.handover, self.start, self.days, self.hours
        )


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise rotation.RotationError(f"`{name}` is not a schedule name: {NAME_RULE}.")
    return name


def _check_layer(spec: LayerSpec) -> rotation.Layer:
    if len(spec.members) > MAX_MEMBERS:
        raise rotation.RotationError(f"A layer has at most {MAX_MEMBERS} people.")
    return spec.as_layer()  # raises RotationError when it cannot be


def _layer_row(
    schedule: OncallSchedule, spec: LayerSpec, *, position: int, created_by: str, now: datetime
) -> OncallLayer:
    _check_layer(spec)
    return OncallLayer(
        team_id=schedule.team_id,
        schedule_id=schedule.id,
        position=position,
        members=json.dumps(list(spec.members)),
        every_seconds=int(spec.every.total_seconds()),
        handover=spec.handover,
        start=spec.start,
        days=",".join(str(d) for d in sorted(spec.days)),
        hours_from=spec.hours[0] if spec.hours else None,
        hours_to=spec.hours[1] if spec.hours else None,
        created_by=created_by,
        created_at=now,
    )


def create_schedule(
    session: Session,
    *,
    team_id: str,
    name: str,
    tz: str,
    layer: LayerSpec,
    created_by: str,
    now: datetime,
) -> OncallSchedule:
    check_name(name)
    ZoneInfo(tz)  # the caller checked it; a bad zone must not be stored
    _check_layer(layer)
    existing = session.scalar(
        select(OncallSchedule).where(
            OncallSchedule.team_id == team_id, OncallSchedule.name_key == name.lower()
        )
    )
    if existing is not None:
        raise ConflictError(
            f"There is already a schedule named {existing.name}. "
            f"Add a layer with `/oncall layer {existing.name} …` or pick another name."
        )
    schedule = OncallSchedule(
        team_id=team_id,
        name=name,
        name_key=name.lower(),
        tz=tz,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(schedule)
    session.flush()
    session.add(_layer_row(schedule, layer, position=0, created_by=created_by, now=now))
    session.flush()
    return schedule


def add_layer(
    session: Session, *, schedule: OncallSchedule, layer: LayerSpec, created_by: str, now: datetime
) -> OncallLayer:
    count = session.scalar(
        select(func.count())
        .select_from(OncallLayer)
        .where(OncallLayer.team_id == schedule.team_id, OncallLayer.schedule_id == schedule.id)
    )
    if (count or 0) >= MAX_LAYERS:
        raise ConflictError(f"A schedule has at most {MAX_LAYERS} layers.")
    row = _layer_row(schedule, layer, position=count or 0, created_by=created_by, now=now)
    session.add(row)
    schedule.updated_at = now
    session.flush()
    return row


def delete_schedule(session: Session, *, schedule: OncallSchedule) -> None:
    session.execute(
        delete(OncallSchedule).where(
            OncallSchedule.team_id == schedule.team_id, OncallSchedule.id == schedule.id
        )
    )


def schedules(session: Session, *, team_id: str) -> list[OncallSchedule]:
    return list(
        session.scalars(
            select(OncallSchedule)
            .where(OncallSchedule.team_id == team_id)
            .order_by(OncallSchedule.name_key)
        )
    )


def suggest_names(session: Session, *, team_id: str, name: str, limit: int = 3) -> list[str]:
    names = [s.name for s in schedules(session, team_id=team_id)]
    matches = process.extract(
        name.lower(),
        {n: n.lower() for n in names},
        scorer=fuzz.WRatio,
        limit=limit,
        score_cutoff=50,
    )
    return [key for _choice, _score, key in matches]


def find_schedule(session: Session, *, team_id: str, name: str) -> OncallSchedule:
    schedule = session.scalar(
        select(OncallSchedule).where(
            OncallSchedule.team_id == team_id, OncallSchedule.name_key == name.lower()
        )
    )
    if schedule is None:
        suggestions = suggest_names(session, team_id=team_id, name=name)
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        raise NotFoundError(f"There is no on-call schedule named `{name}`.{hint}")
    return schedule


def layers(session: Session, *, schedule: OncallSchedule) -> list[OncallLayer]:
    return list(
        session.scalars(
            select(OncallLayer)
            .where(OncallLayer.team_id == schedule.team_id, OncallLayer.schedule_id == schedule.id)
            .order_by(OncallLayer.position, OncallLayer.id)
        )
    )


def layer_spec(row: OncallLayer) -> LayerSpec:
    hours = None
    if row.hours_from is not None and row.hours_to is not None:
        hours = (row.hours_from, row.hours_to)
    return LayerSpec(
        members=tuple(json.loads(row.members)),
        every=timedelta(seconds=row.every_seconds),
        handover=row.handover,
        start=row.start,
        days=frozenset(int(d) for d in row.days.split(",") if d),
        hours=hours,
    )


# -- overrides --------------------------------------------------------------------------


def add_override(
    session: Session,
    *,
    schedule: OncallSchedule,
    user_id: str,
    starts_at: datetime,
    ends_at: datetime,
    created_by: str,
    now: datetime,
) -> OncallOverride:
    rotation.Override(user_id, starts_at, ends_at)  # raises when `to` is not after `from`
    if ends_at <= now:
        raise rotation.RotationError("That override would end in the past.")
    if ends_at - starts_at > LONGEST_OVERRIDE:
        raise rotation.RotationError("An override lasts at most 90 days; add a layer instead.")
    row = OncallOverride(
        team_id=schedule.team_id,
        schedule_id=schedule.id,
        user_id=user_id,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=created_by,
        created_at=now,
    )
    session.add(row)
    schedule.updated_at = now
    session.flush()
    return row


def current_overrides(
    session: Session, *, schedule: OncallSchedule, now: datetime
) -> list[OncallOverride]:
    """The overrides not yet over and not removed, soonest first."""
    return list(
        session.scalars(
            select(OncallOverride)
            .where(
                OncallOverride.team_id == schedule.team_id,
                OncallOverride.schedule_id == schedule.id,
                OncallOverride.removed_at.is_(None),
                OncallOverride.ends_at > now,
            )
            .order_by(OncallOverride.starts_at, OncallOverride.id)
        )
    )


def remove_override(
    session: Session, *, team_id: str, override_id: int, removed_by: str, now: datetime
) -> OncallOverride:
    row = session.scalar(
        select(OncallOverride).where(
            OncallOverride.team_id == team_id, OncallOverride.id == override_id
        )
    )
    if row is None or row.removed_at is not None:
        raise ConflictError("That override was already removed.")
    row.removed_at, row.removed_by = now, removed_by
    session.flush()
    return row


def members(session: Session, *, schedule: OncallSchedule, now: datetime) -> list[str]:
    """Everyone who takes turns in a layer of `schedule` or has an override in it not yet
    over, in the order they first appear."""
    found = [user for row in layers(session, schedule=schedule) for user in json.loads(row.members)]
    found += [o.user_id for o in current_overrides(session, schedule=schedule, now=now)]
    return list(dict.fromkeys(found))


# -- who is on call -----------------------------------------------------------------------


def as_rotation(
    session: Session, *, schedule: OncallSchedule, since: datetime | None = None
) -> rotation.Schedule:
    """The stored schedule as rotation arithmetic (overrides ending before `since` left out)."""
    query = select(OncallOverride).where(
        OncallOverride.team_id == schedule.team_id,
        OncallOverride.schedule_id == schedule.id,
        OncallOverride.removed_at.is_(None),
    )
    if since is not None:
        query = query.where(OncallOverride.ends_at > since)
    overrides = tuple(
        rotation.Override(o.user_id, o.starts_at, o.ends_at, order=o.id)
        for o in session.scalars(query)
    )
    return rotation.Schedule(
        ZoneInfo(schedule.tz),
        tuple(layer_spec(row).as_layer() for row in layers(session, schedule=schedule)),
        overrides,
    )


def on_call_at(session: Session, *, schedule: OncallSchedule, at: datetime) -> str | None:
    """Who is on call in `schedule` at `at` (None: nobody, a gap)."""
    return rotation.on_call_at(as_rotation(session, schedule=schedule, since=at), at)


def shifts(
    session: Session, *, schedule: OncallSchedule, start: datetime, end: datetime
) -> list[rotation.Shift]:
    return rotation.shifts(as_rotation(session, schedule=schedule, since=start), start, end)


def coverage_gaps(
    session: Session, *, schedule: OncallSchedule, now: datetime, within: timedelta
) -> list[rotation.Shift]:
    """The times nobody covers from now to `within` ahead."""
    return [s for s in shifts(session, schedule=schedule, start=now, end=now + within) if s.is_gap]


def schedule_by_level(session: Session, *, team_id: str, level: str) -> OncallSchedule | None:
    """The schedule a chain level `schedule:<name>` names, or None when it is not one."""
    if not level.lower().startswith("schedule:"):
        return None
    return session.scalar(
        select(OncallSchedule).where(
            OncallSchedule.team_id == team_id,
            OncallSchedule.name_key == level.split(":", 1)[1].lower(),
        )
    )


# -- settings and what the commands show ----------------------------------------------------

OVERVIEW_AHEAD = timedelta(days=30)  # how far `/oncall` looks for the next person
NEXT_SHIFT_AHEAD = timedelta(days=14)  # how far the App Home looks for a person's shift


def configure(
    session: Session,
    *,
    schedule: OncallSchedule,
    channel_id: str | None,
    usergroup_id: str | None,
    notice_minutes: int | None,
    now: datetime,
) -> OncallSchedule:
    """Where shift changes are announced, the user group kept equal to whoever is on call,
    and how many minutes before a change the handover goes out. None keeps a setting; ""
    clears the channel or the user group."""
    if channel_id is not None:
        schedule.channel_id = channel_id or None
    if usergroup_id is not None:
        schedule.usergroup_id = usergroup_id or None
    if notice_minutes is not None:
        schedule.notice_minutes = notice_minutes
    schedule.updated_at = now
    session.flush()
    return schedule


def check_usergroup(
    session: Session, *, schedule: OncallSchedule, usergroup_id: str, known: dict[str, str]
) -> list[OncallSchedule]:
    """Refuse a user group the workspace does not have (`known`: its groups, id → handle,
    as Slack lists them); returns the other schedules already keeping that group equal to
    whoever is on call in them (the group then follows whichever changes last)."""
    if usergroup_id not in known:
        raise ConflictError(
            f"There is no user group `{usergroup_id}` in this workspace (or it is disabled). "
            "Pick one with @ so that Slack turns it into a mention. Nothing was saved."
        )
    return list(
        session.scalars(
            select(OncallSchedule)
            .where(
                OncallSchedule.team_id == schedule.team_id,
                OncallSchedule.usergroup_id == usergroup_id,
                OncallSchedule.id != schedule.id,
            )
            .order_by(OncallSchedule.name_key)
        )
    )


@dataclass(frozen=True)
class OnCallNow:
    """A schedule's person now (None: a gap) until `until`, and who comes next (None: a gap)
    — `until` None when nothing changes in `OVERVIEW_AHEAD`."""

    schedule: OncallSchedule
    user_id: str | None
    until: datetime | None
    next_user_id: str | None
    next_until: datetime | None


def on_call_now(session: Session, *, team_id: str, now: datetime) -> list[OnCallNow]:
    """Every schedule of the workspace: who is on call now and who is next, by name."""
    found: list[OnCallNow] = []
    for schedule in schedules(session, team_id=team_id):
        ahead = shifts(session, schedule=schedule, start=now, end=now + OVERVIEW_AHEAD)
        current = ahead[0]
        following = ahead[1] if len(ahead) > 1 else None
        found.append(
            OnCallNow(
                schedule=schedule,
                user_id=current.user_id,
                until=following.starts_at if following else None,
                next_user_id=following.user_id if following else None,
                next_until=following.ends_at if following and len(ahead) > 2 else None,
            )
        )
    return found


@dataclass(frozen=True)
class PersonShift:
    schedule_name: str
    starts_at: datetime
    ends_at: datetime
    now: bool  # already on call


def next_shift(
    session: Session, *, team_id: str, user_id: str, now: datetime
) -> PersonShift | None:
    """The person's current or next shift in any schedule within `NEXT_SHIFT_AHEAD`."""
    best: PersonShift | None = None
    for schedule in schedules(session, team_id=team_id):
        mentioned = any(
            user_id in json.loads(row.members) for row in layers(session, schedule=schedule)
        )
        has_override = session.scalar(
            select(func.count())
            .select_from(OncallOverride)
            .where(
                OncallOverride.team_id == team_id,
                OncallOverride.schedule_id == schedule.id,
                OncallOverride.user_id == user_id,
                OncallOverride.removed_at.is_(None),
                OncallOverride.ends_at > now,
            )
        )
        if not mentioned and not has_override:
            continue
        for shift in shifts(session, schedule=schedule, start=now, end=now + NEXT_SHIFT_AHEAD):
            if shift.user_id == user_id:
                if best is None or shift.starts_at < best.starts_at:
                    best = PersonShift(
                        schedule.name, shift.starts_at, shift.ends_at, shift.starts_at <= now
                    )
                break
    return best


# -- escalation chain levels ------------------------------------------------------------------

LEVEL_PREFIX = "schedule:"


def level_for(schedule: OncallSchedule) -> str:
    """How a chain stores a level that pages whoever is on call in `schedule`."""
    return f"{LEVEL_PREFIX}{schedule.name_key}"


def is_schedule_level(level: str) -> bool:
    return level.lower().startswith(LEVEL_PREFIX)


@dataclass(frozen=True)
class ResolvedLevel:
    """A chain level at one instant: the person it pages (None: nobody on call, or the
    schedule is gone) and, for a schedule level, the schedule's name."""

    user_id: str | None
    schedule_name: str | None = None
    missing: bool = False  # the schedule no longer exists


def resolve_level(session: Session, *, team_id: str, level: str, at: datetime) -> ResolvedLevel:
    """The person a chain level pages at `at`: itself for `@user`, whoever is on call in the
    schedule for `schedule:<name>`."""
    if not is_schedule_level(level):
        return ResolvedLevel(level)
    schedule = schedule_by_level(session, team_id=team_id, level=level)
    if schedule is None:
        return ResolvedLevel(None, level.split(":", 1)[1], missing=True)
    return ResolvedLevel(on_call_at(session, schedule=schedule, at=at), schedule.name)
