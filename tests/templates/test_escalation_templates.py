"""Every escalation template renders valid Block Kit with sample data, hostile text
stays inert, and long text is cut to Slack's limits instead of failing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.blocks import render
from bot.ids import ActionId
from bot.messaging import escalations as messages
from bot.models import Escalation, EscalationEvent
from bot.services import escalations
from bot.standin.server import ApiCall

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOSTILE = "<!channel> <https://x|y> & <@U123>"


def _escalation(**changes: object) -> Escalation:
    values: dict[str, object] = {
        "id": 1,
        "team_id": "T1",
        "number": 7,
        "severity": "sev1",
        "summary": HOSTILE,
        "details": "&<>" * 1000,
        "status": "open",
        "reporter_id": "UREP",
        "assignee_id": "UOWN",
        "level": 2,
        "reminder_count": 0,
        "ack_due_at": NOW - timedelta(minutes=55),
        "next_deadline_at": NOW + timedelta(minutes=5),
        "channel_id": "C1",
        "source_link": "https://example.slack.com/archives/C1/p1?thread_ts=1&cid=C1",
        "cause": None,
        "resolution_note": None,
        "created_at": NOW - timedelta(hours=1),
        "acknowledged_at": None,
        "resolved_at": None,
        "resolved_by": None,
    }
    values.update(changes)
    return Escalation(**values)


def _event(kind: str, **changes: object) -> EscalationEvent:
    values: dict[str, object] = {
        "kind": kind,
        "at": NOW,
        "actor_id": "UACT",
        "target_user_id": "UTGT",
        "level": 2,
        "note": HOSTILE,
    }
    values.update(changes)
    return EscalationEvent(**values)


def _text(payload: dict) -> str:
    return ApiCall("render", payload).blocks_text()


def test_channel_message_escapes_and_fits_long_details() -> None:
    for status in ("open", "acknowledged", "resolved"):
        payload = messages.render_escalation(
            _escalation(
                status=status,
                resolved_at=NOW if status == "resolved" else None,
                resolution_note="&" * 1000,
                cause="equipment",
            ),
            now=NOW,
        )
        shown = _text(payload)
        assert "&lt;!channel&gt; &lt;https://x|y&gt; &amp; <@U123>" in shown
        assert "<!channel>" not in shown
    assert "breached 55m ago" in _text(messages.render_escalation(_escalation(), now=NOW))


def test_every_event_line_and_the_show_view_render() -> None:
    kinds = ["opened", "acknowledged", "resolved", "reopened", "assigned", "escalated", "reminded"]
    escalation = _escalation()
    context = messages.escalation_context(escalation, now=NOW)
    for kind in kinds:
        event = messages.event_context(_event(kind))
        line = _text(render("messages/escalation_event", e=context, event=event))
        update = _text(render("messages/escalation_update", e=context, event=event))
        assert "&lt;!channel&gt;" in line and "<!channel>" not in update
    events = [_event(kinds[i % len(kinds)]) for i in range(60)]
    shown = messages.render_show(escalation, events, now=NOW)
    assert len(shown["blocks"]) <= 50
    assert "22 earlier events not shown" in _text(shown)
    page = render("messages/escalation_page", e=context, actions=ActionId)
    assert "level 2" in _text(page)


def test_lists_stats_config_help_and_views_render() -> None:
    summary = escalations.summarize(_escalation(), now=NOW)
    rows = [messages.summary_context(summary, now=NOW)] * 25
    assert (
        len(
            render("messages/escalation_list", title="Open", items=rows, total=30, empty="-")[
                "blocks"
            ]
        )
        == 27
    )
    stats = escalations.EscalationStats(
        days=30,
        since=NOW - timedelta(days=30),
        by_severity=[escalations.SeverityStats("sev1", 2, 2, 1, timedelta(minutes=6), None, 1)],
        total=escalations.SeverityStats("all", 2, 2, 1, timedelta(minutes=6), None, 1),
        causes=escalations.pareto([f"cause{i % 12}" for i in range(30)]),
    )
    shown = _text(messages.render_stats(stats))
    assert (
        "MTTA 6m · MTTR — · SLA breached 1 of 2 (50%)" in shown and "… and 2 more causes" in shown
    )
    config = escalations.EscalationConfig(channel_id="C1", chains={"all": ("U1", "U2")})
    assert "1. <@U1> → 2. <@U2>" in _text(messages.render_config(config, saved="Saved."))
    slas = {sev: timedelta(minutes=m) for sev, m in escalations.DEFAULT_SLA_MINUTES.items()}
    shown_help = _text(render("messages/escalation_help", sla=slas))
    assert "/escalate list" in shown_help
    assert "sev3 medium (1h), sev4 low (4h)" in shown_help
    modal = messages.open_modal_view(
        summary="s" * 400, details=HOSTILE, link="https://x.slack.com/a?b=1&c=2"
    )
    summary_input = modal["blocks"][0]["element"]
    assert len(summary_input["initial_value"]) == 150 and summary_input["initial_value"].endswith(
        "…"
    )
    assert modal["blocks"][1]["element"]["initial_value"] == HOSTILE
    assert modal["private_metadata"] == "https://x.slack.com/a?b=1&c=2"
    resolve = render(
        "views/escalation_resolve",
        callback_id="cb",
        ref="ESC-7",
        number=7,
        summary=HOSTILE,
        causes=list(escalations.COMMON_CAUSES),
        note_limit=1000,
    )
    assert resolve["title"]["text"] == "Resolve ESC-7"
    dm_help = render(
        "messages/escalation_dm_help", action_id="a", button_value='{"ts": "1", "text": "x"}'
    )
    assert dm_help["blocks"][1]["elements"][0]["value"] == '{"ts": "1", "text": "x"}'


def test_format_duration() -> None:
    assert [messages.format_duration(timedelta(seconds=s)) for s in (30, 720, 11100, 180000)] == [
        "<1m",
        "12m",
        "3h 5m",
        "2d 2h",
    ]
    assert messages.format_duration(None) == "—"
