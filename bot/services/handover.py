"""Shift handover: at every change of person in an on-call schedule, the incoming person gets
the handover package `notice` minutes before, the change is announced when it happens, and
an unacknowledged handover is chased 30 minutes later.

Each change of person is one `OncallHandover` row (unique per schedule and instant), and
each step is claimed on it with a conditional UPDATE of its own column (`notice_sent_at`,
`announced_at`, `reminded_at`) in the transaction that queues what the step says: every
step happens exactly once, across restarts and any number of instances. A step missed while
Opsbot was down is made up within the grace period, and forgotten after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise

from rapidfuzz import fuzz, process
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import ConflictError, NotFoundError, PermissionDeniedError
from bot.models import OncallHandover, OncallNote, OncallSchedule
from bot.services import escalations, kpis, oncall, rotation, spc, standups
from bot.services.escalations import EscalationSummary
from bot.services.standups import Blocker

REMIND_AFTER = timedelta(minutes=30)
NOTE_MAX_CHARS = 1000  # shown in two sections of 500 (escaped text must fit Slack's 3,000)
NOTES_LOOKBACK = timedelta(days=14)  # the longest an outgoing shift is searched back for
LONGEST_GAP_LOOKBACK = timedelta(hours=24)  # how much of a gap the handover looks back on
ENDS_LOOKAHEAD = timedelta(days=30)  # how far the end of an incoming shift is looked for
URGENT_SEVERITIES = ("sev1", "sev2")


class Step(StrEnum):
    NOTICE = "notice"  # the handover DM to the incoming person
    ANNOUNCE = "announce"  # the shift-change line and the user group
    REMIND = "remind"  # 30 minutes after an unacknowledged change


_STEP_COLUMN = {
    Step.NOTICE: OncallHandover.notice_sent_at,
    Step.ANNOUNCE: OncallHandover.announced_at,
    Step.REMIND: OncallHandover.reminded_at,
}


@dataclass(frozen=True)
class Change:
    """A change of person in a schedule at `at` (None: nobody, a gap)."""

    schedule_id: int
    team_id: str
    at: datetime
    outgoing: str | None
    incoming: str | None


@dataclass(frozen=True)
class DueStep:
    change: Change
    step: Step


# -- what is due --------------------------------------------------------------------------


def changes_between(
    session: Session, *, schedule: OncallSchedule, start: datetime, end: datetime
) -> list[Change]:
    """The changes of person in `schedule` at instants in [start, end]."""
    if end < start:
        return []
    edge = timedelta(seconds=1)  # so that a change exactly at `start` is seen as one
    found = oncall.shifts(session, schedule=schedule, start=start - edge, end=end + edge)
    return [
        Change(schedule.id, schedule.team_id, shift.starts_at, before.user_id, shift.user_id)
        for before, shift in pairwise(found)
        if start <= shift.starts_at <= end
    ]


def due_steps(session: Session, *, now: datetime, grace: timedelta) -> list[DueStep]:
    """Every workspace's handover steps to take now: the notice of a change within its
    schedule's notice, the announcement of a change that has come, both at most `grace`
    late; a change before the schedule was last changed is not announced (it was made with
    that change in view). Steps already taken are left out."""
    due: list[DueStep] = []
    for schedule in session.scalars(select(OncallSchedule).order_by(OncallSchedule.id)):
        notice = timedelta(minutes=schedule.notice_minutes)
        start = max(now - grace, schedule.updated_at)
        changes = changes_between(session, schedule=schedule, start=start, end=now + notice)
        if not changes:
            continue
        taken = {
            row.change_at: row
            for row in session.scalars(
                select(OncallHandover).where(
                    OncallHandover.team_id == schedule.team_id,
                    OncallHandover.schedule_id == schedule.id,
                    OncallHandover.change_at >= start,
                )
            )
        }
        for change in changes:
            row = taken.get(change.at)
            notice_due = change.incoming and now >= change.at - notice
            if notice_due and (row is None or row.notice_sent_at is None):
                due.append(DueStep(change, Step.NOTICE))
            if change.at <= now and (row is None or row.announced_at is None):
                due.append(DueStep(change, Step.ANNOUNCE))
    return due


def due_reminders(session: Session, *, now: datetime, grace: timedelta) -> list[OncallHandover]:
    """Handovers not acknowledged 30 minutes after their change, not chased yet (at most
    `grace` late)."""
    return list(
        session.scalars(
            select(OncallHandover)
            .where(
                OncallHandover.acknowledged_at.is_(None),
                OncallHandover.reminded_at.is_(None),
                OncallHandover.notice_sent_at.is_not(None),
                OncallHandover.incoming_user_id.is_not(None),
                OncallHandover.change_at <= now - REMIND_AFTER,
                OncallHandover.change_at >= now - REMIND_AFTER - grace,
            )
            .order_by(OncallHandover.id)
        )
    )


# -- claiming -------------------------------------------------------------------------------


def handover_for(session: Session, *, change: Change, now: datetime) -> OncallHandover:
    """The row of `change`, made by the first caller to get there (the unique key decides
    between instances). Its people follow the schedule as it stands now."""
    query = select(OncallHandover).where(
        OncallHandover.team_id == change.team_id,
        OncallHandover.schedule_id == change.schedule_id,
        OncallHandover.change_at == change.at,
    )
    row = session.scalar(query)
    if row is None:
        try:
            with session.begin_nested():
                session.add(
                    OncallHandover(
                        team_id=change.team_id,
                        schedule_id=change.schedule_id,
                        change_at=change.at,
                        outgoing_user_id=change.outgoing,
                        incoming_user_id=change.incoming,
                        created_at=now,
                    )
                )
        except IntegrityError:
            pass
        row = session.scalar(query)
        assert row is not None
    return row


def claim(session: Session, *, handover: OncallHandover, step: Step, now: datetime) -> bool:
    """Take `step` of the handover for this caller: False when another caller already did.
    The caller queues what the step says in the same transaction."""
    column = _STEP_COLUMN[step]
    result = session.execute(
        update(OncallHandover)
        .where(OncallHandover.id == handover.id, column.is_(None))
        .values({column.key: now})
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    session.refresh(handover)
    return True


def follow_schedule(session: Session, *, handover: OncallHandover, change: Change) -> bool:
    """Bring the handover's people up to the schedule as it stands (an override taken after
    the notice went out); True when the incoming person changed."""
    handover.outgoing_user_id = change.outgoing
    moved = handover.incoming_user_id != change.incoming
    handover.incoming_user_id = change.incoming
    session.flush()
    return moved


def shift_end(
    session: Session, *, schedule: OncallSchedule, change_at: datetime
) -> datetime | None:
    """When the shift that begins at `change_at` ends (None: not within 30 days)."""
    ahead = oncall.shifts(
        session, schedule=schedule, start=change_at, end=change_at + ENDS_LOOKAHEAD
    )
    return ahead[0].ends_at if len(ahead) > 1 else None


def shift_start(session: Session, *, schedule: OncallSchedule, before: datetime) -> datetime:
    """When the shift running just before `before` began (at most 14 days back); after a
    gap, when the gap began, but at most 24 hours back: what happened before then was in an
    earlier handover, or was nobody's."""
    behind = oncall.shifts(session, schedule=schedule, start=before - NOTES_LOOKBACK, end=before)
    if not behind:
        return before
    if behind[-1].is_gap:
        return max(behind[-1].starts_at, before - LONGEST_GAP_LOOKBACK)
    return behind[-1].starts_at


def get_schedule(session: Session, *, schedule_id: int) -> OncallSchedule | None:
    return session.get(OncallSchedule, schedule_id)


# -- the package ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiSignal:
    """A KPI the incoming person should look at: off target now, or with a control-rule
    signal in the last shift."""

    line: kpis.ScoreLine
    off_in_shift: int  # values off target recorded during the shift
    rules: tuple[str, ...]  # control rules broken by values of the shift, in plain words


@dataclass(frozen=True)
class Package:
    """What the incoming person is handed."""

    schedule: OncallSchedule
    handover: OncallHandover
    shift_began: datetime  # when the outgoing shift (or gap) began
    ends_at: datetime | None  # when the incoming shift ends, as known now
    notes: list[OncallNote]
    escalations: list[EscalationSummary]
    kpis: list[KpiSignal]
    blockers: list[Blocker]


def notes_for(
    session: Session,
    *,
    schedule: OncallSchedule,
    handover: OncallHandover,
    began: datetime,
    now: datetime,
) -> list[OncallNote]:
    """The notes for the incoming person of `handover`: those written since the outgoing
    shift began (`began`), except the incoming person's own (those are for their successor),
    and those the outgoing person wrote before their shift began, once they had been handed
    it (a note is always for whoever takes over from its author)."""
    ahead_of_shift = None
    if handover.outgoing_user_id:
        before = shift_start(session, schedule=schedule, before=began)
        ahead_of_shift = and_(
            OncallNote.user_id == handover.outgoing_user_id,
            OncallNote.created_at >= before,
            OncallNote.created_at < began,
        )
    in_shift = and_(OncallNote.created_at >= began, OncallNote.created_at <= now)
    if handover.incoming_user_id:
        in_shift = and_(in_shift, OncallNote.user_id != handover.incoming_user_id)
    return list(
        session.scalars(
            select(OncallNote)
            .where(
                OncallNote.team_id == schedule.team_id,
                OncallNote.schedule_id == schedule.id,
                in_shift if ahead_of_shift is None else or_(in_shift, ahead_of_shift),
            )
            .order_by(OncallNote.created_at, OncallNote.id)
        )
    )


def open_escalations_for(
    session: Session, *, schedule: OncallSchedule, now: datetime
) -> list[EscalationSummary]:
    """Open escalations at sev1 to sev2, and those whose chain names the schedule."""
    config = escalations.load_config(session, team_id=schedule.team_id)
    level = oncall.level_for(schedule)
    return [
        item
        for item in escalations.open_escalations(session, team_id=schedule.team_id, now=now)
        if item.severity in URGENT_SEVERITIES
        or level in (step.lower() for step in config.chain_for(item.severity))
    ]


def kpi_signals(
    session: Session, *, team_id: str, start: datetime, end: datetime, now: datetime
) -> list[KpiSignal]:
    """KPIs off target now, or with a value breaking a control rule between `start` and
    `end` (the last shift), with how many of that shift's values were off target; off
    target first."""
    found: list[KpiSignal] = []
    for line in kpis.scoreboard(session, team_id=team_id, now=now):
        times, values = kpis.period_values(
            session, kpi=line.kpi, start=start - kpis.ALERT_WINDOW, end=end
        )
        in_shift = [i for i, at in enumerate(times) if at >= start]
        off = sum(
            1 for i in in_shift if kpis.status_of(line.kpi, values[i]) == kpis.Status.OFF_TARGET
        )
        chart = spc.control_chart(values) if in_shift else None
        rules = tuple(
            dict.fromkeys(
                violation.description
                for i in in_shift
                for violation in (chart.rules_at(i) if chart else [])
            )
        )
        if rules or line.status == kpis.Status.OFF_TARGET:
            found.append(KpiSignal(line, off, rules))
    return found


def package(
    session: Session, *, schedule: OncallSchedule, handover: OncallHandover, now: datetime
) -> Package:
    """The handover package of one change, as things stand at `now`: the notes written for
    the schedule since the outgoing shift began, open escalations at sev1 to sev2 and those
    whose chain names the schedule, KPIs off target or with a control-rule signal during
    the last shift, and open standup blockers."""
    began = shift_start(session, schedule=schedule, before=handover.change_at)
    until = min(now, handover.change_at)
    return Package(
        schedule=schedule,
        handover=handover,
        shift_began=began,
        ends_at=shift_end(session, schedule=schedule, change_at=handover.change_at),
        notes=notes_for(session, schedule=schedule, handover=handover, began=began, now=now),
        escalations=open_escalations_for(session, schedule=schedule, now=now),
        kpis=kpi_signals(session, team_id=schedule.team_id, start=began, end=until, now=now),
        blockers=standups.open_blockers(session, team_id=schedule.team_id, now=now),
    )


# -- acknowledging and notes ---------------------------------------------------------------


def get_handover(session: Session, *, team_id: str, handover_id: int) -> OncallHandover:
    row = session.get(OncallHandover, handover_id)
    if row is None or row.team_id != team_id:
        raise NotFoundError("That handover no longer exists.")
    return row


def acknowledge(
    session: Session, *, team_id: str, handover_id: int, user_id: str, now: datetime
) -> tuple[OncallHandover, bool]:
    """The incoming person takes the handover. Returns (handover, True) the first time and
    (handover, False) when it already was (a double click)."""
    row = get_handover(session, team_id=team_id, handover_id=handover_id)
    if row.incoming_user_id != user_id:
        raise PermissionDeniedError("Only the person taking over can acknowledge this handover.")
    result = session.execute(
        update(OncallHandover)
        .where(OncallHandover.id == row.id, OncallHandover.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by=user_id)
        .execution_options(synchronize_session=False)
    )
    session.refresh(row)
    return row, result.rowcount == 1


def note_schedules(
    session: Session, *, team_id: str, user_id: str, now: datetime
) -> list[OncallSchedule]:
    """The schedules a person writes handover notes for: those they are on call in now, else
    those they take turns in (or have their next shift in)."""
    every = oncall.schedules(session, team_id=team_id)
    current = [s for s in every if oncall.on_call_at(session, schedule=s, at=now) == user_id]
    if current:
        return current
    shift = oncall.next_shift(session, team_id=team_id, user_id=user_id, now=now)
    return [
        s
        for s in every
        if (shift is not None and s.name == shift.schedule_name)
        or any(
            user_id in oncall.layer_spec(row).members for row in oncall.layers(session, schedule=s)
        )
    ]


def mistyped_schedule(session: Session, *, team_id: str, word: str) -> str | None:
    """The schedule `word` nearly names (a typo such as `nigth-leads`), or None: a note that
    starts with a mistyped name must not be saved under another schedule."""
    names = {s.name: s.name_key for s in oncall.schedules(session, team_id=team_id)}
    match = process.extractOne(word.lower(), names, scorer=fuzz.ratio, score_cutoff=80)
    return match[2] if match and match[1] < 100 else None


def check_note(text: str) -> str:
    note = text.strip()
    if not note:
        raise ConflictError("Write the note for whoever comes next.")
    if len(note) > NOTE_MAX_CHARS:
        raise ConflictError(f"A handover note is at most {NOTE_MAX_CHARS} characters.")
    return note


def add_note(
    session: Session, *, schedule: OncallSchedule, user_id: str, text: str, now: datetime
) -> OncallNote:
    """Store a note for the next handover of `schedule`."""
    row = OncallNote(
        team_id=schedule.team_id,
        schedule_id=schedule.id,
        user_id=user_id,
        note=check_note(text),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def note_target(
    session: Session, *, schedule: OncallSchedule, author: str, now: datetime
) -> rotation.Shift | None:
    """The shift a note written by `author` at `now` is handed to: the next change of person
    (or a gap) within 30 days, or, when `author` is the one taking over at that change, the
    change after it (their note is for whoever follows them, not for themselves)."""
    stored = oncall.as_rotation(session, schedule=schedule, since=now)
    coming = rotation.next_change(stored, now, ENDS_LOOKAHEAD)
    if coming is not None and coming.user_id == author:
        return rotation.next_change(stored, coming.starts_at, ENDS_LOOKAHEAD)
    return coming


def notice_already_sent(
    session: Session, *, schedule: OncallSchedule, change_at: datetime
) -> OncallHandover | None:
    """The handover of the change at `change_at` if its notice has gone out already (a note
    written after it is sent to the incoming person on its own)."""
    return session.scalar(
        select(OncallHandover).where(
            OncallHandover.team_id == schedule.team_id,
            OncallHandover.schedule_id == schedule.id,
            OncallHandover.change_at == change_at,
            OncallHandover.notice_sent_at.is_not(None),
        )
    )
