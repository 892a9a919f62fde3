"""Shift handover in Slack: the incoming person's DM with the handover package and an
Acknowledge button, the shift-change line in the schedule's channel, the user group set to
whoever is on call, and the chase 30 minutes after an unacknowledged change. Each step is
claimed on the change's `OncallHandover` row in the transaction that queues what it says
(see `bot.services.handover`), so it happens once across restarts and instances."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.errors import NotFoundError
from bot.ids import ActionId, CallbackId
from bot.messaging import home
from bot.messaging.escalations import dm
from bot.models import OncallHandover
from bot.services import handover, oncall, outbox, workspace
from bot.services.handover import DueStep, Step

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.db import Database
    from bot.models import OncallSchedule
    from bot.services.outbox import Outcome

log = logging.getLogger(__name__)

USERGROUP_RECORDER = "oncall-usergroup"
ACK_BLOCK = "handover-ack"


def run_due(db: Database, *, now: datetime, grace: timedelta) -> None:
    """The scheduler's handover job: every step due now, each claimed and queued in its own
    transaction, then the reminders."""
    with db.session() as session:
        steps = handover.due_steps(session, now=now, grace=grace)
    for item in steps:
        with db.session() as session:
            take_step(session, item, now=now)
    with db.session() as session:
        chase = [row.id for row in handover.due_reminders(session, now=now, grace=grace)]
    for handover_id in chase:
        with db.session() as session:
            remind(session, handover_id=handover_id, now=now)


def take_step(session: Session, item: DueStep, *, now: datetime) -> None:
    """Claim one step of a change and queue what it says (nothing when another caller has)."""
    schedule = handover.get_schedule(session, schedule_id=item.change.schedule_id)
    if schedule is None:
        return
    row = handover.handover_for(session, change=item.change, now=now)
    if item.step == Step.NOTICE:
        if handover.claim(session, handover=row, step=Step.NOTICE, now=now):
            handover.follow_schedule(session, handover=row, change=item.change)
            send_package(session, schedule=schedule, row=row, now=now)
        return
    if not handover.claim(session, handover=row, step=Step.ANNOUNCE, now=now):
        return
    if handover.follow_schedule(session, handover=row, change=item.change):
        # Someone else takes over than the notice said (an override since): they get it now.
        row.notice_sent_at = row.acknowledged_at = row.acknowledged_by = None
        session.flush()
    if row.incoming_user_id and handover.claim(session, handover=row, step=Step.NOTICE, now=now):
        send_package(session, schedule=schedule, row=row, now=now)
    row.ends_at = handover.shift_end(session, schedule=schedule, change_at=row.change_at)
    announce(session, schedule=schedule, row=row, now=now)


def render_package(
    session: Session,
    *,
    schedule: OncallSchedule,
    row: OncallHandover,
    now: datetime,
    reminder: bool,
) -> dict[str, Any]:
    return render(
        "messages/oncall_handover",
        p=handover.package(session, schedule=schedule, handover=row, now=now),
        reminder=reminder,
        ActionId=ActionId,
    )


def send_package(
    session: Session, *, schedule: OncallSchedule, row: OncallHandover, now: datetime
) -> None:
    """The incoming person's handover DM, with the Acknowledge button."""
    assert row.incoming_user_id is not None
    dm(
        session,
        team_id=schedule.team_id,
        user_id=row.incoming_user_id,
        message=render_package(session, schedule=schedule, row=row, now=now, reminder=False),
        now=now,
        description=f"handover of {schedule.name}",
    )


def announce(
    session: Session, *, schedule: OncallSchedule, row: OncallHandover, now: datetime
) -> None:
    """At the change: the line in the schedule's channel, the user group, and the Home tabs
    of both people (each shows its person's own shift)."""
    team_id = schedule.team_id
    if schedule.channel_id:
        outbox.enqueue(
            session,
            team_id=team_id,
            key=f"channel:{team_id}:{schedule.channel_id}",
            method="chat.postMessage",
            channel_id=schedule.channel_id,
            payload={
                "channel": schedule.channel_id,
                **render(
                    "messages/oncall_shift_change",
                    schedule=schedule,
                    outgoing=row.outgoing_user_id,
                    incoming=row.incoming_user_id,
                    ends_at=row.ends_at,
                ),
            },
            now=now,
            notify_user_id=schedule.created_by,
            description=f"shift change in {schedule.name}",
        )
    # Slack keeps a user group's members as they are through a gap: it refuses an empty one.
    if row.incoming_user_id:
        set_usergroup(session, schedule=schedule, user_id=row.incoming_user_id, now=now)
    people = [user for user in (row.outgoing_user_id, row.incoming_user_id) if user]
    home.refresh(session, team_id=team_id, user_ids=people, now=now)


def set_usergroup(
    session: Session, *, schedule: OncallSchedule, user_id: str, now: datetime
) -> None:
    """Queue setting the schedule's user group (if it has one) to `user_id`; every update
    of one group goes out in order, whichever schedule or command queued it."""
    if not schedule.usergroup_id:
        return
    team_id = schedule.team_id
    outbox.enqueue(
        session,
        team_id=team_id,
        key=f"usergroup:{team_id}:{schedule.usergroup_id}",
        method="usergroups.users.update",
        payload={"usergroup": schedule.usergroup_id, "users": user_id},
        now=now,
        recorder=USERGROUP_RECORDER,
        recorder_arg={"schedule_id": schedule.id, "usergroup_id": schedule.usergroup_id},
        description=f"user group of {schedule.name}",
    )


def usergroup_to_current(
    session: Session, *, schedule: OncallSchedule, now: datetime
) -> str | None:
    """A user group just configured: set at once to whoever is on call now, not at the next
    change. Returns that person (None: nobody is on call, and the group is left as it is)."""
    current = oncall.on_call_at(session, schedule=schedule, at=now)
    if current:
        set_usergroup(session, schedule=schedule, user_id=current, now=now)
    return current


def remind(session: Session, *, handover_id: int, now: datetime) -> None:
    """30 minutes after an unacknowledged change: the incoming person is reminded (the
    package again, as it stands now) and the outgoing person told, once."""
    row = session.get(OncallHandover, handover_id)
    if row is None or not handover.claim(session, handover=row, step=Step.REMIND, now=now):
        return
    schedule = handover.get_schedule(session, schedule_id=row.schedule_id)
    if schedule is None or row.incoming_user_id is None or row.acknowledged_at is not None:
        return
    if oncall.on_call_at(session, schedule=schedule, at=now) != row.incoming_user_id:
        return  # their shift is already over (an override since, or a short turn): no chase
    dm(
        session,
        team_id=schedule.team_id,
        user_id=row.incoming_user_id,
        message=render_package(session, schedule=schedule, row=row, now=now, reminder=True),
        now=now,
        description=f"handover reminder for {schedule.name}",
    )
    if row.outgoing_user_id and row.outgoing_user_id != row.incoming_user_id:
        dm(
            session,
            team_id=schedule.team_id,
            user_id=row.outgoing_user_id,
            message=render(
                "messages/oncall_handover_notice",
                event="not_acked_outgoing",
                schedule=schedule,
                incoming=row.incoming_user_id,
                change_at=row.change_at,
            ),
            now=now,
            description=f"unacknowledged handover of {schedule.name}",
        )


def acknowledge(
    session: Session,
    *,
    team_id: str,
    handover_id: int,
    user_id: str,
    blocks: list[dict[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    """The Acknowledge button: the DM it sits in (`blocks`) without the button and with the
    time it was acknowledged; the outgoing person is told the first time."""
    row, first = handover.acknowledge(
        session, team_id=team_id, handover_id=handover_id, user_id=user_id, now=now
    )
    schedule = handover.get_schedule(session, schedule_id=row.schedule_id)
    assert schedule is not None
    if first and row.outgoing_user_id and row.outgoing_user_id != user_id:
        dm(
            session,
            team_id=team_id,
            user_id=row.outgoing_user_id,
            message=render(
                "messages/oncall_handover_notice",
                event="acked_outgoing",
                schedule=schedule,
                incoming=user_id,
            ),
            now=now,
            description=f"handover of {schedule.name} acknowledged",
        )
    done = render(
        "messages/oncall_handover_notice",
        event="acknowledged",
        schedule=schedule,
        at=row.acknowledged_at,
    )
    kept = [block for block in blocks if block.get("block_id") != ACK_BLOCK]
    return {"text": f"Handover of {schedule.name} acknowledged", "blocks": kept + done["blocks"]}


def save_note(
    session: Session, *, schedule: OncallSchedule, user_id: str, text: str, now: datetime
) -> dict[str, Any]:
    """`/oncall handover <note>`: stored for the next handover; when that handover has gone
    out already (its notice came), the note is sent to the incoming person at once."""
    note = handover.add_note(session, schedule=schedule, user_id=user_id, text=text, now=now)
    coming = handover.note_target(session, schedule=schedule, author=user_id, now=now)
    sent = None
    if coming is not None and coming.user_id:
        sent = handover.notice_already_sent(session, schedule=schedule, change_at=coming.starts_at)
    if sent is not None and sent.incoming_user_id:
        dm(
            session,
            team_id=schedule.team_id,
            user_id=sent.incoming_user_id,
            message=render(
                "messages/oncall_handover_notice",
                event="late_note",
                schedule=schedule,
                author=user_id,
                note=note.note,
            ),
            now=now,
            description=f"handover note for {schedule.name}",
        )
    return render(
        "messages/oncall_handover_notice",
        event="note_saved",
        schedule=schedule,
        note=note.note,
        sent_to=sent.incoming_user_id if sent is not None else None,
        next_at=coming.starts_at if coming is not None else None,
        next_user=coming.user_id if coming is not None else None,
    )


def note_modal(choices: list[OncallSchedule]) -> dict[str, Any]:
    """The `/oncall handover` modal, with a picker when there are several schedules."""
    return render(
        "views/oncall_handover_note",
        choices=choices,
        schedule_id=choices[0].id if len(choices) == 1 else None,
        CallbackId=CallbackId,
    )


def record_usergroup(session: Session, arg: dict[str, Any], outcome: Outcome) -> None:
    """Recorder of a user-group update: a refusal (no user groups on a free plan, a missing
    scope, a group deleted) is a permanent error, shown in `/ops status` and told to the
    admin who made the schedule, once per group and error — never retried in a loop."""
    if outcome.ok:
        return
    schedule = handover.get_schedule(session, schedule_id=int(arg["schedule_id"]))
    if schedule is None:
        return
    error = outcome.error or "failed"
    group = str(arg["usergroup_id"])
    if not workspace.claim_key(
        session, team_id=schedule.team_id, key=f"usergroup-refused:{group}:{error}", now=outcome.at
    ):
        return
    log.warning("user group %s of schedule %s refused: %s", group, schedule.name, error)
    dm(
        session,
        team_id=schedule.team_id,
        user_id=schedule.created_by,
        message=render(
            "messages/oncall_handover_notice",
            event="usergroup_refused",
            schedule=schedule,
            usergroup_id=group,
            error=error,
            reason=outbox.reason_for(error),
        ),
        now=outcome.at,
        description=f"notice that the user group of {schedule.name} was refused",
    )


def save_note_from_modal(
    session: Session, *, team_id: str, schedule_id: int, user_id: str, text: str, now: datetime
) -> None:
    """The modal's note: saved like `/oncall handover <note>`, the confirmation by DM (a
    modal has no reply of its own)."""
    schedule = handover.get_schedule(session, schedule_id=schedule_id)
    if schedule is None or schedule.team_id != team_id:
        raise NotFoundError("That on-call schedule no longer exists.")
    dm(
        session,
        team_id=team_id,
        user_id=user_id,
        message=save_note(session, schedule=schedule, user_id=user_id, text=text, now=now),
        now=now,
        description=f"handover note saved for {schedule.name}",
    )
