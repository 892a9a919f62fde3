"""The Slack side of standups, shared by the listeners and the scheduled jobs: the answer
modal, the day's thread with the answers, reminders in each person's timezone and the
report in the team's timezone (both sent through the exactly-once ledger)."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.blocks import render
from bot.errors import NotFoundError, OpsbotError
from bot.ids import ActionId, CallbackId
from bot.messaging import scheduled
from bot.messaging.profiles import profile
from bot.models import ScheduledPost, Standup
from bot.services import ledger, outbox, standups
from bot.services.ledger import PostKey

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime
    from bot.services.outbox import Outcome

log = logging.getLogger(__name__)

BLOCKER_VALUE_CHARS = 1500
REPORT_BLOCKER_CHARS = 1200
ANSWER_SECTION_CHARS = 2900
HISTORY_SECTION_CHARS = 2600
_ESCAPED_LENGTH = {"&": 5, "<": 4, ">": 4}


def fit_for_mrkdwn(text: str, limit: int) -> str:
    """`text` cut so that, once escaped for mrkdwn (`&` → `&amp;` …), it fits in `limit`."""
    used = 0
    for index, char in enumerate(text):
        used += _ESCAPED_LENGTH.get(char, 1)
        if used > limit - 1:
            return text[:index] + "…"
    return text


def fit_answers(
    answers: list[standups.QuestionAnswer], limit: int
) -> list[standups.QuestionAnswer]:
    """Questions and answers shortened to share one section of `limit` characters."""
    share = limit // max(len(answers), 1) - 20
    fitted = []
    for item in answers:
        question = fit_for_mrkdwn(item.question, min(150, share // 3))
        answer = fit_for_mrkdwn(item.answer, share - len(question) - 10)
        fitted.append(standups.QuestionAnswer(question, answer))
    return fitted


def today_for(
    runtime: Runtime, session: Session, client: WebClient, *, team_id: str, user_id: str
) -> tuple[date, str | None]:
    """The person's local date now and their Slack timezone (users.info, cached a day)."""
    tz = profile(runtime, session, client, team_id=team_id, user_id=user_id).tz
    zone = standups.zone_of(tz, runtime.settings.opsbot_timezone)
    return runtime.clock.now().astimezone(zone).date(), tz


# -- the answer modal ------------------------------------------------------------


@dataclass(frozen=True)
class ModalQuestion:
    text: str
    optional: bool
    initial: str | None


def answer_modal(
    runtime: Runtime,
    session: Session,
    client: WebClient,
    *,
    team_id: str,
    user_id: str,
    standup: Standup,
) -> dict[str, Any]:
    """The modal with the standup's questions, pre-filled with today's answer if any."""
    if not standups.is_participant(
        session, team_id=team_id, standup_id=standup.id, user_id=user_id
    ):
        raise OpsbotError(
            "You are not in that standup. Join it with `/standup join` in its channel."
        )
    today, _tz = today_for(runtime, session, client, team_id=team_id, user_id=user_id)
    existing = standups.get_answer(
        session, team_id=team_id, standup_id=standup.id, user_id=user_id, local_date=today
    )
    previous = {}
    if existing is not None:
        previous = {item.question: item.answer for item in standups.answers_of(existing)}
    texts = standups.questions_of(standup)
    questions = [
        ModalQuestion(q, standups.is_blocker_question(q), previous.get(q) or None) for q in texts
    ]
    return render(
        "views/standup_answer",
        callback_id=CallbackId.STANDUP_ANSWER,
        action_id=ActionId.STANDUP_ANSWER_INPUT,
        checkbox_action_id=ActionId.STANDUP_NOTHING_BLOCKING,
        metadata=json.dumps({"standup_id": standup.id, "date": today.isoformat()}),
        channel_id=standup.channel_id,
        local_date=today,
        questions=questions,
        # The "Nothing is blocking me" checkbox follows the first blockers question.
        blocker_index=next(
            (i for i, q in enumerate(texts) if standups.is_blocker_question(q)), None
        ),
        nothing_blocking=existing is not None and existing.nothing_blocking,
        replacing=existing is not None,
    )


@dataclass(frozen=True)
class SubmittedAnswer:
    standup_id: int
    local_date: date
    texts: list[str]  # one per question
    nothing_blocking: bool  # the "Nothing is blocking me" checkbox is ticked


def submitted_answers(view: dict[str, Any]) -> SubmittedAnswer:
    """What a submitted answer modal holds."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = view.get("state", {}).get("values", {})
    texts = []
    index = 0
    while f"q{index}" in values:
        state = values[f"q{index}"].get(f"{ActionId.STANDUP_ANSWER_INPUT}_{index}", {})
        texts.append(state.get("value") or "")
        index += 1
    ticked = (
        values.get("nothing_blocking", {})
        .get(ActionId.STANDUP_NOTHING_BLOCKING, {})
        .get("selected_options")
    )
    return SubmittedAnswer(
        int(metadata["standup_id"]), date.fromisoformat(metadata["date"]), texts, bool(ticked)
    )


# -- the day's thread --------------------------------------------------------------

ANSWER_RECORDER = "standup-answer"
THREAD_RECORDER = "standup-thread"
# Answers are saved one at a time per process around their whole transaction: SQLite gives a
# losing concurrent thread claim an old snapshot, where the winner's thread is not visible.
# Across processes (PostgreSQL) the thread row's lock does the same.
ANSWERS_SAVED_ONE_AT_A_TIME = threading.Lock()


def _thread_key(standup: Standup, local_date: date) -> str:
    """The day's parent message comes before the answers in its thread."""
    return f"standup:{standup.team_id}:{standup.id}:{local_date.isoformat()}"


def _thread_reference(
    session: Session, standup: Standup, local_date: date, *, now: datetime
) -> dict[str, Any]:
    """How an answer refers to the day's parent message, queueing the parent first if
    nobody has yet."""
    thread = standups.thread_for(
        session, team_id=standup.team_id, standup_id=standup.id, local_date=local_date
    )
    if thread is None:
        thread = standups.claim_thread(
            session,
            team_id=standup.team_id,
            standup_id=standup.id,
            local_date=local_date,
            now=now,
        )
        if thread is not None:
            parent = outbox.enqueue(
                session,
                team_id=standup.team_id,
                key=_thread_key(standup, local_date),
                method="chat.postMessage",
                channel_id=standup.channel_id,
                payload={
                    "channel": standup.channel_id,
                    **render("messages/standup_thread", local_date=local_date),
                },
                now=now,
                recorder=THREAD_RECORDER,
                recorder_arg={"thread_id": thread.id},
                description="standup thread",
            )
            session.flush()
            thread.message_delivery_id = parent.id
            session.flush()
        else:
            thread = standups.thread_for(
                session, team_id=standup.team_id, standup_id=standup.id, local_date=local_date
            )
    if thread is None or (thread.message_ts is None and thread.message_delivery_id is None):
        raise OpsbotError("Today's standup thread is being started; please submit again.")
    if thread.message_ts:
        return {"thread_ts": thread.message_ts}
    return {"$thread_ts_from": thread.message_delivery_id}


def publish_answer(session: Session, *, team_id: str, answer_id: int, now: datetime) -> None:
    """Queue the answer's post in the day's thread, or the update of the copy posted."""
    answer = standups.lock_answer(session, team_id=team_id, answer_id=answer_id)
    standup = standups.get_standup(session, team_id=team_id, standup_id=answer.standup_id)
    blocker_question = next(
        (q for q in standups.questions_of(standup) if standups.is_blocker_question(q)), None
    )
    message = render(
        "messages/standup_answer",
        user_id=answer.user_id,
        answers=fit_answers(standups.answers_of(answer), ANSWER_SECTION_CHARS),
        blocker=answer.blocker,
        blocker_question=blocker_question,
        nothing_blocking=answer.nothing_blocking,
        posted_at=answer.updated_at,
        edited=bool(answer.message_ts or answer.message_delivery_id)
        or answer.updated_at != answer.submitted_at,
    )
    common = {
        "team_id": team_id,
        "key": _thread_key(standup, answer.local_date),
        "channel_id": standup.channel_id,
        "now": now,
    }
    if answer.message_ts or answer.message_delivery_id:
        target = (
            {"ts": answer.message_ts}
            if answer.message_ts
            else {"$ts_from": answer.message_delivery_id}
        )
        outbox.enqueue(
            session,
            method="chat.update",
            payload={"channel": standup.channel_id, **target, **message},
            description="standup answer update",
            **common,
        )
        return
    thread = _thread_reference(session, standup, answer.local_date, now=now)
    posted = outbox.enqueue(
        session,
        method="chat.postMessage",
        payload={"channel": standup.channel_id, "$permalink": True, **thread, **message},
        recorder=ANSWER_RECORDER,
        recorder_arg={"team_id": team_id, "answer_id": answer.id},
        description="standup answer",
        **common,
    )
    session.flush()
    answer.message_delivery_id = posted.id


def record_answer(session: Session, arg: dict[str, Any], outcome: Outcome) -> None:
    """Delivery recorder: the answer is in the thread; keep its ts and link."""
    if not outcome.ok or not outcome.ts:
        return
    answer = standups.lock_answer(session, team_id=arg["team_id"], answer_id=int(arg["answer_id"]))
    standups.set_answer_message(
        session, answer=answer, message_ts=outcome.ts, message_link=outcome.permalink
    )


def record_thread(session: Session, arg: dict[str, Any], outcome: Outcome) -> None:
    """Delivery recorder: the day's parent message has its ts."""
    if outcome.ok and outcome.ts:
        standups.set_thread_message(session, thread_id=int(arg["thread_id"]), message_ts=outcome.ts)


# -- reports ---------------------------------------------------------------------


def escalate_value(blocker: standups.Blocker) -> str:
    """The Escalate button's value: what an escalation needs to be pre-filled.

    JSON: {"blocker": text, "author": user id, "channel": standup channel id,
    "link": permalink of the answer or null, "date": "YYYY-MM-DD"}."""
    return json.dumps(
        {
            "blocker": blocker.text[:BLOCKER_VALUE_CHARS],
            "author": blocker.user_id,
            "channel": blocker.channel_id,
            "link": blocker.link,
            "date": blocker.local_date.isoformat(),
        },
        ensure_ascii=False,
    )


def report_message(report: standups.DayReport) -> dict[str, Any]:
    """The report message (scheduled post and `/standup report`)."""
    return render(
        "messages/standup_report",
        report=report,
        escalate_action_id=ActionId.STANDUP_ESCALATE_BLOCKER,
        blocker_texts=[fit_for_mrkdwn(b.text, REPORT_BLOCKER_CHARS) for b in report.blockers],
        escalate_values=[escalate_value(b) for b in report.blockers],
    )


def queue_report(session: Session, post: ScheduledPost, *, now: datetime) -> None:
    """Queue the day's report in the standup channel (claimed in the ledger as `post`)."""
    standup = standups.find_standup(session, team_id=post.team_id, channel_id=post.channel_id)
    if standup is None:
        raise NotFoundError(f"no standup runs in {post.channel_id} any more")
    report = standups.day_report(
        session, team_id=post.team_id, standup=standup, local_date=post.local_date, now=now
    )
    scheduled.queue_message(
        session,
        team_id=post.team_id,
        channel_id=post.channel_id,
        message=report_message(report),
        now=now,
        ledger_post_id=post.id,
        notify_user_id=standup.created_by,
        description="standup report",
    )


def post_due_reports(runtime: Runtime, now: datetime) -> None:
    """Job: queue each standup's report at report time in the team's timezone, exactly
    once; one missed for longer than the grace period is recorded as skipped."""
    grace = timedelta(minutes=runtime.settings.opsbot_grace_minutes)
    with runtime.db.session() as session:
        due, missed = standups.due_reports(session, now=now, grace=grace)
        for item in missed:
            key = PostKey(item.team_id, item.channel_id, standups.REPORT_KIND, item.local_date)
            if ledger.record_skipped(
                session,
                key=key,
                scheduled_for=item.scheduled_for,
                now=now,
                reason="missed beyond the grace period",
            ):
                log.warning(
                    "skipped the standup report of %s for %s: missed by more than %s",
                    item.channel_id,
                    item.local_date,
                    grace,
                )
    for item in due:
        scheduled.claim_and_queue(
            runtime.db,
            key=PostKey(item.team_id, item.channel_id, standups.REPORT_KIND, item.local_date),
            scheduled_for=item.scheduled_for,
            now=now,
            queue=lambda session, post: queue_report(session, post, now=now),
        )


# -- reminders -------------------------------------------------------------------


def queue_reminder(session: Session, post: ScheduledPost, *, now: datetime) -> None:
    """Queue the reminder DM (the ledger row's channel is the person) listing their
    standups of that local date still unanswered; nothing when all are answered or away."""
    pending = standups.reminder_standups(
        session, team_id=post.team_id, user_id=post.channel_id, local_date=post.local_date
    )
    if not pending:
        ledger.mark_sent(session, post_id=post.id, message_ts=None, now=now)
        return
    scheduled.queue_message(
        session,
        team_id=post.team_id,
        channel_id=post.channel_id,
        message=render(
            "messages/standup_prompt",
            reminder=True,
            standups=pending,
            local_date=post.local_date,
            action_id=ActionId.STANDUP_OPEN,
        ),
        now=now,
        ledger_post_id=post.id,
        notify_user_id=None,
        description="standup reminder",
    )


def refresh_timezones(runtime: Runtime, now: datetime) -> None:
    """Refresh the cached Slack profile (timezone) of participants once a day."""
    with runtime.db.session() as session:
        stale = standups.participants_with_stale_profiles(session, now=now)
    for team_id, user_id in stale:
        try:
            with runtime.db.session() as session:
                profile(runtime, session, runtime.client, team_id=team_id, user_id=user_id)
        except SlackApiError as exc:
            log.warning("could not refresh the timezone of %s: %s", user_id, exc)


def send_due_reminders(runtime: Runtime, now: datetime) -> None:
    """Job: DM each participant at the standup time in their own timezone, exactly once a
    local day, unless they already answered or are out of office."""
    refresh_timezones(runtime, now)
    grace = timedelta(minutes=runtime.settings.opsbot_grace_minutes)
    with runtime.db.session() as session:
        due = standups.due_reminders(session, now=now, grace=grace)
    for item in due:
        scheduled.claim_and_queue(
            runtime.db,
            key=PostKey(item.team_id, item.user_id, standups.REMINDER_KIND, item.local_date),
            scheduled_for=item.scheduled_for,
            now=now,
            queue=lambda session, post: queue_reminder(session, post, now=now),
        )
