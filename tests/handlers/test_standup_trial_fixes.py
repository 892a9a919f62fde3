"""What a new user's trial of standups found (issue 14 follow-up), end to end: "same as
yesterday" after "nothing blocking" and other ways of saying none are not blockers, a report
before the reminders names everyone it leaves "not due yet", and a blocker escalated from a
report names its day as people write it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.clock import ManualClock
from bot.ids import ActionId
from bot.runtime import Runtime
from bot.standin.driver import SlackDriver
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import ADMIN, JOE, MARIA
from tests.handlers.test_standup import SAM, STANDUP, team  # noqa: F401 (fixture)
from tests.handlers.test_standup_trust import open_modal, report_now, stored, submit


def test_same_as_yesterday_and_none_in_other_words_are_not_blockers(
    team: SlackDriver,  # noqa: F811
    fake_slack: FakeSlack,
    runtime: Runtime,
    clock: ManualClock,
) -> None:
    clock.set(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))  # Mon 2 Mar, 09:00 in Chicago
    submit(
        team, open_modal(team, fake_slack, MARIA), MARIA, ["a", "b", "nothing blocking, all good"]
    )
    submit(team, open_modal(team, fake_slack, SAM), SAM, ["a", "b", "forklift 2 is down"])

    clock.set(datetime(2026, 3, 3, 17, 0, tzinfo=UTC))  # Tue 3 Mar, 11:00 / 09:00
    submit(team, open_modal(team, fake_slack, MARIA), MARIA, ["a", "b", "same as yesterday"])
    submit(team, open_modal(team, fake_slack, SAM), SAM, ["a", "b", "Same as yesterday"])
    submit(team, open_modal(team, fake_slack, JOE), JOE, ["a", "b", "Keine"])
    assert stored(runtime, JOE).blocker is None
    report = report_now(team, "2026-03-03")
    assert "1 blocker" in report
    assert f"<@{SAM}>: Same as yesterday" in report and "since Mon 2 Mar" in report
    assert f"<@{MARIA}>: same as yesterday" not in report and "Keine" not in report


def test_a_report_before_the_reminders_names_everyone_it_leaves_not_due(
    team: SlackDriver,  # noqa: F811
) -> None:
    changed = team.command("/standup", f"config <#{STANDUP}> report=07:00", user=ADMIN)
    text = changed.text()
    assert "Standup updated." in text
    assert (
        "The report at 07:00 comes before the 08:30 reminders (America/Chicago): "
        f'<@{MARIA}> (in that timezone) will show as "not due yet" in it.'
    ) in text
    assert f"<@{SAM}>'s reminder (08:30 America/Los_Angeles" in text

    # Someone joining in the team's own timezone is warned about by name too.
    team.command("/standup", f"remove <@{MARIA}>", user=ADMIN)
    added = team.command("/standup", f"add <@{MARIA}>", user=ADMIN).text()
    assert f'<@{MARIA}> (in that timezone) will show as "not due yet"' in added


def test_an_escalated_blocker_names_its_day(
    team: SlackDriver,  # noqa: F811
    fake_slack: FakeSlack,
) -> None:
    value = json.dumps(
        {
            "blocker": "Forklift 2 down",
            "author": MARIA,
            "channel": STANDUP,
            "link": None,
            "date": "2026-12-07",
        }
    )
    team.click(ActionId.STANDUP_ESCALATE_BLOCKER, user=JOE, value=value, channel=STANDUP)
    modal = fake_slack.wait_for(
        "views.open", lambda c: c["view"]["callback_id"] == "escalation_open"
    )[0]["view"]
    details = next(b for b in modal["blocks"] if b.get("block_id") == "details")
    assert (
        "Blocker from the Mon 7 Dec standup, reported by Maria."
        in (details["element"]["initial_value"])
    )
    assert "2026-12-07" not in ApiCall("view", modal).blocks_text()
