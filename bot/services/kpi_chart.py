"""The PNG chart of a KPI over a period: values, target, control limits and the points
that break a Western Electric rule. matplotlib is imported here, lazily, so that it
never slows a Slack acknowledgement."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from bot.models import Kpi
from bot.services import spc

WIDTH_INCHES, HEIGHT_INCHES, DPI = 9.0, 4.5, 120
MARKERS_UP_TO = 200


def render_chart(*, kpi: Kpi, times: list[datetime], values: list[float], title: str) -> bytes:
    """A PNG line chart, readable at Slack's preview size."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    chart = spc.control_chart(values)
    marker = "o" if len(values) <= MARKERS_UP_TO else None
    axes.plot(
        times, values, color="#1f3a5f", linewidth=1.6, marker=marker, markersize=4, label=kpi.name
    )
    axes.axhline(kpi.target, color="#2e7d32", linewidth=1.8, label=f"target {kpi.target:g}")
    if kpi.warn is not None:
        axes.axhline(
            kpi.warn, color="#f9a825", linewidth=1.2, linestyle=":", label=f"warning {kpi.warn:g}"
        )
    if chart is not None:
        axes.axhline(chart.centre, color="#616161", linewidth=1, label="centre line")
        for limit in (chart.upper, chart.lower):
            axes.axhline(limit, color="#c62828", linewidth=1, linestyle="--")
        axes.plot([], [], color="#c62828", linestyle="--", label="control limits (±3 sigma)")
        flagged = sorted({v.index for v in chart.violations})
        if flagged:
            axes.scatter(
                [times[i] for i in flagged],
                [values[i] for i in flagged],
                s=46,
                facecolors="none",
                edgecolors="#c62828",
                linewidths=1.8,
                zorder=3,
                label="rule broken",
            )
    axes.set_title(title, fontsize=14, loc="left")
    if kpi.unit:
        axes.set_ylabel(kpi.unit, fontsize=11)
    axes.grid(alpha=0.25)
    axes.tick_params(labelsize=10)
    if times and times[0] == times[-1]:  # one moment: give the date axis a day each side
        axes.set_xlim(times[0] - timedelta(days=1), times[0] + timedelta(days=1))
    locator = mdates.AutoDateLocator(maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
