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
    shown = slack.command("/escalate", "show ESC-1", user=JOE).text()
    assert "Resolve target: <!date^" in shown and "its owner is told once" in shown
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


def test_the_next_huddle_raises_it_once(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    configure(runtime, chain=(JOE,))
    slack.command("/huddle", "config <#C0HUDDLE|huddle> time=09:00 tz=UTC", user=ADMIN)
    slack.command("/escalate", "sev3 Dock 4 leveller slow", user=REPORTER)
    slack.command("/escalate", "ack ESC-1 on it", user=JOE)
    clock.advance(timedelta(days=3))  # past the 3-day resolve target of a sev3
    runtime.scheduler.tick()
    preview = slack.command("/huddle", "preview", user=ADMIN, channel="C0HUDDLE").text()
    assert "acknowledged but past its resolve target" in preview
    clock.set(clock.now().replace(hour=9, minute=0))  # that day's huddle
    runtime.scheduler.tick()
    [posted] = [m for m in fake_slack.messages_in("C0HUDDLE") if not m.get("thread_ts")]
    assert "past its resolve target" in str(posted["blocks"])
    clock.advance(timedelta(hours=1))
    later = slack.command("/huddle", "preview", user=ADMIN, channel="C0HUDDLE").text()
    assert "past its resolve target" not in later


def test_an_open_sev1_past_its_resolve_target_stays_first_in_every_huddle(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    configure(runtime, chain=(JOE,))
    slack.command("/huddle", "config <#C0HUDDLE|huddle> time=09:00 tz=UTC", user=ADMIN)
    slack.command("/escalate", "sev1 Sprinkler valve leaking", user=REPORTER)
    slack.command("/escalate", "ack ESC-1 on it", user=JOE)
    clock.advance(timedelta(hours=4))  # 12:00 UTC: past the 4-hour resolve target
    runtime.scheduler.tick()
    clock.set(clock.now().replace(hour=9, minute=0) + timedelta(days=1))
    runtime.scheduler.tick()
    clock.advance(timedelta(hours=1))
    later = slack.command("/huddle", "preview", user=ADMIN, channel="C0HUDDLE").text()
    attention = later[later.index("Needs attention") :]
    assert "ESC-1" in attention and "past its resolve target" in attention


def test_show_says_when_an_unacknowledged_one_is_next_chased(
    slack: SlackDriver, runtime: Runtime, clock: ManualClock
) -> None:
    configure(runtime, chain=(JOE,))
    slack.command("/escalate", "sev1 Ammonia alarm", user=REPORTER)
    assert (
        "it moves up the chain: <!date^"
        in slack.command("/escalate", "show ESC-1", user=JOE).text()
    )
    clock.advance(timedelta(minutes=5))
    runtime.scheduler.tick()
    shown = slack.command("/escalate", "show ESC-1", user=JOE).text()
    assert "the channel is reminded next <!date^" in shown
    assert "further apart each time" in shown
