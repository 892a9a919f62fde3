"""Standups a team can trust, end to end: the "Nothing is blocking me" checkbox, answers that
say nothing is in the way, "not due yet" for a participant whose reminder has not come in
their own timezone, and the warnings when a report comes before someone's reminder."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.ids import ActionId
from bot.models import StandupAnswer
from bot.runtime import Runtime
from bot.standin.driver import SlackDriver, form_values
from bot.standin.server import FakeSlack
from tests.conftest import ADMIN, JOE, MARIA, TEAM
from tests.handlers.test_standup import (
    LA_0830,
    REPORT_TIME,
    SAM,
    STANDUP,
    posted_copy_saved,
    team,  # noqa: F401 (fixture)
    text_of,
    thread_replies,
    tick_at,
)

TICKED = {"selected_options": [{"value": "yes"}]}


def open_modal(slack: SlackDriver, fake_slack: FakeSlack, user: str) -> dict[str, Any]:
    opened_before = len(fake_slack.calls_to("views.open"))
    reply = slack.command("/standup", "", user=user)
    assert reply.status == 200 and reply.text() == ""
    return fake_slack.wait_for("views.open", count=opened_before + 1)[-1]["view"]


def submit(
    slack: SlackDriver,
    view: dict[str, Any],
    user: str,
    texts: list[str],
    *,
    nothing_blocking: bool = False,
) -> None:
    answers: dict[str, Any] = {
        f"{ActionId.STANDUP_ANSWER_INPUT}_{i}": text for i, text in enumerate(texts)
    }
    answers[ActionId.STANDUP_NOTHING_BLOCKING] = (
        TICKED if nothing_blocking else {"selected_options": []}
    )
    reply = slack.submit(view, form_values(view, answers), user=user)
    assert reply.status == 200 and reply.body in (b"", b"{}")


def stored(runtime: Runtime, user: str) -> StandupAnswer:
    with runtime.db.session() as session:
        answer = session.scalar(
            select(StandupAnswer).where(
                StandupAnswer.team_id == TEAM, StandupAnswer.user_id == user
            )
        )
        assert answer is not None
        session.expunge(answer)
        return answer


def report_now(slack: SlackDriver, text: str = "") -> str:
    return slack.command("/standup", f"report {text}".strip(), user=JOE).text()


def test_the_checkbox_settles_that_nothing_is_blocking(
    team: SlackDriver,  # noqa: F811
    fake_slack: FakeSlack,
    runtime: Runtime,
    clock: ManualClock,
) -> None:
    view = open_modal(team, fake_slack, MARIA)
    blocks = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in blocks] == ["q0", "q1", "q2", "nothing_blocking"]
    checkbox = blocks[3]["element"]
    assert checkbox["type"] == "checkboxes" and blocks[3]["optional"] is True
    assert checkbox["options"][0]["text"]["text"] == "Nothing is blocking me"
    assert "initial_options" not in checkbox

    # Ticked, with a remark in the blockers answer: the checkbox wins, the text is kept.
    submit(team, view, MARIA, ["Counts", "Audit", "forklift 2 is slow"], nothing_blocking=True)
    posted_copy_saved(runtime, MARIA)
    saved = stored(runtime, MARIA)
    assert saved.nothing_blocking and saved.blocker is None and saved.blocker_since is None
    shown = text_of(thread_replies(fake_slack)[0])
    assert ":white_check_mark: Nothing is blocking me · forklift 2 is slow" in shown
    assert ":warning:" not in shown
    report = report_now(team)
    assert "No blockers reported." in report and "forklift" not in report

    # Editing pre-fills the checkbox; unticked, the same text is a blocker.
    view = open_modal(team, fake_slack, MARIA)
    checkbox = next(b for b in view["blocks"] if b.get("block_id") == "nothing_blocking")
    assert checkbox["element"]["initial_options"][0]["value"] == "yes"
    submit(team, view, MARIA, ["Counts", "Audit", "forklift 2 is slow"])
    update = fake_slack.wait_for("chat.update")[-1]
    assert ":warning: blocked" in text_of(update)
    assert stored(runtime, MARIA).blocker == "forklift 2 is slow"
    assert "forklift 2 is slow" in report_now(team)


def test_answers_that_say_nothing_is_blocking_are_not_blockers(
    team: SlackDriver,  # noqa: F811
    fake_slack: FakeSlack,
    runtime: Runtime,
    clock: ManualClock,
) -> None:
    clock.set(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    submit(team, open_modal(team, fake_slack, MARIA), MARIA, ["a", "b", "No blockers today"])
    submit(team, open_modal(team, fake_slack, JOE), JOE, ["a", "b", "nothing blocking, all good"])
    submit(team, open_modal(team, fake_slack, SAM), SAM, ["a", "b", "no forklift on dock 3"])
    report = report_now(team, "2026-03-02")
    assert "1 blocker" in report
    assert f"<@{SAM}>: no forklift on dock 3" in report
    assert "No blockers today" not in report and "all good" not in report


def test_no_blocker_question_no_checkbox_and_a_warning(
    team: SlackDriver,  # noqa: F811
    fake_slack: FakeSlack,
) -> None:
    reply = team.command(
        "/standup", f'config <#{STANDUP}> questions="Shipped?|Planned?"', user=ADMIN
    )
    assert "Standup updated." in reply.text()
    assert "No question asks about blockers" in reply.text()
    assert "blockers will not be tracked" in reply.text()
    view = open_modal(team, fake_slack, MARIA)
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == ["q0", "q1"]


def test_a_los_angeles_participant_is_not_due_yet_at_a_chicago_report(
    team: SlackDriver,  # noqa: F811
    fake_slack: FakeSlack,
    runtime: Runtime,
    clock: ManualClock,
) -> None:
    clock.set(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    submit(team, open_modal(team, fake_slack, MARIA), MARIA, ["Counts", "Audit", "none"])

    # 10:00 in Chicago is 08:00 in Los Angeles: Sam's 08:30 reminder has not come.
    tick_at(runtime, clock, REPORT_TIME)
    tick_at(runtime, clock, datetime(2026, 3, 2, 16, 1, tzinfo=UTC))
    [report] = [m for m in fake_slack.messages_in(STANDUP) if "Standup report" in m["text"]]
    shown = text_of(report)
    assert "1 of 3" in shown and "1 missing · 1 not due yet" in shown
    assert f"*Missing (1):* <@{JOE}>" in shown
    assert f"*Not due yet (1):* <@{SAM}>" in shown

    # After his reminder, on demand, he is missing like anyone else.
    tick_at(runtime, clock, LA_0830)
    later = report_now(team)
    assert f"*Missing (2):* <@{JOE}>, <@{SAM}>" in later and "Not due yet" not in later

    # A day that has not come yet: nobody is missing.
    future = report_now(team, "2026-03-04")
    assert "Wednesday 4 March 2026 has not come yet" in future
    assert "*Missing (0):* nobody" in future
    assert f"*Not due yet (3):* <@{MARIA}>, <@{JOE}>, <@{SAM}>" in future
    # A day the standup does not run: nobody is missing either.
    saturday = report_now(team, "2026-02-28")
    assert "*Missing (0):* nobody" in saturday and "does not run on Sat 28 Feb" in saturday


def test_a_report_before_someones_reminder_is_accepted_with_a_warning(
    slack: SlackDriver, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    fake_slack.add_user(SAM, "sam", tz="America/Los_Angeles")
    fake_slack.add_channel(STANDUP, "shift-leads")
    created = slack.command(
        "/standup",
        f"config <#{STANDUP}> time=08:30 report=10:00 tz=America/Chicago",
        user=ADMIN,
    )
    assert "Standup created" in created.text() and ":warning:" not in created.text()

    # Adding Sam (Los Angeles) names him; Maria in Chicago and Joe in Tokyo are fine.
    added = slack.command("/standup", f"add <@{MARIA}> <@{JOE}> <@{SAM}>", user=ADMIN)
    warning = added.text()
    assert f"<@{SAM}>'s reminder (08:30 America/Los_Angeles" in warning
    assert "comes after the report (10:00 America/Chicago" in warning
    assert 'they will show as "not due yet" in it' in warning
    assert f"<@{MARIA}>'s" not in warning and f"<@{JOE}>'s" not in warning
    # Times are shown by Slack in the reader's zone: today 08:30 PST and 10:00 CST.
    assert "<!date^1772469000^" in warning and "<!date^1772467200^" in warning

    # report=07:00 before time=08:30: accepted, with the warning for everyone in Chicago.
    changed = slack.command("/standup", f"config <#{STANDUP}> report=07:00", user=ADMIN)
    text = changed.text()
    assert "Standup updated." in text and "report at *07:00* America/Chicago" in text
    assert "The report at 07:00 comes before the 08:30 reminders (America/Chicago)" in text
    assert f"<@{SAM}>'s reminder" in text and f"<@{JOE}>'s" not in text
    # The listing says it again.
    assert (
        "comes before the 08:30 reminders" in slack.command("/standup", "config", user=ADMIN).text()
    )

    # Sam joining a standup whose report is at 17:00 hears nothing of it.
    slack.command("/standup", f"config <#{STANDUP}> report=17:00", user=ADMIN)
    slack.command("/standup", "leave", user=SAM, channel=STANDUP)
    joined = slack.command("/standup", "join", user=SAM, channel=STANDUP)
    assert "You joined" in joined.text() and ":warning:" not in joined.text()
