"""matplotlib is imported only when a chart is drawn, never while the app starts or acks."""

from __future__ import annotations

import subprocess
import sys


def test_the_app_starts_without_matplotlib() -> None:
    code = (
        "import sys, bot.runtime, bot.web, handlers, handlers.commands.kpi, handlers.api.kpis; "
        "sys.exit('matplotlib' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
