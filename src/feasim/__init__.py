"""feasim: deployment feasibility simulation.

Write a claim ("100,000 troops for a 1,200 km line") as a scenario file and see,
with uncertainty, what it buys: coverage, detection, QRF response, force
ratios and whether contributors can sustain it.

>>> import feasim
>>> s = feasim.load_scenario("scenarios/claims/c02-experts-100k-in-theatre.yaml")  # doctest: +SKIP
>>> r = feasim.evaluate(s)                                                         # doctest: +SKIP
>>> r.summary("troops_per_km")                                                     # doctest: +SKIP
"""

from . import discovery, frontier, sensitivity  # submodules: feasim.sensitivity.sobol, ...
from .errors import FeasimError, Problem, ScenarioError
from .loader import (
    dump_scenario,
    load_scenario,
    parse_scenario,
    validate_data,
    with_overrides,
)
from .metrics import METRICS, Metric
from .models import AnalyticModel, FunctionModel, Model, SimulationModel, evaluate, evaluate_draws
from .results import CriterionResult, Result
from .sampling import draw
from .schema import Scenario

__version__ = "0.1.0"

__all__ = [
    "Scenario",
    "load_scenario",
    "parse_scenario",
    "validate_data",
    "with_overrides",
    "dump_scenario",
    "evaluate",
    "evaluate_draws",
    "draw",
    "Model",
    "AnalyticModel",
    "SimulationModel",
    "FunctionModel",
    "Result",
    "CriterionResult",
    "METRICS",
    "Metric",
    "FeasimError",
    "ScenarioError",
    "Problem",
    "sensitivity",
    "frontier",
    "discovery",
    "__version__",
]
