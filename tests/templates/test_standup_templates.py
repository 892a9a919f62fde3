"""Every standup template renders valid Block Kit with sample data, including crowded days."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

from bot.blocks import render
from bot.ids import ActionId, CallbackId
from bot.messaging.standups import (
    ANSWER_SECTION_CHARS,
    HISTORY_SECTION_CHARS,
    ModalQuestion,
    escalate_value,
    fit_answers,
    report_message,
)
from bot.services.standups import Blocker, DayReport, LateReminder, QuestionAnswer

DAY = date(2026, 3, 2)
LONG = "Dock door 4 <stuck> & @channel " * 200


def _blocker(n: int) -> Blocker:
    return Blocker(
        1,
        "C0STANDUP",
        f"U{n:05d}",
        LONG,
        DAY,
        None,
        datetime(2026, 3, 2, tzinfo=UTC),
        timedelta(0),
        DAY - timedelta(days=n % 2),
    )


def test_report_of_a_crowded_day_stays_within_block_kit_limits() -> None:
    people = [f"U{n:05d}" for n in range(300)]
    report = DayReport(
        1,
        "C0STANDUP",
        DAY,
        people[:100],
        people[100:150],
        people[150:],
        [_blocker(n) for n in range(60)],
    )
    message = report_message(report)
    assert len(message["blocks"]) <= 50
    assert message["blocks"][0]["text"]["text"] == "Standup report · Monday 2 March 2026"
    shown = json.dumps(message)
    assert "and 90 more" in shown and "and 22 more blockers" in shown
    texts = json.dumps([b.get("text") for b in message["blocks"]])
    assert "<stuck>" not in texts and "&lt;stuck&gt;" in texts
    values = [json.loads(b["accessory"]["value"]) for b in message["blocks"] if "accessory" in b]
    assert all(len(b["accessory"]["value"]) <= 2000 for b in message["blocks"] if "accessory" in b)
    assert values[0]["author"] == "U00000" and values[0]["link"] is None
    assert json.loads(escalate_value(_blocker(1)))["blocker"].startswith("Dock door 4 <stuck> &")


def test_every_standup_message_and_view_renders() -> None:
    standup = SimpleNamespace(
        id=7,
        channel_id="C0STANDUP",
        remind_at=time(8, 30),
        report_at=time(10, 0),
        days="mon-fri",
        timezone="America/Chicago",
    )
    answers = [
        QuestionAnswer("What did you get done yesterday?", LONG),
        QuestionAnswer("Anything blocking you?", ""),
    ]
    render("messages/standup_help")
    thread = render("messages/standup_thread", local_date=DAY)
    assert thread["text"] == "Standup for Monday 2 March 2026"
    prompt = render(
        "messages/standup_prompt",
        reminder=True,
        standups=[SimpleNamespace(id=n, channel_id=f"C{n}") for n in (7, 8, 9)],
        local_date=DAY,
        action_id=ActionId.STANDUP_OPEN,
    )
    assert "Time for your standup for Mon 2 Mar." in json.dumps(prompt, ensure_ascii=False)
    render(
        "messages/standup_prompt",
        reminder=False,
        standups=[SimpleNamespace(id=n, channel_id=f"C{n}") for n in (7, 8)],
        local_date=None,
        action_id=ActionId.STANDUP_OPEN,
    )
    answer = render(
        "messages/standup_answer",
        user_id="UMARIA",
        answers=fit_answers(answers, ANSWER_SECTION_CHARS),
        blocker=LONG,
        blocker_question="Anything blocking you?",
        nothing_blocking=False,
        posted_at=datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
        edited=True,
    )
    assert (
        " · <!date^1772460000^{date_short_pretty} at {time}|Mon 2 Mar 14:00 UTC> · edited"
        in answer["blocks"][0]["elements"][0]["text"]
    )
    item = SimpleNamespace(
        local_date=DAY, message_link="https://opsbot-demo.slack.com/archives/C0STANDUP/p1"
    )
    history = render(
        "messages/standup_history",
        user_id="UMARIA",
        days=7,
        items=[(standup, item, fit_answers(answers, HISTORY_SECTION_CHARS))] * 20,
    )
    assert len(history["blocks"]) <= 50
    assert history["blocks"][2]["text"]["text"].startswith("*Mon 2 Mar* · <#C0STANDUP>")
    config = render(
        "messages/standup_config",
        headline="Standup created.",
        standups=[
            {
                "standup": standup,
                "questions": ["Q?"] * 6,
                "participants": [1, 2],
                "late": [],
                "tracks_blockers": True,
            }
        ],
    )
    assert (
        "reminders at *08:30* in each person's timezone, mon-fri · "
        "report at *10:00* America/Chicago"
    ) in config["blocks"][1]["text"]["text"]
    render("messages/standup_config", headline="Standups in this workspace:", standups=[])
    for action in ("join", "leave", "add", "remove"):
        render(
            "messages/standup_membership",
            action=action,
            channel_id="C0STANDUP",
            changed=["UMARIA"],
            unchanged=[],
            remind_at=time(8, 30),
            report_at=time(10, 0),
            team_zone="America/Chicago",
            days="mon-fri",
            late=[],
        )
    joined = render(
        "messages/standup_membership",
        action="join",
        channel_id="C0STANDUP",
        changed=["UMARIA"],
        unchanged=[],
        remind_at=time(8, 30),
        report_at=time(10, 0),
        team_zone="America/Chicago",
        days="mon-fri",
        late=[],
    )
    assert "You will get a reminder at 08:30 your time on mon-fri." in json.dumps(joined)
    ooo = render(
        "messages/standup_ooo", cancelled=None, starts_on=DAY, ends_on=DAY + timedelta(days=4)
    )
    assert "out of office from Mon 2 Mar to Fri 6 Mar:" in ooo["blocks"][0]["text"]["text"]
    render("messages/standup_ooo", cancelled=0, starts_on=None, ends_on=None)
    questions = [
        ModalQuestion("What did you get done yesterday?", False, LONG[:2500]),
        ModalQuestion("Anything blocking you?", True, None),
    ]
    view = render(
        "views/standup_answer",
        callback_id=CallbackId.STANDUP_ANSWER,
        action_id=ActionId.STANDUP_ANSWER_INPUT,
        checkbox_action_id=ActionId.STANDUP_NOTHING_BLOCKING,
        metadata=json.dumps({"standup_id": 7, "date": "2026-03-02"}),
        channel_id="C0STANDUP",
        local_date=DAY,
        questions=questions,
        blocker_index=1,
        nothing_blocking=True,
        replacing=True,
    )
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [
        "q0",
        "q1",
        "nothing_blocking",
    ]
    assert view["blocks"][-1]["element"]["initial_options"][0]["value"] == "yes"
    assert view["blocks"][0]["elements"][0]["text"].startswith("<#C0STANDUP> · Mon 2 Mar · ")


def test_warnings_of_a_crowded_config_fit_in_one_context() -> None:
    standup = SimpleNamespace(
        id=7,
        channel_id="C0STANDUP",
        remind_at=time(8, 30),
        report_at=time(7, 0),
        days="mon-fri",
        timezone="America/Chicago",
    )
    moment = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    late = [LateReminder(None, "America/Chicago", moment, moment)] + [
        LateReminder(f"U{n:09d}", "America/Argentina/ComodRivadavia", moment, moment)
        for n in range(40)
    ]
    config = render(
        "messages/standup_config",
        headline="Standup updated.",
        standups=[
            {
                "standup": standup,
                "questions": ["Yesterday?", "Today?"],
                "participants": list(range(40)),
                "late": late,
                "tracks_blockers": False,
            }
        ],
    )
    warning = config["blocks"][2]["elements"][0]["text"]
    assert len(warning) <= 3000
    assert warning.startswith(":warning: The report at 07:00 comes before the 08:30 reminders")
    assert "…and 33 more whose reminder comes after the report." in warning
    assert "blockers will not be tracked" in config["blocks"][3]["elements"][0]["text"]


def test_a_report_says_who_is_not_due_yet_and_since_when_a_blocker_is_open() -> None:
    report = DayReport(
        1, "C0STANDUP", DAY, ["UMARIA"], [], ["UJOE"], [_blocker(1)], not_due=["USAM"]
    )
    shown = json.dumps(report_message(report), ensure_ascii=False)
    assert "1 of 3* answered · 0 away · 1 missing · 1 not due yet · 1 blocker" in shown
    assert ":alarm_clock: *Not due yet (1):* <@USAM>" in shown
    assert " · since Sun 1 Mar" in shown
    upcoming = DayReport(1, "C0STANDUP", DAY, [], [], [], [], not_due=["USAM"], upcoming=True)
    assert "Monday 2 March 2026 has not come yet" in json.dumps(report_message(upcoming))
    assert "Missing (0)" in json.dumps(report_message(upcoming))
