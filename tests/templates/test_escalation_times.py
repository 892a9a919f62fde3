"""Escalations are written one way everywhere: times through Slack's date formatting (the
reader's own zone, with a UTC fallback), ages as `1h 5m`, and mentions typed in a summary or
a note kept as mentions while every other `<…>` stays inert."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.blocks import format_duration, render
from bot.ids import ActionId
from bot.messaging import escalations as messages
from bot.messaging.home_tab import render_home
from bot.models import Escalation, EscalationEvent
from bot.services import escalations
from bot.services.home import HomeOverview
from bot.standin.server import ApiCall

NOW = datetime(2026, 12, 7, 13, 30, tzinfo=UTC)
OPENED = NOW - timedelta(hours=1, minutes=5)
DEADLINE = NOW + timedelta(minutes=15)
SUMMARY = (
    "Dock door 4 stuck, <@UDEV|dev> please check <#C0KPI|ops-kpis> "
    "<!channel> <!here> <https://evil|link>"
)
NOTE = "Handed to <@UJAMAL> in <#C0DOCK>; <!everyone> <https://evil|link>"
DATE = re.compile(r"<!date\^(\d+)\^\{date_short_pretty\} at \{time\}\|([^<>|]+)>")


def _escalation(**changes: object) -> Escalation:
    values: dict[str, object] = {
        "id": 1,
        "team_id": "T1",
        "number": 7,
        "severity": "sev2",
        "summary": SUMMARY,
        "details": NOTE,
        "status": "open",
        "reporter_id": "UREP",
        "assignee_id": "UOWN",
        "level": 1,
        "reminder_count": 0,
        "ack_due_at": DEADLINE,
        "next_deadline_at": DEADLINE,
        "channel_id": "C1",
        "source_link": None,
        "cause": None,
        "resolution_note": None,
        "created_at": OPENED,
        "acknowledged_at": None,
        "resolved_at": None,
        "resolved_by": None,
    }
    values.update(changes)
    return Escalation(**values)


def _event(kind: str, *, at: datetime = NOW) -> EscalationEvent:
    return EscalationEvent(
        kind=kind, at=at, actor_id="UACT", target_user_id="UTGT", level=1, note=NOTE
    )


def _text(payload: dict) -> str:
    return ApiCall("render", payload).blocks_text()


def _home(escalation: Escalation) -> str:
    overview = HomeOverview(
        user_id="UREP",
        escalations=[escalations.summarize(escalation, now=NOW)],
        kpis=None,
        standups=[],
        huddles=[],
        more_huddles=0,
    )
    return _text(render_home(overview, now=NOW))


def _every_surface(escalation: Escalation) -> dict[str, str]:
    """Each escalation template, rendered the way the app renders it."""
    context = messages.escalation_context(escalation, now=NOW)
    summary = messages.summary_context(escalations.summarize(escalation, now=NOW), now=NOW)
    events = [_event("opened", at=OPENED), _event("reminded")]
    stats = escalations.EscalationStats(
        days=30,
        since=NOW - timedelta(days=30),
        by_severity=[],
        total=escalations.SeverityStats("all", 0, 0, 0, None, None, None),
        causes=[],
    )
    return {
        "message": _text(messages.render_escalation(escalation, now=NOW)),
        "page": _text(render("messages/escalation_page", e=context, actions=ActionId)),
        "opened": _text(render("messages/escalation_opened", e=context)),
        "line": _text(
            render("messages/escalation_event", e=context, event=messages.event_context(events[1]))
        ),
        "update": _text(
            render("messages/escalation_update", e=context, event=messages.event_context(events[1]))
        ),
        "show": _text(messages.render_show(escalation, events, now=NOW)),
        "list": _text(
            render("messages/escalation_list", title="Open", items=[summary], total=1, empty="-")
        ),
        "stats": _text(messages.render_stats(stats)),
        "home": _home(escalation),
    }


def _moment(at: datetime) -> str:
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}|"


def test_every_time_is_in_the_readers_zone_with_a_utc_fallback() -> None:
    shown = _every_surface(_escalation())
    opened = _moment(OPENED) + "Mon 7 Dec 12:25 UTC>"
    deadline = _moment(DEADLINE) + "Mon 7 Dec 13:45 UTC>"
    assert f"*Opened*\n{opened} (1h 5m ago)" in shown["message"]
    assert f"next step: {deadline}" in shown["message"]
    assert f"Acknowledge by {deadline} or it goes to the next level" in shown["page"]
    assert f"Acknowledge deadline: ack due in 15m ({deadline})." in shown["opened"]
    assert f"*Opened*\n{opened}" in shown["show"]
    assert f"{opened} · :rotating_light: Opened by <@UACT>" in shown["show"]
    assert f"· opened {opened} (1h 5m ago) ·" in shown["list"]
    assert f"· opened {opened} (1h 5m ago) ·" in shown["home"]
    since = _moment(NOW - timedelta(days=30)) + "Sat 7 Nov 13:30 UTC>"
    assert f"(since {since})" in shown["stats"]
    for name, text in shown.items():
        if name not in ("line", "update"):  # a thread line shows no time of its own
            assert DATE.search(text), name
        assert "UTC" not in DATE.sub("", text), name


def test_without_a_deadline_none_is_shown() -> None:
    shown = _every_surface(_escalation(status="acknowledged", next_deadline_at=None))
    assert "next step" not in shown["message"]
    assert "Acknowledge by" not in shown["page"]


def test_summaries_and_notes_keep_their_mentions_and_nothing_else() -> None:
    resolved = _escalation(
        status="resolved",
        resolved_at=NOW,
        resolved_by="UOWN",
        acknowledged_at=NOW,
        resolution_note=NOTE,
    )
    shown = {**_every_surface(_escalation()), "resolved": _every_surface(resolved)["message"]}
    for name, text in shown.items():
        if name != "stats":
            assert "Dock door 4 stuck, <@UDEV> please check <#C0KPI>" in text, name
            assert "&lt;!channel&gt; &lt;!here&gt; &lt;https://evil|link&gt;" in text, name
        for inert in ("<!channel>", "<!here>", "<!everyone>", "<https://evil"):
            assert inert not in text, (name, inert)
    for name in ("line", "update", "show", "resolved"):
        assert "\n> Handed to <@UJAMAL> in <#C0DOCK>; &lt;!everyone&gt;" in shown[name], name
    assert "Handed to <@UJAMAL> in <#C0DOCK>" in shown["page"]  # the details


def _mentions(text: str) -> str:
    """What the `mentions` filter makes of `text` (the fallback text of the opened reply)."""
    context = {**messages.escalation_context(_escalation(), now=NOW), "summary": text}
    return render("messages/escalation_opened", e=context)["text"].removeprefix("ESC-7 opened: ")


def test_the_mentions_filter_keeps_only_user_and_channel_mentions() -> None:
    assert _mentions("<@UDEV|dev> <@W0ENT> <#C0KPI|ops-kpis> <#G0PRIV>") == (
        "<@UDEV> <@W0ENT> <#C0KPI> <#G0PRIV>"
    )
    assert _mentions("<!subteam^S1|@ops> <@udev> <@UDEV <#C0KPI|a>b> & <x>") == (
        "&lt;!subteam^S1|@ops&gt; &lt;@udev&gt; &lt;@UDEV <#C0KPI>b&gt; &amp; &lt;x&gt;"
    )
    assert _mentions("<@UDEV|x&y>") == "&lt;@UDEV|x&amp;y&gt;"
    assert _mentions("&lt;@UDEV&gt;") == "&amp;lt;@UDEV&amp;gt;"  # typed as text, not a mention


def test_durations_are_written_one_way() -> None:
    written = [
        format_duration(timedelta(seconds=s)) for s in (0, 59, 60, 3600, 3900, 86400, 183600, -30)
    ]
    assert written == ["<1m", "<1m", "1m", "1h", "1h 5m", "1d", "2d 3h", "<1m"]
    assert format_duration(None) == "—"
    old = _escalation(created_at=NOW - timedelta(days=2, hours=3, minutes=10))
    shown = _every_surface(old)
    for name in ("message", "page", "show", "list", "home"):
        assert "2d 3h" in shown[name], name
    assert "Still not acknowledged after 2d 3h" in shown["line"]


def test_stats_write_mtta_and_mttr_as_durations() -> None:
    row = escalations.SeverityStats(
        "sev1", 2, 2, 1, timedelta(minutes=65), timedelta(days=2, hours=3), 1
    )
    stats = escalations.EscalationStats(
        days=7, since=NOW - timedelta(days=7), by_severity=[row], total=row, causes=[]
    )
    assert "MTTA 1h 5m · MTTR 2d 3h" in _text(messages.render_stats(stats))


def test_mentions_in_a_long_note_stay_within_block_kit_limits() -> None:
    note = "<@UDEV|dev> <!channel> & " * 200
    escalation = _escalation(
        status="resolved", resolved_at=NOW, resolved_by="UOWN", resolution_note=note, details=note
    )
    event = _event("resolved")
    event.note = note
    shown = messages.render_show(escalation, [event], now=NOW)
    for block in shown["blocks"]:
        for text in [block.get("text", {}), *block.get("elements", [])]:
            assert len(text.get("text", "")) <= 3000
    assert "<@UDEV> &lt;!channel&gt; &amp;" in _text(shown)
