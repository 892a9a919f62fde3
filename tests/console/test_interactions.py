"""Buttons, selects, modals, threads, DMs, Home tabs and files as the console shows them,
and `:click` pressing them through the real app.

Opsbot's features bring their own buttons; here the test gives the app listeners of its
own (test-only), and posts through the app's Web API client, as a feature would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.runtime import Runtime
from bot.services import outbox
from tests.console.conftest import ScriptedConsole

HUDDLE = "C0HUDDLE"

OWNER_SELECT = {
    "type": "static_select",
    "action_id": "test_owner",
    "placeholder": {"type": "plain_text", "text": "Reassign"},
    "options": [
        {"text": {"type": "plain_text", "text": "Jamal"}, "value": "UJAMAL"},
        {"text": {"type": "plain_text", "text": "Priya"}, "value": "UPRIYA"},
    ],
}
MESSAGE_BLOCKS: list[dict[str, Any]] = [
    {"type": "header", "text": {"type": "plain_text", "text": "ESC-1 Dock door 4 stuck"}},
    {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "Reported by <@UMARIA> in <#C0HUDDLE|x>: A &lt; B"},
        "fields": [
            {"type": "mrkdwn", "text": "*Severity*\nsev2"},
            {"type": "mrkdwn", "text": "*Owner*\n<@UJAMAL>"},
        ],
    },
    {"type": "divider"},
    {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "See <https://example.com/runbook|the runbook>"}],
    },
    {"type": "image", "image_url": "https://example.com/door.png", "alt_text": "door 4"},
    {
        "type": "actions",
        "block_id": "esc_actions",
        "elements": [
            {
                "type": "button",
                "action_id": "test_ack",
                "text": {"type": "plain_text", "text": "Acknowledge"},
                "value": "ESC-1",
            },
            {
                "type": "button",
                "action_id": "test_modal",
                "text": {"type": "plain_text", "text": "Resolve"},
                "value": "ESC-1",
            },
            OWNER_SELECT,
        ],
    },
]
RESOLVE_MODAL = {
    "type": "modal",
    "callback_id": "test_resolve",
    "private_metadata": "ESC-1",
    "title": {"type": "plain_text", "text": "Resolve ESC-1"},
    "submit": {"type": "plain_text", "text": "Resolve"},
    "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Close *ESC-1*."}},
        {
            "type": "input",
            "block_id": "note",
            "label": {"type": "plain_text", "text": "Note"},
            "element": {"type": "plain_text_input", "action_id": "note", "max_length": 20},
        },
        {
            "type": "input",
            "block_id": "cause",
            "label": {"type": "plain_text", "text": "Cause"},
            "element": {
                "type": "static_select",
                "action_id": "cause",
                "options": [
                    {"text": {"type": "plain_text", "text": "Equipment"}, "value": "equipment"},
                    {"text": {"type": "plain_text", "text": "People"}, "value": "people"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "who",
            "optional": True,
            "label": {"type": "plain_text", "text": "Tell"},
            "element": {"type": "users_select", "action_id": "who"},
        },
    ],
}


def _listen(app: App, runtime: Runtime, received: list[dict[str, Any]]) -> None:
    @app.action("test_ack")
    def acknowledge(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        received.append(body)
        message = body["message"]
        channel, team = body["channel"]["id"], body["team"]["id"]
        calls = [
            (
                "chat.update",
                channel,
                {
                    "ts": message["ts"],
                    "text": "ESC-1 acknowledged",
                    "blocks": [
                        {
                            "type": "section",
                            "text": {
                                "type": "mrkdwn",
                                "text": f"Acknowledged by <@{body['user']['id']}>",
                            },
                        }
                    ],
                },
            ),
            (
                "chat.postMessage",
                channel,
                {"thread_ts": message["ts"], "text": "Timeline: acknowledged"},
            ),
            ("chat.postMessage", "UJAMAL", {"text": "You own ESC-1 now."}),
        ]
        with runtime.db.session() as session:
            for method, target, payload in calls:
                outbox.enqueue(
                    session,
                    team_id=team,
                    key=f"test:{target}",
                    method=method,
                    channel_id=target,
                    payload={"channel": target, **payload},
                    now=runtime.clock.now(),
                )

    @app.action("test_owner")
    def reassign(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        received.append(body)
        respond(text=f"Reassigned to <@{body['actions'][0]['selected_option']['value']}>")

    @app.action("test_modal")
    def open_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=RESOLVE_MODAL)

    @app.view("test_resolve")
    def resolved(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        if values["note"]["note"]["value"] == "x":
            ack(response_action="errors", errors={"note": "Say a bit more."})
            return
        ack()
        received.append(view)
        note = values["note"]["note"]["value"]
        with runtime.db.session() as session:
            outbox.enqueue(
                session,
                team_id=body["team"]["id"],
                key=f"test:{HUDDLE}",
                method="chat.postMessage",
                channel_id=HUDDLE,
                payload={"channel": HUDDLE, "text": f"{view['private_metadata']} resolved: {note}"},
                now=runtime.clock.now(),
            )


def _post_escalation(console: ScriptedConsole) -> str:
    console.workspace.runtime.client.chat_postMessage(
        channel=HUDDLE, text="ESC-1 Dock door 4 stuck", blocks=MESSAGE_BLOCKS
    )
    return console.show_pending()


def test_messages_render_blocks_and_number_controls(console: ScriptedConsole) -> None:
    shown = _post_escalation(console)
    assert shown.splitlines() == [
        "▸ #ops-huddle",
        "  ESC-1 Dock door 4 stuck",
        "  ═══════════════════════",
        "  Reported by @maria in #ops-huddle: A < B",
        "  • *Severity* sev2",
        "  • *Owner* @jamal",
        "  " + "─" * 40,
        "    See the runbook (https://example.com/runbook)",
        "  [image: door 4] https://example.com/door.png",
        "  [1 Acknowledge]  [2 Resolve]  [3 Reassign ▾]",
    ]


def test_click_a_button_updates_the_message_in_place(console: ScriptedConsole) -> None:
    received: list[dict[str, Any]] = []
    _listen(console.workspace.runtime.app, console.workspace.runtime, received)
    _post_escalation(console)
    shown = console.run(":as @jamal", ":click 1")
    body = received[0]
    assert body["user"]["id"] == "UJAMAL"
    assert body["actions"][0]["value"] == "ESC-1"
    assert body["actions"][0]["block_id"] == "esc_actions"
    assert "▸ #ops-huddle · updated\n  Acknowledged by @jamal" in shown
    assert "▸ #ops-huddle · reply in thread “ESC-1 acknowledged”\n    │ Timeline: acknowledged" in (
        shown
    )
    assert "▸ DM to @jamal\n  You own ESC-1 now." in shown


def test_click_a_select_asks_which_option(console: ScriptedConsole) -> None:
    received: list[dict[str, Any]] = []
    _listen(console.workspace.runtime.app, console.workspace.runtime, received)
    _post_escalation(console)
    shown = console.run(":click 3", "7", "2", ":click 9")
    assert "    1. Jamal\n    2. Priya" in shown
    assert "Choose a number from 1 to 2." in shown
    assert received[0]["actions"][0]["selected_option"]["value"] == "UPRIYA"
    assert "▸ Only visible to you\n  Reassigned to @priya" in shown
    assert "Usage: :click N, with N a number shown in [brackets]" in shown


def test_modal_is_asked_field_by_field_and_submitted(console: ScriptedConsole) -> None:
    received: list[dict[str, Any]] = []
    _listen(console.workspace.runtime.app, console.workspace.runtime, received)
    _post_escalation(console)
    shown = console.run(
        ":click 2",
        "",  # the note is required
        "a note far longer than twenty characters",
        "x",
        "3",
        "1",
        "",  # optional: skipped
        "Door reset",  # Slack refused "x": the note is asked again
        ":users",
    )
    assert "▸ Modal “Resolve ESC-1”\n  Close *ESC-1*." in shown
    assert "! This field is required." in shown
    assert "At most 20 characters, please (that was 40)." in shown
    assert "Tell (@handle) (optional, empty line skips): " in shown
    assert "! Note: Say a bit more." in shown
    assert "▸ #ops-huddle\n  ESC-1 resolved: Door reset" in shown
    state = received[0]["state"]["values"]
    assert state["cause"]["cause"]["selected_option"]["value"] == "equipment"
    assert state["who"]["who"]["selected_user"] is None
    assert "@aiko" in shown  # the next command ran after the modal


def test_modal_can_be_cancelled(console: ScriptedConsole) -> None:
    received: list[dict[str, Any]] = []
    _listen(console.workspace.runtime.app, console.workspace.runtime, received)
    _post_escalation(console)
    shown = console.run(":click 2", ":cancel")
    assert "(closed without submitting)" in shown
    assert received == []


def test_home_tab_and_uploaded_files(console: ScriptedConsole, tmp_path: Path) -> None:
    received: list[dict[str, Any]] = []
    client = console.workspace.runtime.client
    home_button = {
        "type": "button",
        "action_id": "test_home",
        "text": {"type": "plain_text", "text": "Answer standup"},
    }
    client.views_publish(
        user_id="UMARIA",
        view={"type": "home", "blocks": [{"type": "actions", "elements": [home_button]}]},
    )

    @console.workspace.runtime.app.action("test_home")
    def home_click(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        received.append(body)

    png = b"\x89PNG\r\n\x1a\n" + b"chart" * 10
    client.files_upload_v2(
        channel="C0KPI",
        content=png,
        filename="on-time-shipping.png",
        title="On-time shipping, 30 days",
        initial_comment="Latest: 97.5 %",
    )
    shown = console.show_pending()
    assert "▸ Home tab of @maria\n  [1 Answer standup]" in shown
    saved = next((tmp_path / "console-output").glob("*-on-time-shipping.png"))
    assert saved.read_bytes() == png
    assert f"▸ #ops-kpis · file “On-time shipping, 30 days” saved to {saved}" in shown
    assert "  Latest: 97.5 %" in shown
    console.run(":click 1")
    assert received[0]["view"]["id"] == "VHOMEUMARIA"
    assert received[0]["container"]["type"] == "view"
