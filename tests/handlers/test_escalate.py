"""/escalate, the escalation message and its buttons, DMs, the shortcut and the SLA
timers, through the real app with signed requests and a fake Slack over HTTP."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from bot.app import build_runtime
from bot.clock import ManualClock
from bot.config import load_settings
from bot.runtime import Runtime
from bot.services import escalations
from bot.standin.driver import SlackDriver, form_values
from bot.standin.server import ApiCall, FakeSlack
from tests.conftest import ADMIN, JOE, MARIA, OPS_CHANNEL, SIGNING_SECRET, TEAM

REPORTER = "UREPORTER"


def configure(
    runtime: Runtime, *, channel: str | None = OPS_CHANNEL, chain: tuple[str, ...] = ()
) -> None:
    now = runtime.clock.now()
    with runtime.db.session() as session:
        if channel:
            escalations.set_channel(session, team_id=TEAM, channel_id=channel, now=now)
        if chain:
            escalations.set_chain(session, team_id=TEAM, severity=None, user_ids=chain, now=now)


def channel_message(fake_slack: FakeSlack, number: int = 1) -> dict[str, Any]:
    """The escalation's one top-level message in the channel, as it stands now."""
    fake_slack.wait_for(
        "chat.postMessage",
        lambda c: (
            c.get("channel") == OPS_CHANNEL
            and not c.get("thread_ts")
            and f"ESC-{number} " in str(c.get("text"))
        ),
    )
    found = [
        m
        for m in fake_slack.messages_in(OPS_CHANNEL)
        if not m.get("thread_ts") and f"ESC-{number} " in m["text"]
    ]
    assert len(found) == 1, found
    return found[0]


def message_text(message: dict[str, Any]) -> str:
    return ApiCall("message", message).blocks_text()


def thread(fake_slack: FakeSlack, message: dict[str, Any]) -> list[str]:
    return [
        message_text(m)
        for m in fake_slack.messages_in(OPS_CHANNEL)
        if m.get("thread_ts") == message["ts"]
    ]


def dms_to(fake_slack: FakeSlack, user: str) -> list[str]:
    return [message_text(m) for m in fake_slack.messages_in(user)]


def wait_for_post(fake_slack: FakeSlack, channel: str, needle: str, count: int = 1) -> None:
    fake_slack.wait_for(
        "chat.postMessage",
        lambda c: c.get("channel") in (channel, "D" + channel[1:]) and needle in c.blocks_text(),
        count=count,
    )


# -- opening ---------------------------------------------------------------------------------


def test_command_opens_posts_the_message_and_pages_level_one(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    configure(runtime, chain=(JOE, ADMIN))
    reply = slack.command("/escalate", "sev2 Dock door 4 stuck open", user=MARIA)
    assert "ESC-1" in reply.text() and "Dock door 4 stuck open" in reply.text()
    assert "Posted in <#C0OPS>" in reply.text()

    wait_for_post(fake_slack, OPS_CHANNEL, "Opened by")
    wait_for_post(fake_slack, JOE, "You are on call")
    message = channel_message(fake_slack)
    shown = message_text(message)
    assert "SEV2 · ESC-1" in shown and "Dock door 4 stuck open" in shown
    assert "<@UJOE> (level 1)" in shown and "ack due in 15m" in shown
    actions = next(b for b in message["blocks"] if b["type"] == "actions")
    assert [e.get("text", {}).get("text") for e in actions["elements"]][:2] == [
        "Acknowledge",
        "Resolve",
    ]
    assert "paging level 1: <@UJOE>" in thread(fake_slack, message)[0]
    assert dms_to(fake_slack, ADMIN) == []

    second = slack.command("/escalate", "Forklift 7 battery dead", user=MARIA)
    assert "ESC-2" in second.text() and "sev3" in second.text()


def test_without_a_channel_it_is_posted_where_it_was_opened_and_the_reply_says_how(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    configure(runtime, channel=None, chain=(JOE,))
    reply = slack.command("/escalate", "sev1 Conveyor 2 down", user=MARIA, channel="C0FLOOR")
    assert "ESC-1" in reply.text()
    assert "Posted in <#C0FLOOR> (no escalation channel is set" in reply.text()
    assert "`/escalate config channel #channel`" in reply.text()
    wait_for_post(fake_slack, JOE, "You are on call for *ESC-1*")
    listed = slack.command("/escalate", "list", user=MARIA).text()
    assert "ESC-1" in listed and "Conveyor 2 down" in listed
    assert [m["text"] for m in fake_slack.messages_in("C0FLOOR") if not m["thread_ts"]] == [
        "SEV1 ESC-1 (open): Conveyor 2 down"
    ]


def test_with_nothing_configured_the_admins_are_paged_and_told_how(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    slack.command("/ops", "status", user=ADMIN)  # Opsbot learns that ADMIN is an admin
    reply = slack.command("/escalate", "sev1 Fire alarm zone B", user=MARIA, channel="C0FLOOR")
    assert "Owner: <@UADMIN> (no on-call chain is set for sev1, so an admin is paged" in (
        reply.text()
    )
    wait_for_post(fake_slack, ADMIN, "You are on call for *ESC-1*")
    thread = [m for m in fake_slack.messages_in("C0FLOOR") if m["thread_ts"]]
    assert "/escalate config oncall" in thread[0]["blocks"][0]["text"]["text"]


def test_modal_opens_an_escalation_with_details_and_assignee(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    configure(runtime, chain=(JOE,))
    reply = slack.command("/escalate", "", user=MARIA)
    assert reply.status == 200 and reply.body == b""
    # Slack sends the same view id with every submission of one modal.
    view = {**fake_slack.wait_for("views.open")[0]["view"], "id": "VMODAL1"}
    too_long = slack.submit(view, form_values(view, {"summary": "x" * 151}), user=MARIA)
    assert too_long.json["response_action"] == "errors"
    assert "the limit is 150" in too_long.json["errors"]["summary"]

    answers = {
        "summary": "Cold room 2 at 9°C",
        "details": "Door seal torn; product at risk.",
        "severity": "sev1",
        "assignee": ADMIN,
    }
    done = slack.submit(view, form_values(view, answers), user=MARIA)
    assert done.status == 200
    wait_for_post(fake_slack, MARIA, "ESC-1")
    # The assignee chosen in the form is paged first and owns it; level 1 waits its turn.
    wait_for_post(fake_slack, ADMIN, "You are on call")
    assert dms_to(fake_slack, JOE) == []
    shown = message_text(channel_message(fake_slack))
    assert "SEV1 · ESC-1" in shown and "Door seal torn" in shown and "<@UADMIN>" in shown

    again = slack.submit(view, form_values(view, answers), user=MARIA)
    assert again.status == 200
    listed = slack.command("/escalate", "list all", user=MARIA).text()
    assert "ESC-1" in listed and "ESC-2" not in listed


def test_message_shortcut_prefills_the_modal_with_text_and_permalink(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    configure(runtime)
    original = {"ts": "1700000100.000200", "user": JOE, "text": "Trailer 12 &lt;late&gt; again"}
    reply = slack.message_shortcut(
        "escalate_message", user=MARIA, channel="C0GENERAL", message=original
    )
    assert reply.status == 200
    view = fake_slack.wait_for("views.open")[0]["view"]
    summary = next(b for b in view["blocks"] if b.get("block_id") == "summary")
    assert summary["element"]["initial_value"] == "Trailer 12 <late> again"
    assert "archives/C0GENERAL/p1700000100000200" in view["private_metadata"]

    prefilled = {"summary": summary["element"]["initial_value"], "severity": "sev2"}
    slack.submit(view, form_values(view, prefilled), user=MARIA)
    wait_for_post(fake_slack, MARIA, "ESC-1")
    shown = message_text(channel_message(fake_slack))
    assert "Trailer 12 &lt;late&gt; again" in shown
    assert (
        "<https://opsbot-demo.slack.com/archives/C0GENERAL/p1700000100000200|this message>" in shown
    )


def test_dm_opens_once_even_when_slack_retries_the_event(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    configure(runtime, chain=(JOE,))
    first = slack.dm("escalate sev1 Sorter jammed, lane 3", user=MARIA, event_id="EvDM1")
    retry = slack.dm(
        "escalate sev1 Sorter jammed, lane 3", user=MARIA, event_id="EvDM1", retry_num=1
    )
    assert first.status == 200 and retry.status == 200
    wait_for_post(fake_slack, MARIA, "ESC-1")
    wait_for_post(fake_slack, JOE, "You are on call")
    slack.dm("sev4 Label printer low on ribbon", user=MARIA)
    wait_for_post(fake_slack, MARIA, "ESC-2")
    listed = slack.command("/escalate", "list", user=MARIA).text()
    assert "ESC-1" in listed and "ESC-2" in listed and "ESC-3" not in listed
    assert "sev1" in listed and "Sorter jammed, lane 3" in listed
    wait_for_post(fake_slack, JOE, "You are on call", count=2)


def test_other_dms_get_help_and_an_escalate_this_button_that_opens_the_form(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    configure(runtime)
    slack.dm("The dock 5 leveller is making a grinding noise", user=MARIA)
    call = fake_slack.wait_for("chat.postMessage", lambda c: "Escalate this" in c.blocks_text())[0]
    assert "escalate Dock door 4 stuck open" in call.blocks_text()
    button = next(b for b in call["blocks"] if b["type"] == "actions")["elements"][0]
    slack.click(button["action_id"], user=MARIA, value=button["value"], channel="DMARIA")
    # Slack sends the same view id with every submission of one modal.
    view = {**fake_slack.wait_for("views.open")[0]["view"], "id": "VDMHELP1"}
    summary = next(b for b in view["blocks"] if b.get("block_id") == "summary")
    assert summary["element"]["initial_value"] == "The dock 5 leveller is making a grinding noise"
    assert "ESC-1" not in slack.command("/escalate", "list all", user=MARIA).text()

    answers = {"summary": summary["element"]["initial_value"], "severity": "sev2"}
    slack.submit(view, form_values(view, answers), user=MARIA)
    wait_for_post(fake_slack, MARIA, "ESC-1")
    shown = message_text(channel_message(fake_slack))
    assert "SEV2 · ESC-1" in shown and "grinding noise" in shown
    # A second click opens a second form; the first form, submitted again, opens nothing.
    slack.click(button["action_id"], user=MARIA, value=button["value"], channel="DMARIA")
    assert len(fake_slack.wait_for("views.open", count=2)) == 2
    slack.submit(view, form_values(view, answers), user=MARIA)
    assert "ESC-2" not in slack.command("/escalate", "list all", user=MARIA).text()


def test_summary_limit_and_hostile_text(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    configure(runtime)
    refused = slack.command("/escalate", "sev2 " + "y" * 151, user=MARIA).text()
    assert "151 characters; the limit is 150" in refused
    hostile = "<!channel> see <https://evil.example|your bank> & <@UADMIN>"
    reply = slack.command("/escalate", hostile, user=MARIA)
    assert "&lt;!channel&gt;" in reply.text() and "<!channel>" not in reply.text()
    wait_for_post(fake_slack, OPS_CHANNEL, "Opened by")
    shown = message_text(channel_message(fake_slack))
    # A mention typed in the summary stays a mention; nothing else becomes a ping or a link.
    assert "&lt;!channel&gt; see &lt;https://evil.example|your bank&gt; &amp; <@UADMIN>" in shown
    assert "<!channel>" not in shown and "<https://evil" not in shown
    slack.command("/escalate", "resolve ESC-1 cause=system <!here> fixed", user=MARIA)
    wait_for_post(fake_slack, OPS_CHANNEL, "Resolved by")
    assert "&lt;!here&gt; fixed" in message_text(channel_message(fake_slack))


# -- lifecycle -------------------------------------------------------------------------------


def test_ack_resolve_reopen_assign_by_command_update_message_thread_and_dms(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    configure(runtime, chain=(JOE,))
    slack.command("/escalate", "sev3 Wave 14 short-picked", user=REPORTER)
    wait_for_post(fake_slack, OPS_CHANNEL, "Opened by")

    acked = slack.command("/escalate", "ack esc-1 on my way", user=JOE)
    assert "Acknowledged by <@UJOE>" in acked.text() and "on my way" in acked.text()
    fake_slack.wait_for("chat.update")
    assert "Acknowledged" in message_text(channel_message(fake_slack))
    wait_for_post(fake_slack, REPORTER, "Acknowledged by <@UJOE>")
    again = slack.command("/escalate", "ack ESC-1", user=ADMIN)
    assert "already acknowledged" in again.text()

    assigned = slack.command("/escalate", "assign ESC-1 <@UMARIA|maria>", user=JOE)
    assert "assigned it to <@UMARIA>" in assigned.text()
    # The new owner is paged and must acknowledge it: it is open again.
    wait_for_post(fake_slack, MARIA, "You are on call for *ESC-1*")
    assert "Open" in message_text(channel_message(fake_slack))

    resolved = slack.command("/escalate", "resolve ESC-1 cause=Inventory Recount done", user=MARIA)
    assert "Resolved by <@UMARIA> (cause: inventory)" in resolved.text()
    fake_slack.wait_for("chat.update", count=3)
    shown = message_text(channel_message(fake_slack))
    assert "Resolved by <@UMARIA>" in shown and "inventory" in shown and "Recount done" in shown

    reopened = slack.command("/escalate", "reopen ESC-1 came back", user=REPORTER)
    assert "Reopened by <@UREPORTER>" in reopened.text()
    wait_for_post(fake_slack, OPS_CHANNEL, "Reopened by")
    assert "Open" in message_text(channel_message(fake_slack))
    lines = thread(fake_slack, channel_message(fake_slack))
    assert [line.split("\n")[1].split(" ")[0] for line in lines] == [
        ":rotating_light:",
        ":white_check_mark:",
        ":bust_in_silhouette:",
        ":tada:",
        ":leftwards_arrow_with_hook:",
    ]

    shown = slack.command("/escalate", "show ESC-1", user=MARIA).text()
    for needle in ("Opened by", "Acknowledged by", "assigned it to", "Resolved by", "Reopened by"):
        assert needle in shown
    assert "There is no ESC-9" in slack.command("/escalate", "show ESC-9", user=MARIA).text()
    bad = slack.command("/escalate", "ack banana", user=MARIA).text()
    assert "not an escalation id" in bad and "Usage: `/escalate ack ESC-&lt;n&gt; [note]`" in bad


def test_buttons_ack_once_reassign_resolve_with_modal_and_reopen(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime
) -> None:
    configure(runtime, chain=(JOE,))
    slack.command("/escalate", "sev2 Yard truck 3 flat tyre", user=REPORTER)
    wait_for_post(fake_slack, OPS_CHANNEL, "Opened by")
    message = channel_message(fake_slack)

    slack.click("escalation_ack", user=JOE, value="1", channel=OPS_CHANNEL, message=message)
    slack.click("escalation_ack", user=JOE, value="1", channel=OPS_CHANNEL, message=message)
    fake_slack.wait_for("response_url", lambda c: "already acknowledged" in c.blocks_text())
    wait_for_post(fake_slack, OPS_CHANNEL, "Acknowledged by")
    acks = [t for t in thread(fake_slack, message) if "Acknowledged by" in t]
    assert len(acks) == 1
    shown = slack.command("/escalate", "show ESC-1", user=MARIA).text()
    assert shown.count("Acknowledged by") == 1

    message = channel_message(fake_slack)
    slack.click(
        "escalation_reassign",
        user=JOE,
        selected={"selected_user": MARIA},
        channel=OPS_CHANNEL,
        message=message,
        block_id="escalation_actions_1",
    )
    wait_for_post(fake_slack, MARIA, "You are on call for *ESC-1*")

    slack.click("escalation_resolve", user=MARIA, value="1", channel=OPS_CHANNEL, message=message)
    view = fake_slack.wait_for("views.open")[0]["view"]
    assert view["title"]["text"] == "Resolve ESC-1"
    slack.submit(
        view, form_values(view, {"cause": "equipment", "note": "Tyre replaced"}), user=MARIA
    )
    wait_for_post(fake_slack, REPORTER, "Resolved by <@UMARIA> (cause: equipment)")
    message = channel_message(fake_slack)
    assert "Tyre replaced" in message_text(message)
    assert [
        e["text"]["text"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ] == ["Reopen"]

    slack.click("escalation_reopen", user=REPORTER, value="1", channel=OPS_CHANNEL, message=message)
    wait_for_post(fake_slack, MARIA, "Reopened by <@UREPORTER>")
    assert "Acknowledge" in message_text(channel_message(fake_slack))


# -- SLA timers ------------------------------------------------------------------------------


def test_unacknowledged_escalation_climbs_the_chain_then_reminds_the_channel(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    configure(runtime, chain=(JOE, ADMIN, MARIA))
    slack.command("/escalate", "sev1 Ammonia alarm in cold store", user=REPORTER)
    wait_for_post(fake_slack, JOE, "You are on call")
    wait_for_post(fake_slack, OPS_CHANNEL, "Opened by")

    clock.advance(timedelta(minutes=4, seconds=59))
    runtime.scheduler.tick()
    assert dms_to(fake_slack, ADMIN) == []

    clock.advance(timedelta(seconds=1))
    runtime.scheduler.tick()
    assert any("You are on call" in t and "level 2" in t for t in dms_to(fake_slack, ADMIN))
    message = channel_message(fake_slack)
    assert "<@UADMIN> (level 2)" in message_text(message)
    assert "escalated to level 2, <@UADMIN>" in thread(fake_slack, message)[-1]
    assert any("escalated to level 2" in t for t in dms_to(fake_slack, REPORTER))

    clock.advance(timedelta(minutes=5))
    runtime.scheduler.tick()
    runtime.scheduler.tick()
    assert len([t for t in dms_to(fake_slack, MARIA) if "You are on call" in t]) == 1
    assert "<@UMARIA> (level 3)" in message_text(channel_message(fake_slack))

    def reminders() -> list[str]:
        return [
            c.blocks_text()
            for c in fake_slack.calls_to("chat.postMessage")
            if c.get("reply_broadcast") in (True, "true", "1") and c.get("channel") == OPS_CHANNEL
        ]

    # Past the last level: a reminder after one SLA period, the next after twice that.
    clock.advance(timedelta(minutes=5))
    runtime.scheduler.tick()
    assert len(reminders()) == 1
    assert "Still not acknowledged" in reminders()[0] and "Ammonia alarm" in reminders()[0]
    assert "<@UMARIA>, please acknowledge it" in reminders()[0]
    clock.advance(timedelta(minutes=9))
    runtime.scheduler.tick()
    assert len(reminders()) == 1
    clock.advance(timedelta(minutes=1))
    runtime.scheduler.tick()
    assert len(reminders()) == 2
    assert "<@" not in reminders()[1].split("past the last level")[1]
    slack.click("escalation_ack", user=MARIA, value="1", channel=MARIA)
    fake_slack.wait_for("chat.update", lambda c: "Acknowledged" in c.blocks_text())
    clock.advance(timedelta(hours=3))
    runtime.scheduler.tick()
    pages = {
        user: len([t for t in dms_to(fake_slack, user) if "You are on call" in t])
        for user in (JOE, ADMIN, MARIA)
    }
    assert pages == {JOE: 1, ADMIN: 1, MARIA: 1}
    broadcasts = [
        c
        for c in fake_slack.calls_to("chat.postMessage")
        if c.get("reply_broadcast") in (True, "true", "1")
    ]
    assert len(broadcasts) == 2


def test_two_instances_on_one_database_page_each_person_once(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock, database_url: str
) -> None:
    configure(runtime, chain=(JOE, ADMIN, MARIA))
    now = clock.now()
    with runtime.db.session() as session:
        for n in range(5):
            escalations.open_escalation(
                session,
                team_id=TEAM,
                reporter_id=REPORTER,
                summary=f"Issue {n}",
                details="",
                severity="sev1",
                now=now,
            )
    settings = load_settings(
        _env_file=None,
        slack_bot_token="xoxb-test",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
        database_url=database_url,
    )
    other = build_runtime(settings, clock=clock)
    try:
        for _ in range(3):
            clock.advance(timedelta(minutes=5))
            ticks = [threading.Thread(target=r.scheduler.tick) for r in (runtime, other)]
            for tick in ticks:
                tick.start()
            for tick in ticks:
                tick.join()
    finally:
        other.close()
    pages = {
        user: len([t for t in dms_to(fake_slack, user) if "You are on call" in t])
        for user in (ADMIN, MARIA)
    }
    assert pages == {ADMIN: 5, MARIA: 5}
    reminders = [
        c
        for c in fake_slack.calls_to("chat.postMessage")
        if c.get("reply_broadcast") in (True, "true", "1")
    ]
    assert len(reminders) == 5


# -- list, stats, config, help ---------------------------------------------------------------


def test_list_is_most_urgent_first_and_mine_filters(
    slack: SlackDriver, runtime: Runtime, clock: ManualClock
) -> None:
    configure(runtime)
    slack.command("/escalate", "sev4 Break room coffee machine", user=MARIA)
    slack.command("/escalate", "sev1 Fire door alarm", user=JOE)
    slack.command("/escalate", "sev3 Pallet wrap low", user=MARIA)
    slack.command("/escalate", "resolve ESC-3", user=MARIA)
    listed = slack.command("/escalate", "list", user=MARIA).text()
    assert listed.index("ESC-2") < listed.index("ESC-1") and "ESC-3" not in listed
    mine = slack.command("/escalate", "list mine", user=MARIA).text()
    assert "ESC-1" in mine and "ESC-2" not in mine
    everything = slack.command("/escalate", "list all", user=MARIA).text()
    assert "ESC-3" in everything and "resolved" in everything
    wrong = slack.command("/escalate", "list closed", user=MARIA).text()
    assert "not a list" in wrong and "Usage: `/escalate list [open|mine|all]`" in wrong


def test_stats_reply_shows_figures_and_pareto(
    slack: SlackDriver, runtime: Runtime, clock: ManualClock
) -> None:
    configure(runtime)
    for number, cause in enumerate(("equipment", "equipment", "carrier"), start=1):
        slack.command("/escalate", "sev2 Something broke", user=MARIA)
        clock.advance(timedelta(minutes=10))
        slack.command("/escalate", f"resolve ESC-{number} cause={cause}", user=JOE)
    shown = slack.command("/escalate", "stats 7d", user=MARIA).text()
    assert "last 7 days" in shown
    assert "*sev2*: 3 escalations · MTTA 10m · MTTR 10m · SLA breached 0 of 3 (0%)" in shown
    assert "1. *equipment*: 2 · 66.7% · cumulative 66.7%" in shown
    assert "2. *carrier*: 1 · 33.3% · cumulative 100%" in shown
    assert "last 365 days" in slack.command("/escalate", "stats 1y", user=MARIA).text()
    assert "last 14 days" in slack.command("/escalate", "stats 2w", user=MARIA).text()
    assert "last 7 days" in slack.command("/escalate", "stats week", user=MARIA).text()
    assert "is too long" in slack.command("/escalate", "stats 2y", user=MARIA).text()


def test_config_is_admin_only_and_shows_the_settings(slack: SlackDriver, runtime: Runtime) -> None:
    denied = slack.command("/escalate", "config channel <#C0OPS|ops>", user=MARIA).text()
    assert "Only workspace admins and owners" in denied
    assert "Escalate" not in denied
    assert "Owner:" not in slack.command("/escalate", "Test", user=MARIA).text()

    saved = slack.command("/escalate", "config channel <#C0OPS|ops>", user=ADMIN).text()
    assert "<#C0OPS>" in saved
    chain = slack.command(
        "/escalate", "config oncall sev1 <@UJOE|joe> <@UMARIA>", user=ADMIN
    ).text()
    assert "Saved the on-call chain for sev1 (2 levels), shown below." in chain
    assert "*sev1* (critical): ack within 5m (default) · resolve within " in chain
    assert "chain: 1. <@UJOE> → 2. <@UMARIA>" in chain
    everyone = slack.command("/escalate", "config oncall <@UADMIN>", user=ADMIN).text()
    assert "*sev2* (high): ack within 15m (default)" in everyone
    assert "chain: 1. <@UADMIN> (all severities)" in everyone
    sla = slack.command("/escalate", "config sla sev2 1h30m", user=ADMIN).text()
    assert "sev2 escalations must now be acknowledged within 1h 30m" in sla
    assert "*sev2* (high): ack within 1h 30m ·" in sla
    assert (
        "Give a severity and a duration"
        in slack.command("/escalate", "config sla sev2 0m", user=ADMIN).text()
    )
    resolve = slack.command("/escalate", "config resolve sev1 2h", user=ADMIN).text()
    assert "resolve within 2h" in resolve
    twice = slack.command("/escalate", "config oncall <@UJOE|joe> <@UJOE|joe>", user=ADMIN)
    assert "@joe is in the chain twice" in twice.text()
    nobody = slack.command("/escalate", "config oncall <@UJOE> @nobody", user=ADMIN).text()
    assert "`@nobody` is not a person I can page" in nobody
    causes = slack.command("/escalate", "config causes brakes, tyres,Staffing", user=ADMIN)
    assert "Saved the causes: brakes, tyres, staffing." in causes.text()
    off = slack.command("/escalate", "config oncall sev1 off", user=ADMIN).text()
    assert "chain: 1. <@UADMIN> (all severities)" in off.split("*sev1*")[1].split("*sev2*")[0]
    assert "Channel: <#C0OPS>" in slack.command("/escalate", "config", user=MARIA).text()
    bad = slack.command("/escalate", "config oncall sev1 joe", user=ADMIN).text()
    assert "`joe` is not a person I can page" in bad and "Usage:" in bad


def test_help_lists_every_subcommand(slack: SlackDriver) -> None:
    shown = slack.command("/escalate", "help", user=MARIA).text()
    for needle in (
        "list [open|mine|all]",
        "show ESC-12",
        "resolve ESC-12",
        "stats [7d|2w|3m|1y|30 days|today|week|month]",
        "severity ESC-12 sev1",
        "cancel ESC-12 [duplicate=ESC-11] [reason]",
        "config oncall",
        "config causes",
        "sev1 critical (ack within 5m",
    ):
        assert needle in shown


def test_an_escalation_nobody_acknowledges_is_chased_a_handful_of_times_a_day(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, clock: ManualClock
) -> None:
    configure(runtime, chain=(JOE,))
    slack.command("/escalate", "sev1 Ammonia alarm in cold store", user=REPORTER)
    for _ in range(24 * 12):  # a day in 5-minute steps
        clock.advance(timedelta(minutes=5))
        runtime.scheduler.tick()
    lines = [
        c.blocks_text()
        for c in fake_slack.calls_to("chat.postMessage")
        if c.get("channel") == OPS_CHANNEL and "Still not acknowledged" in c.blocks_text()
    ]
    # 5, 10, 20 and 40 minutes apart, then hourly: 4 + 22 in the day, not 288.
    assert len(lines) == 26
    assert sum("please acknowledge it" in line for line in lines) == 1
    updates = fake_slack.calls_to("chat.update")
    assert len(updates) <= len(lines) + 1  # at most one edit of the card per step
