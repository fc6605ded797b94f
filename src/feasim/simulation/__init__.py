"""The SimPy simulation: the exact reference for the analytic model (model-spec §8).

:func:`simulate` plays a scenario out over ``simulation.days`` in
``simulation.replications`` independent replications and returns the same
:class:`~feasim.Result` type, with the metric names of the analytic model that
a simulation can estimate, 95% confidence intervals and daily time series.
It is a convenience over :class:`feasim.models.SimulationModel`; this package
holds the per-replication engine (``engine``, ``runner``, ``patrols``, ``forceflow``).
"""

from ..metrics import SERIES_UNITS
from ..models.simulation import simulate

__all__ = ["simulate", "SERIES_UNITS"]
