"""`:shortcut N`: Slack's "Escalate message" message shortcut on a message the console
showed, its modal asked field by field, and the escalation it opens."""

from __future__ import annotations

from sqlalchemy import select

from bot.demo import DEMO_TEAM
from bot.models import Escalation
from tests.console.conftest import ScriptedConsole

ALERT = "pick-rate is off target and out of control"
USAGE = "Usage: :shortcut N, with N counting the messages shown last from the top"


def escalations_about(console: ScriptedConsole, summary: str) -> list[Escalation]:
    with console.workspace.runtime.db.session() as session:
        found = session.scalars(
            select(Escalation).where(Escalation.team_id == DEMO_TEAM, Escalation.summary == summary)
        ).all()
        session.expunge_all()
        return list(found)


def test_shortcut_escalates_a_shown_message_with_a_link_to_it(console: ScriptedConsole) -> None:
    shown = console.run("/kpi record pick-rate 120")
    # The reply only Maria sees comes first but has no shortcuts: the alert is message 1.
    assert shown.index("▸ Only visible to you") < shown.index("▸ #ops-kpis\n")
    assert "(now: 1 #ops-kpis, " in console.run(":shortcut")

    shown = console.run(
        ":shortcut 1",
        "",  # the summary, pre-filled from the message: kept
        "",  # no details
        "2",  # sev2
        "",  # the assignee: whoever is on call
    )
    assert "▸ Modal “Escalate an issue”" in shown
    assert f"Summary [{ALERT}]: " in shown
    assert "From this message (https://opsbot-demo.slack.com/archives/C0KPI/p" in shown
    assert f"opened (sev2 · high): {ALERT}" in shown
    [escalation] = escalations_about(console, ALERT)
    assert escalation.severity == "sev2" and escalation.reporter_id == "UMARIA"
    assert (escalation.source_link or "").startswith(
        "https://opsbot-demo.slack.com/archives/C0KPI/p"
    )


def test_bad_input_gets_a_one_line_usage(console: ScriptedConsole) -> None:
    shown = console.run(":shortcut", ":shortcut 99", ":shortcut x", ":shortcut 0")
    usages = [line for line in shown.splitlines() if line.startswith(USAGE)]
    assert len(usages) == 4
    assert usages[0].endswith("(now: none).")
    console.run("/kpi record pick-rate 120")
    shown = console.run(":shortcut 99")
    assert shown.count("\n") == 1 and USAGE in shown and "1 #ops-kpis" in shown
    assert "Modal" not in shown


def test_closing_the_modal_opens_nothing(console: ScriptedConsole) -> None:
    console.run("/kpi record pick-rate 120")
    shown = console.run(":shortcut 1", ":cancel")
    assert "(closed without submitting)" in shown
    assert escalations_about(console, ALERT) == []
