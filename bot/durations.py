"""How a duration is written, the same in every surface (SPEC: `1h 5m`, `2d 3h`, `<1m`)."""

from __future__ import annotations

from datetime import timedelta


def format_duration(delta: timedelta | None) -> str:
    """How long something took or has lasted: `<1m`, `12m`, `1h 5m`, `2h`, `2d 3h`, `2d`;
    None → `—`."""
    if delta is None:
        return "—"
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "<1m"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"
