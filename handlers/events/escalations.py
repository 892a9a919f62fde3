"""Direct messages to the bot: `escalate …` or `sev1 …` opens an escalation from the
text; anything else a person sends (with files, or in a thread) gets help and an
"Escalate this" button. Slackbot, other bots and Slack's own notices get no answer."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.grammar import escalate as grammar
from bot.ids import ActionId
from bot.messaging import escalations as messages
from bot.messaging.profiles import admins_to_page
from bot.parsing import decode_entities
from bot.services import escalations, workspace

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.runtime import Runtime

BUTTON_VALUE_LIMIT = 2000
SLACKBOT = "USLACKBOT"
# A person's own message carries no subtype, or one of these; every other subtype is Slack
# telling of something (an edit, a deletion, someone joining) or a bot posting.
PERSON_SUBTYPES = frozenset({"file_share", "thread_broadcast"})


def parse_request(text: str) -> tuple[str, str] | None:
    """`escalate [<severity>] <text>` or `<severity> <text>` → (severity, text), with the
    severity words of `/escalate` (`sev1:`, `p1`, `critical` …); anything else → None."""
    first, _, rest = text.strip().partition(" ")
    if first.lower().rstrip(":,") == "escalate":
        second, _, after = rest.strip().partition(" ")
        severity = grammar.severity_of(second)
        if severity is not None:
            return severity, after.strip()
        return escalations.DEFAULT_SEVERITY, rest.strip()
    severity = grammar.severity_of(first)
    if severity is not None:
        return severity, rest.strip()
    return None


def is_from_a_person(event: dict[str, Any]) -> bool:
    """A message a person wrote: not Slackbot's notices, not a bot's post, not a change
    Slack reports (`message_changed`, `message_deleted`, `channel_join` …)."""
    subtype = event.get("subtype")
    return (
        (subtype is None or subtype in PERSON_SUBTYPES)
        and not event.get("bot_id")
        and event.get("user") not in (None, "", SLACKBOT)
    )


def escalate_this_value(text: str) -> str:
    """The button's value: the DM's text, cut to fit Slack's 2,000 characters."""
    keep = text
    while True:
        value = json.dumps({"text": keep}, ensure_ascii=False)
        if len(value) <= BUTTON_VALUE_LIMIT:
            return value
        keep = keep[: len(keep) - (len(value) - BUTTON_VALUE_LIMIT) - 1]


def register(app: App, runtime: Runtime) -> None:
    @app.event("message")
    def direct_message(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("channel_type") != "im" or not is_from_a_person(event):
            return
        team_id = str(body.get("team_id") or "")
        user_id = str(event["user"])
        text = decode_entities(str(event.get("text") or "")).strip()
        request = parse_request(text)
        if request is None or not request[1]:
            # A bare `escalate` or `sev1` gets help alone; a file sent without text still
            # gets the button, the form asking for the summary.
            offer_button = request is None and bool(text or event.get("files"))
            help_message = render(
                "messages/escalation_dm_help",
                action_id=ActionId.ESCALATE_THIS,
                button_value=escalate_this_value(text) if offer_button else None,
            )
            with runtime.db.session() as session:
                messages.dm(
                    session,
                    team_id=team_id,
                    user_id=event["channel"],
                    message=help_message,
                    now=runtime.clock.now(),
                    description="help in reply to a DM",
                )
            return
        severity, request_text = request
        now = runtime.clock.now()
        with runtime.db.session() as session:
            # Slack retries are dropped by event_id in the middleware; this also covers
            # the same message delivered under another event id.
            if not workspace.claim_key(
                session, team_id=team_id, key=f"dm:{event['channel']}:{event['ts']}", now=now
            ):
                return
            escalation = escalations.open_escalation(
                session,
                team_id=team_id,
                reporter_id=user_id,
                severity=severity,
                opened_in=event["channel"],
                fallback_chain=admins_to_page(runtime, session, team_id=team_id),
                now=now,
                **messages.summary_and_details(request_text),
            )
            messages.tell_reporter_opened(session, escalation, channel=event["channel"], now=now)
            messages.announce_opened(session, escalation, now=now)
