"""feasim: deployment feasibility simulation.

Write a claim ("100,000 troops for a 1,200 km line") as a scenario file and see,
with uncertainty, what it buys: coverage, detection, QRF response, force
ratios and whether contributors can sustain it.

>>> import feasim
>>> s = feasim.load_scenario("scenarios/claims/c02-experts-100k-in-theatre.yaml")  # doctest: +SKIP
>>> r = feasim.evaluate(s)                                                         # doctest: +SKIP
>>> r.summary("troops_per_km")                                                     # doctest: +SKIP
"""

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

def _version() -> str:
    """The installed distribution's version: pyproject.toml is its one source."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("feasim")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree, not installed
        return "0+unknown"


__version__ = _version()

_LAZY = ("sensitivity", "frontier", "discovery")


def __getattr__(name: str):
    """``feasim.sensitivity``, ``feasim.frontier``, ``feasim.discovery``: imported when
    first used, so that ``import feasim`` (and ``feasim run``) does not pay for them."""
    if name in _LAZY:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'feasim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

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
