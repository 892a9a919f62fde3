"""Charts are drawn in a separate process, which is replaced when it dies."""

from __future__ import annotations

import os
import signal
from datetime import timedelta

from bot.models import Kpi
from bot.services import kpi_chart
from tests.conftest import START

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _chart(kpi_id: int) -> bytes:
    kpi = Kpi(id=kpi_id, name="on-time", unit="%", target=95.0, warn=None, better="higher")
    times = [START - timedelta(days=d) for d in range(5, 0, -1)]
    return kpi_chart.chart_png(
        kpi=kpi, times=times, values=[96, 94, 97, 95.5, 96], title="on-time, last 7 days"
    )


def test_a_killed_drawing_process_is_replaced() -> None:
    assert _chart(9001).startswith(PNG_MAGIC)
    drawing = list(kpi_chart._drawer._current()._processes)  # type: ignore[attr-defined]
    assert drawing and os.getpid() not in drawing
    for pid in drawing:
        os.kill(pid, signal.SIGKILL)
    assert _chart(9002).startswith(PNG_MAGIC)
    replaced = list(kpi_chart._drawer._current()._processes)  # type: ignore[attr-defined]
    assert replaced and not set(replaced) & set(drawing)
