"""Every KPI template renders with sample data, validates as Block Kit and escapes user text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.blocks import render
from bot.ids import ActionId, CallbackId
from bot.models import Kpi
from bot.services import kpis, spc
from bot.standin.server import ApiCall

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)


def _kpi(name: str = "on-time", **kw: object) -> Kpi:
    values = {
        "id": 7,
        "unit": "%",
        "target": 95.0,
        "better": "higher",
        "warn": 93.0,
        "description": "Orders shipped <b>on time</b> & complete",
        "owner_id": "UMARIA",
        "deleted_at": None,
    } | kw
    return Kpi(name=name, **values)


def text(payload: dict) -> str:  # type: ignore[type-arg]
    return ApiCall("render", payload).blocks_text()


def test_scoreboard_summarises_many_kpis_within_block_limits() -> None:
    lines = [
        kpis.ScoreLine(
            _kpi(f"kpi-{i:03}"),
            90.0 + i % 10,
            NOW,
            91.0,
            kpis.Status.WARNING,
            kpis.trend(90.0 + i % 10, 91.0, better="higher"),
        )
        for i in range(250)
    ]
    payload = render("messages/kpi_scoreboard", lines=lines, limit=200)
    assert len(payload["blocks"]) <= 50
    assert "… and 50 more KPIs." in text(payload)
    assert "↓ 1% (worse)" in text(payload)


def test_detail_alert_and_notices_render_and_escape() -> None:
    kpi = _kpi()
    values = [96.0, 95.5, 97.0, 80.0, 96.2]
    chart = spc.control_chart(values)
    times = [NOW - timedelta(days=5 - i) for i in range(5)]
    detail = kpis.KpiDetail(
        kpi=kpi,
        period=kpis.Period(30, "d"),
        start=NOW - timedelta(days=30),
        end=NOW,
        latest=96.2,
        latest_at=NOW,
        status=kpis.Status.ON_TARGET,
        count=5,
        minimum=80.0,
        mean=92.94,
        maximum=97.0,
        previous_mean=95.0,
        change=kpis.trend(92.94, 95.0, better="higher"),
        limits=chart,
        rules=[kpis.RuleSummary(1, False, "1 point beyond the lower control limit", 1, times[3])],
    )
    shown = text(render("messages/kpi_detail", d=detail, chart="coming"))
    assert "&lt;b&gt;on time&lt;/b&gt; &amp; complete" in shown
    assert "<b>" not in shown
    # Moments are Slack dates, shown in the reader's zone (UTC fallback).
    latest = "<!date^1772438400^{date_short_pretty} at {time}|Mon 2 Mar 08:00 UTC>"
    assert f"latest 96.2% as of {latest}" in shown
    assert "5 since <!date^1769846400^{date_short_pretty} at {time}|Sat 31 Jan 08:00 UTC>" in shown
    assert (
        "1 point beyond the lower control limit "
        "(<!date^1772265600^{date_short_pretty} at {time}|Sat 28 Feb 08:00 UTC>)"
    ) in shown
    assert "Drawing the chart; it appears here in a moment." in shown
    assert "America/Chicago" not in shown and "2026-" not in shown
    alert = kpis.Alert(
        team_id="T1",
        kpi_id=7,
        name="on-time",
        unit="%",
        value=80.0,
        at=NOW,
        target=95.0,
        warn=93.0,
        better="higher",
        status=kpis.Status.OFF_TARGET,
        rules=("1 point beyond the lower control limit",),
        recovered=False,
    )
    alert_text = text(render("messages/kpi_alert", alert=alert))
    assert "Control rule broken: 1 point beyond the lower control limit." in alert_text
    assert f"80% as of {latest}, target ≥ 95%" in alert_text
    assert "Times in" not in alert_text
    confirm = render("messages/kpi_remove_confirm", kpi=kpi, ActionId=ActionId)
    assert confirm["blocks"][1]["elements"][0]["value"] == "7"
    for event in ("removed", "restored", "cancelled", "channel", "config"):
        notice = render(
            "messages/kpi_notice", event=event, kpi=kpi, until=NOW, zone="UTC", channel="C0KPI"
        )
        assert notice["text"]
        if event == "removed":
            assert f"history until {latest} with `/kpi restore on-time`" in text(notice)
    view = render("views/kpi_add", channel_id="C0OPS", CallbackId=CallbackId)
    assert view["callback_id"] == "kpi_add" and view["private_metadata"] == "C0OPS"
    assert render("messages/kpi_help")["blocks"]
    assert render("messages/kpi_added", kpi=_kpi(better="lower", target=4.0, warn=None, unit="h"))
