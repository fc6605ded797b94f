"""Figures of results, reference data, sensitivity and minimum force (matplotlib).

Every function draws with :class:`matplotlib.figure.Figure` directly (no
``pyplot``): nothing opens a window and no global state changes, so the
functions are safe in scripts, servers and tests. Each returns the
:class:`~matplotlib.figure.Figure` so that it can be restyled or saved
(``fig.savefig("density.png", dpi=150)``); most take ``ax=`` to draw into
existing axes instead of a new figure. Axis labels carry units.

matplotlib is an optional dependency: ``pip install "feasim[plots]"``.
``import feasim.plots`` works without it (matplotlib is imported only when a
figure is drawn); calling a function raises
:class:`~feasim.errors.MissingDependency`.

The figures draw only what results and the reference data hold: claims'
troop figures are fields of :func:`feasim.refdata.claims`, per-sector
coverage is the models' :attr:`feasim.Result.by_sector`. One module per
figure family: :mod:`.density` (:func:`density_chart`,
:func:`density_comparison`), :mod:`.distributions`, :mod:`.posture`,
:mod:`.series`, :mod:`.sensitivity`, :mod:`.frontier`, :mod:`.geomap` (:func:`line_map`,
the line on a map); :mod:`._style` holds
figure creation, formatters and colours, :mod:`.labels` the names people read
(metrics and inputs in words, units, axis labels) and the label placement.
Wrong arguments raise ``PlotTypeError`` (a ``TypeError``) and values that
cannot be drawn ``PlotValueError`` (a ``ValueError``), both
:class:`~feasim.errors.FeasimError`.

>>> import feasim
>>> from feasim import plots
>>> s = feasim.load_scenario("scenarios/claims/c02-experts-100k-in-theatre.yaml")  # doctest: +SKIP
>>> fig = plots.density_chart(s)                                                    # doctest: +SKIP
>>> fig.savefig("density.png", dpi=150)                                             # doctest: +SKIP
"""

from __future__ import annotations

from ._style import PlotTypeError, PlotValueError
from .density import density_chart, density_comparison
from .distributions import DEFAULT_METRICS, metric_distributions
from .frontier import frontier_chart
from .geomap import line_map
from .posture import posture_by_sector
from .sensitivity import sensitivity_chart
from .series import commitment_fan_chart, strength_fan_chart

__all__ = [
    "density_chart",
    "density_comparison",
    "metric_distributions",
    "posture_by_sector",
    "strength_fan_chart",
    "commitment_fan_chart",
    "sensitivity_chart",
    "frontier_chart",
    "line_map",
    "DEFAULT_METRICS",
]
