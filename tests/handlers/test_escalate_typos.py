"""Typos never page anyone: a near-miss first word gets "Did you mean …?" and opens nothing
until the person says so; severity changes and cancellation, through signed requests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.models import Escalation
from bot.runtime import Runtime
from bot.services import escalations
from bot.standin.driver import Reply, SlackDriver
from bot.standin.server import FakeSlack
from tests.conftest import ADMIN, JOE, MARIA, OPS_CHANNEL, TEAM
from tests.handlers.test_escalate import REPORTER, configure, dms_to


def opened(runtime: Runtime) -> int:
    with runtime.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Escalation)) or 0)


def buttons(reply: Reply) -> list[dict[str, Any]]:
    return next(b for b in reply.json["blocks"] if b["type"] == "actions")["elements"]


def test_typos_open_nothing_and_page_nobody(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack
) -> None:
    configure(runtime, chain=(JOE,))
    for text, suggestion in (
        ("asign ESC-62 <@UMARIA>", "`/escalate assign`"),
        ("upgrade ESC-65 sev1", "`/escalate severity`"),
        ("sev5 Freezer door", "`sev4`"),
        ("sev 2 Dock door 4 stuck", "`sev2`"),
        ("lsit", "`/escalate list`"),
    ):
        reply = slack.command("/escalate", text, user=MARIA)
        assert f"Did you mean {suggestion}?" in reply.text(), text
        assert "nothing was opened and nobody was paged" in reply.text()
    assert opened(runtime) == 0
    assert fake_slack.calls_to("chat.postMessage") == []


def test_sev1_with_a_colon_is_a_sev1(slack: SlackDriver, runtime: Runtime) -> None:
    configure(runtime, chain=(JOE,))
    reply = slack.command("/escalate", "sev1: Fire alarm in zone B", user=MARIA)
    assert "*ESC-1* opened (sev1 · critical): Fire alarm in zone B" in reply.text()
    reply = slack.command("/escalate", "P2 Conveyor 2 slow", user=MARIA)
    assert "*ESC-2* opened (sev2 · high): Conveyor 2 slow" in reply.text()


def test_open_as_the_guess_or_anyway_from_the_buttons(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack
) -> None:
    configure(runtime, chain=(JOE,))
    reply = slack.command("/escalate", "sev 2 Dock door 4 stuck", user=MARIA)
    open_as, anyway = buttons(reply)
    assert open_as["text"]["text"] == "Open as sev2 (high)"
    assert anyway["text"]["text"] == "Open anyway (sev3)"
    slack.click(open_as["action_id"], user=MARIA, value=open_as["value"], channel=OPS_CHANNEL)
    [answer] = fake_slack.calls_to("response_url")
    assert "*ESC-1* opened (sev2 · high): Dock door 4 stuck" in answer.blocks_text()
    again = slack.click(
        open_as["action_id"], user=MARIA, value=open_as["value"], channel=OPS_CHANNEL
    )
    assert again.status == 200
    assert opened(runtime) == 1  # a double click opens it once

    reply = slack.command("/escalate", "asign the night shift to dock 5", user=MARIA)
    [anyway] = buttons(reply)
    slack.click(anyway["action_id"], user=MARIA, value=anyway["value"], channel=OPS_CHANNEL)
    assert "(sev3 · medium): asign the night shift to dock 5" in (
        fake_slack.calls_to("response_url")[-1].blocks_text()
    )
    assert len([t for t in dms_to(fake_slack, JOE) if "You are on call" in t]) == 2


def test_raising_the_severity_pages_level_one_of_its_chain_with_its_deadline(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    configure(runtime, chain=(JOE,))
    with runtime.db.session() as session:
        escalations.set_chain(
            session, team_id=TEAM, severity="sev1", user_ids=[ADMIN], now=clock.now()
        )
    slack.command("/escalate", "Freezer 2 door alarm", user=REPORTER)
    clock.advance(timedelta(minutes=10))
    reply = slack.command("/escalate", "severity ESC-1 sev1", user=MARIA)
    assert "changed the severity (sev3 → sev1)" in reply.text()
    assert any("You are on call for *ESC-1* (sev1" in t for t in dms_to(fake_slack, ADMIN))
    with runtime.db.session() as session:
        escalation = escalations.get_escalation(session, team_id=TEAM, number=1)
        assert (escalation.severity, escalation.assignee_id) == ("sev1", ADMIN)
        assert escalation.ack_due_at == clock.now() + timedelta(minutes=5)
    lowered = slack.command("/escalate", "severity ESC-1 low", user=MARIA).text()
    assert "(sev1 → sev4)" in lowered
    assert "is already sev4" in slack.command("/escalate", "severity ESC-1 sev4", user=MARIA).text()
    assert "Usage" in slack.command("/escalate", "severity ESC-1 sev9", user=MARIA).text()


def test_a_cancelled_escalation_stops_paging_and_leaves_stats_and_lists(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    configure(runtime, chain=(JOE, MARIA))
    slack.command("/escalate", "sev1 Ammonia alarm in cold store", user=REPORTER)
    slack.command("/escalate", "sev1 Ammonia alarm cold store", user=REPORTER)
    denied = slack.command("/escalate", "cancel ESC-2 duplicate=ESC-1", user=MARIA).text()
    assert "Only the reporter, the owner or an admin can cancel ESC-2." in denied
    done = slack.command("/escalate", "cancel ESC-2 duplicate=ESC-1 same alarm", user=REPORTER)
    assert "Cancelled by" in done.text() and "Duplicate of ESC-1. same alarm" in done.text()
    clock.advance(timedelta(hours=2))
    runtime.scheduler.tick()
    assert not any("ESC-2" in t for t in dms_to(fake_slack, MARIA))
    listed = slack.command("/escalate", "list", user=MARIA).text()
    assert "ESC-1" in listed and "ESC-2" not in listed
    assert "ESC-2" in slack.command("/escalate", "list all", user=MARIA).text()
    stats = slack.command("/escalate", "stats 7d", user=MARIA).text()
    with runtime.db.session() as session:
        figures = escalations.escalation_stats(session, team_id=TEAM, days=7, now=clock.now())
    assert figures.total.count == 1, stats
    card = next(m for m in fake_slack.messages_in(OPS_CHANNEL) if "ESC-2" in m["text"])
    assert "(cancelled)" in card["text"]
    again = slack.command("/escalate", "cancel ESC-2", user=REPORTER).text()
    assert "already cancelled" in again


def test_severity_and_cancel_from_the_escalation_message(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack
) -> None:
    configure(runtime, chain=(JOE,))
    slack.command("/escalate", "Dock door 4 stuck", user=REPORTER)
    [card] = [m for m in fake_slack.messages_in(OPS_CHANNEL) if not m["thread_ts"]]
    controls = next(b for b in card["blocks"] if b["type"] == "actions")
    kinds = [element["action_id"] for element in controls["elements"]]
    assert kinds[-2:] == ["escalation_severity", "escalation_cancel"]
    slack.click(
        "escalation_severity",
        user=JOE,
        selected={"selected_option": {"value": "sev2"}},
        channel=OPS_CHANNEL,
        message=card,
        block_id=controls["block_id"],
    )
    with runtime.db.session() as session:
        assert escalations.get_escalation(session, team_id=TEAM, number=1).severity == "sev2"
    denied = slack.click(
        "escalation_cancel", user=MARIA, value="1", channel=OPS_CHANNEL, message=card
    )
    assert denied.status == 200
    assert (
        "Only the reporter, the owner or an admin"
        in fake_slack.calls_to("response_url")[-1].blocks_text()
    )
    slack.click("escalation_cancel", user=REPORTER, value="1", channel=OPS_CHANNEL, message=card)
    [card] = [m for m in fake_slack.messages_in(OPS_CHANNEL) if not m["thread_ts"]]
    assert "(cancelled)" in card["text"]
    assert not any(b["type"] == "actions" for b in card["blocks"])


def test_a_cancelled_escalation_is_left_out_of_the_huddle(
    slack: SlackDriver, runtime: Runtime
) -> None:
    configure(runtime, chain=(JOE,))
    slack.command("/huddle", "config <#C0HUDDLE|huddle> time=09:00 tz=UTC", user=ADMIN)
    slack.command("/escalate", "sev1 Ammonia alarm in cold store", user=REPORTER)
    slack.command("/escalate", "sev1 Ammonia alarm again", user=REPORTER)
    slack.command("/escalate", "cancel ESC-2 duplicate=ESC-1", user=REPORTER)
    huddle = slack.command("/huddle", "preview", user=ADMIN, channel="C0HUDDLE").text()
    assert "ESC-1" in huddle and "ESC-2" not in huddle


def test_the_huddle_keeps_mentions_typed_in_a_summary(slack: SlackDriver, runtime: Runtime) -> None:
    configure(runtime, chain=(JOE,))
    slack.command("/huddle", "config <#C0HUDDLE|huddle> time=09:00 tz=UTC", user=ADMIN)
    slack.command(
        "/escalate", "sev1 Dock door 4 stuck, <@UMARIA|maria> please check <!channel>", user=JOE
    )
    huddle = slack.command("/huddle", "preview", user=ADMIN, channel="C0HUDDLE").text()
    assert "<@UMARIA> please check &lt;!channel&gt;" in huddle
