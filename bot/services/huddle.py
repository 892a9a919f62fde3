"""The daily huddle: each channel's schedule, and the post built from every feature's data.

The huddle does not read other features' tables itself. Each section gets its data from a
*source*, a function `(session, *, team_id, now, since) -> data | None` returning the small
dataclasses below; `HuddleSources` holds one per section and `huddle_sources.py` wires the
features in. A source returning None (the feature is not there, or has nothing configured)
renders its section as "no data yet"; an empty list renders as "nothing to report".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.durations import format_duration
from bot.errors import NotFoundError
from bot.models import HuddleConfig, PostStatus, ScheduledPost
from bot.services.due_posts import DuePost, PostSchedule, due_posts
from bot.services.schedule import format_days, next_occurrence, parse_days

HUDDLE_KIND = "huddle"
DEFAULT_DAYS = "mon-fri"
# Without an earlier huddle in the channel, "resolved since the last huddle" means the last day.
FIRST_HUDDLE_LOOKBACK = timedelta(days=1)
STATUS_HISTORY = timedelta(days=7)

# How much of each section one post shows; the rest is counted ("… and N more").
MAX_KPIS = 12
MAX_OPEN_ESCALATIONS = 10
MAX_RESOLVED = 5
MAX_BLOCKERS = 8
MAX_NAMES = 15
ATTENTION_ITEMS = 3


# --- What each section needs (returned by the sources) ------------------------------------


class KpiStatus(StrEnum):
    ON_TARGET = "on_target"
    WARNING = "warning"
    OFF_TARGET = "off_target"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class KpiLine:
    """One KPI on the scoreboard. `trend` is the latest value minus the value a day earlier
    (None when there is no earlier value)."""

    name: str
    value: float | None
    unit: str
    target: float | None
    status: KpiStatus
    trend: float | None = None


@dataclass(frozen=True)
class OpenEscalation:
    """An escalation that is not resolved (acknowledged included). `sla_deadline` is its
    acknowledgement deadline; `sla_breached` says it was not acknowledged in time."""

    id: str
    severity: int  # 1 critical … 4 low
    summary: str
    owner: str | None  # Slack user id
    opened_at: datetime
    sla_deadline: datetime | None
    sla_breached: bool
    # When it went past its resolve target while acknowledged (raised in the next huddle).
    resolve_overdue_since: datetime | None = None


@dataclass(frozen=True)
class ResolvedEscalation:
    """An escalation resolved since the previous huddle."""

    id: str
    severity: int
    summary: str
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime


@dataclass(frozen=True)
class Blocker:
    """An open standup blocker and when it was first reported."""

    user_id: str
    text: str
    raised_at: datetime


@dataclass(frozen=True)
class StandupSummary:
    """Today's standup: who answered, who did not, and the blockers still open."""

    answered: Sequence[str]  # Slack user ids
    missing: Sequence[str]
    blockers: Sequence[Blocker] = ()


T_co = TypeVar("T_co", covariant=True)


class Source(Protocol[T_co]):
    """Where one section's data comes from. `since` is when the channel's previous huddle
    went out; `now` is when this one is built. None means "no data yet"."""

    def __call__(
        self, session: Session, *, team_id: str, now: datetime, since: datetime
    ) -> T_co | None: ...


def no_data(session: Session, *, team_id: str, now: datetime, since: datetime) -> None:
    """The source of a section whose feature is not wired in."""
    return None


@dataclass(frozen=True)
class HuddleSources:
    kpis: Source[Sequence[KpiLine]] = no_data
    open_escalations: Source[Sequence[OpenEscalation]] = no_data
    resolved_escalations: Source[Sequence[ResolvedEscalation]] = no_data
    standup: Source[StandupSummary] = no_data


# --- The post, ready for templates/messages/huddle.json.j2 --------------------------------


@dataclass(frozen=True)
class AttentionItem:
    kind: str  # "escalation", "kpi" or "blocker"
    title: str
    detail: str
    score: float


@dataclass(frozen=True)
class KpiSection:
    shown: list[KpiLine]
    more: int
    total: int
    off_target: int
    warning: int


@dataclass(frozen=True)
class OpenRow:
    escalation: OpenEscalation
    age: str
    overdue: str | None  # how long past its SLA deadline, when breached


@dataclass(frozen=True)
class OpenSection:
    total: int
    by_severity: list[tuple[int, int]]  # (severity, count), sev1 first
    breached: int
    oldest: OpenRow | None
    shown: list[OpenRow]
    more: int


@dataclass(frozen=True)
class ResolvedRow:
    escalation: ResolvedEscalation
    time_to_resolve: str


@dataclass(frozen=True)
class ResolvedSection:
    total: int
    mttr: str | None
    mtta: str | None
    mttr_by_severity: list[tuple[int, str]]
    shown: list[ResolvedRow]
    more: int


@dataclass(frozen=True)
class BlockerRow:
    blocker: Blocker
    age: str


@dataclass(frozen=True)
class StandupSection:
    answered: int
    expected: int
    percent: int
    missing_shown: list[str]
    missing_more: int
    blockers: list[BlockerRow]
    blockers_more: int
    blockers_total: int


@dataclass(frozen=True)
class Huddle:
    team_id: str
    channel_id: str
    local_date: date
    tz: str
    since: datetime
    attention: list[AttentionItem]
    kpis: KpiSection | None
    open_escalations: OpenSection | None
    resolved: ResolvedSection | None
    standup: StandupSection | None


# --- Schedules ------------------------------------------------------------------------------


def get_config(session: Session, *, team_id: str, channel_id: str) -> HuddleConfig | None:
    """The channel's huddle schedule (enabled or not), if it ever had one."""
    return session.scalar(
        select(HuddleConfig).where(
            HuddleConfig.team_id == team_id, HuddleConfig.channel_id == channel_id
        )
    )


def configure(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    at: time | None,
    tz: str | None,
    days: frozenset[int] | None,
    default_tz: str,
    user_id: str,
    now: datetime,
) -> HuddleConfig:
    """Create or change (and enable) a channel's huddle. Values left as None keep the current
    setting; a new huddle needs `at` and defaults to `default_tz` and Monday to Friday.
    The change counts from `now`: if today's time has already passed, the first post is on
    the next scheduled day, and a day that already had its post never gets a second one."""
    config = get_config(session, team_id=team_id, channel_id=channel_id)
    if config is None:
        if at is None:
            raise ValueError("a new huddle needs a time")
        config = HuddleConfig(team_id=team_id, channel_id=channel_id)
        session.add(config)
        config.time = at
        config.tz = tz or default_tz
        config.days = format_days(days) if days is not None else DEFAULT_DAYS
    else:
        config.time = at or config.time
        config.tz = tz or config.tz
        config.days = format_days(days) if days is not None else config.days
    config.enabled = True
    config.updated_by = user_id
    config.updated_at = now
    session.flush()
    return config


def turn_off(
    session: Session, *, team_id: str, channel_id: str, user_id: str, now: datetime
) -> None:
    """Stop a channel's scheduled huddle (its settings are kept for `configure`)."""
    config = get_config(session, team_id=team_id, channel_id=channel_id)
    if config is None or not config.enabled:
        raise NotFoundError(
            "That channel has no scheduled huddle, so there is nothing to turn off."
        )
    config.enabled = False
    config.updated_by = user_id
    config.updated_at = now
    session.flush()


def schedule_of(config: HuddleConfig) -> PostSchedule:
    return PostSchedule(
        team_id=config.team_id,
        channel_id=config.channel_id,
        at=config.time,
        zone=ZoneInfo(config.tz),
        days=parse_days(config.days),
        not_before=config.updated_at,
    )


def due_huddles(session: Session, *, now: datetime, grace: timedelta) -> list[DuePost]:
    """Every workspace's huddles to post now (see `due_posts`); two queries in all."""
    configs = session.scalars(select(HuddleConfig).where(HuddleConfig.enabled.is_(True)))
    return due_posts(
        session,
        kind=HUDDLE_KIND,
        schedules=[schedule_of(config) for config in configs],
        now=now,
        grace=grace,
    )


@dataclass(frozen=True)
class ChannelStatus:
    config: HuddleConfig
    next_run: datetime | None  # UTC; shown in the config's timezone
    last: ScheduledPost | None
    problems: list[ScheduledPost]  # recent posts that failed, are being retried or were skipped


def channel_statuses(
    session: Session, *, team_id: str, now: datetime, channel_id: str | None = None
) -> list[ChannelStatus]:
    """Every huddle channel of the workspace (or just `channel_id`) with its next run, last
    post and recent problems; two queries."""
    configs = select(HuddleConfig).where(HuddleConfig.team_id == team_id)
    posts = select(ScheduledPost).where(
        ScheduledPost.team_id == team_id,
        ScheduledPost.kind == HUDDLE_KIND,
        ScheduledPost.local_date >= (now - STATUS_HISTORY).date(),
    )
    if channel_id is not None:
        configs = configs.where(HuddleConfig.channel_id == channel_id)
        posts = posts.where(ScheduledPost.channel_id == channel_id)
    configs = configs.order_by(HuddleConfig.enabled.desc(), HuddleConfig.channel_id)
    posts = posts.order_by(ScheduledPost.local_date.desc())
    by_channel: dict[str, list[ScheduledPost]] = {}
    for post in session.scalars(posts):
        by_channel.setdefault(post.channel_id, []).append(post)
    statuses = []
    for config in session.scalars(configs):
        history = by_channel.get(config.channel_id, [])
        problems = [
            post
            for post in history
            if post.status in (PostStatus.FAILED, PostStatus.RETRYING, PostStatus.SKIPPED)
        ]
        next_run = _next_run(config, now, {post.local_date for post in history})
        statuses.append(ChannelStatus(config, next_run, history[0] if history else None, problems))
    return statuses


def _next_run(config: HuddleConfig, now: datetime, done: set[date]) -> datetime | None:
    if not config.enabled:
        return None
    schedule = schedule_of(config)
    after = now
    for _ in range(8):
        found = next_occurrence(after, at=schedule.at, zone=schedule.zone, days=schedule.days)
        if found is None:
            return None
        if found.local_date not in done:
            return found.at
        after = found.at
    return None


def previous_huddle_at(session: Session, *, team_id: str, channel_id: str) -> datetime | None:
    """When the channel's last scheduled huddle went out."""
    return session.scalar(
        select(func.max(ScheduledPost.sent_at)).where(
            ScheduledPost.team_id == team_id,
            ScheduledPost.channel_id == channel_id,
            ScheduledPost.kind == HUDDLE_KIND,
            ScheduledPost.status == PostStatus.SENT,
        )
    )


# --- Building the post ----------------------------------------------------------------------


def build_huddle(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    tz: str,
    now: datetime,
    sources: HuddleSources,
    local_date: date | None = None,
) -> Huddle:
    """Everything the huddle post shows, summarised to fit one Slack message.

    One query of its own plus one call of each source, whatever the amount of data."""
    since = previous_huddle_at(session, team_id=team_id, channel_id=channel_id)
    if since is None or since >= now:
        since = now - FIRST_HUDDLE_LOOKBACK
    kpis = sources.kpis(session, team_id=team_id, now=now, since=since)
    open_escalations = sources.open_escalations(session, team_id=team_id, now=now, since=since)
    resolved = sources.resolved_escalations(session, team_id=team_id, now=now, since=since)
    standup = sources.standup(session, team_id=team_id, now=now, since=since)
    return Huddle(
        team_id=team_id,
        channel_id=channel_id,
        local_date=local_date or now.astimezone(ZoneInfo(tz)).date(),
        tz=tz,
        since=since,
        attention=rank_attention(
            now=now,
            since=since,
            kpis=kpis or [],
            open_escalations=open_escalations or [],
            blockers=standup.blockers if standup else [],
        ),
        kpis=None if kpis is None else kpi_section(kpis),
        open_escalations=None if open_escalations is None else _open_section(open_escalations, now),
        resolved=None if resolved is None else _resolved_section(resolved),
        standup=None if standup is None else _standup_section(standup, now),
    )


def channel_huddle(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    default_tz: str,
    now: datetime,
    sources: HuddleSources,
    local_date: date | None = None,
) -> Huddle:
    """The huddle of one channel, in its configured timezone (else `default_tz`)."""
    config = get_config(session, team_id=team_id, channel_id=channel_id)
    return build_huddle(
        session,
        team_id=team_id,
        channel_id=channel_id,
        tz=config.tz if config else default_tz,
        now=now,
        sources=sources,
        local_date=local_date,
    )


# "Needs attention today": every candidate gets urgency points, the three highest are shown.
#  - An escalation past its SLA deadline: severity weight * hours overdue, with weights
#    sev1 8, sev2 4, sev3 2, sev4 1 (a sev1 one hour late outranks a sev3 three hours late).
#    Escalations within their SLA are being handled and score nothing.
#  - A KPI off target by at least 10 % of its target ("far off"): one point per 5 % of miss
#    (20 % below target = 4 points, like a sev2 one hour late).
#  - An acknowledged escalation past its resolve target, once (the first huddle after):
#    its severity weight, like one hour past the SLA.
#  - A standup blocker older than a day: two points per day of age.
# Ties go to escalations, then KPIs, then blockers, then the oldest or biggest first.
SEVERITY_WEIGHT = {1: 8.0, 2: 4.0, 3: 2.0, 4: 1.0}
KPI_FAR_OFF = 0.10
KPI_POINTS_PER_MISS = 20.0  # points per 100 % of miss: 1 per 5 %
BLOCKER_MIN_AGE = timedelta(days=1)
BLOCKER_POINTS_PER_DAY = 2.0
_KIND_ORDER = {"escalation": 0, "kpi": 1, "blocker": 2}


def kpi_miss(line: KpiLine) -> float | None:
    """How far an off-target KPI is from its target, as a fraction of the target."""
    if line.status != KpiStatus.OFF_TARGET or line.value is None or not line.target:
        return None
    return abs(line.value - line.target) / abs(line.target)


def rank_attention(
    *,
    now: datetime,
    kpis: Sequence[KpiLine],
    open_escalations: Sequence[OpenEscalation],
    blockers: Sequence[Blocker],
    since: datetime | None = None,
    limit: int = ATTENTION_ITEMS,
) -> list[AttentionItem]:
    """The most urgent items by the rule above, most urgent first."""
    items: list[AttentionItem] = []
    for escalation in open_escalations:
        overdue_since = escalation.resolve_overdue_since
        if overdue_since is not None and (since is None or overdue_since >= since):
            # Raised once: in the first huddle after it went past its resolve target.
            items.append(
                AttentionItem(
                    "escalation",
                    f"{escalation.id} (sev{escalation.severity}) {escalation.summary}",
                    "acknowledged but past its resolve target",
                    SEVERITY_WEIGHT.get(escalation.severity, 1.0),
                )
            )
        if not escalation.sla_breached or escalation.sla_deadline is None:
            continue
        overdue = max(now - escalation.sla_deadline, timedelta(0))
        score = SEVERITY_WEIGHT.get(escalation.severity, 1.0) * overdue / timedelta(hours=1)
        items.append(
            AttentionItem(
                "escalation",
                f"{escalation.id} (sev{escalation.severity}) {escalation.summary}",
                f"past its SLA by {format_duration(overdue)}",
                score,
            )
        )
    for line in kpis:
        miss = kpi_miss(line)
        if miss is None or miss < KPI_FAR_OFF:
            continue
        items.append(
            AttentionItem(
                "kpi",
                line.name,
                f"{round(miss * 100)} % off target",
                miss * KPI_POINTS_PER_MISS,
            )
        )
    for blocker in blockers:
        age = now - blocker.raised_at
        if age < BLOCKER_MIN_AGE:
            continue
        items.append(
            AttentionItem(
                "blocker",
                blocker.text,
                f"blocked for {format_duration(age)}",
                BLOCKER_POINTS_PER_DAY * age / timedelta(days=1),
            )
        )
    items.sort(key=lambda item: (-item.score, _KIND_ORDER[item.kind]))
    return items[:limit]


_KPI_ORDER = {
    KpiStatus.OFF_TARGET: 0,
    KpiStatus.WARNING: 1,
    KpiStatus.ON_TARGET: 2,
    KpiStatus.NO_DATA: 3,
}


def kpi_section(lines: Sequence[KpiLine]) -> KpiSection:
    """The scoreboard as the huddle and App Home show it: off target first (the furthest off
    first), then warning, on target and no data; the first `MAX_KPIS`, the rest counted."""
    ordered = sorted(
        lines,
        key=lambda line: (_KPI_ORDER[line.status], -(kpi_miss(line) or 0.0), line.name.lower()),
    )
    return KpiSection(
        shown=ordered[:MAX_KPIS],
        more=max(len(ordered) - MAX_KPIS, 0),
        total=len(ordered),
        off_target=sum(line.status == KpiStatus.OFF_TARGET for line in ordered),
        warning=sum(line.status == KpiStatus.WARNING for line in ordered),
    )


def _open_row(escalation: OpenEscalation, now: datetime) -> OpenRow:
    overdue = None
    if escalation.sla_breached and escalation.sla_deadline is not None:
        overdue = format_duration(now - escalation.sla_deadline)
    return OpenRow(escalation, format_duration(now - escalation.opened_at), overdue)


def _open_section(escalations: Sequence[OpenEscalation], now: datetime) -> OpenSection:
    ordered = sorted(escalations, key=lambda e: (e.severity, not e.sla_breached, e.opened_at, e.id))
    counts: dict[int, int] = {}
    for escalation in ordered:
        counts[escalation.severity] = counts.get(escalation.severity, 0) + 1
    oldest = min(escalations, key=lambda e: e.opened_at, default=None)
    return OpenSection(
        total=len(ordered),
        by_severity=sorted(counts.items()),
        breached=sum(e.sla_breached for e in ordered),
        oldest=None if oldest is None else _open_row(oldest, now),
        shown=[_open_row(e, now) for e in ordered[:MAX_OPEN_ESCALATIONS]],
        more=max(len(ordered) - MAX_OPEN_ESCALATIONS, 0),
    )


def _mean(spans: Sequence[timedelta]) -> str | None:
    if not spans:
        return None
    return format_duration(sum(spans, timedelta(0)) / len(spans))


def _resolved_section(escalations: Sequence[ResolvedEscalation]) -> ResolvedSection:
    ordered = sorted(escalations, key=lambda e: (e.severity, e.resolved_at))
    by_severity: dict[int, list[timedelta]] = {}
    for escalation in ordered:
        by_severity.setdefault(escalation.severity, []).append(
            escalation.resolved_at - escalation.opened_at
        )
    acks = [e.acknowledged_at - e.opened_at for e in ordered if e.acknowledged_at is not None]
    return ResolvedSection(
        total=len(ordered),
        mttr=_mean([e.resolved_at - e.opened_at for e in ordered]),
        mtta=_mean(acks),
        mttr_by_severity=[(sev, _mean(spans) or "") for sev, spans in sorted(by_severity.items())],
        shown=[
            ResolvedRow(e, format_duration(e.resolved_at - e.opened_at))
            for e in ordered[:MAX_RESOLVED]
        ],
        more=max(len(ordered) - MAX_RESOLVED, 0),
    )


def _standup_section(standup: StandupSummary, now: datetime) -> StandupSection:
    expected = len(standup.answered) + len(standup.missing)
    blockers = sorted(standup.blockers, key=lambda b: b.raised_at)
    return StandupSection(
        answered=len(standup.answered),
        expected=expected,
        percent=round(100 * len(standup.answered) / expected) if expected else 0,
        missing_shown=list(standup.missing[:MAX_NAMES]),
        missing_more=max(len(standup.missing) - MAX_NAMES, 0),
        blockers=[
            BlockerRow(b, format_duration(now - b.raised_at)) for b in blockers[:MAX_BLOCKERS]
        ],
        blockers_more=max(len(blockers) - MAX_BLOCKERS, 0),
        blockers_total=len(blockers),
    )
