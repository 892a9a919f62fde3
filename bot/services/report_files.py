"""A report's files for its thread: the KPI board (a small chart per KPI, up to 24 on one
PNG), the Pareto chart of escalation causes, a CSV of every figure and a PDF of the whole
report. All are made from the one `Report` the post is rendered from, in the chart process
(`make_files` runs there), so the post, the CSV and the PDF always show the same numbers."""

from __future__ import annotations

import csv
import gc
import io
import logging
import math
from collections.abc import Iterator
from typing import Any

from bot.durations import format_duration
from bot.formats import day, format_amount, format_number, format_target, long_day
from bot.services import kpis
from bot.services.kpi_chart import in_chart_process
from bot.services.reports import (
    KpiReport,
    MadeFile,
    OncallLoad,
    PersonLoad,
    Report,
    ReportNames,
    ReportPeriod,
    duration_minutes,
)

BOARD_MAX = 24
BOARD_CELL_INCHES = (4.0, 2.6)
BOARD_DPI = 100
PARETO_SIZE_INCHES = (9.0, 4.5)
PDF_LINES_PER_PAGE = 52
A4 = (8.27, 11.69)
LETTER = (8.5, 11.0)
# Zones where paper is Letter-sized (the Americas' Letter countries); A4 everywhere else.
LETTER_ZONE_PREFIXES = ("America/", "US/", "Canada/", "Pacific/Honolulu")
NAVY, GREEN, RED, AMBER, GREY = "#1f3a5f", "#2e7d32", "#c62828", "#b26a00", "#616161"
STATUS_COLOURS = {
    kpis.Status.ON_TARGET: GREEN,
    kpis.Status.WARNING: AMBER,
    kpis.Status.OFF_TARGET: RED,
    kpis.Status.NO_DATA: GREY,
}
DAY_SECONDS = 86400

# One figure a row, so that every column means one thing: what (`section`, `item`, and the
# `person` and `channel` it concerns), which figure (`metric`), its `value` in `unit`, the
# same figure for the period before, and the period (first and last day, inclusive).
CSV_COLUMNS = (
    "section",
    "item",
    "person",
    "channel",
    "metric",
    "value",
    "unit",
    "previous_period_value",
    "period_first_day",
    "period_last_day",
)
# Text cells that hold what people typed (KPI names, causes, blockers, names).
CSV_TEXT_COLUMNS = ("item", "person", "value")


def report_files(report: Report, names: ReportNames | None = None) -> list[MadeFile]:
    """The report's four files, made in the chart process."""
    return in_chart_process(make_files, report=report, names=names or ReportNames())


def file_stem(report: Report) -> str:
    return f"{report.cadence}-report-{report.period.start.isoformat()}"


def make_files(*, report: Report, names: ReportNames | None = None) -> list[MadeFile]:
    """Board, Pareto, CSV and PDF (runs in the chart process); `names` names people and
    channels in the CSV and the PDF, which are read outside Slack."""
    names = names or ReportNames()
    stem, label = file_stem(report), period_label(report)
    # Each board is drawn once: the PDF shows the same images.
    boards = board_pngs(report)
    files = [
        MadeFile("board", f"{stem}-kpis.png", f"KPI board, {label}", boards[0]),
        MadeFile("pareto", f"{stem}-causes.png", f"Escalation causes, {label}", pareto_png(report)),
        MadeFile("csv", f"{stem}.csv", f"Every figure, {label} (CSV)", report_csv(report, names)),
        MadeFile(
            "pdf", f"{stem}.pdf", f"{title_of(report)} (PDF)", report_pdf(report, boards, names)
        ),
    ]
    # Figures leave many reference cycles; collect them once, before the next report.
    gc.collect()
    return files


def period_label(report: Report) -> str:
    return report.period.label


def title_of(report: Report) -> str:
    return f"{report.cadence.capitalize()} report · {period_label(report)}"


# -- CSV ----------------------------------------------------------------------------------


def _n(value: float | None, digits: int = 4) -> str:
    return "" if value is None else repr(round(float(value), digits))


def _row(
    section: str,
    item: str,
    metric: str,
    value: str,
    unit: str = "",
    previous: str = "",
    *,
    person: str = "",
    channel: str = "",
) -> dict[str, str]:
    return {
        "section": section,
        "item": item,
        "person": person,
        "channel": channel,
        "metric": metric,
        "value": value,
        "unit": unit,
        "previous_period_value": previous,
    }


def _kpi_rows(k: KpiReport) -> Iterator[dict[str, str]]:
    yield _row("kpi", k.name, "mean", _n(k.mean), k.unit, _n(k.previous_mean))
    target = "target_minimum" if k.better == "higher" else "target_maximum"
    yield _row("kpi", k.name, target, _n(k.target), k.unit)
    yield _row("kpi", k.name, "days_on_target", str(k.days_on_target), "days")
    yield _row("kpi", k.name, "days_with_data", str(k.days_with_data), "days")
    yield _row("kpi", k.name, "days_without_data", str(k.days_without_data), "days")
    yield _row("kpi", k.name, "share_of_days_on_target", _n(k.share_on_target), "%")
    yield _row(
        "kpi",
        k.name,
        "control_rule_signals",
        str(k.signal_count),
        "signals",
        str(k.previous_signal_count),
    )
    for label, found in (("best", k.best), ("worst", k.worst)):
        if found is not None:
            yield _row("kpi", k.name, f"{label}_day", found.day.isoformat(), "date")
            yield _row("kpi", k.name, f"{label}_day_mean", _n(found.value), k.unit)


def _percent_value(rate: float | None) -> str:
    return _n(None if rate is None else 100 * rate)


def csv_rows(report: Report, names: ReportNames) -> Iterator[dict[str, str]]:
    """Every figure of the report, one a row: KPIs, escalations by severity (and `all`),
    causes, standups, people's participation, recurring blockers and on-call load (`all`
    and per person)."""
    for k in report.kpis:
        yield from _kpi_rows(k)
    e = report.escalations
    lines = [(line.severity, line.current, line.previous) for line in e.by_severity]
    for severity, current, previous in [*lines, ("all", e.total, e.previous_total)]:
        yield _row(
            "escalations",
            severity,
            "opened",
            str(current.count),
            "escalations",
            str(previous.count if previous else 0),
        )
        for metric, now, before in (
            ("mtta", current.mtta, previous.mtta if previous else None),
            ("mttr", current.mttr, previous.mttr if previous else None),
        ):
            yield _row(
                "escalations",
                severity,
                metric,
                _n(duration_minutes(now)),
                "minutes",
                _n(duration_minutes(before)),
            )
        yield _row(
            "escalations",
            severity,
            "sla_breached",
            _percent_value(current.breach_rate),
            "%",
            _percent_value(previous.breach_rate if previous else None),
        )
    for cause in e.causes:
        yield _row("cause", cause.cause, "resolved", str(cause.count), "escalations")
        yield _row("cause", cause.cause, "share", _n(cause.percent), "%")
        yield _row("cause", cause.cause, "cumulative_share", _n(cause.cumulative_percent), "%")
    for s in report.standups:
        channel = names.channel(s.channel_id)
        yield _row(
            "standup",
            channel,
            "answered",
            str(s.answered),
            "answers",
            str(s.previous_answered),
            channel=channel,
        )
        yield _row(
            "standup",
            channel,
            "expected",
            str(s.expected),
            "answers",
            str(s.previous_expected),
            channel=channel,
        )
        yield _row(
            "standup",
            channel,
            "participation",
            _n(s.percent),
            "%",
            _n(s.previous_percent),
            channel=channel,
        )
        for p in s.people:
            person = names.person(p.user_id)
            share = 100 * p.answered / p.expected if p.expected else None
            for metric, value, unit in (
                ("answered", str(p.answered), "answers"),
                ("expected", str(p.expected), "answers"),
                ("participation", _n(share), "%"),
            ):
                yield _row("person", person, metric, value, unit, person=person, channel=channel)
        for b in s.recurring:
            person = names.person(b.user_id)
            for metric, value, unit in (
                ("days_reported", str(b.days), "days"),
                ("first_day", b.first.isoformat(), "date"),
                ("last_day", b.last.isoformat(), "date"),
            ):
                yield _row(
                    "recurring_blocker",
                    b.text,
                    metric,
                    value,
                    unit,
                    person=person,
                    channel=channel,
                )
    if report.oncall is not None:
        yield from _oncall_rows(report.oncall, names)


def _oncall_rows(load: OncallLoad, names: ReportNames) -> Iterator[dict[str, str]]:
    # `all` first (no person), then each person paged, most pages first.
    for item, person, figures in [
        ("all", "", load),
        *((names.person(p.user_id), names.person(p.user_id), p) for p in load.people),
    ]:
        for metric, value, previous in (
            ("pages", figures.pages, figures.previous_pages),
            ("pages_outside_shift", figures.outside_shift, figures.previous_outside_shift),
            ("pages_off_rotation", figures.off_rotation, figures.previous_off_rotation),
        ):
            yield _row("oncall", item, metric, str(value), "pages", str(previous), person=person)


def _safe_cell(key: str, value: str) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet; numbers may
    # start with a minus, so only text cells are guarded.
    if key in CSV_TEXT_COLUMNS and value[:1] in ("=", "+", "-", "@") and not _is_number(value):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def report_csv(report: Report, names: ReportNames) -> bytes:
    period = {
        "period_first_day": report.period.start.isoformat(),
        "period_last_day": report.period.last.isoformat(),
    }
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    for row in csv_rows(report, names):
        writer.writerow({key: _safe_cell(key, value) for key, value in row.items()} | period)
    return buffer.getvalue().encode("utf-8")


# -- charts -------------------------------------------------------------------------------


def _figure(size: tuple[float, float], dpi: int = BOARD_DPI) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    # The PDF's text in its standard Helvetica: searchable, nothing to embed (embedding a
    # font subset costs a second and a half per PDF).
    matplotlib.rcParams["pdf.use14corefonts"] = True
    # It finds Helvetica's metrics all the same; its notice about the weight is noise.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    from matplotlib.figure import Figure

    return Figure(figsize=size, dpi=dpi)


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    # Level 1: a third of the encoding time of level 3, for a file a tenth larger.
    figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    figure.clear()
    return buffer.getvalue()


def _draw_kpi(axes: Any, k: KpiReport, period: ReportPeriod) -> None:
    status = kpis.Status(k.status)
    # A plain text, not set_title: placing 24 titles costs a second of layout.
    axes.text(
        0,
        1.04,
        f"{k.name}: {format_amount(k.mean, k.unit)}",
        transform=axes.transAxes,
        fontsize=10,
        color=STATUS_COLOURS[status],
        fontweight="normal" if status == kpis.Status.ON_TARGET else "bold",
    )
    # x is days since the period began, so a gap in the data shows as a gap.
    length = (period.ends_at - period.starts_at).total_seconds() / DAY_SECONDS
    if k.values:
        x = [(at - period.starts_at).total_seconds() / DAY_SECONDS for at in k.times]
        axes.plot(
            x,
            k.values,
            color=NAVY,
            linewidth=1.2,
            marker="o" if len(x) <= 62 else None,
            markersize=2.5,
        )
        if k.flagged:
            axes.scatter(
                [x[i] for i in k.flagged],
                [k.values[i] for i in k.flagged],
                s=28,
                facecolors="none",
                edgecolors=RED,
                linewidths=1.3,
                zorder=3,
            )
    else:
        axes.text(
            0.5,
            0.5,
            "no data",
            ha="center",
            va="center",
            transform=axes.transAxes,
            color=GREY,
            fontsize=10,
            # Above the target line, on a box of its own, so the line never strikes it out.
            zorder=5,
            bbox={"facecolor": "white", "edgecolor": GREY, "boxstyle": "round,pad=0.3"},
        )
    axes.axhline(k.target, color=GREEN, linewidth=1.4)
    if k.limits is not None and k.limits.sigma > 0:
        for limit in (k.limits.upper, k.limits.lower):
            axes.axhline(limit, color=RED, linewidth=0.8, linestyle="--")
    from matplotlib.ticker import MaxNLocator

    # A sparse date axis: the period's first day at the left edge, its last at the right.
    # Plain texts, not tick labels: 48 tick labels cost a second of layout.
    axes.set_xlim(0, length)
    axes.set_xticks([])
    for x, text, align in ((0, day(period.start), "left"), (1, day(period.last), "right")):
        axes.text(
            x,
            -0.03,
            text,
            transform=axes.transAxes,
            ha=align,
            va="top",
            fontsize=7,
            color=GREY,
        )
    axes.yaxis.set_major_locator(MaxNLocator(4))
    axes.tick_params(labelsize=8)


def _board_figure(shown: list[KpiReport], title: str, period: ReportPeriod) -> Any:
    count = max(len(shown), 1)
    columns = 1 if count == 1 else 2 if count <= 4 else 3 if count <= 9 else 4
    rows = math.ceil(count / columns)
    width, height = BOARD_CELL_INCHES
    total_width, total_height = max(width * columns, 8.0), height * rows + 1.25
    figure = _figure((total_width, total_height))
    figure.subplots_adjust(
        left=0.55 / total_width,
        right=1 - 0.15 / total_width,
        bottom=0.35 / total_height,
        top=1 - 0.95 / total_height,
        hspace=0.45,
        wspace=0.3,
    )
    figure.text(0.01, 1 - 0.4 / total_height, title, fontsize=14)
    figure.text(
        0.01,
        1 - 0.62 / total_height,
        "name: green on target, amber warning, red off target · green line: target · "
        "red dashes: control limits · circles: control-rule signals",
        fontsize=8,
        color=GREY,
    )
    if not shown:
        figure.text(0.5, 0.4, "No KPIs yet", ha="center", fontsize=14, color=GREY)
    for index, k in enumerate(shown):
        _draw_kpi(figure.add_subplot(rows, columns, index + 1), k, period)
    return figure


def board_pngs(report: Report) -> list[bytes]:
    """Boards of up to 24 KPIs each, off target first, one small chart per KPI: the period's
    values, the target line, control limits and signals. The first goes to Slack; the PDF
    has them all."""
    title = f"KPIs, {period_label(report)}"
    count = len(report.kpis)
    boards = []
    for start in range(0, max(count, 1), BOARD_MAX):
        part = (
            f" ({start + 1}-{min(start + BOARD_MAX, count)} of {count})"
            if count > BOARD_MAX
            else ""
        )
        shown = report.kpis[start : start + BOARD_MAX]
        boards.append(_png(_board_figure(shown, title + part, report.period)))
    return boards


def _draw_pareto(axes: Any, report: Report) -> None:
    causes = report.escalations.causes
    axes.set_title(f"Escalation causes, {period_label(report)}", fontsize=13, loc="left")
    if not causes:
        axes.text(
            0.5,
            0.5,
            "No escalations were resolved in this period",
            ha="center",
            va="center",
            transform=axes.transAxes,
            color=GREY,
            fontsize=12,
        )
        axes.set_xticks([])
        axes.set_yticks([])
        return
    shown = causes[:15]
    names = [c.cause for c in shown]
    from matplotlib.ticker import MaxNLocator

    axes.bar(names, [c.count for c in shown], color=NAVY)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("resolved escalations")
    axes.tick_params(axis="x", labelrotation=30, labelsize=9)
    line = axes.twinx()
    line.plot(names, [c.cumulative_percent for c in shown], color=RED, marker="o")
    line.set_ylim(0, 105)
    line.set_ylabel("cumulative %")
    line.axhline(80, color=GREY, linewidth=0.8, linestyle=":")


def pareto_png(report: Report) -> bytes:
    figure = _figure(PARETO_SIZE_INCHES, dpi=120)
    figure.subplots_adjust(left=0.08, right=0.9, top=0.88, bottom=0.22)
    _draw_pareto(figure.add_subplot(), report)
    return _png(figure)


# -- PDF ----------------------------------------------------------------------------------


def _change(now: str, before: str) -> str:
    return f"{now} (before: {before})"


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def report_lines(report: Report, names: ReportNames) -> list[tuple[str, str]]:
    """The report as lines of text with a style (h1, h2, text), the same figures as the post;
    people and channels by `names` (the PDF is read outside Slack)."""
    lines: list[tuple[str, str]] = [
        ("h1", title_of(report)),
        (
            "text",
            f"{long_day(report.period.start)} to {long_day(report.period.last)}, "
            f"{report.period.tz}; compared with the {report.period.noun} before.",
        ),
        ("h2", "Look at first"),
    ]
    if report.is_empty:
        lines.append(("text", "Nothing to report: no KPI values, escalations or standups."))
    for index, item in enumerate(report.highlights, 1):
        lines.append(("text", f"{index}. {item.title}: {item.detail}"))
    if not report.highlights and not report.is_empty:
        lines.append(("text", "Nothing stands out: KPIs near target, SLA steady."))
    lines.append(("h2", f"KPIs ({report.off_target} of {len(report.kpis)} off target)"))
    for k in report.kpis:
        target = format_target(k.target, k.better, k.unit)
        lines.append(
            (
                "text",
                f"{k.name}: mean "
                f"{_change(format_amount(k.mean, k.unit), format_amount(k.previous_mean, k.unit))}"
                f", target {target}",
            )
        )
        share = k.share_on_target
        detail = (
            f"    on target {k.days_on_target} of {_days(k.days_with_data)} with data"
            f" ({format_number(share, 1)}%)"
            if share is not None
            else "    no data"
        )
        detail += f", {_days(k.days_without_data)} without data; signals {k.signal_count}"
        if k.best and k.worst:
            detail += (
                f"; best {day(k.best.day)} {format_amount(k.best.value, k.unit)}, "
                f"worst {day(k.worst.day)} {format_amount(k.worst.value, k.unit)}"
            )
        lines.append(("text", detail))
    e = report.escalations
    now, before = e.total, e.previous_total
    lines.append(("h2", "Escalations"))
    lines.append(
        (
            "text",
            f"All: {_change(str(now.count), str(before.count))} opened; "
            f"MTTA {_change(format_duration(now.mtta), format_duration(before.mtta))}; "
            f"MTTR {_change(format_duration(now.mttr), format_duration(before.mttr))}; "
            f"SLA breached {_change(_percent(now.breach_rate), _percent(before.breach_rate))}",
        )
    )
    for line in e.by_severity:
        earlier = line.previous
        lines.append(
            (
                "text",
                f"{line.severity}: {line.current.count} opened; MTTA "
                f"{format_duration(line.current.mtta)}; MTTR {format_duration(line.current.mttr)}; "
                f"SLA breached {_percent(line.current.breach_rate)}"
                f" (before: {earlier.count if earlier else 0} opened, "
                f"{_percent(earlier.breach_rate if earlier else None)} breached)",
            )
        )
    for cause in e.causes:
        lines.append(
            (
                "text",
                f"    {cause.cause}: {cause.count} ({format_number(cause.percent, 1)}%, "
                f"cumulative {format_number(cause.cumulative_percent, 1)}%)",
            )
        )
    lines.append(("h2", "Standups"))
    if not report.standups:
        lines.append(("text", "No standups."))
    for s in report.standups:
        lines.append(
            (
                "text",
                f"{names.channel(s.channel_id)}: {s.answered} of {s.expected} answers, "
                f"{_change(_percent_of(s.percent), _percent_of(s.previous_percent))}",
            )
        )
        for blocker in s.recurring:
            lines.append(
                (
                    "text",
                    f"    recurring blocker of {names.user(blocker.user_id)} on "
                    f"{_days(blocker.days)}: "
                    f"{blocker.text[:90]}",
                )
            )
    if report.oncall is not None:
        lines.extend(_oncall_lines(report.oncall, names))
    return lines


def _pages(count: int) -> str:
    return f"{count} page" if count == 1 else f"{count} pages"


def _load_figures(figures: OncallLoad | PersonLoad, *, outside: str) -> str:
    """`3 pages, 2 outside …` as the post words it, off rotation only when there is some."""
    off = figures.off_rotation or figures.previous_off_rotation
    now = f"{_pages(figures.pages)}, {figures.outside_shift} {outside}"
    before = f"before: {figures.previous_pages}, {figures.previous_outside_shift} outside"
    if off:
        now += f", {figures.off_rotation} off rotation"
        before += f", {figures.previous_off_rotation} off rotation"
    return f"{now} ({before})"


def _oncall_lines(load: OncallLoad, names: ReportNames) -> list[tuple[str, str]]:
    legend = "outside: paged while taking turns in an on-call schedule but not on call"
    if load.off_rotation or load.previous_off_rotation:
        legend += "; off rotation: paged while in no schedule's rotation"
    lines = [
        ("h2", "On-call load"),
        ("text", f"{_load_figures(load, outside='outside shift hours')}; {legend}."),
    ]
    if not load.people:
        lines.append(("text", "Nobody was paged in either period."))
    for p in load.people:
        lines.append(
            (
                "text",
                f"    {names.user(p.user_id)}: {_load_figures(p, outside='outside their shifts')}",
            )
        )
    return lines


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{format_number(100 * rate, 1)}%"


def _percent_of(percent: float | None) -> str:
    return "—" if percent is None else f"{format_number(percent, 1)}%"


def _pdf_text(text: str) -> str:
    """Text the PDF's standard font can show (it has no ≥ or ≤; other letters it lacks show
    as `?`)."""
    text = text.replace("≥", ">=").replace("≤", "<=").replace("↑", "up").replace("↓", "down")
    return text.encode("cp1252", "replace").decode("cp1252")


def page_size(report: Report) -> tuple[float, float]:
    return LETTER if report.period.tz.startswith(LETTER_ZONE_PREFIXES) else A4


def report_pdf(report: Report, boards: list[bytes], names: ReportNames) -> bytes:
    """The whole report for forwarding: its text, the Pareto chart and the KPI boards (24
    KPIs a page), on A4 (Letter in the Americas)."""
    import numpy as np
    from matplotlib.backends.backend_pdf import PdfPages
    from PIL import Image

    size = page_size(report)
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": title_of(report), "Creator": "Opsbot"}) as pdf:
        lines = report_lines(report, names)
        for start in range(0, len(lines), PDF_LINES_PER_PAGE):
            figure = _figure(size)
            y = 0.95
            for style, text in lines[start : start + PDF_LINES_PER_PAGE]:
                fontsize = {"h1": 15, "h2": 12}.get(style, 8.5)
                if style == "h2":
                    y -= 0.008
                figure.text(
                    0.07,
                    y,
                    _pdf_text(text[:140]),
                    fontsize=fontsize,
                    fontweight="bold" if style != "text" else "normal",
                )
                y -= 0.017 if style == "text" else 0.024
            pdf.savefig(figure)
            figure.clear()
        figure = _figure(size)
        figure.subplots_adjust(left=0.1, right=0.88, top=0.6, bottom=0.4)
        _draw_pareto(figure.add_subplot(), report)
        pdf.savefig(figure)
        figure.clear()
        for board in boards:
            figure = _figure(size)
            image = np.asarray(Image.open(io.BytesIO(board)).convert("RGB"))
            axes = figure.add_axes((0.04, 0.04, 0.92, 0.92))
            axes.imshow(image, interpolation="none")
            axes.set_axis_off()
            pdf.savefig(figure)
            figure.clear()
    return buffer.getvalue()
