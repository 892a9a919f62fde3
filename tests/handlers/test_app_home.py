"""The App Home tab through the real app: published when opened, its buttons (the escalation
and standup listeners, clicked in a view), refreshed when something it shows changes, and
throttled per person with the injected clock."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.ids import ActionId
from bot.messaging import escalations as escalation_messages
from bot.runtime import Runtime
from bot.services import escalations, huddle, standups
from bot.standin.driver import SlackDriver, form_values
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import ADMIN, JOE, MARIA, OPS_CHANNEL, TEAM, settle

STANDUP = "C0STANDUP"
HUDDLE = "C0HUDDLE"
LATER = timedelta(seconds=10)  # past the refresh interval


@pytest.fixture
def escalated(slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime) -> SlackDriver:
    """Maria has escalated ESC-1 (sev2, Dock door 4 stuck); Joe is on call and owns it."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        escalations.set_channel(session, team_id=TEAM, channel_id=OPS_CHANNEL, now=now)
        escalations.set_chain(session, team_id=TEAM, severity=None, user_ids=[JOE], now=now)
    slack.command("/escalate", "sev2 Dock door 4 stuck", user=MARIA)
    fake_slack.wait_for("chat.postMessage", lambda c: c.get("channel") == JOE)
    return slack


def homes_of(fake_slack: FakeSlack, user: str) -> list[ApiCall]:
    return [c for c in fake_slack.calls_to("views.publish") if c.get("user_id") == user]


def home_of(fake_slack: FakeSlack, user: str, count: int = 1) -> dict[str, Any]:
    """The `count`-th Home tab published for `user` (waiting for it), as Slack stored it."""
    calls = fake_slack.wait_for("views.publish", lambda c: c.get("user_id") == user, count=count)
    assert len(calls) == count, f"{len(calls)} Home tabs published for {user}, expected {count}"
    return calls[-1].answer["view"]  # type: ignore[index]


def text_of(view: dict[str, Any]) -> str:
    return ApiCall("view", {"blocks": view["blocks"]}).blocks_text()


def buttons(view: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, action_id, value) of every button, in order."""
    found = []
    for block in view["blocks"]:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                found.append((element["text"]["text"], element["action_id"], element["value"]))
    return found


def click(slack: SlackDriver, view: dict[str, Any], user: str, label: str, value: str) -> None:
    block = next(
        b
        for b in view["blocks"]
        for e in [*b.get("elements", []), b.get("accessory") or {}]
        if e.get("type") == "button" and e["text"]["text"] == label and e["value"] == value
    )
    element = next(
        e
        for e in [*block.get("elements", []), block.get("accessory") or {}]
        if e.get("type") == "button" and e["text"]["text"] == label
    )
    reply = slack.click(
        element["action_id"], user=user, value=value, view=view, block_id=block["block_id"]
    )
    assert reply.status == 200


def test_opening_the_home_tab_publishes_the_overview(
    escalated: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    now = runtime.clock.now()
    with runtime.db.session() as session:
        standup, _ = standups.configure(
            session,
            team_id=TEAM,
            channel_id=STANDUP,
            user_id=ADMIN,
            now=now,
            remind_at=time(8, 30),
            timezone="America/Chicago",
        )
        standups.join(session, team_id=TEAM, standup_id=standup.id, user_id=MARIA, now=now)
        huddle.configure(
            session,
            team_id=TEAM,
            channel_id=HUDDLE,
            at=time(7, 45),
            tz="America/Chicago",
            days=None,
            default_tz="UTC",
            user_id=ADMIN,
            now=now,
        )
    fake_slack.add_channel(STANDUP, "shift-leads")
    fake_slack.add_channel(HUDDLE, "ops-huddle")

    assert escalated.open_home(user=MARIA).status == 200
    view = home_of(fake_slack, MARIA)
    shown = text_of(view)
    assert view["type"] == "home"
    assert "*ESC-1* · sev2 · open" in shown and "Dock door 4 stuck" in shown
    assert f"Owner <@{JOE}> · you reported it" in shown
    assert ":bar_chart: KPI scoreboard*\n_No data yet" in shown
    assert f"<#{STANDUP}> · Mon 2 Mar: :hourglass: not answered yet (reminder at 08:30" in shown
    # 08:00 UTC is 02:00 in Chicago: the next huddle is today at 07:45 there (13:45 UTC),
    # shown in the viewer's own zone by Slack, with a UTC fallback.
    assert (
        f"<#{HUDDLE}> · <!date^1772459100^{{date_short_pretty}} at {{time}}|Mon 2 Mar 13:45 UTC>"
        in shown
    )
    assert buttons(view) == [
        ("Acknowledge", ActionId.ESCALATION_ACK, "1"),
        ("Resolve", ActionId.ESCALATION_RESOLVE, "1"),
        ("Answer", ActionId.STANDUP_OPEN, str(standup.id)),
    ]

    # Joe owns it; a person with nothing sees the empty sections.
    escalated.open_home(user=JOE)
    assert "You own it · reported by <@UMARIA>" in text_of(home_of(fake_slack, JOE))
    escalated.open_home(user=ADMIN)
    empty = text_of(home_of(fake_slack, ADMIN))
    assert "Nothing open that you own or reported." in empty
    assert "You are not in a standup." in empty


def test_acknowledging_on_the_home_tab_refreshes_the_owners_and_reporters(
    escalated: SlackDriver, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    escalated.open_home(user=MARIA)
    escalated.open_home(user=JOE)
    joes = home_of(fake_slack, JOE)
    home_of(fake_slack, MARIA)
    clock.advance(LATER)

    click(escalated, joes, JOE, "Acknowledge", "1")

    # The escalation's own message and the reporter's DM show it, as from a message button.
    fake_slack.wait_for("chat.update", lambda c: "(acknowledged)" in str(c.get("text")))
    marias = home_of(fake_slack, MARIA, count=2)
    assert "*ESC-1* · sev2 · acknowledged" in text_of(marias)
    assert buttons(marias) == [("Resolve", ActionId.ESCALATION_RESOLVE, "1")]
    assert "You own it" in text_of(home_of(fake_slack, JOE, count=2))


def test_refreshes_are_throttled_per_person_and_the_latest_state_follows(
    escalated: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    escalated.open_home(user=MARIA)
    home_of(fake_slack, MARIA)
    clock.advance(timedelta(seconds=1))

    def change(service: Any, **arguments: Any) -> None:
        now = clock.now()
        with runtime.db.session() as session:
            done = service(session, team_id=TEAM, number=1, user_id=JOE, now=now, **arguments)
            escalation_messages.tell(session, done, now=now)
        settle(runtime)

    change(escalations.acknowledge)  # one second after the publish: it waits
    runtime.scheduler.tick()
    assert len(homes_of(fake_slack, MARIA)) == 1

    clock.advance(timedelta(seconds=4))  # five seconds after the first publish
    runtime.scheduler.tick()
    assert "· acknowledged ·" in text_of(home_of(fake_slack, MARIA, count=2))
    runtime.scheduler.tick()
    change(escalations.resolve)  # one second later: waits again, then shows the latest state
    runtime.scheduler.tick()
    assert len(homes_of(fake_slack, MARIA)) == 2
    clock.advance(timedelta(seconds=5))
    runtime.scheduler.tick()
    runtime.scheduler.tick()
    latest = text_of(home_of(fake_slack, MARIA, count=3))
    assert "Nothing open that you own or reported." in latest
    assert len(homes_of(fake_slack, MARIA)) == 3
    assert homes_of(fake_slack, JOE) == []  # Joe never opened his Home tab


def test_a_stale_button_on_the_home_tab_is_answered_by_dm(
    escalated: SlackDriver, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    escalated.open_home(user=MARIA)
    marias = home_of(fake_slack, MARIA)
    escalated.command("/escalate", "ack ESC-1", user=JOE)
    fake_slack.wait_for("chat.update", lambda c: "(acknowledged)" in str(c.get("text")))

    click(escalated, marias, MARIA, "Acknowledge", "1")

    [answer] = fake_slack.wait_for(
        "chat.postMessage",
        lambda c: c.get("channel") == MARIA and "already acknowledged" in c.blocks_text(),
    )
    assert "ESC-1 is already acknowledged, so it cannot be acknowledged." in answer.blocks_text()


def test_resolving_from_the_home_tab_opens_the_form_and_empties_the_list(
    escalated: SlackDriver, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    escalated.open_home(user=JOE)
    joes = home_of(fake_slack, JOE)
    clock.advance(LATER)

    click(escalated, joes, JOE, "Resolve", "1")
    form = fake_slack.wait_for("views.open")[-1]["view"]
    reply = escalated.submit(
        form, form_values(form, {"cause": "equipment", "note": "Door reset"}), user=JOE
    )
    assert reply.status == 200

    assert "Nothing open that you own or reported." in text_of(home_of(fake_slack, JOE, count=2))
    fake_slack.wait_for("chat.update", lambda c: "(resolved)" in str(c.get("text")))


def test_answering_the_standup_from_the_home_tab_marks_it_answered(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    now = clock.now()
    with runtime.db.session() as session:
        standup, _ = standups.configure(
            session,
            team_id=TEAM,
            channel_id=STANDUP,
            user_id=ADMIN,
            now=now,
            remind_at=time(8, 30),
        )
        standups.join(session, team_id=TEAM, standup_id=standup.id, user_id=JOE, now=now)
    fake_slack.add_channel(STANDUP, "shift-leads")
    slack.open_home(user=JOE)
    joes = home_of(fake_slack, JOE)
    clock.advance(LATER)

    click(slack, joes, JOE, "Answer", str(standup.id))
    form = fake_slack.wait_for("views.open")[-1]["view"]
    answers = ["Cycle count", "Receiving audit", "none"]
    values = form_values(
        form, {f"{ActionId.STANDUP_ANSWER_INPUT}_{i}": text for i, text in enumerate(answers)}
    )
    assert slack.submit(form, values, user=JOE).status == 200

    refreshed = home_of(fake_slack, JOE, count=2)
    assert ":white_check_mark: answered" in text_of(refreshed)
    assert buttons(refreshed) == [("Edit answer", ActionId.STANDUP_OPEN, str(standup.id))]


def test_an_escalation_moving_up_the_chain_leaves_one_home_tab_for_the_next(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    now = clock.now()
    with runtime.db.session() as session:
        escalations.set_chain(session, team_id=TEAM, severity=None, user_ids=[JOE, ADMIN], now=now)
        escalations.open_escalation(
            session,
            team_id=TEAM,
            reporter_id=MARIA,
            summary="Conveyor 2 down",
            details="",
            severity="sev2",
            now=now,
        )
    slack.open_home(user=JOE)
    slack.open_home(user=ADMIN)
    assert "Conveyor 2 down" in text_of(home_of(fake_slack, JOE))
    assert "Conveyor 2 down" not in text_of(home_of(fake_slack, ADMIN))

    clock.advance(timedelta(minutes=15))  # the sev2 deadline: the SLA job pages level 2
    runtime.scheduler.tick()

    assert "Nothing open that you own or reported." in text_of(home_of(fake_slack, JOE, 2))
    assert "You own it · reported by <@UMARIA>" in text_of(home_of(fake_slack, ADMIN, 2))


def test_a_failing_home_tab_button_is_answered_by_dm(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    now = runtime.clock.now()
    with runtime.db.session() as session:
        standup, _ = standups.configure(
            session, team_id=TEAM, channel_id=STANDUP, user_id=ADMIN, now=now, remind_at=time(8, 30)
        )
        standups.join(session, team_id=TEAM, standup_id=standup.id, user_id=JOE, now=now)
    slack.open_home(user=JOE)
    joes = home_of(fake_slack, JOE)
    with runtime.db.session() as session:
        standups.leave(session, team_id=TEAM, standup_id=standup.id, user_id=JOE)

    click(slack, joes, JOE, "Answer", str(standup.id))

    # The one error handler has no response_url to answer under a view: it DMs the clicker.
    [answer] = fake_slack.wait_for("chat.postMessage", lambda c: c.get("channel") == JOE)
    assert "You are not in that standup." in answer.blocks_text()
