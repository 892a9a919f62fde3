"""Causes come from the workspace's list (an unknown one is questioned, never added), and an
acknowledged escalation left unresolved past its resolve target is raised with its owner once."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.standin.driver import SlackDriver
from bot.standin.server import FakeSlack
from tests.conftest import ADMIN, JOE, MARIA, OPS_CHANNEL
from tests.handlers.test_escalate import REPORTER, configure, dms_to


def test_an_unknown_cause_gets_did_you_mean_and_creates_nothing(
    slack: SlackDriver, runtime: Runtime
) -> None:
    configure(runtime, chain=(JOE,))
    slack.command("/escalate", "sev3 Forklift 3 brakes soft", user=REPORTER)
    refused = slack.command("/escalate", "resolve ESC-1 cause=equipmnt pads changed", user=JOE)
    assert "`equipmnt` is not one of this workspace's causes. Did you mean `equipment`" in (
        refused.text()
    )
    assert "open" in slack.command("/escalate", "show ESC-1", user=JOE).text().lower()
    slack.command("/escalate", "config causes brakes,tyres,staffing", user=ADMIN)
    done = slack.command("/escalate", "resolve ESC-1 cause=brakes pads changed", user=JOE)
    assert "(cause: brakes)" in done.text()
    stats = slack.command("/escalate", "stats 7d", user=JOE).text()
    assert "brakes" in stats and "equipmnt" not in stats


def test_an_acknowledged_escalation_past_its_resolve_target_is_raised_once(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    configure(runtime, chain=(JOE,))
    slack.command("/escalate", "sev1 Sprinkler valve leaking", user=REPORTER)
    slack.command("/escalate", "ack ESC-1 on it", user=JOE)
    clock.advance(timedelta(hours=3, minutes=59))
    runtime.scheduler.tick()

    def raised(user: str) -> list[str]:
        return [t for t in dms_to(fake_slack, user) if "resolve target" in t]

    assert raised(JOE) == []
    clock.advance(timedelta(minutes=1))
    runtime.scheduler.tick()
    assert len(raised(JOE)) == 1
    assert raised(REPORTER) == [] and raised(MARIA) == []
    lines = [m["text"] for m in fake_slack.messages_in(OPS_CHANNEL) if m.get("thread_ts")]
    assert any("overdue" in line for line in lines)
    clock.advance(timedelta(days=2))
    runtime.scheduler.tick()
    assert len(raised(JOE)) == 1  # once per acknowledgement
