"""Weekly and monthly reports for senior leadership: each channel's schedule, the periods
they cover, and the report itself, computed once from the KPI, escalation, standup and
on-call services and rendered three ways (the Slack post, the CSV and the PDF) from that one result.

Periods are calendar weeks (Monday to Sunday) and calendar months in the report's zone. A
report covers the last full period before the day it goes out: Monday's weekly report the
week that ended on Sunday, the 1st's monthly report the month before. A report due on a
holiday of its calendar goes out on the next day that is not one.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.errors import ConflictError, NotFoundError
from bot.formats import day, format_amount, format_number, format_target
from bot.models import (
    Cadence,
    Kpi,
    OncallSchedule,
    ReportConfig,
    ReportFile,
    ReportRun,
    SlackUser,
    Standup,
)
from bot.services import escalations, holidays, kpis, oncall, spc, standups
from bot.services.due_posts import DuePost, unsent
from bot.services.ledger import PostKey
from bot.services.schedule import occurrence

CADENCES = (Cadence.WEEKLY, Cadence.MONTHLY)
KINDS = {Cadence.WEEKLY: "report-weekly", Cadence.MONTHLY: "report-monthly"}
DEFAULT_TIME = time(8, 0)
DEFAULT_DAY = {Cadence.WEEKLY: 0, Cadence.MONTHLY: 1}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_HOLIDAY_SHIFT = 7
NOW_INTERVAL = timedelta(minutes=10)
FILES_KEPT = timedelta(days=7)
HIGHLIGHTS = 3
# A KPI whose period mean misses its target by at least this share is worth a headline.
KPI_FAR_OFF = 0.05


# -- periods ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPeriod:
    """A calendar week or month in a zone: local dates from `start` to `end` (exclusive)."""

    cadence: str
    start: date
    end: date
    tz: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days)]

    @property
    def starts_at(self) -> datetime:
        """The UTC moment of the first local midnight (DST-safe: a week may be 167 hours)."""
        return datetime.combine(self.start, time(), tzinfo=self.zone).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.end, time(), tzinfo=self.zone).astimezone(UTC)

    @property
    def label(self) -> str:
        """`Mon 23 Feb to Sun 1 Mar 2026` or `February 2026`."""
        if self.cadence == Cadence.MONTHLY:
            return f"{self.start:%B %Y}"
        return f"{day(self.start)} to {day(self.last)} {self.last.year}"

    @property
    def noun(self) -> str:
        return "week" if self.cadence == Cadence.WEEKLY else "month"

    def previous(self) -> ReportPeriod:
        return period_containing(self.cadence, self.start - timedelta(days=1), self.tz)

    def following(self) -> ReportPeriod:
        return period_containing(self.cadence, self.end, self.tz)


def period_containing(cadence: str, local_date: date, tz: str) -> ReportPeriod:
    """The week (Monday to Sunday) or calendar month that `local_date` is in."""
    if cadence == Cadence.WEEKLY:
        start = local_date - timedelta(days=local_date.weekday())
        return ReportPeriod(cadence, start, start + timedelta(days=7), tz)
    start = local_date.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return ReportPeriod(cadence, start, end, tz)


def last_full_period(cadence: str, *, now: datetime, tz: str) -> ReportPeriod:
    """The last period that has ended by `now` in zone `tz` (what `/report now` covers)."""
    today = now.astimezone(ZoneInfo(tz)).date()
    return period_containing(cadence, today, tz).previous()


# -- schedules --------------------------------------------------------------------------


def calendar_of(config: ReportConfig) -> holidays.Calendar:
    return holidays.parse_calendar(config.holidays, skip=config.skip_days)


def send_date(config: ReportConfig, period: ReportPeriod) -> date:
    """The local date the report of `period` goes out: the configured day of the next
    period, moved on past holidays of the report's calendar (by at most a week)."""
    nominal = period.end + timedelta(
        days=config.day if config.cadence == Cadence.WEEKLY else config.day - 1
    )
    calendar = calendar_of(config)
    for shift in range(MAX_HOLIDAY_SHIFT):
        candidate = nominal + timedelta(days=shift)
        if holidays.is_holiday(calendar, candidate) is None:
            return candidate
    return nominal + timedelta(days=MAX_HOLIDAY_SHIFT)


def send_moment(config: ReportConfig, period: ReportPeriod) -> datetime:
    return occurrence(send_date(config, period), config.time, ZoneInfo(config.tz))


def latest_due(config: ReportConfig, now: datetime) -> tuple[ReportPeriod, datetime] | None:
    """The period whose report most recently fell due at or before `now` (and not before the
    schedule was last changed), with that moment."""
    today = now.astimezone(ZoneInfo(config.tz)).date()
    period = period_containing(config.cadence, today, config.tz).previous()
    for _ in range(3):
        moment = send_moment(config, period)
        if moment <= now:
            return (period, moment) if moment >= config.updated_at else None
        period = period.previous()
    return None


def next_run(config: ReportConfig, now: datetime) -> tuple[ReportPeriod, datetime] | None:
    """The next report this schedule will post, with when."""
    if not config.enabled:
        return None
    today = now.astimezone(ZoneInfo(config.tz)).date()
    period = period_containing(config.cadence, today, config.tz).previous()
    for _ in range(3):
        moment = send_moment(config, period)
        if moment > now and moment >= config.updated_at:
            return period, moment
        period = period.following()
    return None


def get_config(
    session: Session, *, team_id: str, channel_id: str, cadence: str
) -> ReportConfig | None:
    return session.scalar(
        select(ReportConfig).where(
            ReportConfig.team_id == team_id,
            ReportConfig.channel_id == channel_id,
            ReportConfig.cadence == cadence,
        )
    )


def list_configs(session: Session, *, team_id: str) -> list[ReportConfig]:
    """Every report of the workspace, enabled first, by channel and cadence."""
    return list(
        session.scalars(
            select(ReportConfig)
            .where(ReportConfig.team_id == team_id)
            .order_by(
                ReportConfig.enabled.desc(), ReportConfig.channel_id, ReportConfig.cadence.desc()
            )
        )
    )


def configure(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    cadence: str,
    day: int | None,
    at: time | None,
    tz: str | None,
    holiday_calendar: str | None,
    skip: str | None,
    default_tz: str,
    user_id: str,
    now: datetime,
) -> ReportConfig:
    """Create or change (and enable) a channel's weekly or monthly report. Values left as
    None keep the current setting (`holiday_calendar` and `skip` as `/report config` writes
    them, "" for none); a new report defaults to Monday (weekly) or the 1st
    (monthly), 08:00 and `default_tz`. The change counts from `now`."""
    config = get_config(session, team_id=team_id, channel_id=channel_id, cadence=cadence)
    if config is None:
        config = ReportConfig(team_id=team_id, channel_id=channel_id, cadence=cadence)
        session.add(config)
        config.day = DEFAULT_DAY[cadence]
        config.time = DEFAULT_TIME
        config.tz = default_tz
        config.holidays = None
        config.skip_days = ""
    config.day = config.day if day is None else day
    config.time = at or config.time
    config.tz = tz or config.tz
    if holiday_calendar is not None:
        config.holidays = holiday_calendar or None
    if skip is not None:
        config.skip_days = skip
    config.enabled = True
    config.updated_by = user_id
    config.updated_at = now
    session.flush()
    return config


def turn_off(
    session: Session, *, team_id: str, channel_id: str, cadence: str, user_id: str, now: datetime
) -> bool:
    """Stop a channel's scheduled report (its settings are kept for `configure`). False when
    it was already off."""
    config = get_config(session, team_id=team_id, channel_id=channel_id, cadence=cadence)
    if config is None:
        raise NotFoundError(
            f"That channel has no {cadence} report, so there is nothing to turn off."
        )
    if not config.enabled:
        return False
    config.enabled = False
    config.updated_by = user_id
    config.updated_at = now
    session.flush()
    return True


def describe_day(config: ReportConfig) -> str:
    """`Monday` for a weekly report, `the 1st` for a monthly one."""
    if config.cadence == Cadence.WEEKLY:
        return WEEKDAYS[config.day]
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(config.day, "th")
    return f"the {config.day}{suffix}"


@dataclass(frozen=True)
class DueReport:
    due: DuePost
    cadence: str
    period: ReportPeriod


def due_reports(session: Session, *, now: datetime, grace: timedelta) -> list[DueReport]:
    """Every workspace's reports to post now: claimed in the ledger by period (its first
    day), so a restart, a second instance or a changed schedule never posts a period twice;
    one missed beyond `grace` is recorded as skipped."""
    configs = session.scalars(select(ReportConfig).where(ReportConfig.enabled.is_(True)))
    found: dict[str, list[tuple[DuePost, ReportPeriod]]] = {}
    for config in configs:
        latest = latest_due(config, now)
        if latest is None:
            continue
        period, moment = latest
        key = PostKey(config.team_id, config.channel_id, KINDS[config.cadence], period.start)
        found.setdefault(config.cadence, []).append((DuePost(key, moment), period))
    reports: list[DueReport] = []
    for cadence, candidates in found.items():
        periods = {item.key: period for item, period in candidates}
        for item in unsent(
            session,
            kind=KINDS[cadence],
            candidates=[item for item, _ in candidates],
            now=now,
            grace=grace,
        ):
            reports.append(DueReport(item, cadence, periods[item.key]))
    return reports


# -- runs and their files -----------------------------------------------------------------


def new_run(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    period: ReportPeriod,
    now: datetime,
    manual: bool = False,
) -> ReportRun:
    """Record a report queued for a channel. A manual one (`/report now`) is refused within
    ten minutes of the last manual one of the same cadence in that channel."""
    if manual:
        recent = session.scalar(
            select(ReportRun.id).where(
                ReportRun.team_id == team_id,
                ReportRun.channel_id == channel_id,
                ReportRun.cadence == period.cadence,
                ReportRun.created_at > now - NOW_INTERVAL,
            )
        )
        if recent is not None:
            raise ConflictError(
                f"A {period.cadence} report was posted in this channel less than "
                f"{NOW_INTERVAL.seconds // 60} minutes ago; look for it just above."
            )
    run = ReportRun(
        team_id=team_id,
        channel_id=channel_id,
        cadence=period.cadence,
        period_start=period.start,
        tz=period.tz,
        created_at=now,
    )
    session.add(run)
    session.flush()
    return run


def get_run(session: Session, *, run_id: int) -> ReportRun:
    run = session.get(ReportRun, run_id)
    if run is None:
        raise NotFoundError("That report is no longer there.")
    return run


def period_of(run: ReportRun) -> ReportPeriod:
    return period_containing(run.cadence, run.period_start, run.tz)


@dataclass(frozen=True)
class MadeFile:
    kind: str
    filename: str
    title: str
    content: bytes


def store_files(
    session: Session, *, run: ReportRun, files: Sequence[MadeFile], now: datetime
) -> None:
    """Keep the run's files (made with its post) until they are uploaded to its thread."""
    session.execute(delete(ReportFile).where(ReportFile.run_id == run.id))
    for made in files:
        session.add(
            ReportFile(
                team_id=run.team_id,
                run_id=run.id,
                kind=made.kind,
                filename=made.filename,
                title=made.title,
                content=made.content,
            )
        )
    run.built_at = now
    session.flush()


def get_file(session: Session, *, run_id: int, kind: str) -> ReportFile:
    found = session.scalar(
        select(ReportFile).where(ReportFile.run_id == run_id, ReportFile.kind == kind)
    )
    if found is None:
        raise NotFoundError("That report's file is no longer there.")
    return found


def forget_old_runs(session: Session, *, now: datetime) -> int:
    """Delete runs (and their files) older than a week: their files are in Slack by then."""
    result = session.execute(delete(ReportRun).where(ReportRun.created_at < now - FILES_KEPT))
    return int(getattr(result, "rowcount", 0) or 0)


# -- the report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DayValue:
    day: date
    value: float


@dataclass(frozen=True)
class KpiReport:
    """One KPI over the period. A day's value is the mean of that day's values; the share of
    days on target counts days with data only (`days_without_data` says how many had none)."""

    name: str
    unit: str
    target: float
    better: str
    warn: float | None
    mean: float | None
    previous_mean: float | None
    change: kpis.Trend | None
    status: kpis.Status  # of the period's mean
    days_with_data: int
    days_on_target: int
    days_without_data: int
    signals: tuple[tuple[str, int], ...]  # (rule broken, how often), rule 1 first
    previous_signal_count: int
    best: DayValue | None
    worst: DayValue | None
    times: tuple[datetime, ...]  # the period's values, for the board
    values: tuple[float, ...]
    limits: spc.Limits | None
    flagged: tuple[int, ...]  # indexes of values that completed a rule

    @property
    def share_on_target(self) -> float | None:
        """Percent of the days with data whose value met the target."""
        if not self.days_with_data:
            return None
        return 100 * self.days_on_target / self.days_with_data

    @property
    def signal_count(self) -> int:
        return sum(count for _, count in self.signals)

    @property
    def newly_out_of_control(self) -> bool:
        return self.signal_count > 0 and self.previous_signal_count == 0

    @property
    def miss(self) -> float | None:
        """How far the period's mean misses the target, as a share of the target."""
        if self.status == kpis.Status.ON_TARGET or self.mean is None or not self.target:
            return None
        return abs(self.mean - self.target) / abs(self.target)


@dataclass(frozen=True)
class SeverityLine:
    severity: str
    current: escalations.SeverityStats
    previous: escalations.SeverityStats | None


@dataclass(frozen=True)
class EscalationReport:
    total: escalations.SeverityStats
    previous_total: escalations.SeverityStats
    by_severity: list[SeverityLine]
    causes: list[escalations.CauseShare]


@dataclass(frozen=True)
class PersonParticipation:
    user_id: str
    answered: int
    expected: int


@dataclass(frozen=True)
class RecurringBlocker:
    user_id: str
    text: str
    days: int
    first: date
    last: date


@dataclass(frozen=True)
class StandupReport:
    channel_id: str
    answered: int
    expected: int
    previous_answered: int
    previous_expected: int
    people: list[PersonParticipation]
    recurring: list[RecurringBlocker]

    @property
    def percent(self) -> float | None:
        return 100 * self.answered / self.expected if self.expected else None

    @property
    def previous_percent(self) -> float | None:
        return (
            100 * self.previous_answered / self.previous_expected
            if self.previous_expected
            else None
        )


@dataclass(frozen=True)
class PersonLoad:
    """One person's pages in the period and the one before: how many came while they took
    turns in a schedule but were not on call (outside their shifts), and how many came while
    they were in no schedule's rotation at all (before one existed, or never in one)."""

    user_id: str
    pages: int
    outside_shift: int
    previous_pages: int
    previous_outside_shift: int
    off_rotation: int
    previous_off_rotation: int


LOAD_FIGURES = (
    "pages",
    "outside_shift",
    "previous_pages",
    "previous_outside_shift",
    "off_rotation",
    "previous_off_rotation",
)


@dataclass(frozen=True)
class OncallLoad:
    """On-call load: everyone paged in the period or the one before, most pages first."""

    people: list[PersonLoad]

    @property
    def pages(self) -> int:
        return sum(p.pages for p in self.people)

    @property
    def outside_shift(self) -> int:
        return sum(p.outside_shift for p in self.people)

    @property
    def previous_pages(self) -> int:
        return sum(p.previous_pages for p in self.people)

    @property
    def previous_outside_shift(self) -> int:
        return sum(p.previous_outside_shift for p in self.people)

    @property
    def off_rotation(self) -> int:
        return sum(p.off_rotation for p in self.people)

    @property
    def previous_off_rotation(self) -> int:
        return sum(p.previous_off_rotation for p in self.people)


@dataclass(frozen=True)
class Highlight:
    """One of the three things leadership should look at first."""

    kind: str  # kpi, sla or cause
    title: str
    detail: str


@dataclass(frozen=True)
class Report:
    team_id: str
    period: ReportPeriod
    previous: ReportPeriod
    built_at: datetime
    highlights: list[Highlight]
    kpis: list[KpiReport]
    escalations: EscalationReport
    standups: list[StandupReport]
    oncall: OncallLoad | None = None  # None: the workspace has no on-call schedule

    @property
    def cadence(self) -> str:
        return self.period.cadence

    @property
    def is_empty(self) -> bool:
        """Nothing happened: no KPI value, no escalation, no page and no standup answer
        expected."""
        return (
            not any(k.days_with_data for k in self.kpis)
            and self.escalations.total.count == 0
            and not (self.oncall and self.oncall.pages)
            and not any(s.expected for s in self.standups)
        )

    @property
    def off_target(self) -> int:
        return sum(k.status == kpis.Status.OFF_TARGET for k in self.kpis)


_STATUS_ORDER = {
    kpis.Status.OFF_TARGET: 0,
    kpis.Status.WARNING: 1,
    kpis.Status.ON_TARGET: 2,
    kpis.Status.NO_DATA: 3,
}


def _day_means(
    times: Sequence[datetime], values: Sequence[float], zone: ZoneInfo
) -> list[DayValue]:
    by_day: dict[date, list[float]] = {}
    for at, value in zip(times, values, strict=True):
        by_day.setdefault(at.astimezone(zone).date(), []).append(value)
    return [DayValue(d, sum(v) / len(v)) for d, v in sorted(by_day.items())]


def _values_in(
    session: Session, kpi: Kpi, period: ReportPeriod
) -> tuple[list[datetime], list[float]]:
    # period_values includes its end; a value at the next period's first moment is not ours.
    times, values = kpis.period_values(session, kpi=kpi, start=period.starts_at, end=period.ends_at)
    kept = [(t, v) for t, v in zip(times, values, strict=True) if t < period.ends_at]
    return [t for t, _ in kept], [v for _, v in kept]


def kpi_report(session: Session, *, kpi: Kpi, period: ReportPeriod) -> KpiReport:
    """One KPI over `period` against the period before: mean, status and change (as the
    KPI detail works them out), days on target, control-rule signals and best/worst day."""
    times, values = _values_in(session, kpi, period)
    _, previous_values = _values_in(session, kpi, period.previous())
    mean = sum(values) / len(values) if values else None
    previous_mean = sum(previous_values) / len(previous_values) if previous_values else None
    days = _day_means(times, values, period.zone)
    on_target = [d for d in days if kpis.status_of(kpi, d.value) == kpis.Status.ON_TARGET]
    sign = 1 if kpi.better == "higher" else -1
    chart = spc.control_chart(values)
    previous_chart = spc.control_chart(previous_values)
    counts: Counter[tuple[int, bool, str]] = Counter(
        (v.rule, not v.above, v.description) for v in (chart.violations if chart else ())
    )
    return KpiReport(
        name=kpi.name,
        unit=kpi.unit,
        target=kpi.target,
        better=kpi.better,
        warn=kpi.warn,
        mean=mean,
        previous_mean=previous_mean,
        change=kpis.trend(mean, previous_mean, better=kpi.better),
        status=kpis.status_of(kpi, mean),
        days_with_data=len(days),
        days_on_target=len(on_target),
        days_without_data=len(period.days) - len(days),
        signals=tuple((text, n) for (_, _, text), n in sorted(counts.items())),
        previous_signal_count=len(previous_chart.violations) if previous_chart else 0,
        best=max(days, key=lambda d: sign * d.value) if days else None,
        worst=min(days, key=lambda d: sign * d.value) if days else None,
        times=tuple(times),
        values=tuple(values),
        limits=spc.Limits(chart.centre, chart.sigma) if chart else None,
        flagged=tuple(sorted({v.index for v in chart.violations})) if chart else (),
    )


def _kpi_order(line: KpiReport) -> tuple[object, ...]:
    return (_STATUS_ORDER[line.status], -(line.miss or 0.0), line.name.lower())


def escalation_report(
    session: Session, *, team_id: str, period: ReportPeriod, now: datetime
) -> EscalationReport:
    """Escalations opened in the period and the one before, by severity (`stats_between`,
    as `/escalate stats` counts them), with the Pareto of the period's causes."""

    def stats(of: ReportPeriod) -> escalations.EscalationStats:
        return escalations.stats_between(
            session,
            team_id=team_id,
            start=of.starts_at,
            end=of.ends_at,
            now=now,
            days=len(of.days),
        )

    current, previous = stats(period), stats(period.previous())
    before = {line.severity: line for line in previous.by_severity}
    return EscalationReport(
        total=current.total,
        previous_total=previous.total,
        by_severity=[
            SeverityLine(line.severity, line, before.get(line.severity))
            for line in current.by_severity
        ],
        causes=current.causes,
    )


def _participation(
    session: Session, *, team_id: str, standup: Standup, period: ReportPeriod
) -> tuple[list[standups.DayReport], Counter[str], Counter[str]]:
    runs_on = standups.days_of(standup)
    days = [
        standups.day_report(session, team_id=team_id, standup=standup, local_date=d)
        for d in period.days
        if d.weekday() in runs_on
    ]
    answered: Counter[str] = Counter()
    expected: Counter[str] = Counter()
    for report in days:
        answered.update(report.answered)
        expected.update([*report.answered, *report.missing])
    return days, answered, expected


def standup_reports(session: Session, *, team_id: str, period: ReportPeriod) -> list[StandupReport]:
    """Participation per standup over the period's standup days (answered of expected,
    people away not expected) against the period before, per person, and the
    blockers the same person reported on two days or more."""
    found = []
    for standup in standups.list_standups(session, team_id=team_id):
        days, answered, expected = _participation(
            session, team_id=team_id, standup=standup, period=period
        )
        _, previous_answered, previous_expected = _participation(
            session, team_id=team_id, standup=standup, period=period.previous()
        )
        repeated: dict[tuple[str, str], list[date]] = {}
        for report in days:
            for blocker in report.blockers:
                key = (blocker.user_id, " ".join(blocker.text.lower().split()))
                repeated.setdefault(key, []).append(report.local_date)
        texts = {
            (b.user_id, " ".join(b.text.lower().split())): b.text
            for report in days
            for b in report.blockers
        }
        recurring = sorted(
            (
                RecurringBlocker(user, texts[(user, key)], len(dates), min(dates), max(dates))
                for (user, key), dates in repeated.items()
                if len(dates) >= 2
            ),
            key=lambda b: (-b.days, b.first, b.user_id),
        )
        found.append(
            StandupReport(
                channel_id=standup.channel_id,
                answered=sum(answered.values()),
                expected=sum(expected.values()),
                previous_answered=sum(previous_answered.values()),
                previous_expected=sum(previous_expected.values()),
                people=[
                    PersonParticipation(user, answered[user], expected[user])
                    for user in sorted(expected, key=lambda u: (answered[u] / expected[u], u))
                ],
                recurring=recurring,
            )
        )
    return found


def _on_call_spans(
    session: Session, *, schedules: Sequence[OncallSchedule], start: datetime, end: datetime
) -> dict[str, tuple[list[datetime], list[datetime]]]:
    """When each person is on call in any of `schedules` from `start` to `end`: their shifts
    merged into sorted, disjoint spans (starts, ends). A schedule counts from when it was
    created: its rotation arithmetic says nothing about the time before. One `shifts` answer
    per schedule."""
    by_person: dict[str, list[tuple[datetime, datetime]]] = {}
    for schedule in schedules:
        begin = max(start, schedule.created_at)
        if begin >= end:
            continue
        for shift in oncall.shifts(session, schedule=schedule, start=begin, end=end):
            if shift.user_id is not None:
                by_person.setdefault(shift.user_id, []).append((shift.starts_at, shift.ends_at))
    spans: dict[str, tuple[list[datetime], list[datetime]]] = {}
    for user_id, shifts in by_person.items():
        starts: list[datetime] = []
        ends: list[datetime] = []
        for begin, finish in sorted(shifts):
            if ends and begin <= ends[-1]:
                ends[-1] = max(ends[-1], finish)
            else:
                starts.append(begin)
                ends.append(finish)
        spans[user_id] = (starts, ends)
    return spans


def _rotation_joined(
    session: Session, *, schedules: Sequence[OncallSchedule]
) -> dict[str, datetime]:
    """When each person first took turns in a layer of one of `schedules` (the layer's
    creation: a schedule's first layer is made with it)."""
    joined: dict[str, datetime] = {}
    for schedule in schedules:
        for row in oncall.layers(session, schedule=schedule):
            for user_id in oncall.layer_spec(row).members:
                joined[user_id] = min(joined.get(user_id, row.created_at), row.created_at)
    return joined


def oncall_load(session: Session, *, team_id: str, period: ReportPeriod) -> OncallLoad | None:
    """Pages per person in the period and the one before (`escalations.pages_between`),
    each counted as on call (in a shift of any schedule, overrides included), outside their
    shifts (not on call, but taking turns in a layer of a schedule that existed at that
    instant), or off rotation (in no schedule's layer then: before any schedule existed, or
    never in one). None when the workspace has no on-call schedule (the report then has no
    on-call section)."""
    found = oncall.schedules(session, team_id=team_id)
    if not found:
        return None
    start, end = period.previous().starts_at, period.ends_at
    spans = _on_call_spans(session, schedules=found, start=start, end=end)
    joined = _rotation_joined(session, schedules=found)
    counts: dict[str, Counter[str]] = {}
    for page in escalations.pages_between(session, team_id=team_id, start=start, end=end):
        starts, ends = spans.get(page.user_id, ([], []))
        index = bisect_right(starts, page.at) - 1
        on_call = index >= 0 and page.at < ends[index]
        in_rotation = page.user_id in joined and joined[page.user_id] <= page.at
        before = "" if page.at >= period.starts_at else "previous_"
        tally = counts.setdefault(page.user_id, Counter())
        tally[f"{before}pages"] += 1
        if not on_call:
            tally[f"{before}outside_shift" if in_rotation else f"{before}off_rotation"] += 1
    people = [
        PersonLoad(user_id, **{name: tally[name] for name in LOAD_FIGURES})
        for user_id, tally in counts.items()
    ]
    people.sort(key=lambda p: (-p.pages, -p.outside_shift, -p.previous_pages, p.user_id))
    return OncallLoad(people)


def highlights(
    kpi_lines: Sequence[KpiReport], escalation: EscalationReport, *, limit: int = HIGHLIGHTS
) -> list[Highlight]:
    """What leadership should look at first: the KPIs furthest off target or newly out of
    control, a worsening SLA breach rate, and the top cause; at most `limit`."""
    kpi_items = []
    for line in kpi_lines:
        if line.miss is not None and line.miss >= KPI_FAR_OFF and line.mean is not None:
            target = format_target(line.target, line.better, line.unit)
            kpi_items.append(
                (
                    line.miss,
                    Highlight(
                        "kpi",
                        line.name,
                        f"averaged {format_amount(line.mean, line.unit)} against {target}",
                    ),
                )
            )
        elif line.newly_out_of_control:
            kpi_items.append(
                (
                    0.0,
                    Highlight(
                        "kpi",
                        line.name,
                        f"newly out of control: {line.signals[0][0]}",
                    ),
                )
            )
    kpi_items.sort(key=lambda item: -item[0])
    others: list[Highlight] = []
    now_rate, before_rate = escalation.total.breach_rate, escalation.previous_total.breach_rate
    if now_rate is not None and now_rate > (before_rate or 0.0):
        others.append(
            Highlight(
                "sla",
                "SLA breach rate worsening",
                f"{format_number(100 * now_rate, 1)}% of escalations missed their "
                f"acknowledgement target, against "
                f"{format_number(100 * (before_rate or 0.0), 1)}% the period before",
            )
        )
    if escalation.causes:
        top = escalation.causes[0]
        tied = [c.cause for c in escalation.causes if c.count == top.count]
        total = sum(c.count for c in escalation.causes)
        others.append(
            Highlight(
                "cause",
                f"Top cause{'s' if len(tied) > 1 else ''}: {join_names(tied)}",
                f"{top.count} of {total} resolved escalations"
                f"{' each' if len(tied) > 1 else ''} ({format_number(top.percent, 1)}%)",
            )
        )
    # The worst KPI first, then the SLA and the top cause, then more KPIs if there is room.
    chosen = [item for _, item in kpi_items[:1]] + others + [item for _, item in kpi_items[1:]]
    return chosen[:limit]


def join_names(names: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def build_report(session: Session, *, team_id: str, period: ReportPeriod, now: datetime) -> Report:
    """The whole report of `period`; every rendering (post, CSV, PDF) reads this one result."""
    kpi_lines = sorted(
        (
            kpi_report(session, kpi=kpi, period=period)
            for kpi in session.scalars(
                select(Kpi).where(Kpi.team_id == team_id, Kpi.deleted_at.is_(None))
            )
        ),
        key=_kpi_order,
    )
    escalation = escalation_report(session, team_id=team_id, period=period, now=now)
    return Report(
        team_id=team_id,
        period=period,
        previous=period.previous(),
        built_at=now,
        highlights=highlights(kpi_lines, escalation),
        kpis=kpi_lines,
        escalations=escalation,
        standups=standup_reports(session, team_id=team_id, period=period),
        oncall=oncall_load(session, team_id=team_id, period=period),
    )


def duration_minutes(delta: timedelta | None) -> float | None:
    """A duration in minutes, as the CSV writes it (the post writes `format_duration`)."""
    return None if delta is None else round(delta.total_seconds() / 60, 2)


@dataclass(frozen=True)
class ReportNames:
    """How the files, read outside Slack (forwarded by email), name people and channels:
    `@Maria Lopez` and `#shift-leads`, or the id where Opsbot knows no name."""

    users: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)

    def person(self, user_id: str) -> str:
        """The name alone, for a column that says it holds people (a spreadsheet takes a
        leading `@` for a formula)."""
        return self.users.get(user_id) or user_id

    def user(self, user_id: str) -> str:
        return "@" + self.person(user_id)

    def channel(self, channel_id: str) -> str:
        return "#" + (self.channels.get(channel_id) or channel_id)


def report_names(
    session: Session,
    *,
    report: Report,
    user_name: Callable[[str], str | None],
    channel_name: Callable[[str], str | None],
) -> ReportNames:
    """Names of the report's people (their cached profiles, else `user_name`) and channels
    (`channel_name`); the lookups answer None when they know no name."""
    user_ids = {
        user_id
        for s in report.standups
        for user_id in [*(p.user_id for p in s.people), *(b.user_id for b in s.recurring)]
    } | {p.user_id for p in (report.oncall.people if report.oncall else ())}
    users = {
        row.user_id: row.name
        for row in session.scalars(
            select(SlackUser).where(
                SlackUser.team_id == report.team_id, SlackUser.user_id.in_(user_ids)
            )
        )
        if row.name
    }
    for user_id in sorted(user_ids - users.keys()):
        if name := user_name(user_id):
            users[user_id] = name
    channels = {s.channel_id: name for s in report.standups if (name := channel_name(s.channel_id))}
    return ReportNames(users=users, channels=channels)
