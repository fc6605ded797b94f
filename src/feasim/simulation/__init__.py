"""The SimPy simulation: the exact reference for the analytic model (docs/model.md).

:func:`simulate` plays a scenario out over ``simulation.days`` in
``simulation.replications`` independent replications and returns the same
:class:`~feasim.Result` type, with the metric names of the analytic model that
a simulation can estimate, 95% confidence intervals and daily time series.
It is a convenience over :class:`feasim.models.SimulationModel`; this package
holds the per-replication engine (``engine``, ``runner``, ``patrols``, ``forceflow``).
"""

from __future__ import annotations

from typing import Any

from ..metrics import SERIES_UNITS
from ..models.simulation import simulate

__all__ = ["simulate", "SERIES_UNITS", "detection_by_cell"]


def detection_by_cell(result_or_reps: Any) -> dict[str, tuple[float, float]]:
    """Simulated detection share per cell, pooled over replications (contract v3 §H).

    ``result_or_reps``: a simulation :class:`~feasim.Result` (its ``cells``), or
    replication dicts of :func:`feasim.simulation.runner.replication_metrics` (or
    ``(replication, dict)`` pairs). Returns ``{"SECTOR|HOUR": (share, incursions)}``:
    the share of measured incursions whose window starts in that sector and clock
    hour (0–23) that were detected, and how many there were (NaN share for none),
    so that a test can compare the analytic worst cell with its simulated share
    (binomial standard error ``sqrt(share (1 − share) / incursions)``).
    """
    cells = getattr(result_or_reps, "cells", None)
    if cells is None:
        cells = {}
        for r in result_or_reps:
            r = r[1] if isinstance(r, tuple) else r
            for key, (hit, count) in r.get("cells", {}).items():
                total = cells.setdefault(key, [0.0, 0.0])
                total[0] += hit
                total[1] += count
    return {k: (hit / count if count else float("nan"), count)
            for k, (hit, count) in cells.items()}
