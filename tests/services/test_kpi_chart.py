"""Charts: drawn in a separate process, which is replaced when it dies; a time axis in the
reader's timezone that spans the period asked for, labelled so that it reads alone."""

from __future__ import annotations

import io
import os
import signal
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from matplotlib import dates as mdates

from bot.models import Kpi
from bot.services import kpi_chart
from bot.services.kpi_chart import ChartSpan, ChartSpec
from tests.conftest import START

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CHICAGO = "America/Chicago"
SPEC = ChartSpec(name="on-time", unit="%", target=95.0, warn=93.0)


def _chart(kpi_id: int) -> bytes:
    kpi = Kpi(id=kpi_id, name="on-time", unit="%", target=95.0, warn=None, better="higher")
    times = [START - timedelta(days=d) for d in range(5, 0, -1)]
    return kpi_chart.chart_png(
        kpi=kpi,
        span=ChartSpan(start=START - timedelta(days=7), end=START, zone="UTC"),
        times=times,
        values=[96, 94, 97, 95.5, 96],
        title="on-time, last 7 days",
    )


def _drawn(span: ChartSpan, times: list[datetime], values: list[float]):  # type: ignore[no-untyped-def]
    """The chart's axes after drawing (tick labels exist only once a figure is drawn)."""
    figure = kpi_chart.chart_figure(spec=SPEC, span=span, times=times, values=values, title="t")
    figure.savefig(io.BytesIO(), format="png")
    return figure.axes[0]


def _ticks(axes, zone: ZoneInfo) -> list[tuple[datetime, str]]:  # type: ignore[no-untyped-def]
    return [
        (mdates.num2date(tick, tz=zone), label.get_text())
        for tick, label in zip(axes.get_xticks(), axes.get_xticklabels(), strict=True)
        if label.get_text()
    ]


def test_the_time_axis_is_in_the_readers_zone() -> None:
    zone = ZoneInfo(CHICAGO)
    # Three mornings at 07:30 in Chicago (13:30 UTC), a week's chart read in Chicago.
    mornings = [datetime(2026, 2, day, 7, 30, tzinfo=zone).astimezone(UTC) for day in (24, 25, 26)]
    span = ChartSpan(start=START - timedelta(days=7), end=START, zone=CHICAGO)
    axes = _drawn(span, mornings, [96.0, 94.0, 97.0])
    plotted = [mdates.num2date(x, tz=zone) for x in axes.lines[0].get_xdata(orig=False)]
    assert [(t.day, t.hour, t.minute) for t in plotted] == [(24, 7, 30), (25, 7, 30), (26, 7, 30)]
    ticks = _ticks(axes, zone)
    assert ticks and all((t.hour, t.minute) == (0, 0) for t, _ in ticks)  # Chicago's midnights
    assert [label for _, label in ticks][:3] == ["24 Feb", "25 Feb", "26 Feb"]
    assert axes.get_xlabel() == "Times in America/Chicago"
    assert axes.xaxis.get_offset_text().get_text() == ""  # no `2026-Feb` in the corner

    # Over a day the ticks are Chicago's hours: 07:30 there sits between 04:00 and 08:00.
    day = ChartSpan(
        start=mornings[2] - timedelta(hours=20), end=mornings[2] + timedelta(hours=3), zone=CHICAGO
    )
    hours = _ticks(_drawn(day, [mornings[2]], [97.0]), zone)
    assert all(label in (f"{t:%H:%M}", f"{t.day} {t:%b}") for t, label in hours)
    assert {"04:00", "08:00", "26 Feb"} <= {label for _, label in hours}


def test_one_value_sits_in_the_whole_period() -> None:
    span = ChartSpan(start=START - timedelta(days=30), end=START, zone="UTC")
    axes = _drawn(span, [START - timedelta(days=2)], [96.0])
    start, end = (mdates.num2date(x, tz=UTC) for x in axes.get_xlim())
    assert (start, end) == (span.start, span.end)


def test_a_killed_drawing_process_is_replaced() -> None:
    assert _chart(9001).startswith(PNG_MAGIC)
    drawing = list(kpi_chart._drawer._current()._processes)  # type: ignore[attr-defined]
    assert drawing and os.getpid() not in drawing
    for pid in drawing:
        os.kill(pid, signal.SIGKILL)
    assert _chart(9002).startswith(PNG_MAGIC)
    replaced = list(kpi_chart._drawer._current()._processes)  # type: ignore[attr-defined]
    assert replaced and not set(replaced) & set(drawing)
