"""Asynchronous standups: configuration, participants, answers, out-of-office,
what is due (reminders in each person's zone, reports in the team's zone) and the
day's participation and blockers that reports, the huddle and App Home show.

Answers are kept per person per *local date* (the participant's own Slack
timezone); a day's report for a standup covers the answers of that date.

For other engineers: `reminder_times(session, standup, local_date) -> dict[str, datetime]`
(user id → the UTC moment that person's reminder is/was due on that standup-local date;
absent when off that day, away, or not yet a participant) tells "not due yet" from missing;
`day_report(..., now=)`/`participation` already list those people in `DayReport.not_due`.
`open_blockers(session, *, team_id, now) -> list[Blocker]` gives each open blocker with
`first_day` (the first local date that same blocker was reported), `since` (the moment of
that first report) and `age`; blockers are recognised by `bot.services.blockers`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import NotFoundError
from bot.models import (
    ScheduledPost,
    SlackUser,
    Standup,
    StandupAnswer,
    StandupAway,
    StandupParticipant,
    StandupThread,
)
from bot.services import holidays
from bot.services.blockers import continues_previous, is_blocker, same_blocker
from bot.services.schedule import (
    format_days,
    latest_occurrence,
    next_occurrence,
    occurrence,
    parse_days,
)
from bot.services.workspace import PROFILE_MAX_AGE

REMINDER_KIND = "standup-reminder"
REPORT_KIND = "standup-report"
DEFAULT_QUESTIONS = (
    "What did you get done yesterday?",
    "What are you working on today?",
    "Anything blocking you?",
)
DEFAULT_REPORT_DELAY = timedelta(hours=2)
BLOCKER_LOOKBACK = timedelta(days=30)


# -- configuration -------------------------------------------------------------


def default_report_time(remind_at: time) -> time:
    """Two hours after the reminder, but never past the end of the day."""
    minutes = min(remind_at.hour * 60 + remind_at.minute + 120, 23 * 60 + 59)
    return time(minutes // 60, minutes % 60)


def configure(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    now: datetime,
    remind_at: time | None = None,
    report_at: time | None = None,
    days: frozenset[int] | None = None,
    timezone: str | None = None,
    questions: list[str] | None = None,
    default_timezone: str = "UTC",
    holiday_calendar: str | None = None,
    skip: str | None = None,
) -> tuple[Standup, bool]:
    """Create the channel's standup or change the given settings. Returns (standup, created).

    A new standup needs `remind_at`; the caller checks that. Changing a standup moves its
    `updated_at`, so an occurrence before the change is never sent late. `holiday_calendar`
    and `skip` are as the grammar writes them (`DE-BY`, `2026-12-24,…`; "" for none)."""
    standup = find_standup(session, team_id=team_id, channel_id=channel_id)
    created = standup is None
    if standup is None:
        if remind_at is None:
            raise ValueError("a new standup needs a reminder time")
        standup = Standup(
            team_id=team_id,
            channel_id=channel_id,
            remind_at=remind_at,
            report_at=report_at or default_report_time(remind_at),
            days=format_days(days or parse_days("mon-fri")),
            timezone=timezone or default_timezone,
            questions=json.dumps(questions or list(DEFAULT_QUESTIONS)),
            created_by=user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(standup)
    else:
        if remind_at is not None:
            standup.remind_at = remind_at
        if report_at is not None:
            standup.report_at = report_at
        if days is not None:
            standup.days = format_days(days)
        if timezone is not None:
            standup.timezone = timezone
        if questions is not None:
            standup.questions = json.dumps(questions)
        standup.updated_at = now
    if holiday_calendar is not None:
        standup.holidays = holiday_calendar or None
    if skip is not None:
        standup.skip_dates = skip
    session.flush()
    return standup, created


def find_standup(session: Session, *, team_id: str, channel_id: str) -> Standup | None:
    """The standup that runs in `channel_id`, if any."""
    return session.scalar(
        select(Standup).where(Standup.team_id == team_id, Standup.channel_id == channel_id)
    )


def get_standup(session: Session, *, team_id: str, standup_id: int) -> Standup:
    """The standup with this id in this workspace, or NotFoundError."""
    standup = session.scalar(
        select(Standup).where(Standup.team_id == team_id, Standup.id == standup_id)
    )
    if standup is None:
        raise NotFoundError("That standup no longer exists.")
    return standup


def list_standups(session: Session, *, team_id: str) -> list[Standup]:
    """Every standup of the workspace, oldest first."""
    return list(
        session.scalars(select(Standup).where(Standup.team_id == team_id).order_by(Standup.id))
    )


def questions_of(standup: Standup) -> list[str]:
    return list(json.loads(standup.questions))


def calendar_of(standup: Standup) -> holidays.Calendar:
    """The standup's holidays: its country's (and region's) and the company's own days."""
    return holidays.parse_calendar(standup.holidays, skip=standup.skip_dates)


def runs_on(standup: Standup, local_date: date) -> bool:
    """Whether the standup runs on `local_date`: one of its days, and not a holiday."""
    return local_date.weekday() in days_of(standup) and (
        holidays.is_holiday(calendar_of(standup), local_date) is None
    )


def days_of(standup: Standup) -> frozenset[int]:
    return parse_days(standup.days)


def zone_of(name: str | None, fallback: str) -> ZoneInfo:
    """The zone called `name`, or `fallback` when it is missing or unknown."""
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def is_blocker_question(question: str) -> bool:
    return "block" in question.lower()


# -- participants --------------------------------------------------------------


def join(session: Session, *, team_id: str, standup_id: int, user_id: str, now: datetime) -> bool:
    """Add `user_id` to the standup; False when they already were in it."""
    try:
        with session.begin_nested():
            session.add(
                StandupParticipant(
                    team_id=team_id, standup_id=standup_id, user_id=user_id, joined_at=now
                )
            )
    except IntegrityError:
        return False
    return True


def leave(session: Session, *, team_id: str, standup_id: int, user_id: str) -> bool:
    """Take `user_id` out of the standup; False when they were not in it."""
    result = session.execute(
        delete(StandupParticipant).where(
            StandupParticipant.team_id == team_id,
            StandupParticipant.standup_id == standup_id,
            StandupParticipant.user_id == user_id,
        )
    )
    return bool(result.rowcount)


def participants(session: Session, *, team_id: str, standup_id: int) -> list[StandupParticipant]:
    """The standup's participants in the order they joined."""
    return list(
        session.scalars(
            select(StandupParticipant)
            .where(
                StandupParticipant.team_id == team_id,
                StandupParticipant.standup_id == standup_id,
            )
            .order_by(StandupParticipant.joined_at, StandupParticipant.id)
        )
    )


def standups_of_user(session: Session, *, team_id: str, user_id: str) -> list[Standup]:
    """The standups `user_id` takes part in, oldest first."""
    return list(
        session.scalars(
            select(Standup)
            .join(StandupParticipant, StandupParticipant.standup_id == Standup.id)
            .where(Standup.team_id == team_id, StandupParticipant.user_id == user_id)
            .order_by(Standup.id)
        )
    )


def is_participant(session: Session, *, team_id: str, standup_id: int, user_id: str) -> bool:
    return (
        session.scalar(
            select(StandupParticipant.id).where(
                StandupParticipant.team_id == team_id,
                StandupParticipant.standup_id == standup_id,
                StandupParticipant.user_id == user_id,
            )
        )
        is not None
    )


def user_zone(session: Session, *, team_id: str, user_id: str, fallback: str) -> ZoneInfo:
    """The person's cached Slack timezone, or `fallback`."""
    tz = session.scalar(
        select(SlackUser.tz).where(SlackUser.team_id == team_id, SlackUser.user_id == user_id)
    )
    return zone_of(tz, fallback)


def participants_with_stale_profiles(session: Session, *, now: datetime) -> list[tuple[str, str]]:
    """(team_id, user_id) of participants whose cached profile is missing or older than a day."""
    rows = session.execute(
        select(StandupParticipant.team_id, StandupParticipant.user_id, SlackUser.refreshed_at)
        .distinct()
        .outerjoin(
            SlackUser,
            (SlackUser.team_id == StandupParticipant.team_id)
            & (SlackUser.user_id == StandupParticipant.user_id),
        )
    ).all()
    return sorted(
        {
            (team_id, user_id)
            for team_id, user_id, refreshed_at in rows
            if refreshed_at is None or now - refreshed_at >= PROFILE_MAX_AGE
        }
    )


# -- answers -------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionAnswer:
    question: str
    answer: str


def answers_of(answer: StandupAnswer) -> list[QuestionAnswer]:
    return [QuestionAnswer(item["question"], item["answer"]) for item in json.loads(answer.answers)]


def has_blocker_question(standup: Standup) -> bool:
    """Whether one of the standup's questions asks about blockers (else none are tracked)."""
    return any(is_blocker_question(q) for q in questions_of(standup))


def blocker_in(
    questions: list[str], texts: list[str], *, previous: StandupAnswer | None
) -> str | None:
    """The answer to the blockers question, unless it says nothing is in the way
    (`bot.services.blockers.is_blocker`). An answer that only points back ("same as
    yesterday", "ditto": `continues_previous`) is what the person's `previous` answer was: a
    blocker if it had one, none if it had none; with no previous answer it stays a blocker,
    visible, and the "Nothing is blocking me" checkbox settles it."""
    for question, text in zip(questions, texts, strict=True):
        if not is_blocker_question(question):
            continue
        if continues_previous(text):
            return text.strip() if previous is None or previous.blocker else None
        return text.strip() if is_blocker(text) else None
    return None


def previous_answer(
    session: Session, *, team_id: str, standup_id: int, user_id: str, before: date
) -> StandupAnswer | None:
    """The person's most recent answer in the standup for a date before `before`."""
    return session.scalar(
        select(StandupAnswer)
        .where(
            StandupAnswer.team_id == team_id,
            StandupAnswer.standup_id == standup_id,
            StandupAnswer.user_id == user_id,
            StandupAnswer.local_date < before,
        )
        .order_by(StandupAnswer.local_date.desc())
        .limit(1)
    )


def blocker_first_day(previous: StandupAnswer | None, *, local_date: date, blocker: str) -> date:
    """The first day `blocker` was reported: that of the person's `previous` answer in the
    standup when it reported the same blocker (`bot.services.blockers.same_blocker`), days
    without an answer in between notwithstanding; else `local_date` itself."""
    if previous is None or not previous.blocker or not same_blocker(previous.blocker, blocker):
        return local_date
    return previous.blocker_since or previous.local_date


def get_answer(
    session: Session, *, team_id: str, standup_id: int, user_id: str, local_date: date
) -> StandupAnswer | None:
    """The person's answer for that local date, if any."""
    return session.scalar(
        select(StandupAnswer).where(
            StandupAnswer.team_id == team_id,
            StandupAnswer.standup_id == standup_id,
            StandupAnswer.user_id == user_id,
            StandupAnswer.local_date == local_date,
        )
    )


def save_answer(
    session: Session,
    *,
    team_id: str,
    standup: Standup,
    user_id: str,
    local_date: date,
    texts: list[str],
    now: datetime,
    nothing_blocking: bool = False,
) -> tuple[StandupAnswer, bool]:
    """Store the person's answer for `local_date`; a second one that day replaces the first.
    Returns (answer, replaced).

    `nothing_blocking` (the modal's checkbox) settles that there is no blocker, whatever the
    blockers answer says; the text is kept as the answer. "Same as yesterday" takes the
    previous answer's blocker status (`blocker_in`). A blocker's first day is carried over
    from the previous answer when it is the same blocker (`blocker_first_day`)."""
    questions = questions_of(standup)
    if len(texts) != len(questions):
        raise ValueError("one answer per question is needed")
    payload = json.dumps(
        [{"question": q, "answer": a.strip()} for q, a in zip(questions, texts, strict=True)]
    )
    previous = previous_answer(
        session, team_id=team_id, standup_id=standup.id, user_id=user_id, before=local_date
    )
    blocker = None if nothing_blocking else blocker_in(questions, texts, previous=previous)
    since = blocker_first_day(previous, local_date=local_date, blocker=blocker) if blocker else None
    answer = get_answer(
        session, team_id=team_id, standup_id=standup.id, user_id=user_id, local_date=local_date
    )
    if answer is None:
        answer = StandupAnswer(
            team_id=team_id,
            standup_id=standup.id,
            user_id=user_id,
            local_date=local_date,
            answers=payload,
            blocker=blocker,
            nothing_blocking=nothing_blocking,
            blocker_since=since,
            submitted_at=now,
            updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(answer)
            return answer, False
        except IntegrityError:  # a simultaneous first submission won; replace it instead
            answer = get_answer(
                session,
                team_id=team_id,
                standup_id=standup.id,
                user_id=user_id,
                local_date=local_date,
            )
            assert answer is not None
    answer.answers = payload
    answer.blocker = blocker
    answer.nothing_blocking = nothing_blocking
    answer.blocker_since = since
    answer.updated_at = now
    session.flush()
    return answer, True


def lock_answer(session: Session, *, team_id: str, answer_id: int) -> StandupAnswer:
    """The answer, locked until the transaction ends (so two edits post one copy)."""
    answer = session.scalar(
        select(StandupAnswer)
        .where(StandupAnswer.team_id == team_id, StandupAnswer.id == answer_id)
        .with_for_update()
    )
    if answer is None:
        raise NotFoundError("That standup answer no longer exists.")
    return answer


def set_answer_message(
    session: Session, *, answer: StandupAnswer, message_ts: str, message_link: str | None
) -> None:
    """Remember where the answer was posted, so an edit updates that copy."""
    answer.message_ts = message_ts
    answer.message_link = message_link
    session.flush()


def history(
    session: Session, *, team_id: str, user_id: str, since: date, limit: int = 20
) -> list[tuple[Standup, StandupAnswer]]:
    """The person's answers from `since` on, newest first, with their standup."""
    return [
        (standup, answer)
        for answer, standup in session.execute(
            select(StandupAnswer, Standup)
            .join(Standup, Standup.id == StandupAnswer.standup_id)
            .where(
                StandupAnswer.team_id == team_id,
                StandupAnswer.user_id == user_id,
                StandupAnswer.local_date >= since,
            )
            .order_by(StandupAnswer.local_date.desc(), Standup.id)
            .limit(limit)
        ).tuples()
    ]


# -- the daily thread ----------------------------------------------------------


def thread_for(
    session: Session, *, team_id: str, standup_id: int, local_date: date
) -> StandupThread | None:
    return session.scalar(
        select(StandupThread).where(
            StandupThread.team_id == team_id,
            StandupThread.standup_id == standup_id,
            StandupThread.local_date == local_date,
        )
    )


def claim_thread(
    session: Session, *, team_id: str, standup_id: int, local_date: date, now: datetime
) -> StandupThread | None:
    """Claim the right to post the day's parent message; None when someone already has.

    The row stays locked until the caller's transaction ends, so a concurrent claim waits
    and then finds the parent's ts."""
    row = StandupThread(
        team_id=team_id, standup_id=standup_id, local_date=local_date, created_at=now
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def set_thread_message(session: Session, *, thread_id: int, message_ts: str) -> None:
    """Remember the ts of the day's parent message once Slack has it."""
    thread = session.get(StandupThread, thread_id)
    if thread is not None:
        thread.message_ts = message_ts
        session.flush()


# -- out of office -------------------------------------------------------------


def add_away(
    session: Session, *, team_id: str, user_id: str, starts_on: date, ends_on: date, now: datetime
) -> StandupAway:
    """Mark the person out of office on those dates (inclusive)."""
    away = StandupAway(
        team_id=team_id, user_id=user_id, starts_on=starts_on, ends_on=ends_on, created_at=now
    )
    session.add(away)
    session.flush()
    return away


def cancel_aways(session: Session, *, team_id: str, user_id: str, today: date) -> int:
    """End the person's current and future out-of-office periods; returns how many."""
    count = 0
    for away in session.scalars(
        select(StandupAway).where(
            StandupAway.team_id == team_id,
            StandupAway.user_id == user_id,
            StandupAway.ends_on >= today,
        )
    ):
        if away.starts_on >= today:
            session.delete(away)
        else:
            away.ends_on = today - timedelta(days=1)
        count += 1
    session.flush()
    return count


def away_on(
    session: Session, *, team_id: str, user_ids: Iterable[str], local_date: date
) -> set[str]:
    """Which of `user_ids` are out of office on `local_date`."""
    ids = list(user_ids)
    if not ids:
        return set()
    return set(
        session.scalars(
            select(StandupAway.user_id).where(
                StandupAway.team_id == team_id,
                StandupAway.user_id.in_(ids),
                StandupAway.starts_on <= local_date,
                StandupAway.ends_on >= local_date,
            )
        )
    )


# -- each person's reminder time ------------------------------------------------


def _member_zones(session: Session, standup: Standup, local_date: date) -> dict[str, ZoneInfo]:
    """Participant → their zone (cached Slack profile, else the standup's), for those who
    had joined by the end of `local_date` in the standup's zone, in joining order."""
    day_end = datetime.combine(
        local_date + timedelta(days=1), time(), tzinfo=zone_of(standup.timezone, "UTC")
    )
    rows = session.execute(
        select(StandupParticipant.user_id, StandupParticipant.joined_at, SlackUser.tz)
        .outerjoin(
            SlackUser,
            (SlackUser.team_id == StandupParticipant.team_id)
            & (SlackUser.user_id == StandupParticipant.user_id),
        )
        .where(
            StandupParticipant.team_id == standup.team_id,
            StandupParticipant.standup_id == standup.id,
        )
        .order_by(StandupParticipant.joined_at, StandupParticipant.id)
    ).tuples()
    return {
        user_id: zone_of(tz, standup.timezone)
        for user_id, joined_at, tz in rows
        if joined_at < day_end
    }


def reminder_times(session: Session, standup: Standup, local_date: date) -> dict[str, datetime]:
    """When each participant's reminder is (or was) due on `local_date`: user id → the UTC
    moment of the standup's reminder time in the person's own Slack zone (cached profile,
    else the standup's zone) on that date. People who had not joined by the end of that day
    (standup's zone) or are out of office are absent; so is everyone when the standup does
    not run that weekday. A report lists a person whose moment is after the report's as
    "not due yet" rather than missing; the huddle uses it to say when reminders go out.
    Nobody is due on a holiday of the standup's calendar."""
    if not runs_on(standup, local_date):
        return {}
    members = _member_zones(session, standup, local_date)
    away = away_on(session, team_id=standup.team_id, user_ids=members, local_date=local_date)
    return {
        user_id: occurrence(local_date, standup.remind_at, zone)
        for user_id, zone in members.items()
        if user_id not in away
    }


@dataclass(frozen=True)
class LateReminder:
    """A reminder that comes after the report it should feed: its person shows as "not due
    yet" in that report. `user_id` None: the standup's own zone (report before reminder),
    with `user_ids` the participants in that zone."""

    user_id: str | None
    zone: str
    remind_at: datetime  # UTC, on the standup's next day
    report_at: datetime  # UTC, the same day's report
    user_ids: tuple[str, ...] = ()


def late_reminders(
    session: Session, standup: Standup, *, now: datetime, user_ids: Iterable[str] | None = None
) -> list[LateReminder]:
    """Whose reminder, on the standup's next day (in its zone, from `now`), comes after that
    day's report: the standup's own zone first (a report time before the reminder time,
    naming the participants in that zone), then each participant in another zone where it
    does. With `user_ids`, only those people are named, and the standup's own zone only when
    one of them is in it."""
    zone = zone_of(standup.timezone, "UTC")
    next_report = next_occurrence(now, at=standup.report_at, zone=zone, days=days_of(standup))
    if next_report is None:
        return []
    day, report_at = next_report.local_date, next_report.at
    wanted = None if user_ids is None else set(user_ids)
    members = {
        user_id: user_zone
        for user_id, user_zone in _member_zones(session, standup, day).items()
        if wanted is None or user_id in wanted
    }
    late = []
    remind_here = occurrence(day, standup.remind_at, zone)
    here = tuple(user_id for user_id, user_zone in members.items() if user_zone.key == zone.key)
    if remind_here > report_at and (wanted is None or here):
        late.append(LateReminder(None, zone.key, remind_here, report_at, here))
    for user_id, user_zone in members.items():
        remind_at = occurrence(day, standup.remind_at, user_zone)
        if remind_at > report_at and user_zone.key != zone.key:
            late.append(LateReminder(user_id, user_zone.key, remind_at, report_at))
    return late


# -- reports, participation and blockers ----------------------------------------


@dataclass(frozen=True)
class Blocker:
    standup_id: int
    channel_id: str
    user_id: str
    text: str
    local_date: date  # of the answer that reports it (the latest one, for open blockers)
    link: str | None
    since: datetime  # when the person first reported this blocker (its first day's answer)
    age: timedelta  # how long it has been open, at the time asked
    first_day: date  # the first local date this blocker was reported


@dataclass(frozen=True)
class DayReport:
    """Participation in one standup on one local date."""

    standup_id: int
    channel_id: str
    local_date: date
    answered: list[str]
    away: list[str]
    missing: list[str]
    blockers: list[Blocker]
    # Not answered, but their own reminder time had not come when the report was made.
    not_due: list[str] = field(default_factory=list)
    runs: bool = True  # the standup runs on that weekday
    upcoming: bool = False  # the date is after the report's today (standup's zone)


def _first_reports(
    session: Session, *, team_id: str, answers: list[StandupAnswer], zone: ZoneInfo
) -> dict[int, datetime]:
    """Answer id → when its blocker was first reported: the submission of the person's
    answer on the blocker's first day, or the start of that day when that answer is gone."""
    first_days = {a.id: a.blocker_since or a.local_date for a in answers if a.blocker}
    if not first_days:
        return {}
    earlier = session.execute(
        select(
            StandupAnswer.standup_id,
            StandupAnswer.user_id,
            StandupAnswer.local_date,
            StandupAnswer.submitted_at,
        ).where(
            StandupAnswer.team_id == team_id,
            StandupAnswer.standup_id.in_({a.standup_id for a in answers}),
            StandupAnswer.user_id.in_({a.user_id for a in answers}),
            StandupAnswer.local_date.in_(set(first_days.values())),
        )
    ).tuples()
    submitted = {(sid, uid, day): at for sid, uid, day, at in earlier}
    return {
        a.id: submitted.get(
            (a.standup_id, a.user_id, first_days[a.id]),
            datetime.combine(first_days[a.id], time(), tzinfo=zone),
        )
        for a in answers
        if a.id in first_days
    }


def _blockers_of(
    session: Session,
    *,
    team_id: str,
    answers: list[tuple[StandupAnswer, str]],
    zone: ZoneInfo,
    now: datetime | None,
) -> list[Blocker]:
    """The blockers of these (answer, standup channel) pairs, aged at `now` (0 when None)."""
    first = _first_reports(session, team_id=team_id, answers=[a for a, _c in answers], zone=zone)
    return [
        Blocker(
            standup_id=answer.standup_id,
            channel_id=channel_id,
            user_id=answer.user_id,
            text=answer.blocker or "",
            local_date=answer.local_date,
            link=answer.message_link,
            since=first[answer.id],
            age=max(now - first[answer.id], timedelta(0)) if now else timedelta(0),
            first_day=answer.blocker_since or answer.local_date,
        )
        for answer, channel_id in answers
        if answer.blocker
    ]


def day_report(
    session: Session,
    *,
    team_id: str,
    standup: Standup,
    local_date: date,
    now: datetime | None = None,
) -> DayReport:
    """Who answered, who is away, who is missing and who is not due yet on `local_date`, and
    that day's blockers.

    People are the current participants who had joined by the end of that day (in the team's
    zone), plus anyone who answered that day even if they left since. Someone who has not
    answered and whose own reminder (`reminder_times`) comes after `now` is not due yet
    rather than missing; without `now` (a past day) everyone is due. On a day the standup
    does not run, nobody is missing."""
    zone = zone_of(standup.timezone, "UTC")
    day_end = datetime.combine(local_date + timedelta(days=1), time(), tzinfo=zone)
    members = [
        p.user_id
        for p in participants(session, team_id=team_id, standup_id=standup.id)
        if p.joined_at < day_end
    ]
    answers = list(
        session.scalars(
            select(StandupAnswer)
            .where(
                StandupAnswer.team_id == team_id,
                StandupAnswer.standup_id == standup.id,
                StandupAnswer.local_date == local_date,
            )
            .order_by(StandupAnswer.submitted_at, StandupAnswer.id)
        )
    )
    answered = [a.user_id for a in answers]
    rest = [user for user in members if user not in answered]
    away = away_on(session, team_id=team_id, user_ids=rest, local_date=local_date)
    runs = runs_on(standup, local_date)
    due_at = reminder_times(session, standup, local_date) if now is not None else {}
    not_due = [user for user in rest if user not in away and user in due_at and due_at[user] > now]
    return DayReport(
        standup_id=standup.id,
        channel_id=standup.channel_id,
        local_date=local_date,
        answered=answered,
        away=[user for user in rest if user in away],
        missing=[user for user in rest if runs and user not in away and user not in not_due],
        blockers=_blockers_of(
            session,
            team_id=team_id,
            answers=[(a, standup.channel_id) for a in answers],
            zone=zone,
            now=now,
        ),
        not_due=not_due,
        runs=runs,
        upcoming=now is not None and local_date > now.astimezone(zone).date(),
    )


def participation(
    session: Session, *, team_id: str, now: datetime, standup_id: int | None = None
) -> list[DayReport]:
    """Today's participation in each standup (or one), today being the team zone's date;
    people whose reminder has not come yet are `not_due`, not missing."""
    standups = list_standups(session, team_id=team_id)
    if standup_id is not None:
        standups = [s for s in standups if s.id == standup_id]
    return [
        day_report(
            session,
            team_id=team_id,
            standup=standup,
            local_date=now.astimezone(zone_of(standup.timezone, "UTC")).date(),
            now=now,
        )
        for standup in standups
    ]


def open_blockers(
    session: Session, *, team_id: str, now: datetime, standup_id: int | None = None
) -> list[Blocker]:
    """Blockers still open: the person's latest answer in the standup (within 30 days)
    reports one. Its `since` is when that same blocker was first reported (`first_day`,
    carried from answer to answer by `blocker_first_day`); oldest blockers first."""
    query = (
        select(StandupAnswer, Standup.channel_id)
        .join(Standup, Standup.id == StandupAnswer.standup_id)
        .where(
            StandupAnswer.team_id == team_id,
            StandupAnswer.local_date >= (now - BLOCKER_LOOKBACK).date(),
        )
        .order_by(StandupAnswer.local_date.desc(), StandupAnswer.id)
    )
    if standup_id is not None:
        query = query.where(StandupAnswer.standup_id == standup_id)
    latest: dict[tuple[int, str], tuple[StandupAnswer, str]] = {}
    for answer, channel_id in session.execute(query).tuples():
        latest.setdefault((answer.standup_id, answer.user_id), (answer, channel_id))
    blockers = _blockers_of(
        session,
        team_id=team_id,
        answers=[pair for pair in latest.values() if pair[0].blocker],
        zone=ZoneInfo("UTC"),
        now=now,
    )
    return sorted(blockers, key=lambda b: b.since)


@dataclass(frozen=True)
class UserStandup:
    """One of a person's standups, as App Home shows it."""

    standup_id: int
    channel_id: str
    local_date: date  # the person's today
    runs_today: bool
    answered: bool
    away: bool
    remind_at: time


def user_standups_today(
    session: Session, *, team_id: str, user_id: str, now: datetime
) -> list[UserStandup]:
    """The standups `user_id` is in and whether today's (their local date) is answered."""
    result = []
    for standup in standups_of_user(session, team_id=team_id, user_id=user_id):
        today = now.astimezone(
            user_zone(session, team_id=team_id, user_id=user_id, fallback=standup.timezone)
        ).date()
        answer = get_answer(
            session, team_id=team_id, standup_id=standup.id, user_id=user_id, local_date=today
        )
        away = bool(away_on(session, team_id=team_id, user_ids=[user_id], local_date=today))
        result.append(
            UserStandup(
                standup_id=standup.id,
                channel_id=standup.channel_id,
                local_date=today,
                runs_today=runs_on(standup, today),
                answered=answer is not None,
                away=away,
                remind_at=standup.remind_at,
            )
        )
    return result


# -- what is due now -------------------------------------------------------------


@dataclass(frozen=True)
class DueReminder:
    team_id: str
    user_id: str
    local_date: date
    scheduled_for: datetime


@dataclass(frozen=True)
class DueReport:
    team_id: str
    channel_id: str
    local_date: date
    scheduled_for: datetime


def _ledger_keys(session: Session, *, kind: str, dates: set[date]) -> set[tuple[str, str, date]]:
    if not dates:
        return set()
    return set(
        session.execute(
            select(ScheduledPost.team_id, ScheduledPost.channel_id, ScheduledPost.local_date).where(
                ScheduledPost.kind == kind, ScheduledPost.local_date.in_(dates)
            )
        ).tuples()
    )


def due_reminders(session: Session, *, now: datetime, grace: timedelta) -> list[DueReminder]:
    """Reminders to send now, one per person per local date: for each participant, the latest
    reminder time in their own zone (not before they joined or the standup last changed),
    within `grace`, on one of the standup's days, not answered, not away, not yet sent."""
    rows = session.execute(
        select(Standup, StandupParticipant, SlackUser.tz)
        .join(StandupParticipant, StandupParticipant.standup_id == Standup.id)
        .outerjoin(
            SlackUser,
            (SlackUser.team_id == StandupParticipant.team_id)
            & (SlackUser.user_id == StandupParticipant.user_id),
        )
    ).tuples()
    candidates: dict[tuple[str, str, date], tuple[datetime, set[int]]] = {}
    for standup, participant, tz in rows:
        due = latest_occurrence(
            now,
            at=standup.remind_at,
            zone=zone_of(tz, standup.timezone),
            days=days_of(standup),
            not_before=max(participant.joined_at, standup.updated_at),
        )
        if due is None or now - due.at > grace or not runs_on(standup, due.local_date):
            continue
        key = (standup.team_id, participant.user_id, due.local_date)
        first, standup_ids = candidates.get(key, (due.at, set()))
        candidates[key] = (min(first, due.at), standup_ids | {standup.id})
    if not candidates:
        return []
    dates = {local_date for _team, _user, local_date in candidates}
    answered = set(
        session.execute(
            select(
                StandupAnswer.team_id,
                StandupAnswer.user_id,
                StandupAnswer.local_date,
                StandupAnswer.standup_id,
            ).where(StandupAnswer.local_date.in_(dates))
        ).tuples()
    )
    sent = _ledger_keys(session, kind=REMINDER_KIND, dates=dates)
    due_now = []
    for (team_id, user_id, local_date), (first, standup_ids) in sorted(candidates.items()):
        if (team_id, user_id, local_date) in sent:
            continue
        if all((team_id, user_id, local_date, sid) in answered for sid in standup_ids):
            continue
        if away_on(session, team_id=team_id, user_ids=[user_id], local_date=local_date):
            continue
        due_now.append(DueReminder(team_id, user_id, local_date, first))
    return due_now


def reminder_standups(
    session: Session, *, team_id: str, user_id: str, local_date: date
) -> list[Standup]:
    """What a reminder for `local_date` lists: the person's standups that run that weekday and
    that they have not answered; nothing when they are away."""
    if away_on(session, team_id=team_id, user_ids=[user_id], local_date=local_date):
        return []
    return [
        standup
        for standup in standups_of_user(session, team_id=team_id, user_id=user_id)
        if runs_on(standup, local_date)
        and get_answer(
            session,
            team_id=team_id,
            standup_id=standup.id,
            user_id=user_id,
            local_date=local_date,
        )
        is None
    ]


def due_reports(
    session: Session, *, now: datetime, grace: timedelta
) -> tuple[list[DueReport], list[DueReport]]:
    """(due, missed): reports whose time in the team's zone has come and that are not in the
    ledger yet; `missed` ones are older than `grace` (downtime) and are skipped."""
    candidates = []
    for standup in session.scalars(select(Standup).order_by(Standup.id)):
        occurrence = latest_occurrence(
            now,
            at=standup.report_at,
            zone=zone_of(standup.timezone, "UTC"),
            days=days_of(standup),
            not_before=standup.updated_at,
        )
        if occurrence is not None and runs_on(standup, occurrence.local_date):
            candidates.append(
                DueReport(standup.team_id, standup.channel_id, occurrence.local_date, occurrence.at)
            )
    sent = _ledger_keys(session, kind=REPORT_KIND, dates={c.local_date for c in candidates})
    fresh = [c for c in candidates if (c.team_id, c.channel_id, c.local_date) not in sent]
    due = [c for c in fresh if now - c.scheduled_for <= grace]
    missed = [c for c in fresh if now - c.scheduled_for > grace]
    return due, missed
