"""Statistical process control for one KPI: an individuals (XmR) chart and the
Western Electric rules, computed as Minitab and JMP do from the values given.

Centre line = mean of the values; sigma = mean moving range / 1.128 (d2 for n=2);
control limits at ±3 sigma. A rule is reported at the point that completes its
pattern, and that point itself lies in the zone the rule is about.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

D2 = 1.128


@dataclass(frozen=True)
class Violation:
    rule: int
    above: bool  # the side of the centre line
    index: int  # the point that completes the pattern

    @property
    def description(self) -> str:
        """The rule in plain words, as people on the floor say it."""
        side = "above" if self.above else "below"
        if self.rule == 1:
            limit = "upper" if self.above else "lower"
            return f"1 point beyond the {limit} control limit"
        if self.rule == 2:
            return f"2 of 3 points in a row more than 2 sigma {side} the centre line"
        if self.rule == 3:
            return f"4 of 5 points in a row more than 1 sigma {side} the centre line"
        return f"8 points in a row {side} the centre line"


@dataclass(frozen=True)
class Limits:
    """Centre line and sigma of an individuals chart; control limits at ±3 sigma."""

    centre: float
    sigma: float

    @property
    def upper(self) -> float:
        return self.centre + 3 * self.sigma

    @property
    def lower(self) -> float:
        return self.centre - 3 * self.sigma


@dataclass(frozen=True)
class ControlChart(Limits):
    count: int
    violations: tuple[Violation, ...]

    def rules_at(self, index: int) -> list[Violation]:
        """The violations completed by the point at `index`."""
        return [v for v in self.violations if v.index == index]


def _count_in_windows(flags: np.ndarray, width: int) -> np.ndarray:
    """For each point, how many of the `width` points ending there are flagged
    (0 where fewer than `width` points exist yet)."""
    counts = np.zeros(len(flags), dtype=int)
    if len(flags) < width:
        return counts
    cumulative = np.concatenate(([0], np.cumsum(flags, dtype=int)))
    counts[width - 1 :] = cumulative[width:] - cumulative[:-width]
    return counts


def control_chart(values: Sequence[float] | np.ndarray) -> ControlChart | None:
    """The XmR chart of `values` (in time order) with every Western Electric violation,
    or None with fewer than two values (no moving range)."""
    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        return None
    centre = float(x.mean())
    sigma = float(np.abs(np.diff(x)).mean() / D2)
    deviation = x - centre
    found: list[Violation] = []
    for above in (True, False):
        side = deviation if above else -deviation
        beyond = {k: side > k * sigma for k in (1, 2, 3)}
        checks = (
            (1, beyond[3]),
            (2, beyond[2] & (_count_in_windows(beyond[2], 3) >= 2)),
            (3, beyond[1] & (_count_in_windows(beyond[1], 5) >= 4)),
            (4, _count_in_windows(side > 0, 8) == 8),
        )
        for rule, hits in checks:
            found.extend(Violation(rule, above, int(i)) for i in np.flatnonzero(hits))
    found.sort(key=lambda v: (v.index, v.rule))
    return ControlChart(count=len(x), centre=centre, sigma=sigma, violations=tuple(found))
