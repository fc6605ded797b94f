"""The SimPy simulation: the exact reference for the analytic model (model-spec §8).

:func:`simulate` plays a scenario out over ``simulation.days`` in
``simulation.replications`` independent replications and returns the same
:class:`~feasim.Result` type, with the metric names of the analytic model that
a simulation can estimate, 95% confidence intervals and daily time series.
"""

from .runner import SERIES_UNITS, simulate

__all__ = ["simulate", "SERIES_UNITS"]
