"""The App Home view renders as valid Block Kit with sample data: empty, typical and crowded
(within the 100 blocks of a Home tab), with user text escaped."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.blocks import MAX_VIEW_BLOCKS
from bot.messaging.home_tab import render_home
from bot.services import huddle
from bot.services.escalations import EscalationSummary
from bot.services.home import HomeOverview, NextHuddle
from bot.services.huddle import KpiLine, KpiStatus
from bot.services.standups import UserStandup
from bot.standin.server import ApiCall

NOW = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)
CHICAGO = ZoneInfo("America/Chicago")


def _escalation(
    number: int, *, status: str = "open", summary: str = "Dock door 4 stuck"
) -> EscalationSummary:
    opened = NOW - timedelta(minutes=20 * number)
    return EscalationSummary(
        number=number,
        severity="sev2",
        summary=summary,
        status=status,
        owner_id="UJAMAL",
        reporter_id="UMARIA",
        level=1,
        created_at=opened,
        age=NOW - opened,
        ack_due_at=opened + timedelta(minutes=15),
        next_deadline_at=opened + timedelta(minutes=15),
        acknowledged_at=None,
        resolved_at=None,
        sla_breached=number > 1,
    )


def _standup(standup_id: int, *, answered: bool = False) -> UserStandup:
    return UserStandup(
        standup_id, f"C0TEAM{standup_id}", date(2026, 3, 2), True, answered, False, time(8, 30)
    )


def _overview(**changes: object) -> HomeOverview:
    values: dict[str, object] = {
        "user_id": "UMARIA",
        "escalations": [],
        "kpis": None,
        "standups": [],
        "huddles": [],
        "more_huddles": 0,
    }
    values.update(changes)
    return HomeOverview(**values)  # type: ignore[arg-type]


def _text(view: dict[str, object]) -> str:
    return ApiCall("view", {"blocks": view["blocks"]}).blocks_text()


def test_an_empty_home_explains_each_section() -> None:
    view = render_home(_overview(), now=NOW)
    text = _text(view)
    assert view["type"] == "home"
    # Slack shows it in the viewer's zone; the fallback for clients that cannot is in UTC.
    assert "Updated <!date^1772458200^{date_short_pretty} at {time}|Mon 2 Mar 13:30 UTC>" in text
    assert "Nothing open that you own or reported." in text
    assert "_No data yet: KPIs appear here once they are set up with `/kpi add`._" in text
    assert "You are not in a standup." in text
    assert "No huddle is scheduled." in text


def test_a_typical_home() -> None:
    kpis = huddle.kpi_section(
        [
            KpiLine("Pick rate", 150, "lines/h", 140, KpiStatus.ON_TARGET, 4),
            KpiLine("On-time shipping", 80, "%", 95, KpiStatus.OFF_TARGET, -3.5),
        ]
    )
    view = render_home(
        _overview(
            escalations=[
                _escalation(1, summary="<!channel> & <https://evil|click>"),
                _escalation(2, status="acknowledged"),
            ],
            kpis=kpis,
            standups=[_standup(1), _standup(2, answered=True)],
            huddles=[
                NextHuddle("C0HUDDLE", datetime(2026, 3, 2, 13, 45, tzinfo=UTC), "America/Chicago")
            ],
        ),
        now=NOW,
    )
    text = _text(view)
    assert "&lt;!channel&gt; &amp; &lt;https://evil|click&gt;" in text
    assert "<!channel>" not in text
    assert "*:rotating_light: Your open escalations* (2)" in text
    assert ":red_circle: *On-time shipping* 80% · target ≥ 95%" in text.replace("\n", " ")
    assert (
        "<#C0HUDDLE> · <!date^1772459100^{date_short_pretty} at {time}|Mon 2 Mar 13:45 UTC>" in text
    )
    assert (
        "<#C0TEAM1> · Mon 2 Mar: :hourglass: not answered yet (reminder at 08:30 your time)" in text
    )
    assert "<#C0TEAM2> · Mon 2 Mar: :white_check_mark: answered" in text
    labels = [
        (element["text"]["text"], element["value"])
        for block in view["blocks"]
        for element in [*block.get("elements", []), block.get("accessory") or {}]
        if element.get("type") == "button"
    ]
    assert labels == [
        ("Acknowledge", "1"),
        ("Resolve", "1"),
        ("Resolve", "2"),
        ("Answer", "1"),
        ("Edit answer", "2"),
    ]


def test_a_crowded_home_stays_within_a_home_tabs_limits() -> None:
    kpis = huddle.kpi_section(
        [
            KpiLine(f"KPI {n} " + "x" * 80, n * 1.5, "units", 10, KpiStatus.OFF_TARGET, -1)
            for n in range(40)
        ]
    )
    view = render_home(
        _overview(
            escalations=[_escalation(n, summary="Conveyor & <belt> " * 8) for n in range(1, 81)],
            kpis=kpis,
            standups=[_standup(n) for n in range(1, 31)],
            huddles=[NextHuddle(f"C0H{n}", NOW + timedelta(hours=n), "UTC") for n in range(3)],
            more_huddles=7,
        ),
        now=NOW,
    )
    assert len(view["blocks"]) <= MAX_VIEW_BLOCKS
    assert len(json.dumps(view)) < 100_000
    text = _text(view)
    assert "(80)" in text and "… and 60 more: `/escalate list mine` shows them all." in text
    assert "… and 28 more: `/kpi` shows them all." in text
    assert "… and 20 more: `/standup` lets you answer them." in text
    assert "… and 7 more: `/huddle status` lists them." in text
