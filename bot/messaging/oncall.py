"""On-call schedules in Slack: the replies of `/oncall` (who is on call, a schedule's shifts
and gaps, its overrides with Remove buttons), and the `/oncall show` timeline, drawn in the
chart process by the delivery worker and shown in the caller's private reply (uploaded
without being shared anywhere, like a KPI lookup's chart), with a Share button that posts the
same answer in the channel."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.blocks import render
from bot.errors import NotFoundError
from bot.ids import ActionId
from bot.messaging.replies import reply_key, respond_privately
from bot.models import OncallOverride, OncallSchedule
from bot.services import escalations, oncall, oncall_chart, outbox, rotation, workspace
from bot.services.schedule import describe_days

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.db import Database
    from bot.services.outbox import Outcome

log = logging.getLogger(__name__)

# -- schedules, layers, overrides and the timeline (issue 15, part 1) -------------------------

TIMELINE_MAKER = "oncall-timeline"
TIMELINE_RECORDER = "oncall-timeline"
SHARE_RECORDER = "oncall-share"
GAPS_NAMED = 8
SHIFTS_PER_SECTION = 10
SHIFT_SECTIONS = 4
OVERRIDES_SHOWN = 20


def layer_context(spec: oncall.LayerSpec, *, position: int, tz: str) -> dict[str, Any]:
    """One layer as the replies describe it, with the members who never get a turn."""
    return {
        "idle": rotation.members_without_turns(spec.as_layer(), ZoneInfo(tz)),
        "position": position,
        "members": list(spec.members),
        "every": spec.every,
        "handover": spec.handover,
        "start": spec.start,
        "days": None if spec.days == rotation.ALL_DAYS else describe_days(spec.days),
        "hours": spec.hours,
    }


def coverage_context(
    session: Session, *, schedule: OncallSchedule, now: datetime
) -> dict[str, Any]:
    """The gaps in the next 14 days, the first few named."""
    gaps = oncall.coverage_gaps(session, schedule=schedule, now=now, within=oncall.COVERAGE_WINDOW)
    return {
        "gaps": gaps[:GAPS_NAMED],
        "more_gaps": max(0, len(gaps) - GAPS_NAMED),
        "window": oncall.COVERAGE_WINDOW,
    }


def render_changed(
    session: Session,
    *,
    schedule: OncallSchedule,
    event: str,
    now: datetime,
    override: OncallOverride | None = None,
) -> dict[str, Any]:
    """The reply to a change of a schedule (`event`: created, layer, override, removed), with
    its coverage in the next 14 days."""
    rows = oncall.layers(session, schedule=schedule)
    return render(
        "messages/oncall_reply",
        event=event,
        schedule=schedule,
        layers=[
            layer_context(oncall.layer_spec(row), position=i + 1, tz=schedule.tz)
            for i, row in enumerate(rows)
        ],
        override=override,
        **coverage_context(session, schedule=schedule, now=now),
    )


def render_overview(session: Session, *, team_id: str, now: datetime) -> dict[str, Any]:
    """`/oncall`: every schedule's person now and the next one, with the handover time."""
    return render(
        "messages/oncall_overview", items=oncall.on_call_now(session, team_id=team_id, now=now)
    )


def render_overrides(
    session: Session, *, schedule: OncallSchedule, now: datetime
) -> dict[str, Any]:
    """`/oncall overrides`: the overrides not yet over, each with a Remove button."""
    found = oncall.current_overrides(session, schedule=schedule, now=now)
    return render(
        "messages/oncall_overrides",
        schedule=schedule,
        overrides=found[:OVERRIDES_SHOWN],
        more=max(0, len(found) - OVERRIDES_SHOWN),
        now=now,
        ActionId=ActionId,
    )


def render_delete_confirm(session: Session, *, schedule: OncallSchedule) -> dict[str, Any]:
    """`/oncall delete`: asks first, naming the escalation chains the schedule is in."""
    return render(
        "messages/oncall_delete_confirm",
        schedule=schedule,
        chains=escalations.chains_naming(
            session, team_id=schedule.team_id, level=oncall.level_for(schedule)
        ),
        ActionId=ActionId,
    )


def delete_schedule(session: Session, *, schedule: OncallSchedule, now: datetime) -> dict[str, Any]:
    """The confirmed delete: the schedule is taken out of the escalation chains that name
    it, then deleted; the answer says which chains changed."""
    removed = escalations.remove_from_chains(
        session, team_id=schedule.team_id, level=oncall.level_for(schedule), now=now
    )
    name = schedule.name
    oncall.delete_schedule(session, schedule=schedule)
    return render("messages/oncall_notice", event="deleted", schedule_name=name, chains=removed)


def render_config(
    schedule: OncallSchedule,
    *,
    saved: bool,
    group_shared_with: Sequence[OncallSchedule] = (),
    group_set: bool = False,
    group_user: str | None = None,
) -> dict[str, Any]:
    """A schedule's settings; `group_shared_with`: other schedules driving its user group;
    `group_set`: the user group was just configured, and set to `group_user`, on call now
    (None: nobody is, and the group was left as it is)."""
    notice = timedelta(minutes=schedule.notice_minutes)
    return render(
        "messages/oncall_config",
        schedule=schedule,
        saved=saved,
        notice=notice,
        shared_with=[other.name for other in group_shared_with],
        group_set=group_set,
        group_user=group_user,
    )


# -- /oncall show ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Showing:
    """One `/oncall show` answer: which schedule, from when and for how many days, in which
    channel, for whom, and the timeline uploaded for it once there is one. It travels in the
    Share button's value and the outbox's recorder arguments."""

    schedule_id: int
    start: datetime
    days: int
    channel: str
    user_id: str
    file_id: str | None = None

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)

    def value(self) -> str:
        return "|".join(
            [str(self.schedule_id), self.start.isoformat(), str(self.days), self.file_id or ""]
        )

    @classmethod
    def of_value(cls, value: str, *, channel: str, user_id: str) -> Showing:
        try:
            schedule_id, start, days, file_id = value.split("|")
            return cls(
                int(schedule_id),
                datetime.fromisoformat(start),
                int(days),
                channel,
                user_id,
                file_id or None,
            )
        except ValueError:
            raise NotFoundError(
                "That answer is too old to share; ask `/oncall show` again."
            ) from None

    def arg(self) -> dict[str, Any]:
        return {
            "schedule_id": self.schedule_id,
            "start": self.start.isoformat(),
            "days": self.days,
            "channel": self.channel,
            "user_id": self.user_id,
            "file_id": self.file_id,
        }

    @classmethod
    def of_arg(cls, arg: dict[str, Any]) -> Showing:
        return cls(
            int(arg["schedule_id"]),
            datetime.fromisoformat(arg["start"]),
            int(arg["days"]),
            arg["channel"],
            arg["user_id"],
            arg.get("file_id"),
        )


def _name(session: Session, *, team_id: str, user_id: str) -> str:
    """A person's name as Opsbot last saw it (no Web API call), else their id."""
    known = workspace.get_profile(session, team_id=team_id, user_id=user_id)
    return known.name if known is not None and known.name else user_id


def _schedule(session: Session, schedule_id: int, *, team_id: str | None = None) -> OncallSchedule:
    schedule = session.get(OncallSchedule, schedule_id)
    if schedule is None or team_id not in (None, schedule.team_id):
        raise NotFoundError("That on-call schedule no longer exists.")
    return schedule


def show_reply(
    session: Session,
    *,
    schedule: OncallSchedule,
    showing: Showing,
    chart: str,
    shared_by: str | None = None,
) -> dict[str, Any]:
    """The `/oncall show` message: `chart` is "coming", "shown" (the uploaded file, and Share
    for the caller), or "failed". A shared one names people without mentioning them, so
    posting a schedule pings nobody."""
    found = oncall.shifts(session, schedule=schedule, start=showing.start, end=showing.end)
    limit = SHIFTS_PER_SECTION * SHIFT_SECTIONS
    shown = found[:limit]
    gaps = [shift for shift in found if shift.is_gap]
    people = {shift.user_id for shift in shown if shift.user_id}
    names = (
        {user: _name(session, team_id=schedule.team_id, user_id=user) for user in people}
        if shared_by
        else {}
    )
    return render(
        "messages/oncall_show",
        schedule=schedule,
        days=showing.days,
        sections=[
            shown[i : i + SHIFTS_PER_SECTION] for i in range(0, len(shown), SHIFTS_PER_SECTION)
        ],
        more=len(found) - len(shown),
        gaps=gaps[:GAPS_NAMED],
        more_gaps=max(0, len(gaps) - GAPS_NAMED),
        chart=chart,
        chart_file=showing.file_id,
        share_value=showing.value(),
        shared_by=shared_by,
        names=names,
        ActionId=ActionId,
    )


def answer_show(
    session: Session,
    *,
    schedule: OncallSchedule,
    showing: Showing,
    zone: ZoneInfo,
    response_url: str,
    now: datetime,
) -> dict[str, Any]:
    """The `/oncall show` answer for its caller alone, and the timeline drawn in the caller's
    `zone` queued, to replace it once uploaded."""
    outbox.enqueue(
        session,
        team_id=schedule.team_id,
        key=reply_key(schedule.team_id, showing.user_id),
        method="files.upload",
        payload={
            "$make": {
                "name": TIMELINE_MAKER,
                "args": {
                    "schedule_id": schedule.id,
                    "start": showing.start.isoformat(),
                    "days": showing.days,
                    "tz": zone.key,
                },
            }
        },
        now=now,
        recorder=TIMELINE_RECORDER,
        recorder_arg={**showing.arg(), "response_url": response_url},
        description=f"timeline of {schedule.name}",
    )
    return show_reply(session, schedule=schedule, showing=showing, chart="coming")


def timeline_upload(
    db: Database, *, schedule_id: int, start: str, days: int, tz: str
) -> dict[str, Any]:
    """Delivery maker: the timeline's PNG and names, for files_upload_v2."""
    begin = datetime.fromisoformat(start)
    end = begin + timedelta(days=days)
    with db.session() as session:
        schedule = _schedule(session, schedule_id)
        stored = oncall.as_rotation(session, schedule=schedule, since=begin)
        count = len(stored.layers)
        rows = oncall_chart.timeline_rows(
            stored, begin, end, layer_names=[f"Layer {i + 1}" for i in range(count)]
        )
        people = {s.user_id for row in rows for s in row.shifts if s.user_id}
        names = {user: _name(session, team_id=schedule.team_id, user_id=user) for user in people}
        title = f"{schedule.name}, the next {days} days"
        filename = f"{schedule.name_key}-{days}d.png"
    png = oncall_chart.timeline_png(
        title=title, rows=rows, names=names, start=begin, end=end, zone=tz
    )
    return {"file": png, "filename": filename, "title": title}


def record_timeline(session: Session, arg: dict[str, Any], outcome: Outcome) -> None:
    """Recorder of the timeline's upload: the caller's reply shows it (or says it failed)."""
    showing = Showing.of_arg(arg)
    schedule = session.get(OncallSchedule, showing.schedule_id)
    if schedule is None:
        return
    shown = replace(showing, file_id=outcome.ts if outcome.ok else None)
    respond_privately(
        session,
        team_id=schedule.team_id,
        user_id=showing.user_id,
        response_url=arg["response_url"],
        message=show_reply(
            session, schedule=schedule, showing=shown, chart="shown" if shown.file_id else "failed"
        ),
        replace_original=True,
        issued_at=showing.start,
        now=outcome.at,
        description=f"timeline of {schedule.name}",
    )


def share_show(
    session: Session, *, team_id: str, showing: Showing, response_url: str, now: datetime
) -> dict[str, Any] | None:
    """Share an `/oncall show` answer, timeline included, in its channel; returns what to
    tell the sharer at once (None: queued, `record_share` tells them)."""
    if showing.channel.startswith("D"):
        return render("messages/oncall_share_notice", event="dm")
    schedule = _schedule(session, showing.schedule_id, team_id=team_id)
    # One share per answer: a double click (or two instances) posts it once.
    if not workspace.claim_key(session, team_id=team_id, key=_shared_key(showing), now=now):
        return render("messages/oncall_share_notice", event="again", channel=showing.channel)
    outbox.enqueue(
        session,
        team_id=team_id,
        key=f"channel:{team_id}:{showing.channel}",
        method="chat.postMessage",
        channel_id=showing.channel,
        payload={
            "channel": showing.channel,
            **show_reply(
                session,
                schedule=schedule,
                showing=showing,
                chart="shown",
                shared_by=showing.user_id,
            ),
        },
        now=now,
        recorder=SHARE_RECORDER,
        recorder_arg={**showing.arg(), "response_url": response_url, "shared_at": now.isoformat()},
        description=f"{schedule.name} shifts shared",
    )
    return None


def _shared_key(showing: Showing) -> str:
    """One answer: its schedule, the moment it was asked, its days and channel."""
    start = showing.start.isoformat()
    return f"oncall-share:{showing.channel}:{showing.schedule_id}:{start}:{showing.days}"


def record_share(session: Session, arg: dict[str, Any], outcome: Outcome) -> None:
    """Recorder of a shared answer: the sharer's reply says it was shared, or why not (and
    then Share may be pressed again, once the reason is fixed)."""
    showing = Showing.of_arg(arg)
    schedule = session.get(OncallSchedule, showing.schedule_id)
    if schedule is None:
        return
    if not outcome.ok:
        workspace.release_key(session, team_id=schedule.team_id, key=_shared_key(showing))
    message = render(
        "messages/oncall_share_notice",
        event="shared" if outcome.ok else "refused",
        channel=showing.channel,
        reason=outbox.reason_for(outcome.error),
    )
    respond_privately(
        session,
        team_id=schedule.team_id,
        user_id=showing.user_id,
        response_url=arg["response_url"],
        message=message,
        replace_original=False,
        issued_at=datetime.fromisoformat(arg["shared_at"]),
        now=outcome.at,
        description=f"outcome of sharing {schedule.name}",
    )
