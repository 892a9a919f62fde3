"""The PNG timeline of an on-call schedule for `/oncall show`: a row per layer and the final
row (who is really on call, overrides included), one colour per person named in its blocks
where the name fits and in a legend below, gaps marked in red, on a time axis in the
reader's timezone. Drawn in the chart process (`kpi_chart`'s), never in
a thread that serves Slack."""

from __future__ import annotations

import gc
import io
import math
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.services import rotation
from bot.services.kpi_chart import in_chart_process

WIDTH_INCHES, DPI = 10.0, 120  # 1200 px wide: Slack's preview size
ROW_INCHES, FRAME_INCHES = 0.55, 1.5
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
    "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#aec7e8",
)  # fmt: skip
GAP_COLOUR = "#c62828"
PLOT_SHARE = 0.84  # of the width, between the row labels and the right edge
LABEL_CHAR_PX = 7.0  # an average character at the labels' 9 pt, at DPI
LEGEND_COLUMNS, LEGEND_ROW_INCHES, LEGEND_PEOPLE = 5, 0.28, 15


def figure_height(rows: int, people: int) -> float:
    """Inches: the frame, a row's height per row, and the legend's lines (people and gaps)."""
    legend_lines = math.ceil((min(people, LEGEND_PEOPLE) + 1) / LEGEND_COLUMNS)
    return FRAME_INCHES + ROW_INCHES * rows + LEGEND_ROW_INCHES * legend_lines


def fitted_label(name: str, *, width_px: float) -> str | None:
    """The name as it fits in a block `width_px` wide (cut with …), or None when not even
    three letters fit."""
    room = int(width_px / LABEL_CHAR_PX) - 1
    if room < 3:
        return None
    return name if len(name) <= room else name[: room - 1].rstrip() + "…"


@dataclass(frozen=True)
class TimelineRow:
    """One row: its label and its shifts (plain values, sent to the drawing process); a
    shift without a person is a gap, drawn only in the final row."""

    label: str
    shifts: tuple[rotation.Shift, ...]
    final: bool = False


def timeline_rows(
    schedule: rotation.Schedule, start: datetime, end: datetime, *, layer_names: list[str]
) -> list[TimelineRow]:
    """A row per layer (that layer alone) and the final row (the whole schedule)."""
    rows = [
        TimelineRow(
            name, tuple(rotation.shifts(rotation.Schedule(schedule.tz, (layer,)), start, end))
        )
        for name, layer in zip(layer_names, schedule.layers, strict=True)
    ]
    rows.append(TimelineRow("On call", tuple(rotation.shifts(schedule, start, end)), final=True))
    return rows


def timeline_png(
    *,
    title: str,
    rows: list[TimelineRow],
    names: dict[str, str],
    start: datetime,
    end: datetime,
    zone: str,
) -> bytes:
    """`render_timeline` in the drawing process."""
    return in_chart_process(
        render_timeline, title=title, rows=rows, names=names, start=start, end=end, zone=zone
    )


def render_timeline(
    *,
    title: str,
    rows: list[TimelineRow],
    names: dict[str, str],
    start: datetime,
    end: datetime,
    zone: str,
) -> bytes:
    """The timeline as PNG bytes, 1200 px wide and a row's height per row."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    tz = ZoneInfo(zone)
    people = list(dict.fromkeys(s.user_id for row in rows for s in row.shifts if s.user_id))
    colours = {user: PALETTE[i % len(PALETTE)] for i, user in enumerate(people)}
    height = figure_height(len(rows), len(people))
    legend_inches = height - FRAME_INCHES - ROW_INCHES * len(rows)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    figure.subplots_adjust(
        left=0.14, right=0.98, top=1 - 0.55 / height, bottom=(0.75 + legend_inches) / height
    )
    axes = figure.add_subplot()
    span = mdates.date2num(end) - mdates.date2num(start)
    for index, row in enumerate(reversed(rows)):
        for shift in row.shifts:
            left = mdates.date2num(shift.starts_at)
            width = mdates.date2num(shift.ends_at) - left
            if shift.user_id is None:
                if row.final:
                    axes.broken_barh(
                        [(left, width)], (index - 0.4, 0.8), facecolors="white",
                        edgecolors=GAP_COLOUR, hatch="////", linewidth=1.2,
                    )  # fmt: skip
                continue
            axes.broken_barh(
                [(left, width)], (index - 0.4, 0.8), facecolors=colours[shift.user_id],
                edgecolors="white", linewidth=0.8,
            )  # fmt: skip
            label = fitted_label(
                names.get(shift.user_id, shift.user_id),
                width_px=width / span * WIDTH_INCHES * DPI * PLOT_SHARE,
            )
            if label:  # the person's name where it fits; the legend says it everywhere
                axes.text(
                    left + width / 2, index, label,
                    ha="center", va="center", fontsize=9, color="white", clip_on=True,
                )  # fmt: skip
    axes.set_yticks(range(len(rows)))
    axes.set_yticklabels([row.label for row in reversed(rows)], fontsize=10)
    axes.set_ylim(-0.6, len(rows) - 0.4)
    axes.set_xlim(start, end)
    locator = mdates.AutoDateLocator(tz=tz, maxticks=10)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(
        mdates.ConciseDateFormatter(
            locator,
            tz=tz,
            formats=["%Y", "%b", "%a %-d %b", "%H:%M", "%H:%M", "%H:%M:%S"],
            zero_formats=["%Y", "%Y", "%a %-d %b", "%a %-d %b", "%H:%M", "%H:%M"],
            show_offset=False,
        )
    )
    axes.tick_params(axis="x", labelsize=9)
    axes.grid(axis="x", alpha=0.3)
    axes.set_title(title, fontsize=13, loc="left")
    axes.set_xlabel(f"Times in {zone}", fontsize=9, loc="right")
    handles = [
        Patch(facecolor=colours[user], label=names.get(user, user)[:24])
        for user in people[:LEGEND_PEOPLE]
    ]
    if len(people) > LEGEND_PEOPLE:
        handles.append(Patch(facecolor="white", label=f"… {len(people) - LEGEND_PEOPLE} more"))
    if any(s.is_gap for row in rows if row.final for s in row.shifts):
        handles.append(
            Patch(facecolor="white", edgecolor=GAP_COLOUR, hatch="////", label="nobody on call")
        )
    if handles:  # who is who: below the time axis, left to right in order of appearance
        figure.legend(
            handles=handles, fontsize=9, loc="lower left", bbox_to_anchor=(0.14, 0.0),
            ncols=LEGEND_COLUMNS, frameon=False, handlelength=1.2, columnspacing=1.5,
        )  # fmt: skip
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 3})
    figure.clear()
    gc.collect()
    return buffer.getvalue()
