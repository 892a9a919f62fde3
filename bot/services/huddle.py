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

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.durations import format_duration
from bot.errors import NotFoundError
from bot.formats import format_amount
from bot.models import HuddleConfig, HuddleManualPost, PostStatus, ScheduledPost
from bot.services import holidays
from bot.services.due_posts import DuePost, PostSchedule, due_posts
from bot.services.schedule import format_days, next_occurrence, parse_days

HUDDLE_KIND = "huddle"
DEFAULT_DAYS = "mon-fri"
# Without an earlier huddle in the channel, "resolved since the last huddle" means the last day.
FIRST_HUDDLE_LOOKBACK = timedelta(days=1)
STATUS_HISTORY = timedelta(days=7)
# `/huddle now` posts at most once in this time per channel.
MANUAL_POST_EVERY = timedelta(minutes=10)

# How much of each section one post shows; the rest is counted ("… and N more").
MAX_KPIS = 12
MAX_OPEN_ESCALATIONS = 10
MAX_RESOLVED = 5
MAX_BLOCKERS = 8
MAX_NAMES = 15
# With more than one standup today each gets its own lines: this many standups, and this
# many names in each list (one section holds 3,000 characters).
MAX_STANDUPS = 4
MAX_NAMES_PER_STANDUP = 8
ATTENTION_ITEMS = 3
MAX_ATTENTION_URGENT = 10  # open sev1s and sev2s are all in "Needs attention", up to this many


# --- What each section needs (returned by the sources) ------------------------------------


class KpiStatus(StrEnum):
    ON_TARGET = "on_target"
    WARNING = "warning"
    OFF_TARGET = "off_target"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class KpiLine:
    """One KPI on the scoreboard. `trend` is the latest value minus the previous one (None
    when there is no earlier value); `better` is the target's direction ("higher" or
    "lower"); `stale_age` is how old the latest value is when it is stale (else None), and
    is shown instead of the trend."""

    name: str
    value: float | None
    unit: str
    target: float | None
    status: KpiStatus
    trend: float | None = None
    better: str = "higher"
    stale_age: timedelta | None = None


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
    acknowledged_at: datetime | None = None


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
class Reminders:
    """A standup whose reminders have not gone out yet today: its reminder time (in each
    person's own timezone) and the first moment one goes out."""

    at: time
    first: datetime


@dataclass(frozen=True)
class StandupDay:
    """One standup's day (as in `StandupSummary`), named by its channel."""

    channel_id: str
    answered: Sequence[str]
    missing: Sequence[str]
    not_due: Sequence[str] = ()
    upcoming: Reminders | None = None  # its reminders have not gone out yet


@dataclass(frozen=True)
class StandupSummary:
    """Today's standup: who answered, who was reminded and did not answer (`missing`), whose
    reminder has not come yet (`not_due`), the standups whose reminders have not gone out
    yet (`upcoming`), and the blockers still open. `runs_today` is False when no standup
    runs on this day. `standups` has each standup running today on its own: with more than
    one, the huddle shows each by its channel instead of the team's totals."""

    answered: Sequence[str]  # Slack user ids
    missing: Sequence[str]
    blockers: Sequence[Blocker] = ()
    not_due: Sequence[str] = ()
    upcoming: Sequence[Reminders] = ()
    runs_today: bool = True
    standups: Sequence[StandupDay] = ()


T_co = TypeVar("T_co", covariant=True)


class Source(Protocol[T_co]):
    """Where one section's data comes from. `since` is when the channel's previous huddle
    went out; `now` is when this one is built. None means "no data yet"."""

    def __call__(
        self, session: Session, *, team_id: str, now: datetime, since: datetime
    ) -> T_co | None: ...


@dataclass(frozen=True)
class OncallGap:
    starts_at: datetime  # now, for a gap already open
    ends_at: datetime
    ongoing: bool = False  # nobody is on call right now


@dataclass(frozen=True)
class OncallCoverage:
    """One on-call schedule's gaps (times nobody covers) in the next ONCALL_LOOKAHEAD."""

    schedule: str
    gaps: list[OncallGap]


def no_data(session: Session, *, team_id: str, now: datetime, since: datetime) -> None:
    """The source of a section whose feature is not wired in."""
    return None


@dataclass(frozen=True)
class HuddleSources:
    kpis: Source[Sequence[KpiLine]] = no_data
    open_escalations: Source[Sequence[OpenEscalation]] = no_data
    resolved_escalations: Source[Sequence[ResolvedEscalation]] = no_data
    standup: Source[StandupSummary] = no_data
    oncall: Source[Sequence[OncallCoverage]] = no_data


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
class StandupPart:
    """One standup's participation lines, when the huddle covers more than one."""

    channel_id: str
    answered: int
    expected: int
    percent: int
    missing_shown: list[str]
    missing_more: int
    not_due_shown: list[str]
    not_due_more: int
    upcoming: list[Reminders]
    reminded: bool


@dataclass(frozen=True)
class StandupSection:
    answered: int
    expected: int  # those answered or reminded: people whose reminder is not due don't count
    percent: int
    missing_shown: list[str]
    missing_more: int
    not_due_shown: list[str]
    not_due_more: int
    upcoming: list[Reminders]  # sorted by first reminder
    reminded: bool  # False while no reminder has gone out and nobody is missing: don't count
    runs_today: bool
    blockers: list[BlockerRow]
    blockers_more: int
    blockers_total: int
    standups: list[StandupPart]  # each standup on its own, only when more than one runs today
    standups_more: int


@dataclass(frozen=True)
class Huddle:
    team_id: str
    channel_id: str
    local_date: date
    tz: str
    since: datetime
    attention: list[AttentionItem]
    attention_more: int  # open sev1s and sev2s beyond MAX_ATTENTION_URGENT, counted
    kpis: KpiSection | None
    open_escalations: OpenSection | None
    resolved: ResolvedSection | None
    standup: StandupSection | None
    oncall: OncallSection | None = None


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
    holiday_calendar: str | None = None,
    skip: str | None = None,
) -> HuddleConfig:
    """Create or change (and enable) a channel's huddle. Values left as None keep the current
    setting; a new huddle needs `at` and defaults to `default_tz` and Monday to Friday.
    The change counts from `now`: if today's time has already passed, the first post is on
    the next scheduled day, and a day that already had its post never gets a second one.
    `holiday_calendar` and `skip` are as the grammar writes them ("" for none)."""
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
    if holiday_calendar is not None:
        config.holidays = holiday_calendar or None
    if skip is not None:
        config.skip_dates = skip
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


def calendar_of(config: HuddleConfig) -> holidays.Calendar:
    """The huddle's holidays: its country's (and region's) and the company's own days."""
    return holidays.parse_calendar(config.holidays, skip=config.skip_dates)


def schedule_of(config: HuddleConfig) -> PostSchedule:
    return PostSchedule(
        team_id=config.team_id,
        channel_id=config.channel_id,
        at=config.time,
        zone=ZoneInfo(config.tz),
        days=parse_days(config.days),
        not_before=config.updated_at,
        calendar=calendar_of(config),
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
    for _ in range(40):  # a week, or a few weeks of holidays
        found = next_occurrence(after, at=schedule.at, zone=schedule.zone, days=schedule.days)
        if found is None:
            return None
        on_holiday = holidays.is_holiday(schedule.calendar, found.local_date) is not None
        if found.local_date not in done and not on_holiday:
            return found.at
        after = found.at
    return None


# --- Posting now ---------------------------------------------------------------------------


def claim_manual_post(
    session: Session, *, team_id: str, channel_id: str, user_id: str, now: datetime
) -> HuddleManualPost | None:
    """Claim a `/huddle now` in the channel for `user_id`: None when this caller is to post,
    else the last manual post, which went out less than `MANUAL_POST_EVERY` ago.

    Race-safe: the claim is one conditional UPDATE (or the INSERT of the channel's first
    row), so of two clicks at the same moment on any number of instances, one posts."""
    of_channel = (
        HuddleManualPost.team_id == team_id,
        HuddleManualPost.channel_id == channel_id,
    )
    claimed = session.execute(
        update(HuddleManualPost)
        .where(*of_channel, HuddleManualPost.posted_at <= now - MANUAL_POST_EVERY)
        .values(posted_at=now, posted_by=user_id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount:
        return None
    last = session.scalar(select(HuddleManualPost).where(*of_channel))
    if last is None:
        try:
            with session.begin_nested():
                session.add(
                    HuddleManualPost(
                        team_id=team_id, channel_id=channel_id, posted_at=now, posted_by=user_id
                    )
                )
            return None
        except IntegrityError:  # the channel's first `/huddle now`, clicked twice at once
            last = session.scalar(select(HuddleManualPost).where(*of_channel))
            assert last is not None
    return last


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


ONCALL_LOOKAHEAD = timedelta(hours=24)
# How far before now and past the 24 hours a gap's true start and end are looked for.
ONCALL_GAP_REACH = timedelta(days=7)
MAX_ONCALL_GAPS = 5


@dataclass(frozen=True)
class OncallSection:
    """On-call gaps in the next 24 hours, across schedules (None: no schedule exists)."""

    schedules: int
    gaps: list[tuple[str, OncallGap]]
    more: int


def oncall_section(coverage: Sequence[OncallCoverage]) -> OncallSection:
    gaps = sorted(
        ((c.schedule, gap) for c in coverage for gap in c.gaps),
        key=lambda item: (item[1].starts_at, item[0]),
    )
    return OncallSection(
        schedules=len(coverage),
        gaps=gaps[:MAX_ONCALL_GAPS],
        more=max(len(gaps) - MAX_ONCALL_GAPS, 0),
    )


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
    coverage = sources.oncall(session, team_id=team_id, now=now, since=since)
    urgent = sum(e.severity <= ALWAYS_SHOWN_SEVERITY for e in open_escalations or [])
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
        attention_more=max(urgent - MAX_ATTENTION_URGENT, 0),
        kpis=None if kpis is None else kpi_section(kpis),
        open_escalations=None if open_escalations is None else _open_section(open_escalations, now),
        resolved=None if resolved is None else _resolved_section(resolved),
        standup=None if standup is None else _standup_section(standup, now),
        oncall=oncall_section(coverage) if coverage else None,
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


# "Needs attention today", most urgent first:
#  1. Every open sev1 and sev2, acknowledged or not, within its SLA or not: sev1 before sev2,
#     then past its SLA before within it, then the oldest first. An open sev1 or sev2 is
#     never left out: with more than three of them, all of them are shown (up to
#     MAX_ATTENTION_URGENT, the rest counted).
#  2. Then the three places are filled by urgency points, the highest first:
#     - A sev3 or sev4 past its SLA deadline: severity weight * hours overdue, with weights
#       sev3 2, sev4 1. Escalations within their SLA are being handled and score nothing.
#     - A KPI off target by at least 10 % of its target ("far off"): one point per 5 % of
#       miss (20 % below target = 4 points, like a sev3 two hours late).
#     - An acknowledged sev3 or sev4 past its resolve target, once (the first huddle after):
#       its severity weight, like one hour past the SLA.
#     - A standup blocker older than a day: two points per day of age.
#     Ties go to escalations, then KPIs, then blockers, then the oldest or biggest first.
SEVERITY_WEIGHT = {1: 8.0, 2: 4.0, 3: 2.0, 4: 1.0}
ALWAYS_SHOWN_SEVERITY = 2  # sev1 and sev2 rank above everything else
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


def _overdue(escalation: OpenEscalation, now: datetime) -> timedelta | None:
    """How long an unacknowledged escalation is past its SLA deadline (None when it is not)."""
    if not escalation.sla_breached or escalation.sla_deadline is None:
        return None
    return max(now - escalation.sla_deadline, timedelta(0))


def _title(escalation: OpenEscalation) -> str:
    return f"{escalation.id} (sev{escalation.severity}) {escalation.summary}"


def _urgent_item(escalation: OpenEscalation, now: datetime) -> AttentionItem:
    """An open sev1 or sev2, whatever its state, said in a few words."""
    age = format_duration(now - escalation.opened_at)
    overdue = _overdue(escalation, now)
    if overdue is not None:
        detail = f"not acknowledged, past its SLA by {format_duration(overdue)}"
    elif escalation.resolve_overdue_since is not None:
        detail = f"acknowledged but past its resolve target, open {age}"
    elif escalation.acknowledged_at is not None:
        late = " late" if escalation.sla_breached else ""
        detail = f"acknowledged{late}, open {age}"
    elif escalation.sla_deadline is not None and escalation.sla_deadline > now:
        detail = f"not acknowledged yet, SLA in {format_duration(escalation.sla_deadline - now)}"
    else:
        detail = f"not acknowledged yet, open {age}"
    score = SEVERITY_WEIGHT.get(escalation.severity, 1.0) * (
        (overdue or timedelta(0)) / timedelta(hours=1)
    )
    return AttentionItem("escalation", _title(escalation), detail, score)


def _scored_items(
    *,
    now: datetime,
    since: datetime | None,
    kpis: Sequence[KpiLine],
    escalations: Sequence[OpenEscalation],
    blockers: Sequence[Blocker],
) -> list[AttentionItem]:
    """Everything but the open sev1s and sev2s, by urgency points (rule 2 above)."""
    items: list[AttentionItem] = []
    for escalation in escalations:
        overdue_since = escalation.resolve_overdue_since
        if overdue_since is not None and (since is None or overdue_since >= since):
            # Raised once: in the first huddle after it went past its resolve target.
            items.append(
                AttentionItem(
                    "escalation",
                    _title(escalation),
                    "acknowledged but past its resolve target",
                    SEVERITY_WEIGHT.get(escalation.severity, 1.0),
                )
            )
        overdue = _overdue(escalation, now)
        if overdue is None:
            continue
        items.append(
            AttentionItem(
                "escalation",
                _title(escalation),
                f"past its SLA by {format_duration(overdue)}",
                SEVERITY_WEIGHT.get(escalation.severity, 1.0) * overdue / timedelta(hours=1),
            )
        )
    for line in kpis:
        miss = kpi_miss(line)
        if miss is None or miss < KPI_FAR_OFF:
            continue
        stale = f" (latest {format_duration(line.stale_age)} old)" if line.stale_age else ""
        items.append(
            AttentionItem(
                "kpi",
                line.name,
                f"{format_amount(round(miss * 100), '%')} off target{stale}",
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
    return items


def rank_attention(
    *,
    now: datetime,
    kpis: Sequence[KpiLine],
    open_escalations: Sequence[OpenEscalation],
    blockers: Sequence[Blocker],
    since: datetime | None = None,
    limit: int = ATTENTION_ITEMS,
) -> list[AttentionItem]:
    """The most urgent items by the rule above, most urgent first: `limit` of them, or every
    open sev1 and sev2 (up to MAX_ATTENTION_URGENT) when there are more."""
    urgent = sorted(
        (e for e in open_escalations if e.severity <= ALWAYS_SHOWN_SEVERITY),
        key=lambda e: (e.severity, not e.sla_breached, e.opened_at, e.id),
    )
    rest = _scored_items(
        now=now,
        since=since,
        kpis=kpis,
        escalations=[e for e in open_escalations if e.severity > ALWAYS_SHOWN_SEVERITY],
        blockers=blockers,
    )
    items = [_urgent_item(e, now) for e in urgent] + rest
    return items[: max(limit, min(len(urgent), MAX_ATTENTION_URGENT))]


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


def _standup_part(day: StandupDay) -> StandupPart:
    expected = len(day.answered) + len(day.missing)
    return StandupPart(
        channel_id=day.channel_id,
        answered=len(day.answered),
        expected=expected,
        percent=round(100 * len(day.answered) / expected) if expected else 0,
        missing_shown=list(day.missing[:MAX_NAMES_PER_STANDUP]),
        missing_more=max(len(day.missing) - MAX_NAMES_PER_STANDUP, 0),
        not_due_shown=list(day.not_due[:MAX_NAMES_PER_STANDUP]),
        not_due_more=max(len(day.not_due) - MAX_NAMES_PER_STANDUP, 0),
        upcoming=[] if day.upcoming is None else [day.upcoming],
        reminded=bool(day.missing) or day.upcoming is None,
    )


def _standup_section(standup: StandupSummary, now: datetime) -> StandupSection:
    expected = len(standup.answered) + len(standup.missing)
    blockers = sorted(standup.blockers, key=lambda b: b.raised_at)
    parts = standup.standups if len(standup.standups) > 1 else []
    return StandupSection(
        answered=len(standup.answered),
        expected=expected,
        percent=round(100 * len(standup.answered) / expected) if expected else 0,
        missing_shown=list(standup.missing[:MAX_NAMES]),
        missing_more=max(len(standup.missing) - MAX_NAMES, 0),
        not_due_shown=list(standup.not_due[:MAX_NAMES]),
        not_due_more=max(len(standup.not_due) - MAX_NAMES, 0),
        upcoming=sorted(standup.upcoming, key=lambda r: r.first),
        reminded=bool(standup.missing) or not standup.upcoming,
        runs_today=standup.runs_today,
        standups=[_standup_part(day) for day in parts[:MAX_STANDUPS]],
        standups_more=max(len(parts) - MAX_STANDUPS, 0),
        blockers=[
            BlockerRow(b, format_duration(now - b.raised_at)) for b in blockers[:MAX_BLOCKERS]
        ],
        blockers_more=max(len(blockers) - MAX_BLOCKERS, 0),
        blockers_total=len(blockers),
    )
