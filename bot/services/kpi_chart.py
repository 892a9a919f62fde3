"""The PNG chart of a KPI over a period: values, target, control limits and the points
that break a Western Electric rule, on a time axis in the reader's timezone that spans the
whole period asked for. Charts are drawn by matplotlib in a separate process (one per
serving process, started on first use), so that a quarter of a second of drawing never
holds the interpreter lock that acknowledgements need."""

from __future__ import annotations

import gc
import io
import itertools
import math
import multiprocessing
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from bot.formats import format_amount
from bot.models import Kpi
from bot.services import spc

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH_INCHES, HEIGHT_INCHES, DPI = 9.0, 4.5, 120
MARKERS_UP_TO = 200
BUCKETS = 600  # more points than twice this are drawn as a mean line in a min-max band
CACHED_CHARTS = 256
DRAW_TIMEOUT_SECONDS = 120

T = TypeVar("T")
_charts: OrderedDict[tuple[object, ...], Future[bytes]] = OrderedDict()
_charts_lock = threading.Lock()


@dataclass(frozen=True)
class ChartSpec:
    """What a chart shows of the KPI's definition (plain values, sent to the drawing process)."""

    name: str
    unit: str
    target: float
    warn: float | None

    @classmethod
    def of(cls, kpi: Kpi) -> ChartSpec:
        return cls(name=kpi.name, unit=kpi.unit, target=kpi.target, warn=kpi.warn)


@dataclass(frozen=True)
class ChartSpan:
    """The stretch of time a chart shows (the whole period asked for, so that one value sits
    where it belongs in it) and the timezone its axis is read in (an IANA name)."""

    start: datetime
    end: datetime
    zone: str


class _Drawer:
    """The drawing process of this serving process. A new one is started after a fork (a
    gunicorn worker never shares its parent's) or when the last one died."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._pid = 0

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                # spawn, not fork: forking a process that runs threads can copy held locks.
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
                self._pid = os.getpid()
            return self._pool

    def _forget(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False)

    def draw(
        self,
        *,
        spec: ChartSpec,
        span: ChartSpan,
        times: list[datetime],
        values: list[float],
        title: str,
    ) -> bytes:
        chart = {"spec": spec, "span": span, "times": times, "values": values, "title": title}
        return self.run(render_chart, **chart)

    def run(self, function: Callable[..., T], **kwargs: Any) -> T:
        """`function(**kwargs)` in the drawing process (a module-level function, plain data)."""
        pool = self._current()
        try:
            return pool.submit(function, **kwargs).result(timeout=DRAW_TIMEOUT_SECONDS)
        except BrokenProcessPool:  # the drawing process died (killed): once more in a new one
            self._forget(pool)
            return self._current().submit(function, **kwargs).result(DRAW_TIMEOUT_SECONDS)


_drawer = _Drawer()


def in_chart_process(function: Callable[..., T], **kwargs: Any) -> T:
    """Drawing work other than a KPI's chart (a report's board, Pareto chart and PDF), run
    in the drawing process: never in a thread that serves Slack."""
    return _drawer.run(function, **kwargs)


def chart_png(
    *, kpi: Kpi, span: ChartSpan, times: list[datetime], values: list[float], title: str
) -> bytes:
    """`render_chart` in the drawing process, once per KPI definition, data, span and zone:
    the same chart is often asked for again before a new value arrives. Concurrent requests
    for the same chart wait for the one being drawn."""
    key = (
        span,
        kpi.id,
        kpi.target,
        kpi.warn,
        kpi.better,
        kpi.unit,
        title,
        len(values),
        times[0] if times else None,
        times[-1] if times else None,
        math.fsum(values),
    )
    with _charts_lock:
        drawing = _charts.get(key)
        mine = drawing is None
        if drawing is None:
            drawing = _charts[key] = Future()
            while len(_charts) > CACHED_CHARTS:
                _charts.popitem(last=False)
        else:
            _charts.move_to_end(key)
    if mine:
        try:
            drawing.set_result(
                _drawer.draw(
                    spec=ChartSpec.of(kpi), span=span, times=times, values=values, title=title
                )
            )
        except BaseException as error:
            with _charts_lock:
                _charts.pop(key, None)
            drawing.set_exception(error)
    return drawing.result()


def render_chart(
    *, spec: ChartSpec, span: ChartSpan, times: list[datetime], values: list[float], title: str
) -> bytes:
    """A PNG line chart, readable at Slack's preview size."""
    figure = chart_figure(spec=spec, span=span, times=times, values=values, title=title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 3})
    figure.clear()
    # A figure leaves many reference cycles; collect them before the next chart.
    gc.collect()
    return buffer.getvalue()


def chart_figure(
    *, spec: ChartSpec, span: ChartSpan, times: list[datetime], values: list[float], title: str
) -> Figure:
    """The chart as a matplotlib figure. Its time axis covers `span` and is read in
    `span.zone`: ticks fall on that zone's midnights and hours, and are labelled with it."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure

    zone = ZoneInfo(span.zone)

    # Fixed margins: constrained layout costs a third of a second per chart.
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    figure.subplots_adjust(left=0.08, right=0.77, top=0.9, bottom=0.14)
    axes = figure.add_subplot()
    chart = spc.control_chart(values)
    dense = len(values) > BUCKETS * 2
    if dense:
        _plot_envelope(axes, times, values, label=spec.name)
    else:
        marker = "o" if len(values) <= MARKERS_UP_TO else None
        axes.plot(
            times,
            values,
            color="#1f3a5f",
            linewidth=1.6,
            marker=marker,
            markersize=4,
            label=spec.name,
        )
    axes.axhline(
        spec.target,
        color="#2e7d32",
        linewidth=1.8,
        label=f"target {format_amount(spec.target, spec.unit)}",
    )
    if spec.warn is not None:
        axes.axhline(
            spec.warn,
            color="#f9a825",
            linewidth=1.2,
            linestyle=":",
            label=f"warning {format_amount(spec.warn, spec.unit)}",
        )
    if chart is not None:
        axes.axhline(chart.centre, color="#616161", linewidth=1, label="centre line")
        for limit in (chart.upper, chart.lower):
            axes.axhline(limit, color="#c62828", linewidth=1, linestyle="--")
        axes.plot([], [], color="#c62828", linestyle="--", label="control limits (±3 sigma)")
        # In a dense chart only points beyond the limits are marked; runs would hide the data.
        flagged = sorted({v.index for v in chart.violations if not dense or v.rule == 1})
        if flagged:
            axes.scatter(
                [times[i] for i in flagged],
                [values[i] for i in flagged],
                s=46,
                facecolors="none",
                edgecolors="#c62828",
                linewidths=1.8,
                zorder=3,
                label="beyond control limits" if dense else "rule broken",
            )
    axes.set_title(title, fontsize=14, loc="left")
    if spec.unit:
        axes.set_ylabel(spec.unit, fontsize=11)
    axes.grid(alpha=0.25)
    axes.tick_params(labelsize=10)
    axes.set_xlim(span.start, span.end)
    locator = mdates.AutoDateLocator(tz=zone, maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(_time_labels(locator, zone))
    axes.set_xlabel(f"Times in {span.zone}", fontsize=9, loc="right")
    axes.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return figure


def _time_labels(locator: Any, zone: ZoneInfo) -> Any:
    """Tick labels that read alone, in the app's date style (`7 Dec`, `07:30`, `Dec`, `2026`):
    no offset text in the corner (matplotlib's `2026-Dec`), which readers took for a value."""
    from matplotlib import dates as mdates

    # Levels: years, months, days, hours, minutes, seconds; `zero` labels a tick that starts
    # the next level up (midnight shows its date, January its year).
    formats = ["%Y", "%b", "%-d %b", "%H:%M", "%H:%M", "%H:%M:%S"]
    zero = ["%Y", "%Y", "%-d %b", "%-d %b", "%H:%M", "%H:%M"]
    return mdates.ConciseDateFormatter(
        locator, tz=zone, formats=formats, zero_formats=zero, show_offset=False
    )


def _plot_envelope(axes: Any, times: list[datetime], values: list[float], *, label: str) -> None:
    """Thousands of points are drawn per bucket (mean, and the min-max band): the same
    picture at preview size, in a fraction of the time."""
    import numpy as np

    edges = np.linspace(0, len(values), BUCKETS + 1, dtype=int)
    array = np.asarray(values, dtype=float)
    starts = edges[:-1]
    middles = [times[(a + b) // 2] for a, b in itertools.pairwise(edges)]
    means = np.add.reduceat(array, starts) / np.diff(edges)
    axes.fill_between(
        middles,
        np.minimum.reduceat(array, starts),
        np.maximum.reduceat(array, starts),
        color="#1f3a5f",
        alpha=0.2,
        linewidth=0,
        label="min to max",
    )
    axes.plot(middles, means, color="#1f3a5f", linewidth=1.4, label=f"{label} (mean)")
