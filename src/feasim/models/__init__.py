"""The models of feasim behind one interface.

Every model answers ``model.evaluate(scenario, inputs=None, *, n=None, rng=None)``
with a :class:`~feasim.Result` whose metrics use the names and units of
:data:`feasim.METRICS`, criteria judged by :func:`judge` (the only place):

- :class:`AnalyticModel`: the vectorised analytic model, ``n`` Monte Carlo samples;
- :class:`SimulationModel`: the SimPy simulation, ``n`` replications, on the shared
  executors of :mod:`feasim.executors`;
- :class:`FunctionModel`: a plain (vectorised) Python function.

Sweeps, sensitivity, the minimum-force frontier, reports and the CLI reach the
models only through this interface. :func:`evaluate`, :func:`evaluate_draws`
and :func:`simulate` are conveniences over it. The computations behind the
models: :mod:`feasim.analytic` with :mod:`feasim.model` (the analytic pass) and
:mod:`feasim.simulation` (the SimPy engine, one replication at a time).

>>> import feasim
>>> from feasim.models import AnalyticModel
>>> s = feasim.load_scenario("scenarios/claims/c02-experts-100k-in-theatre.yaml")  # doctest: +SKIP
>>> r = AnalyticModel().evaluate(s, {"theatre.line_km": [600, 1200]}, rng=1)  # doctest: +SKIP
>>> r["troops_per_km"]                                                        # doctest: +SKIP
"""

from .analytic import AnalyticModel, evaluate, evaluate_draws
from .base import Model, RNGLike, judge, make_result
from .function import FunctionModel
from .simulation import SimulationModel, simulate

__all__ = ["Model", "AnalyticModel", "SimulationModel", "FunctionModel", "judge",
           "make_result", "RNGLike", "evaluate", "evaluate_draws", "simulate"]
