"""Escalations in Slack: what templates are given (presenters) and how a change reaches
people (the one channel message kept current with chat.update, a thread line per
event, a page to the on-call person, DMs to the reporter and the owner).

Used by the listeners and by the SLA job; the services stay Slack-free.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.durations import format_duration
from bot.errors import NotFoundError
from bot.ids import ActionId, CallbackId
from bot.messaging import home
from bot.models import Escalation, EscalationEvent, EscalationStatus, EventKind
from bot.services import escalations, outbox

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.db import Database
    from bot.grammar.escalate import DidYouMean
    from bot.services.outbox import Outcome

UNRESOLVED = (EscalationStatus.OPEN, EscalationStatus.ACKNOWLEDGED)
SEVERITY_ICONS = {
    "sev1": ":red_circle:",
    "sev2": ":large_orange_circle:",
    "sev3": ":large_yellow_circle:",
    "sev4": ":large_blue_circle:",
}
TIMELINE_LIMIT = 38
CAUSES_SHOWN = 10
TEXT_LIMIT = 2900


def sla_text(item: Escalation | escalations.EscalationSummary, *, now: datetime) -> str:
    """How the escalation stands against its acknowledgement deadline, in a few words."""
    if item.status == EscalationStatus.CANCELLED:
        return "cancelled"
    due = item.ack_due_at
    acknowledged = item.acknowledged_at
    if acknowledged is not None:
        verdict = "late" if acknowledged > due else "in time"
        return f"acked {verdict} ({format_duration(acknowledged - item.created_at)})"
    if now < due:  # at the deadline itself it is missed: it moves on that very minute
        return f"ack due in {format_duration(due - now)}"
    return f"breached {format_duration(now - due)} ago"


def fit_mrkdwn(text: str | None, limit: int = TEXT_LIMIT) -> str:
    """`text` cut (with `…`) so that it stays within `limit` once escaped for mrkdwn,
    where `&` becomes five characters and `<`, `>` four (keeping mentions only shortens it)."""
    value = text or ""
    size = 0
    for index, char in enumerate(value):
        size += 5 if char == "&" else 4 if char in "<>" else 1
        if size > limit - 1:
            return value[:index] + "…"
    return value


def escalation_context(escalation: Escalation, *, now: datetime) -> dict[str, Any]:
    """Everything the escalation message and its DMs show."""
    return {
        "ref": escalation.ref,
        "number": escalation.number,
        "severity": escalation.severity,
        "severity_name": escalations.SEVERITY_NAMES[escalation.severity],
        "icon": SEVERITY_ICONS[escalation.severity],
        "summary": escalation.summary,
        "details": fit_mrkdwn(escalation.details),
        "status": escalation.status,
        "reporter_id": escalation.reporter_id,
        "owner_id": escalation.assignee_id,
        "level": escalation.level,
        "created_at": escalation.created_at,
        "age": (escalation.resolved_at or now) - escalation.created_at,
        "sla": sla_text(escalation, now=now),
        "breached": escalations.is_sla_breached(escalation, now=now),
        "deadline": escalation.next_deadline_at,
        "channel_id": escalation.channel_id,
        "source_link": escalation.source_link,
        "cause": escalation.cause,
        "resolution_note": fit_mrkdwn(escalation.resolution_note, 2000),
        "resolved_by": escalation.resolved_by,
        "is_open": escalation.status == EscalationStatus.OPEN,
        "is_resolved": escalation.status == EscalationStatus.RESOLVED,
        "is_cancelled": escalation.status == EscalationStatus.CANCELLED,
    }


def summary_context(item: escalations.EscalationSummary, *, now: datetime) -> dict[str, Any]:
    """One row of a list of escalations."""
    return {
        "ref": item.ref,
        "severity": item.severity,
        "icon": SEVERITY_ICONS[item.severity],
        "summary": item.summary,
        "status": item.status,
        "owner_id": item.owner_id,
        "created_at": item.created_at,
        "age": item.age,
        "is_resolved": item.status == EscalationStatus.RESOLVED,
        "sla": sla_text(item, now=now) if item.status in UNRESOLVED else "—",
        "breached": item.sla_breached and item.status in UNRESOLVED,
    }


def event_context(event: EscalationEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "at": event.at,
        "actor_id": event.actor_id,
        "target_id": event.target_user_id,
        "level": event.level,
        "note": fit_mrkdwn(event.note, 2000),
    }


def render_update(change: escalations.Change, *, now: datetime) -> dict[str, Any]:
    """What happened to an escalation, for its reporter and owner (and whoever did it)."""
    return render(
        "messages/escalation_update",
        e=escalation_context(change.escalation, now=now),
        event=event_context(change.event),
    )


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%".replace(".0%", "%")


def open_as_value(severity: str | None, summary: str) -> str:
    """The value of an "Open as …" button: what to open, cut to Slack's 2,000 characters."""
    return json.dumps(
        {"severity": severity, "summary": escalations.shorten(summary, escalations.SUMMARY_LIMIT)},
        ensure_ascii=False,
    )


def render_did_you_mean(guess: DidYouMean) -> dict[str, Any]:
    """Nothing was opened: "Did you mean …?", with Open as <guess> and Open anyway."""
    return render(
        "messages/escalation_did_you_mean",
        d=guess,
        severity_name=escalations.SEVERITY_NAMES.get(guess.severity or "", ""),
        open_action=ActionId.ESCALATION_OPEN_AS,
        open_anyway_action=ActionId.ESCALATION_OPEN_ANYWAY,
        open_as_value=open_as_value(guess.severity, guess.summary),
        open_anyway_value=open_as_value(None, guess.text),
    )


def render_stats(stats: escalations.EscalationStats) -> dict[str, Any]:
    """`/escalate stats`: figures per severity and the Pareto of causes (top ten)."""

    def row(item: escalations.SeverityStats) -> dict[str, Any]:
        rate = None if item.breach_rate is None else 100 * item.breach_rate
        return {
            "severity": item.severity,
            "count": item.count,
            "mtta": item.mtta,
            "mttr": item.mttr,
            "breached": item.breached,
            "breach_rate": _percent(rate),
        }

    causes = [
        {
            "cause": share.cause,
            "count": share.count,
            "percent": _percent(share.percent),
            "cumulative": _percent(share.cumulative_percent),
        }
        for share in stats.causes[:CAUSES_SHOWN]
    ]
    return render(
        "messages/escalation_stats",
        days=stats.days,
        since=stats.since,
        severities=[row(item) for item in stats.by_severity],
        total=row(stats.total),
        causes=causes,
        more_causes=max(0, len(stats.causes) - CAUSES_SHOWN),
    )


def render_config(
    config: escalations.EscalationConfig,
    *,
    saved: str | None,
    describe: Callable[[Sequence[str]], list[escalations.ChainLevel]] | None = None,
) -> dict[str, Any]:
    """The workspace's escalation settings, per severity; `describe` says who each chain
    level pages now (a schedule level: whoever is on call in it)."""

    def levels(chain: Sequence[str]) -> list[escalations.ChainLevel]:
        if describe is None:
            return [escalations.ChainLevel(level) for level in chain]
        return describe(chain)

    rows = [
        {
            "severity": severity,
            "name": escalations.SEVERITY_NAMES[severity],
            "sla": format_duration(config.sla_for(severity)),
            "default_sla": severity not in config.sla_minutes,
            "resolve": format_duration(config.resolve_target_for(severity)),
            "default_resolve": severity not in config.resolve_minutes,
            "chain": levels(config.chain_for(severity)),
            "shared_chain": severity not in config.chains and bool(config.chain_for(severity)),
        }
        for severity in escalations.SEVERITIES
    ]
    return render(
        "messages/escalation_config",
        saved=saved,
        channel_id=config.channel_id,
        rows=rows,
        causes=config.causes,
    )


def render_escalation(escalation: Escalation, *, now: datetime) -> dict[str, Any]:
    """The escalation's channel message, with its controls."""
    return render(
        "messages/escalation",
        e=escalation_context(escalation, now=now),
        actions=ActionId,
        severities=[(s, escalations.SEVERITY_NAMES[s]) for s in escalations.SEVERITIES],
    )


def render_show(
    escalation: Escalation,
    events: list[EscalationEvent],
    *,
    now: datetime,
    config: escalations.EscalationConfig | None = None,
) -> dict[str, Any]:
    """`/escalate show`: the details, what happens next (the next step or reminder of an
    open one, the resolve target of an acknowledged one) and the timeline (the latest events
    when it is long)."""
    shown = events[-TIMELINE_LIMIT:]
    resolve_by = None
    if escalation.status == EscalationStatus.ACKNOWLEDGED and escalation.acknowledged_at:
        target = (config or escalations.EscalationConfig()).resolve_target_for(escalation.severity)
        resolve_by = escalation.acknowledged_at + target
    return render(
        "messages/escalation_show",
        e=escalation_context(escalation, now=now),
        events=[event_context(event) for event in shown],
        hidden=len(events) - len(shown),
        reminding=escalation.status == EscalationStatus.OPEN and escalation.reminder_count > 0,
        resolve_by=resolve_by,
        raised=escalation.resolve_nudged_at is not None,
    )


# -- what to send --------------------------------------------------------------------------

MESSAGE_RECORDER = "escalation-message"
ESCALATION_MAKER = "escalation"


def conversation_key(escalation: Escalation) -> str:
    """The escalation's message, thread lines and updates keep their order under this key."""
    return f"escalation:{escalation.team_id}:{escalation.number}"


def dm_key(team_id: str, user_id: str) -> str:
    """Pages and DMs to one person keep their order under this key."""
    return f"im:{team_id}:{user_id}"


def _message_target(escalation: Escalation) -> dict[str, Any]:
    """How later calls refer to the channel message: its ts, or the delivery that posts it."""
    if escalation.message_ts:
        return {"ts": escalation.message_ts}
    return {"$ts_from": escalation.message_delivery_id}


def _made(escalation: Escalation, part: str, event: EscalationEvent | None = None) -> dict:
    """A message about the escalation, rendered by the delivery worker when it is sent: it
    shows the escalation as it stands then (owner, SLA, age), and the change's own event."""
    args: dict[str, Any] = {"escalation_id": escalation.id, "part": part}
    if event is not None:
        args["event_id"] = event.id
    return {"$make": {"name": ESCALATION_MAKER, "args": args}}


def escalation_part(
    db: Database, *, escalation_id: int, part: str, now: datetime, event_id: int | None = None
) -> dict[str, Any]:
    """Delivery maker: the text and blocks of one message about an escalation."""
    with db.session() as session:
        escalation = session.get(Escalation, escalation_id)
        event = session.get(EscalationEvent, event_id) if event_id is not None else None
        if escalation is None or (event_id is not None and event is None):
            raise NotFoundError("That escalation no longer exists.")
        if part == "message":
            return render_escalation(escalation, now=now)
        context = escalation_context(escalation, now=now)
        assert event is not None
        if part == "page":
            # The page is about the level it was sent for, even if it arrives late; an
            # assignee (chosen when opening, or reassigned to) is paged as such, not as a level.
            assignee = event.kind == EventKind.ASSIGNED or not event.level
            context["level"] = 0 if assignee else event.level
            chain = escalations.load_config(session, team_id=escalation.team_id).chain_for(
                escalation.severity
            )
            context["last_level"] = not assignee and event.level >= len(chain)
            return render("messages/escalation_page", e=context, actions=ActionId)
        template = "messages/escalation_event" if part == "line" else "messages/escalation_update"
        return render(template, e=context, event=event_context(event))


def _post_or_update(session: Session, escalation: Escalation, *, now: datetime) -> None:
    """Queue the escalation's channel message, or its update in place."""
    common = {
        "team_id": escalation.team_id,
        "key": conversation_key(escalation),
        "channel_id": escalation.channel_id,
        "now": now,
        # Who set the channel up is not recorded: the reporter hears if it refuses the post.
        "notify_user_id": escalation.reporter_id,
    }
    message = _made(escalation, "message")
    if escalation.message_ts or escalation.message_delivery_id:
        outbox.enqueue(
            session,
            method="chat.update",
            payload={"channel": escalation.channel_id, **_message_target(escalation), **message},
            description=f"update of {escalation.ref}",
            **common,
        )
        return
    posted = outbox.enqueue(
        session,
        method="chat.postMessage",
        payload={"channel": escalation.channel_id, **message},
        recorder=MESSAGE_RECORDER,
        recorder_arg={"team_id": escalation.team_id, "escalation_id": escalation.id},
        description=f"message of {escalation.ref}",
        **common,
    )
    session.flush()
    escalation.message_delivery_id = posted.id


def record_message(session: Session, arg: dict[str, Any], outcome: Outcome) -> None:
    """Delivery recorder: the channel message has its ts now."""
    if outcome.ok and outcome.ts:
        escalations.record_message(
            session,
            team_id=arg["team_id"],
            escalation_id=int(arg["escalation_id"]),
            message_ts=outcome.ts,
        )


def dm(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    message: dict[str, Any],
    now: datetime,
    description: str,
) -> None:
    """Queue a DM (or a page) to one person."""
    outbox.enqueue(
        session,
        team_id=team_id,
        key=dm_key(team_id, user_id),
        method="chat.postMessage",
        channel_id=user_id,
        payload={"channel": user_id, **message},
        now=now,
        description=description,
    )


def tell(session: Session, change: escalations.Change, *, now: datetime) -> None:
    """Queue what Slack must show of one change, in its transaction: the channel message
    brought up to date, the thread line, the page to the on-call person, DMs to the reporter
    and the owner, and the Home tabs of the people concerned."""
    escalation = change.escalation
    session.flush()  # the change's event has its id
    if escalation.channel_id:
        _post_or_update(session, escalation, now=now)
    line = _made(escalation, "line", change.event)
    reminder = change.event.kind == EventKind.REMINDED
    what = f"{change.event.kind} line of {escalation.ref}"
    if escalation.channel_id:
        thread = (
            {"thread_ts": escalation.message_ts}
            if escalation.message_ts
            else {"$thread_ts_from": escalation.message_delivery_id}
        )
        outbox.enqueue(
            session,
            team_id=escalation.team_id,
            key=conversation_key(escalation),
            method="chat.postMessage",
            channel_id=escalation.channel_id,
            payload={
                "channel": escalation.channel_id,
                "reply_broadcast": reminder,
                **thread,
                **line,
            },
            now=now,
            description=what,
        )
    elif reminder:  # no channel to remind: chase the owner (or the reporter) directly
        dm(
            session,
            team_id=escalation.team_id,
            user_id=escalation.assignee_id or escalation.reporter_id,
            message=line,
            now=now,
            description=what,
        )
    if change.paged_user_id:
        dm(
            session,
            team_id=escalation.team_id,
            user_id=change.paged_user_id,
            message=_made(escalation, "page", change.event),
            now=now,
            description=f"page for {escalation.ref}",
        )
    if not reminder:
        for user_id in change.people_to_tell:
            dm(
                session,
                team_id=escalation.team_id,
                user_id=user_id,
                message=_made(escalation, "update", change.event),
                now=now,
                description=f"{change.event.kind} notice of {escalation.ref}",
            )
    home.refresh(session, team_id=escalation.team_id, user_ids=change.people_concerned, now=now)


def announce_opened(session: Session, escalation: Escalation, *, now: datetime) -> None:
    """Queue the post of a newly opened escalation and the page to its level-1 person."""
    opened = escalations.timeline(session, escalation=escalation)[0]
    tell(session, escalations.Change(escalation, opened), now=now)


def render_opened(session: Session, escalation: Escalation, *, now: datetime) -> dict[str, Any]:
    """The reply to whoever opened it, saying what is not set up yet if anything."""
    config = escalations.load_config(session, team_id=escalation.team_id)
    return render(
        "messages/escalation_opened",
        e=escalation_context(escalation, now=now),
        channel_set=config.channel_id is not None,
        chain_set=bool(config.chain_for(escalation.severity)),
    )


def tell_reporter_opened(
    session: Session, escalation: Escalation, *, channel: str, now: datetime
) -> None:
    """Queue the "ESC-n is open" confirmation in `channel` (the reporter's DM)."""
    dm(
        session,
        team_id=escalation.team_id,
        user_id=channel,
        message=render_opened(session, escalation, now=now),
        now=now,
        description=f"{escalation.ref} confirmation",
    )


def open_modal_view(
    *,
    summary: str = "",
    details: str = "",
    severity: str = escalations.DEFAULT_SEVERITY,
    link: str | None = None,
    assignee: str | None = None,
) -> dict[str, Any]:
    """The "Escalate an issue" modal, pre-filled."""
    return render(
        "views/escalation_open",
        callback_id=CallbackId.ESCALATION_OPEN,
        summary=escalations.shorten(summary, escalations.SUMMARY_LIMIT),
        details=details[: escalations.DETAILS_LIMIT],
        severity=severity if severity in escalations.SEVERITIES else escalations.DEFAULT_SEVERITY,
        severities=[(s, escalations.SEVERITY_NAMES[s]) for s in escalations.SEVERITIES],
        link=link,
        assignee=assignee,
        summary_limit=escalations.SUMMARY_LIMIT,
        details_limit=escalations.DETAILS_LIMIT,
    )


def summary_and_details(text: str) -> dict[str, str]:
    """Free text (a DM, a message) as an escalation: the first line is the summary, cut
    with `…` at the limit; the whole text becomes the details when the summary is not all."""
    cleaned = text.strip()
    first_line = cleaned.splitlines()[0] if cleaned else ""
    summary = escalations.shorten(first_line, escalations.SUMMARY_LIMIT)
    details = "" if summary == cleaned else cleaned[: escalations.DETAILS_LIMIT]
    return {"summary": summary, "details": details}


def advance_sla_timers(session: Session, *, now: datetime) -> int:
    """The `escalation-sla` job: claim every overdue step in the database (one instance
    wins each) and queue its page, thread line and DMs. Returns how many steps it took."""
    changes = escalations.advance_overdue(session, now=now)
    changes += escalations.raise_unresolved(session, now=now)
    for change in changes:
        tell(session, change, now=now)
    return len(changes)
