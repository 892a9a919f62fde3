"""Who is on call: rotation arithmetic for on-call schedules, free of Slack and the database.

A schedule has layers and overrides. A layer rotates its members in order, one turn each,
handing over at wall-clock times in the schedule's timezone: a turn of `every` hours (a
divisor of 24, at least 4) starts at `handover` and every `every` after it, each local day;
a turn of days or weeks starts at `handover` every so many days from `start`. Because turns
follow the wall clock, a turn that spans a DST change is an hour shorter or longer. `days`
and `hours` limit when a layer is active: without `hours`, a day of `days` runs from
`handover` to the next handover (an operations day, not a calendar one); a window of
`hours` belongs to the day it starts, even when it runs past midnight. A later layer wins
where it is active; an override wins over every layer (the latest override where two
overlap).

Two functions answer everything else: `on_call_at(schedule, t)` (who is on call at an
instant) and `shifts(schedule, start, end)` (the shifts, gaps included, between two
instants). `shifts` evaluates `on_call_at` at every instant anything can change, so the two
always agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ALL_DAYS = frozenset(range(7))
HOURLY_EVERY = frozenset({4, 6, 8, 12})  # hours that divide a day, at least 4 (SPEC)
LONGEST_EVERY = timedelta(weeks=4)
TURN_LENGTHS = "4h, 6h, 8h, 12h, 1d, <n>d, 1w or 2w (at most 4 weeks)"
LONGEST_SPAN = timedelta(days=366)  # the longest window `shifts` answers for


class RotationError(ValueError):
    """A layer or override that cannot be; the message says why, for the person who typed it."""


@dataclass(frozen=True)
class Layer:
    members: tuple[str, ...]
    every: timedelta
    handover: time
    start: date  # the local day the first member's first turn begins
    days: frozenset[int] = ALL_DAYS  # weekdays (Monday 0) the layer is active
    hours: tuple[time, time] | None = None  # local window [from, to); may wrap midnight

    def __post_init__(self) -> None:
        check_every(self.every)
        if not self.members:
            raise RotationError("A layer needs at least one person.")
        if not self.days:
            raise RotationError("A layer needs at least one day.")
        if self.hours is not None and self.hours[0] == self.hours[1]:
            raise RotationError("The hours of a layer cannot start and end at the same time.")


@dataclass(frozen=True)
class Override:
    user_id: str
    starts_at: datetime  # aware
    ends_at: datetime  # aware, after starts_at
    order: int = 0  # the later created, the higher: it wins where overrides overlap

    def __post_init__(self) -> None:
        if self.ends_at <= self.starts_at:
            raise RotationError("An override must end after it starts.")


@dataclass(frozen=True)
class Schedule:
    tz: ZoneInfo
    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...] = field(default=())


@dataclass(frozen=True)
class Shift:
    """From `starts_at` to `ends_at` (aware UTC), `user_id` is on call; None is a gap."""

    starts_at: datetime
    ends_at: datetime
    user_id: str | None

    @property
    def is_gap(self) -> bool:
        return self.user_id is None


def check_every(every: timedelta) -> None:
    """Refuse a turn length that is not 4, 6, 8 or 12 hours (at least 4, dividing a day), or
    whole days up to 4 weeks; every refusal gives the one list of what is."""
    seconds = every.total_seconds()
    hourly = every < timedelta(days=1) and seconds % 3600 == 0 and seconds // 3600 in HOURLY_EVERY
    daily = every >= timedelta(days=1) and seconds % 86400 == 0 and every <= LONGEST_EVERY
    if not (hourly or daily):
        raise RotationError(f"A turn is {TURN_LENGTHS}.")


# -- one layer --------------------------------------------------------------------------


def _utc(naive_local: datetime, tz: ZoneInfo) -> datetime:
    """A local wall-clock time as a UTC instant (a time skipped by DST moves forward)."""
    return naive_local.replace(tzinfo=tz).astimezone(UTC)


def _local(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def _origin(layer: Layer) -> datetime:
    return datetime.combine(layer.start, layer.handover)


def _boundary(layer: Layer, tz: ZoneInfo, index: int) -> datetime:
    """The UTC instant turn `index` begins (turn 0 is the first member's first turn)."""
    return _utc(_origin(layer) + index * layer.every, tz)


def turn_index(layer: Layer, tz: ZoneInfo, instant: datetime) -> int:
    """The turn running at `instant` (negative before the layer starts)."""
    elapsed = _local(instant, tz) - _origin(layer)
    index = math.floor(elapsed / layer.every)
    # Wall-clock steps and instants differ by DST: settle on the exact boundary.
    while _boundary(layer, tz, index + 1) <= instant:
        index += 1
    while _boundary(layer, tz, index) > instant:
        index -= 1
    return index


def _layer_day(layer: Layer, tz: ZoneInfo, instant: datetime) -> date:
    """The day `instant` counts for in `days`: a day runs from `handover` to the next
    handover, so `days=sat,sun handover=07:00` is Saturday 07:00 to Monday 07:00."""
    day = _local(instant, tz).date()
    if instant < _utc(datetime.combine(day, layer.handover), tz):
        day -= timedelta(days=1)
    return day


def _active(layer: Layer, tz: ZoneInfo, instant: datetime) -> bool:
    if layer.hours is None:
        return _layer_day(layer, tz, instant).weekday() in layer.days
    local = _local(instant, tz)
    begin, end = layer.hours
    clock = local.time()
    if begin < end:
        return begin <= clock < end and local.weekday() in layer.days
    if clock >= begin:  # a window across midnight belongs to the day it starts
        return local.weekday() in layer.days
    if clock < end:
        return (local - timedelta(days=1)).weekday() in layer.days
    return False


def layer_member_at(layer: Layer, tz: ZoneInfo, instant: datetime) -> str | None:
    """The layer's member on call at `instant`, or None when the layer is not active."""
    index = turn_index(layer, tz, instant)
    if index < 0 or not _active(layer, tz, instant):
        return None
    return layer.members[index % len(layer.members)]


# -- a schedule -------------------------------------------------------------------------


def on_call_at(schedule: Schedule, instant: datetime) -> str | None:
    """Who is on call at `instant`: an override, else the last active layer; None: a gap."""
    covering = [o for o in schedule.overrides if o.starts_at <= instant < o.ends_at]
    if covering:
        return max(covering, key=lambda o: o.order).user_id
    for layer in reversed(schedule.layers):
        member = layer_member_at(layer, schedule.tz, instant)
        if member is not None:
            return member
    return None


def shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """The shifts from `start` to `end`, consecutive, gaps included; the first begins at
    `start` and the last ends at `end` (cut to the window)."""
    if end <= start:
        return []
    if end - start > LONGEST_SPAN:
        raise RotationError("Ask for at most a year of shifts at a time.")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    instants = sorted({start, *(t for t in _changes(schedule, start, end) if start < t < end)})
    found: list[Shift] = []
    for begin, finish in zip(instants, [*instants[1:], end], strict=True):
        user = on_call_at(schedule, begin)
        if found and found[-1].user_id == user:
            found[-1] = Shift(found[-1].starts_at, finish, user)
        else:
            found.append(Shift(begin, finish, user))
    return found


def gaps(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """The times between `start` and `end` that nobody covers."""
    return [shift for shift in shifts(schedule, start, end) if shift.is_gap]


def next_change(schedule: Schedule, after: datetime, within: timedelta) -> Shift | None:
    """The first shift that begins after `after` with a different person (or a gap), within
    `within`; None when the same person stays on call all that time."""
    ahead = shifts(schedule, after, after + within)
    return ahead[1] if len(ahead) > 1 else None


def members_without_turns(layer: Layer, tz: ZoneInfo) -> tuple[str, ...]:
    """The members whose turns always fall outside the layer's days and hours (with
    `every=12h` and `hours=19:00-07:00`, every other turn is never active): over a whole
    cycle of the rotation and the week, they never appear in the layer's shifts. Empty when
    the cycle is longer than `shifts` answers for."""
    hour = timedelta(hours=1)
    rotation_hours = layer.every * len(layer.members) // hour
    cycle = math.lcm(rotation_hours, 7 * 24) * hour + layer.every  # a turn more for DST
    if cycle > LONGEST_SPAN:
        return ()
    begin = _boundary(layer, tz, 0)
    seen = {shift.user_id for shift in shifts(Schedule(tz, (layer,)), begin, begin + cycle)}
    return tuple(dict.fromkeys(m for m in layer.members if m not in seen))


def _changes(schedule: Schedule, start: datetime, end: datetime) -> Iterator[datetime]:
    """Every instant in (start, end) at which who is on call may change (a superset)."""
    tz = schedule.tz
    for override in schedule.overrides:
        yield override.starts_at.astimezone(UTC)
        yield override.ends_at.astimezone(UTC)
    first_day = _local(start, tz).date() - timedelta(days=1)
    last_day = _local(end, tz).date() + timedelta(days=1)
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    for layer in schedule.layers:
        index = max(turn_index(layer, tz, start), 0)
        while (boundary := _boundary(layer, tz, index)) < end:
            yield boundary
            index += 1
        edges: Sequence[time] = (layer.handover,) if layer.hours is None else layer.hours
        for day in days:
            for edge in edges:
                yield _utc(datetime.combine(day, edge), tz)
