"""What trying the console as a new user turned up: confirmation dialogs, button numbers
that cannot press another button once a message is redrawn, times in the reader's own
timezone, defaults shown by name, and a slow modal's views in the order Slack shows them."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from tests.console.conftest import ScriptedConsole

OWNER_MODAL = {
    "type": "modal",
    "callback_id": "test_owner_modal",
    "title": {"type": "plain_text", "text": "Hand over"},
    "submit": {"type": "plain_text", "text": "Hand over"},
    "blocks": [
        {
            "type": "input",
            "block_id": "who",
            "label": {"type": "plain_text", "text": "Assignee"},
            "element": {"type": "users_select", "action_id": "who", "initial_user": "UMARIA"},
        }
    ],
}


def _notice(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Hand over"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def _listen(app: App, received: list[dict[str, Any]]) -> None:
    @app.action("test_open")
    def open_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=OWNER_MODAL)

    @app.view("test_owner_modal")
    def slow_submission(ack: Ack, view: dict[str, Any], client: WebClient) -> None:
        # As a run slower than Slack's deadline does: the outcome reaches the view through
        # views.update before the listener's "running…" acknowledgement is read.
        received.append(view)
        client.views_update(view_id=view["id"], view=_notice(":white_check_mark: Handed over."))
        ack(response_action="update", view=_notice(":hourglass_flowing_sand: Handing over…"))


def test_a_button_with_a_confirm_asks_first_and_old_numbers_press_nothing(
    console: ScriptedConsole,
) -> None:
    values = console.run("/kpi values trailer-turn-time 7d")
    first, second = re.findall(r"\n  (.*) · \*(.*)\* · .*\n  \[(\d+) Delete\]", values)[:2]
    assert first[2] == "1" and second[2] == "2"

    kept = console.run(":click 1", "maybe", "n")
    assert "▸ Dialog “Delete this value?”" in kept
    assert f"  Delete {first[1]} ({first[0]}) from *trailer-turn-time*?" in kept
    assert "  [Delete] / [Keep it]? (y/n or 1/2): maybe" in kept
    assert "! Answer y (or 1) for Delete, n (or 2) for Keep it." in kept
    assert kept.endswith("(not pressed)")

    deleted = console.run(":click 1", "y")
    assert f"Deleted {first[1]} of *trailer-turn-time*" in deleted
    # The redrawn list's buttons take new numbers: 1 was the value just deleted.
    assert "[1 Delete]" not in deleted
    assert re.search(rf"{re.escape(second[0])} · \*{second[1]}\* · .*\n  \[\d\d? Delete\]", deleted)
    stale = console.run(":click 1")
    assert stale.splitlines()[-1].startswith(
        "Button 1 is no longer shown: the message it was on has been redrawn since. "
        "The buttons shown now are "
    )
    assert "Deleted" not in stale and "Dialog" not in stale


def test_times_are_shown_in_the_readers_timezone(console: ScriptedConsole) -> None:
    shown = console.run(":as @lena", "/kpi record dock-to-stock 3,5")
    assert "Recorded 3.5 h for *dock-to-stock* as of today at 14:30." in shown
    assert "UTC" not in shown
    shown = console.run(":as @aiko", "/kpi dock-to-stock")  # Tokyo: 22:30 the same day
    assert "as of today at 22:30" in shown


def test_modal_defaults_by_name_and_a_slow_submission_in_order(
    console: ScriptedConsole,
) -> None:
    received: list[dict[str, Any]] = []
    _listen(console.workspace.runtime.app, received)
    console.workspace.runtime.client.chat_postMessage(
        channel="C0GENERAL",
        text="Hand over",
        blocks=[
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "test_open",
                        "text": {"type": "plain_text", "text": "Hand over"},
                    }
                ],
            }
        ],
    )
    console.show_pending()
    shown = console.run(":click 1", "")
    assert "  Assignee (@handle) [@maria]: " in shown
    assert received[0]["state"]["values"]["who"]["who"]["selected_user"] == "UMARIA"
    running = shown.index("Handing over…")
    done = shown.index("Handed over.")
    assert running < done
    assert shown.count("▸ Modal “Hand over”") == 3  # the form, "running…", the outcome
    assert shown.rstrip().endswith("(closed)")
