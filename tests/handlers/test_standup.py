"""/standup end to end: signed requests to the real app, the fake Slack Web API, an injected
clock and the real scheduler tick; assertions on what people see."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.ids import ActionId
from bot.models import StandupAnswer
from bot.runtime import Runtime
from bot.services import escalations
from bot.standin.driver import SlackDriver, form_values
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import ADMIN, JOE, MARIA, TEAM

STANDUP = "C0STANDUP"
NIGHT = "C0NIGHT"
SAM = "USAM"  # America/Los_Angeles
# Monday 2 March 2026 (tests start at 08:00 UTC). 08:30 is 14:30 UTC in Chicago (CST),
# 16:30 UTC in Los Angeles (PST) and 23:30 UTC in Tokyo, already Tuesday 3 March there.
CHICAGO_0830 = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
LA_0830 = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
TOKYO_TUESDAY_0830 = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
REPORT_TIME = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 10:00 America/Chicago


@pytest.fixture
def team(slack: SlackDriver, fake_slack: FakeSlack) -> SlackDriver:
    """A shift-leads standup at 08:30 (report 10:00 Chicago) with Maria, Joe and Sam."""
    fake_slack.add_user(SAM, "sam", tz="America/Los_Angeles")
    fake_slack.add_channel(STANDUP, "shift-leads")
    reply = slack.command(
        "/standup",
        f"config <#{STANDUP}|shift-leads> time=08:30 report=10:00 tz=America/Chicago",
        user=ADMIN,
    )
    assert "Standup created" in reply.text()
    reply = slack.command("/standup", f"add <@{MARIA}> <@{JOE}|joe> <@{SAM}>", user=ADMIN)
    assert f"Added <@{MARIA}>, <@{JOE}>, <@{SAM}> to the standup in <#{STANDUP}>" in reply.text()
    return slack


def dms_to(fake_slack: FakeSlack, user: str) -> list[dict[str, Any]]:
    return fake_slack.messages_in(user)


def tick_at(runtime: Runtime, clock: ManualClock, moment: datetime) -> None:
    clock.set(moment)
    runtime.scheduler.tick()


def answer(
    slack: SlackDriver, fake_slack: FakeSlack, user: str, texts: list[str], *, text: str = ""
) -> dict[str, Any]:
    """Open the modal with /standup and submit it; returns the view that was opened."""
    opened_before = len(fake_slack.calls_to("views.open"))
    reply = slack.command("/standup", text, user=user)
    assert reply.status == 200 and reply.text() == ""
    view = fake_slack.wait_for("views.open", count=opened_before + 1)[-1]["view"]
    submit(slack, view, user, texts)
    return view


def submit(slack: SlackDriver, view: dict[str, Any], user: str, texts: list[str]) -> None:
    values = form_values(
        view, {f"{ActionId.STANDUP_ANSWER_INPUT}_{i}": text for i, text in enumerate(texts)}
    )
    reply = slack.submit(view, values, user=user)
    assert reply.status == 200 and reply.body in (b"", b"{}")


def thread_replies(fake_slack: FakeSlack, channel: str = STANDUP) -> list[dict[str, Any]]:
    return [m for m in fake_slack.messages_in(channel) if m.get("thread_ts")]


def text_of(message: dict[str, Any]) -> str:
    return ApiCall("message", message).blocks_text()


def posted_copy_saved(runtime: Runtime, user: str) -> None:
    """Wait until the listener, working after its ack, has stored where the answer was posted
    (an edit made before then would post a second copy on SQLite, which has no row locks)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with runtime.db.session() as session:
            saved = session.scalar(
                select(StandupAnswer.message_ts).where(
                    StandupAnswer.team_id == TEAM, StandupAnswer.user_id == user
                )
            )
        if saved:
            return
        time.sleep(0.02)
    raise AssertionError(f"the answer of {user} was never marked as posted")


def test_answer_goes_to_the_day_thread_and_an_edit_replaces_it(
    team: SlackDriver, fake_slack: FakeSlack, clock: ManualClock, runtime: Runtime
) -> None:
    view = answer(team, fake_slack, MARIA, ["Cycle counts <done> & filed", "Dock audit", "none"])
    assert [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"] == [
        "What did you get done yesterday?",
        "What are you working on today?",
        "Anything blocking you?",
        "Nothing in the way?",
    ]
    reply = fake_slack.wait_for("chat.postMessage", lambda c: c.get("thread_ts"))[0]
    parents = [m for m in fake_slack.messages_in(STANDUP) if not m.get("thread_ts")]
    assert len(parents) == 1 and "Standup for Monday 2 March 2026" in parents[0]["text"]
    assert reply["thread_ts"] == parents[0]["ts"]
    shown = text_of(thread_replies(fake_slack)[0])
    assert f"<@{MARIA}>" in shown and "Cycle counts &lt;done&gt; &amp; filed" in shown
    assert "blocked" not in shown
    posted_copy_saved(runtime, MARIA)

    # Same day, again: the modal is pre-filled, the stored answer and the posted copy change.
    view = answer(team, fake_slack, MARIA, ["Cycle counts", "Dock audit", "Scanner 3 is down"])
    assert view["blocks"][1]["element"]["initial_value"] == "Cycle counts <done> & filed"
    update = fake_slack.wait_for("chat.update")[0]
    assert update["ts"] == reply_ts(fake_slack)
    replies = thread_replies(fake_slack)
    assert len(replies) == 1
    shown = text_of(replies[0])
    assert "Scanner 3 is down" in shown and "blocked" in shown and "edited" in shown

    # At 16:00 UTC it is still Monday in Chicago but already Tuesday 01:00 in Tokyo: Joe's
    # answer starts Tuesday's thread.
    clock.set(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))
    answer(team, fake_slack, JOE, ["Booked carriers", "Rates", "no"])
    fake_slack.wait_for("chat.postMessage", lambda c: c.get("thread_ts"), count=2)
    parents = [m for m in fake_slack.messages_in(STANDUP) if not m.get("thread_ts")]
    assert [p["text"] for p in parents] == [
        "Standup for Monday 2 March 2026",
        "Standup for Tuesday 3 March 2026",
    ]


def reply_ts(fake_slack: FakeSlack) -> str:
    return next(m["ts"] for m in fake_slack.messages_in(STANDUP) if m.get("thread_ts"))


def test_reminders_at_0830_in_each_persons_timezone_across_the_date_line(
    team: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    tick_at(runtime, clock, datetime(2026, 3, 2, 14, 29, tzinfo=UTC))
    assert not dms_to(fake_slack, MARIA) and not dms_to(fake_slack, SAM)

    tick_at(runtime, clock, CHICAGO_0830)
    assert len(dms_to(fake_slack, MARIA)) == 1 and not dms_to(fake_slack, SAM)
    reminder = dms_to(fake_slack, MARIA)[0]
    assert "Time for your standup for Mon 2 Mar." in text_of(reminder)
    button = reminder["blocks"][1]["accessory"]
    assert button["action_id"] == ActionId.STANDUP_OPEN

    tick_at(runtime, clock, datetime(2026, 3, 2, 16, 29, tzinfo=UTC))
    assert not dms_to(fake_slack, SAM)
    tick_at(runtime, clock, LA_0830)
    tick_at(runtime, clock, datetime(2026, 3, 2, 16, 31, tzinfo=UTC))
    assert len(dms_to(fake_slack, SAM)) == 1 and len(dms_to(fake_slack, MARIA)) == 1

    # Monday 08:30 in Tokyo had passed before the standup existed: Joe's first is Tuesday's.
    tick_at(runtime, clock, datetime(2026, 3, 2, 23, 29, tzinfo=UTC))
    assert not dms_to(fake_slack, JOE)
    tick_at(runtime, clock, TOKYO_TUESDAY_0830)
    assert len(dms_to(fake_slack, JOE)) == 1
    assert "Time for your standup for Tue 3 Mar." in text_of(dms_to(fake_slack, JOE)[0])

    # The button opens the modal.
    team.click(ActionId.STANDUP_OPEN, user=JOE, value=button["value"], channel="DJOE")
    view = fake_slack.wait_for("views.open")[0]["view"]
    assert view["callback_id"] == "standup_answer"
    assert json.loads(view["private_metadata"])["date"] == "2026-03-03"


def test_days_filter_uses_each_persons_local_weekday(
    team: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    # Thursday 23:30 UTC is Friday 08:30 in Tokyo: a working day.
    tick_at(runtime, clock, datetime(2026, 3, 5, 23, 30, tzinfo=UTC))
    assert len(dms_to(fake_slack, JOE)) == 1
    # Friday 23:30 UTC is Saturday in Tokyo: no reminder, though Friday still runs in Chicago.
    tick_at(runtime, clock, datetime(2026, 3, 6, 23, 30, tzinfo=UTC))
    assert len(dms_to(fake_slack, JOE)) == 1
    tick_at(runtime, clock, datetime(2026, 3, 7, 14, 30, tzinfo=UTC))  # Saturday in Chicago
    assert not any("Sat 7 Mar" in text_of(m) for m in dms_to(fake_slack, MARIA))


def test_nobody_who_answered_or_is_away_is_reminded(
    team: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    answer(team, fake_slack, MARIA, ["Counts", "Audit", "none"])
    reply = team.command("/standup", "ooo 2026-03-02 2026-03-03", user=SAM)
    assert "out of office from Mon 2 Mar to Tue 3 Mar:" in reply.text()
    for moment in (CHICAGO_0830, LA_0830):
        tick_at(runtime, clock, moment)
    assert not dms_to(fake_slack, MARIA)
    assert not dms_to(fake_slack, SAM)
    # Tuesday: Maria has not answered yet, Sam is still away.
    tick_at(runtime, clock, datetime(2026, 3, 3, 16, 30, tzinfo=UTC))
    assert "Time for your standup for Tue 3 Mar." in text_of(dms_to(fake_slack, MARIA)[0])
    assert not dms_to(fake_slack, SAM)
    # Back on Wednesday.
    tick_at(runtime, clock, datetime(2026, 3, 4, 16, 30, tzinfo=UTC))
    assert len(dms_to(fake_slack, SAM)) == 1

    assert "no out-of-office" in team.command("/standup", "ooo cancel", user=SAM).text()
    team.command("/standup", "ooo 2026-03-09 2026-03-13", user=SAM)
    assert "Welcome back" in team.command("/standup", "ooo cancel", user=SAM).text()


def test_report_at_report_time_lists_answered_away_missing_and_blockers(
    team: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))
    answer(team, fake_slack, MARIA, ["Counts", "Audit", "Forklift 2 <down> & no spare"])
    team.command("/standup", "ooo 2026-03-02 2026-03-02", user=SAM)
    fake_slack.wait_for("chat.getPermalink")

    tick_at(runtime, clock, datetime(2026, 3, 2, 15, 59, tzinfo=UTC))
    assert not [m for m in fake_slack.messages_in(STANDUP) if "report" in m["text"]]
    tick_at(runtime, clock, REPORT_TIME)
    tick_at(runtime, clock, datetime(2026, 3, 2, 16, 1, tzinfo=UTC))
    reports = [m for m in fake_slack.messages_in(STANDUP) if "Standup report" in m["text"]]
    assert len(reports) == 1
    shown = text_of(reports[0])
    assert "1 of 3" in shown
    assert f"*Answered (1):* <@{MARIA}>" in shown
    assert f"*Away (1):* <@{SAM}>" in shown
    assert f"*Missing (1):* <@{JOE}>" in shown
    assert "Forklift 2 &lt;down&gt; &amp; no spare" in shown
    escalate = next(
        b["accessory"] for b in reports[0]["blocks"] if b.get("accessory", {}).get("text")
    )
    assert escalate["action_id"] == "standup_escalate_blocker"
    value = json.loads(escalate["value"])
    assert value["blocker"] == "Forklift 2 <down> & no spare"
    assert value["author"] == MARIA and value["channel"] == STANDUP
    assert value["date"] == "2026-03-02"
    assert value["link"].startswith("https://opsbot-demo.slack.com/archives/C0STANDUP/p")

    # Joe escalates Maria's blocker from the report: the escalation modal opens pre-filled,
    # owned by Joe, and its submission opens the escalation with a link back to the answer.
    team.click(
        ActionId.STANDUP_ESCALATE_BLOCKER,
        user=JOE,
        value=escalate["value"],
        channel=STANDUP,
        message=reports[0],
    )
    modal = fake_slack.wait_for(
        "views.open", lambda c: c["view"]["callback_id"] == "escalation_open"
    )[0]["view"]
    shown_modal = ApiCall("view", modal).blocks_text()
    assert "Forklift 2 <down> & no spare" in json.dumps(modal, ensure_ascii=False)
    assert "reported by Maria" in json.dumps(modal)
    assert "this message" in shown_modal
    assignee = next(b for b in modal["blocks"] if b.get("block_id") == "assignee")
    assert assignee["element"]["initial_user"] == JOE
    summary = next(b for b in modal["blocks"] if b.get("block_id") == "summary")
    details = next(b for b in modal["blocks"] if b.get("block_id") == "details")
    team.submit(
        modal,
        form_values(
            modal,
            {
                "summary": summary["element"]["initial_value"],
                "details": details["element"]["initial_value"],
                "assignee": JOE,
            },
        ),
        user=JOE,
    )
    opened = fake_slack.wait_for("chat.postMessage", lambda c: "ESC-1" in c.blocks_text())
    assert "Forklift 2 &lt;down&gt; &amp; no spare" in opened[0].blocks_text()
    with runtime.db.session() as session:
        mine = escalations.escalations_for_user(session, team_id=TEAM, user_id=JOE, now=clock.now())
    assert [(e.ref, e.owner_id, e.summary) for e in mine] == [
        ("ESC-1", JOE, "Forklift 2 <down> & no spare")
    ]

    # The same report on demand, for that date, to the caller only.
    reply = team.command("/standup", f"report 2026-03-02 <#{STANDUP}>", user=JOE)
    assert reply.json.get("response_type", "ephemeral") == "ephemeral"
    assert f"*Missing (1):* <@{JOE}>" in reply.text() and "Forklift 2" in reply.text()

    # The next day, `yesterday` names the same day.
    clock.set(datetime(2026, 3, 3, 15, tzinfo=UTC))
    yesterday = team.command("/standup", f"report yesterday <#{STANDUP}>", user=JOE)
    assert f"*Missing (1):* <@{JOE}>" in yesterday.text() and "Forklift 2" in yesterday.text()


def test_a_person_in_two_standups_picks_one_and_gets_one_reminder_a_day(
    team: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    fake_slack.add_channel(NIGHT, "night-shift")
    team.command(
        "/standup",
        f'config <#{NIGHT}> time=08:30 days=daily questions="Shipped?|Blocked by?"',
        user=ADMIN,
    )
    reply = team.command("/standup", f"join <#{NIGHT}>", user=MARIA)
    assert f"You joined the standup in <#{NIGHT}>" in reply.text()

    reply = team.command("/standup", "", user=MARIA)
    assert "Which one do you want to answer?" in reply.text()
    buttons = [b["accessory"] for b in reply.json["blocks"] if "accessory" in b]
    assert len(buttons) == 2
    night_button = next(b for b in buttons if f"<#{NIGHT}>" in _block_of(reply.json, b))
    team.click(ActionId.STANDUP_OPEN, user=MARIA, value=night_button["value"], channel="C0OPS")
    view = fake_slack.wait_for("views.open")[0]["view"]
    assert [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"] == [
        "Shipped?",
        "Blocked by?",
        "Nothing in the way?",
    ]
    submit(team, view, MARIA, ["Two trailers", "Yard jockey out sick"])
    fake_slack.wait_for("chat.postMessage", lambda c: c.get("thread_ts"))
    assert len(thread_replies(fake_slack, NIGHT)) == 1
    assert not thread_replies(fake_slack, STANDUP)

    # One reminder at 08:30 Chicago, listing only the standup she has not answered.
    tick_at(runtime, clock, CHICAGO_0830)
    reminders = dms_to(fake_slack, MARIA)
    assert len(reminders) == 1
    assert f"<#{STANDUP}>" in text_of(reminders[0]) and f"<#{NIGHT}>" not in text_of(reminders[0])

    reply = team.command("/standup", f"leave <#{NIGHT}>", user=MARIA)
    assert f"You left the standup in <#{NIGHT}>" in reply.text()


def _block_of(message: dict[str, Any], accessory: dict[str, Any]) -> str:
    return next(b["text"]["text"] for b in message["blocks"] if b.get("accessory") == accessory)


def test_history_help_config_list_and_mistakes(
    team: SlackDriver, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    answer(team, fake_slack, MARIA, ["Counts", "Audit", "none"])
    fake_slack.wait_for("chat.getPermalink")
    clock.set(datetime(2026, 3, 3, 14, 0, tzinfo=UTC))
    answer(team, fake_slack, MARIA, ["Audit", "Returns", "Label printer jammed"])

    reply = team.command("/standup", f"history <@{MARIA}> 7d", user=JOE)
    shown = reply.text()
    assert "Tue 3 Mar" in shown and "Mon 2 Mar" in shown
    assert shown.index("Tue 3 Mar") < shown.index("Mon 2 Mar")
    assert "Label printer jammed" in shown

    # A manager outside the standup sees the only standup's report from any channel.
    report = team.command("/standup", "report", user=ADMIN, channel="C0OPS").text()
    assert "Standup report · Tuesday 3 March 2026" in report and f"<@{MARIA}>" in report

    assert "/standup ooo" in team.command("/standup", "help", user=JOE).text()
    listing = team.command("/standup", "config", user=JOE).text()
    assert f"<#{STANDUP}>" in listing and "3 participants" in listing

    denied = team.command("/standup", f"config <#{STANDUP}> time=09:00", user=JOE).text()
    assert "Only workspace admins" in denied
    bad = team.command("/standup", f"config <#{STANDUP}> time=25:00", user=ADMIN).text()
    assert "is not a time" in bad and "Usage: `/standup config #channel time=HH:MM" in bad
    assert "is not a date" in team.command("/standup", "ooo next-week", user=JOE).text()
    assert "is not a /standup command" in team.command("/standup", "dance", user=JOE).text()
    assert "not in any standup" in team.command("/standup", "", user=ADMIN).text()
    assert "not in that standup" in team.command("/standup", f"<#{STANDUP}>", user=ADMIN).text()


def test_simultaneous_first_answers_start_one_thread(
    team: SlackDriver, fake_slack: FakeSlack
) -> None:
    views = []
    for user in (MARIA, SAM):
        team.command("/standup", "", user=user)
        views.append(fake_slack.wait_for("views.open", count=len(views) + 1)[-1]["view"])
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(
            pool.map(
                lambda pair: submit(team, pair[0], pair[1], ["Counts", "Audit", "none"]),
                zip(views, (MARIA, SAM), strict=True),
            )
        )
    fake_slack.wait_for("chat.getPermalink", count=2)
    parents = [m for m in fake_slack.messages_in(STANDUP) if not m.get("thread_ts")]
    assert len(parents) == 1
    assert {m["thread_ts"] for m in thread_replies(fake_slack)} == {parents[0]["ts"]}
    assert len(thread_replies(fake_slack)) == 2
