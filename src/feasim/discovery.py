"""Scenario discovery with PRIM: which ranges of the inputs make an outcome likely.

PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999), looks for an
axis-aligned *box* in input space (a range per input) inside which an outcome,
such as "this sample is feasible", is much more frequent than overall. It
starts from the box holding every sample and *peels*: at each step it cuts a
slice of ``peel_alpha`` of the points in the box off the low or the high end
of one input, choosing the cut that leaves the highest share of positives in
the box. The sequence of ever smaller, denser boxes is the *peeling
trajectory*; one box is chosen from it (see :func:`prim`) and then *pasted*:
its bounds are widened again while that does not lower the share of positives.

Every box is described by three shares:

- **coverage**: share of all positive points that lie in the box;
- **density**: share of the points in the box that are positive;
- **mass**: share of all points that lie in the box.

:func:`prim` works on plain arrays; :func:`prim_result` runs it on the
sampled inputs of a :class:`feasim.Result`. See ``docs/discovery.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from .errors import FeasimError, MissingDependency
from .output import plural

if TYPE_CHECKING:
    from .results import Result

__all__ = ["prim", "prim_result", "Box", "PrimResult", "DiscoveryError", "input_words"]


class DiscoveryError(FeasimError, ValueError):
    """Bad inputs, outcome or options for PRIM; the message names the problem and value."""


def _fmt(x: float) -> str:
    from .output import fmt

    return fmt(float(x))


def input_words(name: str) -> str:
    """An input of a box in words: ``event:conditions.ceasefire`` → ``uniform draw deciding
    condition ceasefire``, ``event:contributors[France].honour`` → ``uniform draw deciding
    France's pledge``, ``conditions.ceasefire`` → ``probability of condition ceasefire``,
    a scenario field as :func:`feasim.plots.labels.input_label` words it; any other name
    (``x1``) as it is."""
    import re

    from .plots.labels import input_label

    if m := re.fullmatch(r"event:conditions\.(.+)", name):
        return f"uniform draw deciding condition {m.group(1)}"
    if m := re.fullmatch(r"event:contributors\[(.+)\]\.honour", name):
        return f"uniform draw deciding {m.group(1)}'s pledge"
    if m := re.fullmatch(r"conditions\.(.+)", name):
        return f"probability of condition {m.group(1)}"
    return input_label(name)


def _number(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


# ------------------------------------------------------------------ boxes


@dataclass(frozen=True)
class Box:
    """An axis-aligned box and how it captures the positive points.

    ``bounds`` maps each *restricted* input to ``(low, high)``, in that input's
    own unit (for a feasim result: the scenario field's unit; an ``event:...``
    input is a uniform in (0, 1)). A point is inside when ``low <= x <= high``
    for every restricted input; a side that is not restricted is ``-inf`` or
    ``+inf`` (``None`` in :meth:`to_dict`). Inputs not listed are unrestricted.
    """

    bounds: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float
    n_points: int

    @property
    def n_restricted(self) -> int:
        """Number of restricted inputs."""
        return len(self.bounds)

    def contains(self, inputs: Mapping[str, Any] | np.ndarray, *,
                 names: Sequence[str] | None = None) -> np.ndarray:
        """Per point: True iff it lies in the box.

        ``inputs`` is a mapping ``name -> 1-D array`` holding every restricted
        input (others are ignored), or a 2-D array ``(n, k)`` with ``names``.
        """
        cols = _columns(inputs, names)
        missing = [name for name in self.bounds if name not in cols]
        if missing:
            raise DiscoveryError(f"inputs lack the box's restricted inputs {missing}; "
                                 f"got {list(cols)}")
        lengths = {len(v) for v in cols.values()}
        if len(lengths) > 1:
            raise DiscoveryError(f"inputs differ in length: {_lengths(cols)}")
        n = lengths.pop() if lengths else 0
        inside = np.ones(n, dtype=bool)
        for name, (low, high) in self.bounds.items():
            x = cols[name]
            if low > -math.inf:
                inside &= x >= low
            if high < math.inf:
                inside &= x <= high
        return inside

    def restrictions(self) -> str:
        """The bounds as text, e.g. ``0.2 <= x1 <= 0.6 and x2 >= 0.5``."""
        parts = []
        for name, (low, high) in self.bounds.items():
            if low > -math.inf and high < math.inf:
                parts.append(f"{_fmt(low)} <= {name} <= {_fmt(high)}")
            elif low > -math.inf:
                parts.append(f"{name} >= {_fmt(low)}")
            else:
                parts.append(f"{name} <= {_fmt(high)}")
        return " and ".join(parts) if parts else "all points"

    def describe(self) -> list[str]:
        """Each bound in words, e.g. ``force: support fraction at most 0.671`` or
        ``uniform draw deciding condition ceasefire at most 0.812`` (the condition holds
        when its draw is below its probability); :meth:`restrictions` and
        :meth:`to_dict` keep the inputs' names."""
        out = []
        for name, (low, high) in self.bounds.items():
            if low > -math.inf and high < math.inf:
                text = f"from {_fmt(low)} to {_fmt(high)}"
            elif low > -math.inf:
                text = f"at least {_fmt(low)}"
            else:
                text = f"at most {_fmt(high)}"
            out.append(f"{input_words(name)} {text}")
        return out

    def __str__(self) -> str:
        return ("; ".join(self.describe()) or "all points") + (
            f" (coverage {self.coverage:.2f}, density {self.density:.2f}, "
            f"mass {self.mass:.2f})")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: unrestricted sides are ``None``."""
        return {"bounds": {k: [_number(lo), _number(hi)] for k, (lo, hi) in self.bounds.items()},
                "coverage": self.coverage, "density": self.density, "mass": self.mass,
                "n_points": self.n_points, "n_restricted": self.n_restricted}


@dataclass(frozen=True)
class PrimResult:
    """PRIM's peeling trajectory and the chosen box.

    ``trajectory[0]`` is the box holding every point; each later box is one
    peel smaller. ``selected`` is the index of the trajectory box that was
    chosen; ``box`` is that box after pasting (equal to it when pasting
    changed nothing or is off), or ``None`` when no box reaches ``threshold``,
    in which case ``message`` says so.
    """

    trajectory: list[Box]
    box: Box | None
    n: int
    n_positive: int
    names: tuple[str, ...]
    selected: int | None
    message: str = ""
    threshold: float | None = None
    peel_alpha: float = 0.05
    paste_alpha: float = 0.05
    min_mass: float = 0.05

    def table(self):
        """The trajectory as a pandas DataFrame, one row per box (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise MissingDependency('tables need pandas: pip install "feasim[tables]"') from None
        return pd.DataFrame([{"step": i, "coverage": b.coverage, "density": b.density,
                              "mass": b.mass, "n_points": b.n_points,
                              "n_restricted": b.n_restricted, "selected": i == self.selected,
                              "restrictions": b.restrictions()}
                             for i, b in enumerate(self.trajectory)])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (no NaN or infinity: unrestricted sides are ``None``)."""
        return {"n": self.n, "n_positive": self.n_positive, "inputs": list(self.names),
                "peel_alpha": self.peel_alpha, "paste_alpha": self.paste_alpha,
                "min_mass": self.min_mass, "threshold": self.threshold,
                "selected": self.selected,
                "box": None if self.box is None else self.box.to_dict(),
                "message": self.message,
                "trajectory": [b.to_dict() for b in self.trajectory]}


# ------------------------------------------------------------------ checks


def _lengths(cols: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} has {len(v)}" for k, v in cols.items())


def _columns(inputs: Mapping[str, Any] | np.ndarray,
             names: Sequence[str] | None) -> dict[str, np.ndarray]:
    """The inputs as ``name -> 1-D float array``; rejects non-numeric or misshapen ones."""
    if isinstance(inputs, Mapping):
        if names is not None:
            raise DiscoveryError("names is only for a 2-D array of inputs; a mapping names "
                                 "its inputs itself")
        raw = {str(k): np.asarray(v) for k, v in inputs.items()}
    else:
        a = np.asarray(inputs)
        if a.ndim != 2:
            raise DiscoveryError("inputs must be a mapping name -> 1-D array or a 2-D array "
                                 f"(n points x k inputs); got an array of shape {a.shape}")
        if names is None:
            raise DiscoveryError(f"a 2-D array of inputs ({a.shape[1]} columns) needs names")
        names = [str(s) for s in names]
        if len(names) != a.shape[1] or len(set(names)) != len(names):
            raise DiscoveryError(f"names must give {a.shape[1]} distinct names, one per "
                                 f"column; got {names}")
        raw = {name: a[:, j] for j, name in enumerate(names)}
    out = {}
    for name, v in raw.items():
        if v.ndim != 1:
            raise DiscoveryError(f"input {name!r} must be a 1-D array; got shape {v.shape}")
        if v.dtype.kind not in "biuf":
            raise DiscoveryError(f"input {name!r} must be numeric; got dtype {v.dtype}")
        out[name] = v.astype(float, copy=False)
    return out


def _outcome(y: Any) -> np.ndarray:
    a = np.asarray(y)
    if a.ndim != 1:
        raise DiscoveryError(f"y must be a 1-D array; got shape {a.shape}")
    if a.dtype.kind == "b":
        return a
    if a.dtype.kind not in "iuf":
        raise DiscoveryError(f"y must be boolean or 0/1; got dtype {a.dtype}")
    bad = ~((a == 0) | (a == 1))
    if bad.any():
        shown = ", ".join(repr(v) for v in np.unique(a[bad])[:3].tolist())
        raise DiscoveryError(f"y must be boolean or 0/1; got {int(bad.sum())} other "
                             f"values, e.g. {shown}")
    return a == 1


def _check_options(peel_alpha: float, paste_alpha: float, min_mass: float,
                   threshold: float | None) -> None:
    def number(v: Any) -> bool:
        return isinstance(v, (int, float, np.number)) and not isinstance(v, bool) \
            and math.isfinite(v)

    if not (number(peel_alpha) and 0 < peel_alpha < 0.5):
        raise DiscoveryError(f"peel_alpha must be in (0, 0.5); got {peel_alpha!r}")
    if not (number(paste_alpha) and 0 <= paste_alpha < 0.5):
        raise DiscoveryError(f"paste_alpha must be in (0, 0.5), or 0 for no pasting; "
                             f"got {paste_alpha!r}")
    if not (number(min_mass) and 0 < min_mass < 1):
        raise DiscoveryError(f"min_mass must be in (0, 1); got {min_mass!r}")
    if threshold is not None and not (number(threshold) and 0 <= threshold <= 1):
        raise DiscoveryError(f"threshold must be a density in [0, 1] or None; "
                             f"got {threshold!r}")


# ------------------------------------------------------------------ algorithm


def _denser(p1: int, n1: int, p2: int, n2: int) -> int:
    """Compare densities p1/n1 and p2/n2 exactly: 1, 0 or -1."""
    a, b = p1 * n2, p2 * n1
    return (a > b) - (a < b)


def _box(names: Sequence[str], low: np.ndarray, high: np.ndarray, n_in: int, p_in: int,
         n: int, n_pos: int) -> Box:
    bounds = {name: (float(low[j]), float(high[j])) for j, name in enumerate(names)
              if low[j] > -math.inf or high[j] < math.inf}
    return Box(bounds=bounds, coverage=p_in / n_pos, density=p_in / n_in if n_in else 0.0,
               mass=n_in / n, n_points=n_in)


def _peel(X: np.ndarray, y: np.ndarray, alpha: float, min_n: int):
    """Peeling trajectory as a list of (low, high, n_in, p_in) with bounds arrays per input.

    The points in the box are kept as columns of ``Xin`` with the positives first (compaction
    keeps that order), so the positives of an input are the view ``Xin[j, :p]``. Per input
    and step: two selections for the cuts, counts of removed points on the ``r`` points
    beyond each cut, and one comparison over the positives.
    """
    k, _ = X.shape
    low, high = np.full(k, -math.inf), np.full(k, math.inf)
    Xin = X.take(np.argsort(~y, kind="stable"), axis=1)
    steps = [(low.copy(), high.copy(), int(y.size), int(np.count_nonzero(y)))]
    while True:
        m, p = steps[-1][2], steps[-1][3]
        r = max(1, int(alpha * m))  # the cuts are the order statistics x_(r) and x_(m-1-r)
        if p == m or r > m - 1 - r:  # density 1: no peel can raise it
            break
        best = None  # (p_keep, n_keep, j, side, cut)
        for j in range(k):
            part = np.partition(Xin[j], r)  # one kth at a time: faster than two at once
            qlo = part[r]
            n_lo = m - int(np.count_nonzero(part[:r] < qlo))  # kept: x >= qlo
            tail = part[r:]  # every value here is >= qlo
            tail.partition(tail.size - 1 - r)
            qhi = tail[tail.size - 1 - r]
            n_hi = m - int(np.count_nonzero(tail[tail.size - r:] > qhi))  # kept: x <= qhi
            pos = Xin[j, :p]
            for side, cut, nk in ((0, qlo, n_lo), (1, qhi, n_hi)):
                if nk == m or nk < min_n:  # removes nothing, or too much
                    continue
                pk = int(np.count_nonzero(pos >= cut if side == 0 else pos <= cut))
                if best is None or _denser(pk, nk, best[0], best[1]) > 0 or (
                        _denser(pk, nk, best[0], best[1]) == 0 and nk > best[1]):
                    best = (pk, nk, j, side, float(cut))
        if best is None:
            break
        pk, nk, j, side, cut = best
        if side == 0:
            low[j] = cut
            Xin = Xin.take(np.flatnonzero(Xin[j] >= cut), axis=1)
        else:
            high[j] = cut
            Xin = Xin.take(np.flatnonzero(Xin[j] <= cut), axis=1)
        steps.append((low.copy(), high.copy(), nk, pk))
    return steps


def _paste(X: np.ndarray, y: np.ndarray, low: np.ndarray, high: np.ndarray,
           alpha: float) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Widen bounds by ``alpha`` of the box's points at a time while density does not fall."""
    low, high = low.copy(), high.copy()
    xmin, xmax = X.min(axis=1), X.max(axis=1)
    while True:
        dims = [j for j in range(X.shape[0]) if low[j] > -math.inf or high[j] < math.inf]
        if not dims:
            break
        below = {j: X[j] < low[j] for j in dims}
        above = {j: X[j] > high[j] for j in dims}
        outside = np.zeros(y.size, dtype=np.int64)
        for j in dims:
            outside += below[j]
            outside += above[j]
        inside = outside == 0
        m, p = int(np.count_nonzero(inside)), int(np.count_nonzero(inside & y))
        step = max(1, math.ceil(alpha * m))
        best = None  # (p_new, n_new, j, side, bound)
        for j in dims:
            for side, out in ((0, below[j]), (1, above[j])):
                cand = out & (outside == 1)  # outside only across this side
                if not cand.any():
                    continue
                x = X[j][cand]
                if side == 0:
                    bound = -np.partition(-x, min(step, x.size) - 1)[min(step, x.size) - 1]
                    added = cand & (X[j] >= bound)
                else:
                    bound = np.partition(x, min(step, x.size) - 1)[min(step, x.size) - 1]
                    added = cand & (X[j] <= bound)
                na, pa = int(np.count_nonzero(added)), int(np.count_nonzero(added & y))
                pn, nn = p + pa, m + na
                if _denser(pn, nn, p, m) < 0:
                    continue
                if best is None or _denser(pn, nn, best[0], best[1]) > 0 or (
                        _denser(pn, nn, best[0], best[1]) == 0 and nn > best[1]):
                    best = (pn, nn, j, side, float(bound))
        if best is None:
            return low, high, m, p
        _, _, j, side, bound = best
        if side == 0:
            low[j] = -math.inf if bound <= xmin[j] else bound
        else:
            high[j] = math.inf if bound >= xmax[j] else bound
    return low, high, int(y.size), int(np.count_nonzero(y))


def prim(inputs: Mapping[str, Any] | np.ndarray, y: Any, *, peel_alpha: float = 0.05,
         paste_alpha: float = 0.05, min_mass: float = 0.05, threshold: float | None = None,
         names: Sequence[str] | None = None) -> PrimResult:
    """Find a box of inputs where ``y`` is dense, by PRIM (Friedman & Fisher 1999).

    Parameters
    ----------
    inputs
        A mapping ``name -> 1-D numeric array`` (all of length ``n``), or a 2-D
        array ``(n, k)`` with ``names``. Box bounds are in each input's unit.
    y
        Boolean (or 0/1) array of length ``n``: the outcome of interest, e.g.
        per-sample "feasible".
    peel_alpha
        Share of the box's points cut off per peel, in (0, 0.5). With ``m``
        points in the box and ``r = max(1, floor(peel_alpha * m))``, a peel
        of one input removes the points strictly below its ``r``-th smallest
        value in the box (low side), or strictly above its ``r``-th largest
        (high side): ``r`` points, fewer where values tie at the cut. A peel
        that removes no point (e.g. an input with few distinct values) is not
        considered. The peel leaving the highest density is taken (ties: the
        one keeping more points, then the first input, low side first).
    paste_alpha
        Share of the box's points added per paste, in (0, 0.5); 0 turns
        pasting off. Pasting widens one side of one bound of the chosen box to
        take in the ``ceil(paste_alpha * n_points)`` nearest points outside
        it that meet every other bound (with ties), choosing the paste with the
        highest density; it repeats while the density does not fall. A side
        widened past the data becomes unrestricted.
    min_mass
        Smallest box mass (share of all points inside), in (0, 1): peeling
        stops when every peel would leave less. It also stops when the box's
        density is 1.
    threshold
        A density in [0, 1]. Given: the chosen box is the one with the highest
        coverage among trajectory boxes with density ``>= threshold`` (ties:
        the later, denser one). ``None``: the last box of the trajectory.
    names
        Column names for a 2-D ``inputs``.

    Returns
    -------
    PrimResult
        The trajectory, the chosen (pasted) box, or ``box=None`` with a
        ``message`` when no box reaches ``threshold``.

    Raises
    ------
    DiscoveryError
        A ``ValueError`` for inputs of unequal length, no data, non-finite or
        non-numeric inputs, ``y`` not boolean or 0/1 or without a positive, and
        options out of range.
    """
    _check_options(peel_alpha, paste_alpha, min_mass, threshold)
    cols = _columns(inputs, names)
    if not cols:
        raise DiscoveryError("no inputs: give at least one input to bound")
    yb = _outcome(y)
    sizes = {**cols, "y": yb}
    if len({len(v) for v in sizes.values()}) > 1:
        raise DiscoveryError(f"inputs and y differ in length: {_lengths(sizes)}")
    n = yb.size
    if n == 0:
        raise DiscoveryError("no data: the inputs and y have length 0")
    for name, v in cols.items():
        nan, inf = int(np.count_nonzero(np.isnan(v))), int(np.count_nonzero(np.isinf(v)))
        if nan or inf:
            raise DiscoveryError(f"input {name!r} has {nan} NaN and {inf} infinite values "
                                 f"(of {n}); PRIM needs finite inputs")
    n_pos = int(np.count_nonzero(yb))
    if n_pos == 0:
        raise DiscoveryError(f"y has no positive (True) value among {plural(n, 'point')}: "
                             "there is "
                             "nothing to find")

    keys = tuple(cols)
    X = np.stack([cols[k] for k in keys])  # (k, n): one contiguous row per input
    steps = _peel(X, yb, float(peel_alpha), max(1, math.ceil(min_mass * n - 1e-9)))
    trajectory = [_box(keys, lo, hi, m, p, n, n_pos) for lo, hi, m, p in steps]

    if threshold is None:
        selected: int | None = len(trajectory) - 1
    else:
        ok = [i for i, b in enumerate(trajectory) if b.density >= threshold]
        selected = max(ok, key=lambda i: (trajectory[i].coverage, i)) if ok else None
    common: dict[str, Any] = dict(trajectory=trajectory, n=n, n_positive=n_pos, names=keys,
                                  threshold=None if threshold is None else float(threshold),
                                  peel_alpha=float(peel_alpha), paste_alpha=float(paste_alpha),
                                  min_mass=float(min_mass))
    if selected is None:
        top = max(trajectory, key=lambda b: b.density)
        return PrimResult(box=None, selected=None, **common, message=(
            f"no box on the peeling trajectory reaches density {threshold:g}: the densest "
            f"has density {top.density:.3f} at mass {top.mass:.3f}; lower the threshold "
            "or min_mass, or draw more samples"))
    low, high, m, p = steps[selected][:4]
    if paste_alpha > 0:
        low, high, m, p = _paste(X, yb, low, high, float(paste_alpha))
    return PrimResult(box=_box(keys, low, high, m, p, n, n_pos), selected=selected, **common)


def prim_result(result: Result, *, output: str = "feasible", **kw: Any) -> PrimResult:
    """PRIM on a feasim :class:`~feasim.Result`: which input ranges make ``output`` likely.

    The inputs are the result's sampled uncertain inputs (``result.inputs``)
    that vary across samples; bounds are in the scenario field's unit, and
    ``event:...`` inputs are the uniforms in (0, 1) that decide a condition or
    a contributor's honour (the event happens when the uniform is below its
    probability, so a box ``event:X <= 0.4`` reads "X happens" when the
    probability is about 0.4).

    Parameters
    ----------
    result
        A result of :func:`feasim.evaluate` or the simulation.
    output
        ``"feasible"`` (every criterion met) or the name of one criterion in
        ``result.criteria`` (that criterion met).
    **kw
        Options of :func:`prim`.
    """
    if output == "feasible":
        if not result.criteria:
            raise DiscoveryError(f"scenario {result.scenario!r} has no criteria: there is "
                                 "no 'feasible' outcome to explain; add criteria")
        y = result.feasible
        what = "P(feasible)"
    elif output in result.criteria:
        y = result.criteria[output].met
        what = f"P({output} met)"
    else:
        known = ", ".join(["feasible", *result.criteria])
        raise DiscoveryError(f"unknown output {output!r}; known: {known}")
    y = np.asarray(y, dtype=bool)
    if not y.any():
        hint = ("; 'feasim frontier' finds the force that would make it feasible, and "
                "--output CRITERION studies one criterion at a time"
                if output == "feasible" else
                "; 'feasim frontier' finds the force that would meet it")
        raise DiscoveryError(f"{what} is 0 in all {plural(y.size, 'sample')} of "
                             f"{result.scenario!r}: "
                             "no values of the uncertain inputs make it happen, so there "
                             f"is no box to find{hint}")
    varying = {k: np.asarray(v, dtype=float) for k, v in result.inputs.items()
               if np.ndim(v) == 1 and np.size(v) == y.size and np.any(v != v[0])}
    if not varying:
        raise DiscoveryError(f"no input of {result.scenario!r} varies across samples: "
                             "nothing to bound")
    return prim(varying, y, **kw)
