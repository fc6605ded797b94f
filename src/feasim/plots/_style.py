"""Figure and axes creation, number formatters and colours shared by the figures.

matplotlib is imported inside the functions only, so importing this module
(and :mod:`feasim.plots`) works without it.
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ..errors import FeasimError, MissingDependency

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["PlotTypeError", "PlotValueError"]

_INSTALL = 'plots need matplotlib: pip install "feasim[plots]"'


class PlotTypeError(FeasimError, TypeError):
    """A figure function was given the wrong kind of object (e.g. its arguments swapped)."""


class PlotValueError(FeasimError, ValueError):
    """A figure function was given a value it cannot draw (an unknown metric or claim)."""


# Colours (colour-blind safe, Okabe–Ito), one meaning each across the figures.
_BLUE, _ORANGE, _GREEN, _VERMILION = "#0072B2", "#E69F00", "#009E73", "#D55E00"
_PURPLE, _SKY, _GREY, _DARK = "#CC79A7", "#56B4E9", "#8c8c8c", "#333333"
_YELLOW = "#F0E442"


def _figure_cls() -> type:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependency(_INSTALL) from None
    return Figure


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The axes to draw into, and the (root) figure that holds them."""
    figure_cls = _figure_cls()
    if ax is None:
        fig = figure_cls(figsize=figsize, layout="constrained")
        return fig, fig.add_subplot()
    return _root(ax, figure_cls), ax


def _root(ax: Axes, figure_cls: type | None = None) -> Figure:
    """The root figure of ``ax`` (through any SubFigure)."""
    figure_cls = _figure_cls() if figure_cls is None else figure_cls
    fig: Any = ax.figure
    while not isinstance(fig, figure_cls):  # a SubFigure: climb to the figure
        fig = fig.figure
    return cast("Figure", fig)


def _thousands(x: float) -> str:
    """A count with thousands separators: 100000 → '100,000'; 2.5 → '2.5'."""
    if not math.isfinite(x):
        return str(x)
    if abs(x) >= 100 or x == int(x):
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _density_text(x: float) -> str:
    """Troops per km as refdata prints them: whole from 10 up, one decimal below."""
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"


def _log_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    def fmt(x: float, _pos: int) -> str:
        if x <= 0:
            return ""
        if x >= 1:
            return f"{x:,.0f}"
        return f"{x:g}"

    return FuncFormatter(fmt)


def _count_formatter() -> Any:
    """Tick labels with thousands separators and as many decimals as the tick step needs:
    0, 0.2, 0.4 (not 0, 0, 0); 20,000, 40,000."""
    from matplotlib.ticker import Formatter

    class _Counts(Formatter):
        def __call__(self, x: float, pos: int | None = None) -> str:
            return self.format_ticks([x])[0]

        def format_ticks(self, values: Any) -> list[str]:
            v = np.asarray(values, dtype=float)
            steps = np.diff(np.unique(v[np.isfinite(v)]))
            step = float(steps.min()) if steps.size else 1.0
            decimals = 0 if step >= 1 else min(6, int(math.ceil(-math.log10(step) - 1e-9)))
            return [f"{x:,.{decimals}f}" if math.isfinite(x) else "" for x in v]

    return _Counts()


def _median(values: np.ndarray | float) -> float:
    """Median over the samples where the value is defined; inf counts as a value."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[~np.isnan(v)]
    return float(np.median(v)) if v.size else math.nan


def _percent(x: float) -> str:
    p = 100.0 * x
    if p == 0 or p == 100:
        return f"{p:.0f}%"
    if p < 1 or p > 99:
        return f"{p:.1f}%"
    return f"{p:.0f}%"


def _renderer(fig: Any) -> Any:
    """A renderer to measure artists with: the canvas's own, else an off-screen Agg one."""
    get = getattr(fig.canvas, "get_renderer", None)
    if get is not None:
        return get()
    from matplotlib.backends.backend_agg import RendererAgg

    w, h = fig.bbox.size
    return RendererAgg(int(w), int(h), fig.dpi)


def _point_box(ax: Axes, x: float, y: float, r: float = 8.0) -> tuple[float, ...]:
    px, py = ax.transData.transform((x, y))
    return (px - r, py - r, px + r, py + r)


def _span_box(ax: Axes, x0: float, y0: float, x1: float, y1: float,
              pad: float = 2.0) -> tuple[float, ...]:
    (a, b), (c, d) = ax.transData.transform([(x0, y0), (x1, y1)])
    return (min(a, c) - pad, min(b, d) - pad, max(a, c) + pad, max(b, d) + pad)


def _quantity_median(q: Any) -> float:
    """A scenario quantity as one number: the value, or a distribution's median."""
    if hasattr(q, "ppf"):
        return float(np.asarray(q.ppf(np.array([0.5])))[0])
    return float(q)



def _note(ax: Axes, text: str, *, legend: bool = False) -> None:
    """Small print below the x label (or a legend under the axes), inside the figure."""
    below: Any = ax.get_legend() if legend else ax.xaxis.label
    # a little less than the axes' width (constrained layout may narrow them still)
    width_pt = _root(ax, _figure_cls()).get_figwidth() * ax.get_position().width * 72.0 * 0.8
    text = "\n".join(textwrap.wrap(text, max(40, int(width_pt / (0.52 * 6.5)))))
    ax.annotate(text, xy=(0.0, 0.0), xycoords=("axes fraction", below),
                xytext=(0, -4), textcoords="offset points", ha="left", va="top",
                fontsize=6.5, color="#555555", gid="note")




def _check_scenario_result(name: str, scenario: Any, result: Any) -> None:
    """``PlotTypeError`` unless ``scenario`` is a Scenario and ``result`` a Result or None
    (e.g. the two arguments swapped), naming the function ``name``."""
    from ..results import Result
    from ..schema import Scenario

    if not isinstance(scenario, Scenario):
        raise PlotTypeError(f"{name}(scenario, result): scenario must be a feasim Scenario; "
                            f"got {type(scenario).__name__}")
    if result is not None and not isinstance(result, Result):
        raise PlotTypeError(f"{name}(scenario, result): result must be a feasim Result or "
                            f"None; got {type(result).__name__}")
