"""Hostile input: generated text for every command and its grammar, malformed and oversized
payloads, replayed requests and requests from one workspace aimed at another's data.
Nothing crashes, nothing is half-written, nothing crosses workspaces."""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.db import Base
from bot.errors import UsageError
from bot.grammar.huddle import Config as ConfigRequest
from bot.grammar.huddle import parse_config
from bot.ids import ActionId, CallbackId
from bot.messaging.escalations import open_modal_view, summary_and_details
from bot.models import EscalationStatus
from bot.runtime import Runtime
from bot.services import escalations, huddle
from bot.services.schedule import (
    EVERY_DAY,
    ScheduleValueError,
    format_days,
    parse_days,
    parse_time,
    parse_timezone,
)
from bot.standin.driver import SlackDriver, form_values, sign
from bot.standin.server import FakeSlack
from handlers.events.escalations import parse_request
from tests.conftest import ADMIN, MARIA, OPS_CHANNEL, OTHER_TEAM, SIGNING_SECRET, TEAM

APOLOGY = "Something went wrong"
COMMAND_WORDS = """
list open mine all show ack acknowledge resolve reopen assign stats config help
channel oncall sla off join leave ooo cancel report history add remove preview now status
sev1 sev2 sev4 sev9 ESC-1 esc-0 #1 ESC-99999999999 7d 30d 91d 5m 0m 2h 99999999m
time=08:30 time=25:00 time= days=mon-fri days=fri-mon days=xyz days=, report=10:00
tz=Europe/Berlin tz=europe/berlin tz=Mars/Base cause=equipment cause= cause=Équipement
2026-03-09 2026-02-30 9999-99-99 <@UMARIA> <@UMARIA|maria> <@> <#C0OPS|ops> <#C0OPS> <#>
<!channel> @here &amp; &lt; = questions="a|b|c" questions="|||" "unbalanced
"""
VOCABULARY = [*COMMAND_WORDS.split(), '"quoted words"', "\u202e", "\x00"]
words = st.one_of(
    st.sampled_from(VOCABULARY),
    st.text(st.characters(blacklist_categories=["Cs"]), max_size=12),
)
command_texts = st.lists(words, max_size=6).map(" ".join)
any_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=300)


# -- grammars ------------------------------------------------------------------------------


@given(any_text)
def test_escalation_ids_parse_or_explain(text: str) -> None:
    try:
        number = escalations.parse_ref(text)
    except UsageError as error:
        assert "ESC-12" in error.message
    else:
        assert 1 <= number < 10**9


@given(st.integers(min_value=1, max_value=10**9 - 1), st.sampled_from(["ESC-", "esc", "#", ""]))
def test_escalation_ids_round_trip(number: int, prefix: str) -> None:
    assert escalations.parse_ref(f"{prefix}{number}") == number


@given(any_text)
def test_summaries_causes_and_notes_are_checked_not_crashed(text: str) -> None:
    for check in (
        escalations.check_summary,
        escalations.check_cause,
        lambda t: escalations.check_text(t, limit=escalations.NOTE_LIMIT, what="note"),
    ):
        try:
            value = check(text)
        except UsageError as error:
            assert error.usage
        else:
            assert value is None or len(value) <= max(escalations.NOTE_LIMIT, len(text))


@given(any_text)
def test_direct_messages_parse_to_a_severity_or_to_help(text: str) -> None:
    request = parse_request(text)
    assert request is None or request[0] in escalations.SEVERITIES
    fitted = summary_and_details(text)
    assert len(fitted["summary"]) <= escalations.SUMMARY_LIMIT
    assert len(fitted["details"]) <= escalations.DETAILS_LIMIT


@given(command_texts)
def test_huddle_config_parses_or_explains(text: str) -> None:
    try:
        request = parse_config(text)
    except UsageError as error:
        assert error.usage.startswith("/huddle config")
    else:
        assert isinstance(request, ConfigRequest) and request.channel_id


@given(any_text)
def test_schedule_values_parse_or_explain(text: str) -> None:
    for parse in (parse_days, parse_time, parse_timezone):
        try:
            parse(text)
        except ScheduleValueError as error:
            assert f"`{text}`" in str(error)


@given(st.frozensets(st.integers(min_value=0, max_value=6), min_size=1))
def test_day_lists_round_trip(days: frozenset[int]) -> None:
    assert parse_days(format_days(days)) == days
    assert days <= EVERY_DAY


# -- whole commands ------------------------------------------------------------------------


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(["/escalate", "/standup", "/huddle", "/ops"]),
    user=st.sampled_from([ADMIN, MARIA]),
    text=command_texts,
)
def test_any_command_text_gets_an_answer_never_an_apology(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    command: str,
    user: str,
    text: str,
) -> None:
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        reply = slack.command(command, text, user=user, channel=OPS_CHANNEL)
    assert reply.status == 200, (command, text)
    assert APOLOGY not in reply.text(), (command, text, reply.text())
    # Work after the ack (posts, modals) reports its failures through the response_url.
    told = [c.blocks_text() for c in fake_slack.calls_to("response_url")]
    assert not [t for t in told if APOLOGY in t], (command, text, told)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], (command, text)


# -- malformed payloads ----------------------------------------------------------------------


def row_counts(runtime: Runtime) -> dict[str, int]:
    """Rows per table, except the once-only keys that mark requests as seen and the replies
    queued for delivery (an error reply is an answer, not a change)."""
    with runtime.db.session() as session:
        return {
            table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
            if table.name not in ("processed_keys", "deliveries")
        }


def signed(slack: SlackDriver, body: bytes, content_type: str, **kwargs: Any) -> tuple[int, str]:
    reply = slack.send(body, content_type, **kwargs)
    return reply.status, reply.body.decode(errors="replace")


def interactive(payload: object) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


FORM = "application/x-www-form-urlencoded"
MALFORMED: list[tuple[bytes, str]] = [
    (b"{not json", "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b'"just a string"', "application/json"),
    (b"null", "application/json"),
    (b'{"type": "event_callback"}', "application/json"),
    (b'{"type": "event_callback", "event": [], "event_id": "Ev1"}', "application/json"),
    (
        json.dumps(
            {
                "type": "event_callback",
                "team_id": TEAM,
                "event_id": "Ev2",
                "event": {"type": "message", "channel_type": "im", "user": None, "text": 5},
            }
        ).encode(),
        "application/json",
    ),
    (
        json.dumps(
            {
                "type": "event_callback",
                "team_id": {"id": TEAM},
                "event_id": ["Ev3"],
                "event": {"type": "message", "channel_type": "im", "text": "sev1 x"},
            }
        ).encode(),
        "application/json",
    ),
    (b"payload=%7Bbroken", FORM),
    (interactive([]), FORM),
    (interactive({"type": "block_actions"}), FORM),
    (
        interactive(
            {"type": "block_actions", "actions": "x", "user": 5, "team": None, "trigger_id": 1}
        ),
        FORM,
    ),
    (
        interactive(
            {
                "type": "block_actions",
                "team": {"id": TEAM},
                "user": {"id": MARIA},
                "actions": [{"action_id": ActionId.ESCALATION_ACK, "value": "ESC-x; drop table"}],
            }
        ),
        FORM,
    ),
    (
        interactive(
            {
                "type": "block_actions",
                "team": {"id": TEAM},
                "user": {"id": MARIA},
                "actions": [{"action_id": ActionId.ESCALATE_THIS, "value": "{not json"}],
            }
        ),
        FORM,
    ),
    (
        interactive(
            {
                "type": "block_actions",
                "team": {"id": TEAM},
                "user": {"id": MARIA},
                "actions": [{"action_id": ActionId.STANDUP_OPEN, "value": "seven"}],
            }
        ),
        FORM,
    ),
    (
        interactive(
            {
                "type": "view_submission",
                "team": {"id": TEAM},
                "user": {"id": MARIA},
                "view": {"callback_id": CallbackId.ESCALATION_OPEN, "state": {"values": "x"}},
            }
        ),
        FORM,
    ),
    (
        interactive(
            {
                "type": "view_submission",
                "team": {"id": TEAM},
                "user": {"id": MARIA},
                "view": {
                    "id": "V1",
                    "callback_id": CallbackId.STANDUP_ANSWER,
                    "private_metadata": "{]",
                    "state": {"values": {}},
                },
            }
        ),
        FORM,
    ),
    (urlencode({"command": "/escalate", "text": "sev1 nobody sent team or user"}).encode(), FORM),
    (urlencode({"command": "/escalate", "text": ["list"] * 3}, doseq=True).encode(), FORM),
    (b"\xff\xfe\x00binary", FORM),
    (b"", FORM),
]


def test_malformed_and_wrong_typed_payloads_change_nothing(
    slack: SlackDriver, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    before = row_counts(runtime)
    for body, content_type in MALFORMED:
        status, text = signed(slack, body, content_type)
        assert status in (200, 400, 401, 404), (body, status, text)
        assert "Traceback" not in text and 'File "' not in text, body
    assert row_counts(runtime) == before


def test_an_oversized_request_is_refused_before_it_is_read(
    slack: SlackDriver, runtime: Runtime
) -> None:
    before = row_counts(runtime)
    summary = "x" * (1024 * 1024 + 10)
    body = urlencode({"command": "/escalate", "text": f"sev1 {summary}", "team_id": TEAM}).encode()
    status, _text = signed(slack, body, FORM)
    assert status == 413
    assert row_counts(runtime) == before


def test_replayed_and_forged_requests_are_refused(slack: SlackDriver, runtime: Runtime) -> None:
    body = urlencode(
        {
            "command": "/escalate",
            "text": "sev1 Replayed alarm",
            "team_id": TEAM,
            "user_id": MARIA,
            "channel_id": OPS_CHANNEL,
            "response_url": "http://127.0.0.1:9/respond",
            "trigger_id": "t",
        }
    ).encode()
    before = row_counts(runtime)
    for age in (301, 600, 86_400, -600):
        timestamp = time.time() - age
        signature = sign(SIGNING_SECRET, str(int(timestamp)), body)
        assert slack.send(body, FORM, timestamp=timestamp, signature=signature).status == 401
    now = str(int(time.time()))
    assert slack.send(body, FORM, signature=sign("another-secret", now, body)).status == 401
    tampered = sign(SIGNING_SECRET, now, body)
    assert slack.send(body + b"&x=1", FORM, timestamp=int(now), signature=tampered).status == 401
    assert slack.send(body, FORM, signature="").status == 401
    assert row_counts(runtime) == before


# -- one workspace, another's data -------------------------------------------------------------


def test_another_workspace_cannot_read_or_change_this_ones_data(
    slack: SlackDriver, runtime: Runtime, fake_slack: FakeSlack
) -> None:
    now = runtime.clock.now()
    with runtime.db.session() as session:
        escalations.set_channel(session, team_id=TEAM, channel_id=OPS_CHANNEL, now=now)
        huddle.configure(
            session,
            team_id=TEAM,
            channel_id=OPS_CHANNEL,
            at=parse_time("09:00"),
            tz="UTC",
            days=EVERY_DAY,
            default_tz="UTC",
            user_id=ADMIN,
            now=now,
        )
    assert "ESC-1" in slack.command("/escalate", "sev1 Ammonia alarm", user=MARIA).text()
    before = row_counts(runtime)
    outsider = SlackDriver(
        signing_secret=SIGNING_SECRET,
        transport=slack.transport,
        response_base_url=fake_slack.url,
        team_id=OTHER_TEAM,
    )

    for text in ("ack ESC-1", "resolve ESC-1 cause=other done", "assign ESC-1 <@UJOE>", "show 1"):
        reply = outsider.command("/escalate", text, user=ADMIN)
        assert "There is no ESC-1 in this workspace." in reply.text(), text
    assert "Nothing is open" in outsider.command("/escalate", "list", user=ADMIN).text()
    assert "Ammonia" not in outsider.command("/escalate", "list all", user=ADMIN).text()
    assert "Ammonia" not in outsider.command("/huddle", "preview", user=ADMIN).text()
    outsider.command("/huddle", "off <#C0OPS>", user=ADMIN)
    outsider.command("/escalate", "config channel <#C0ELSEWHERE>", user=ADMIN)

    outsider.click(ActionId.ESCALATION_ACK, user=ADMIN, value="1", channel=OPS_CHANNEL)
    fake_slack.wait_for("response_url", lambda c: "no ESC-1" in c.blocks_text())
    form = {**open_modal_view(), "id": "VOUTSIDER", "callback_id": CallbackId.ESCALATION_RESOLVE}
    form["private_metadata"] = "ESC-1"
    resolved = outsider.submit(form, form_values(form, {}), user=ADMIN)
    assert "no ESC-1" in json.dumps(resolved.json)

    with runtime.db.session() as session:
        mine = escalations.get_escalation(session, team_id=TEAM, number=1)
        config = huddle.get_config(session, team_id=TEAM, channel_id=OPS_CHANNEL)
        channel = escalations.load_config(session, team_id=TEAM).channel_id
    assert mine.status == EscalationStatus.OPEN and mine.acknowledged_at is None
    assert config is not None and config.enabled
    assert channel == OPS_CHANNEL
    after = row_counts(runtime)
    # The outsider's own settings rows are theirs; this workspace's rows are untouched.
    assert {name: after[name] for name in ("escalations", "escalation_events")} == {
        name: before[name] for name in ("escalations", "escalation_events")
    }


def test_a_nul_character_is_dropped_before_it_reaches_the_database(
    slack: SlackDriver, runtime: Runtime
) -> None:
    reply = slack.command("/escalate", "sev2 Dock\x00 door 4 stuck", user=MARIA)
    assert "ESC-1" in reply.text()
    with runtime.db.session() as session:
        assert escalations.get_escalation(session, team_id=TEAM, number=1).summary == (
            "Dock door 4 stuck"
        )


def test_a_command_whose_text_says_payload_is_answered(slack: SlackDriver) -> None:
    # Bolt alone reads any form body containing "payload" as an empty interaction.
    reply = slack.command("/escalate", "sev2 payload upload to the carrier API fails", user=MARIA)
    assert reply.status == 200 and "ESC-1" in reply.text()
    assert "payload upload" in slack.command("/escalate", "show ESC-1", user=MARIA).text()
