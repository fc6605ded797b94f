"""Uncertain numbers: constants or distributions backed by :mod:`scipy.stats`.

Every numeric input of a scenario may be written as a plain number or as a
mapping ``{dist: NAME, ...}`` with the distribution's own parameters:

=============  ===========================  ===================================
``dist``       parameters                   meaning
=============  ===========================  ===================================
``uniform``    ``low``, ``high``            flat on [low, high]
``triangular`` ``low``, ``mode``, ``high``  triangle with its peak at mode
``pert``       ``low``, ``mode``, ``high``, Beta-PERT (shape ``lamb``,
               ``lamb`` (default 4)         default 4) on [low, high]
``normal``     ``mean``, ``sd``             Gaussian, unbounded
``lognormal``  ``mean``, ``sd``             log-normal with this mean and
                                            standard deviation (natural units)
``truncnormal````mean``, ``sd``, ``low``,   Gaussian cut to [low, high]
               ``high``
=============  ===========================  ===================================

The parameters are in the unit of the field the distribution stands for.
"""

from __future__ import annotations

import functools
import math
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator
from scipy import special

from . import _docstrings

_docstrings.install()   # the fields' docstrings: one parse per file (see there)

__all__ = [
    "Uniform",
    "Triangular",
    "Pert",
    "Normal",
    "LogNormal",
    "TruncNormal",
    "Distribution",
    "Quantity",
    "frozen_dist",
    "support",
    "quantity_mean",
]

_Finite = Annotated[float, Field(allow_inf_nan=False)]


def _stats():
    """scipy.stats, imported when first needed: it takes most of a second to import, and
    sampling, means and supports need none of it (closed forms and scipy.special)."""
    from scipy import stats

    return stats


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    def frozen(self) -> Any:  # pragma: no cover - every distribution defines it
        raise TypeError(f"{type(self).__name__} defines no scipy distribution")

    def support(self) -> tuple[float, float]:
        """Smallest interval holding all values the distribution can take."""
        low, high = getattr(self, "low", None), getattr(self, "high", None)
        if low is not None and high is not None:  # exact, free of round-off
            return float(low), float(high)
        lo, hi = self.frozen().support()
        return float(lo), float(hi)

    def attains(self) -> tuple[bool, bool]:
        """Whether the distribution can take its lower and upper support bounds."""
        return True, True

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantile function: maps uniforms in (0, 1) to values inside the support.

        Values are kept inside ``support()``: scipy's quantiles can stray from a
        bound by one rounding error (e.g. ``-1e-16`` for a lower bound of 0).
        """
        x = self._ppf(np.asarray(u, dtype=float))
        lo, hi = self.support()
        if lo == -np.inf and hi == np.inf or not self.attains()[0]:
            return x
        return np.clip(x, lo, hi, out=x)

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        """The quantile function proper (scipy's, unless a subclass has a faster exact one)."""
        return np.asarray(self.frozen().ppf(u), dtype=float)

    def mean(self) -> float:
        return float(self.frozen().mean())


def _check_order(**named: float) -> None:
    names = list(named)
    for a, b in zip(names, names[1:], strict=False):
        if named[a] > named[b]:
            raise ValueError(f"needs {a} <= {b}; got {a}={named[a]:g}, {b}={named[b]:g}")


class Uniform(_Dist):
    """Flat distribution on [low, high]."""

    dist: Literal["uniform"] = "uniform"
    """Distribution name."""
    low: _Finite
    """Lower bound, in the field's unit."""
    high: _Finite
    """Upper bound, in the field's unit (must be > low)."""

    @model_validator(mode="after")
    def _order(self) -> "Uniform":
        if not self.low < self.high:
            raise ValueError(f"needs low < high; got low={self.low:g}, high={self.high:g}")
        return self

    def frozen(self) -> Any:
        return _stats().uniform(loc=self.low, scale=self.high - self.low)

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + u * (self.high - self.low)

    def mean(self) -> float:
        return (self.low + self.high) / 2


class Triangular(_Dist):
    """Triangular distribution on [low, high] peaking at mode."""

    dist: Literal["triangular"] = "triangular"
    """Distribution name."""
    low: _Finite
    """Lower bound, in the field's unit."""
    mode: _Finite
    """Most likely value, in the field's unit."""
    high: _Finite
    """Upper bound, in the field's unit (must be > low)."""

    @model_validator(mode="after")
    def _order(self) -> "Triangular":
        _check_order(low=self.low, mode=self.mode, high=self.high)
        if not self.low < self.high:
            raise ValueError(f"needs low < high; got low={self.low:g}, high={self.high:g}")
        return self

    def frozen(self) -> Any:
        width = self.high - self.low
        return _stats().triang(c=(self.mode - self.low) / width, loc=self.low, scale=width)

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        lo, mode, hi = self.low, self.mode, self.high
        c = (mode - lo) / (hi - lo)
        with np.errstate(invalid="ignore"):
            left = lo + np.sqrt(u * (hi - lo) * (mode - lo))
            right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mode))
        return np.where(u < c, left, right)

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3


class Pert(_Dist):
    """Beta-PERT distribution on [low, high] with its mode at mode."""

    dist: Literal["pert"] = "pert"
    """Distribution name."""
    low: _Finite
    """Lower bound, in the field's unit."""
    mode: _Finite
    """Most likely value, in the field's unit."""
    high: _Finite
    """Upper bound, in the field's unit (must be > low)."""
    lamb: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 4.0
    """Shape: weight of the mode (dimensionless; 4 is the classic PERT)."""

    @model_validator(mode="after")
    def _order(self) -> "Pert":
        _check_order(low=self.low, mode=self.mode, high=self.high)
        if not self.low < self.high:
            raise ValueError(f"needs low < high; got low={self.low:g}, high={self.high:g}")
        return self

    def _shape(self) -> tuple[float, float]:
        width = self.high - self.low
        return (1 + self.lamb * ((self.mode - self.low) / width),
                1 + self.lamb * ((self.high - self.mode) / width))

    def frozen(self) -> Any:
        a, b = self._shape()
        return _stats().beta(a, b, loc=self.low, scale=self.high - self.low)

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        """Beta quantiles from a cubic Hermite table (error below 1e-8 of high − low),
        exact ``betaincinv`` in the outer 1/1024 of each tail: 50× faster than scipy."""
        a, b = self._shape()
        out = _beta_ppf(a, b, u)
        out *= self.high - self.low
        out += self.low
        return out

    def mean(self) -> float:
        a, b = self._shape()
        return self.low + (self.high - self.low) * a / (a + b)


class Normal(_Dist):
    """Gaussian distribution (unbounded: only for fields that allow any sign)."""

    dist: Literal["normal"] = "normal"
    """Distribution name."""
    mean_: _Finite = Field(alias="mean")
    """Mean, in the field's unit."""
    sd: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    """Standard deviation, in the field's unit."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              use_attribute_docstrings=True)

    def frozen(self) -> Any:
        return _stats().norm(loc=self.mean_, scale=self.sd)

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        return self.mean_ + self.sd * special.ndtri(u)

    def support(self) -> tuple[float, float]:
        return -math.inf, math.inf

    def mean(self) -> float:
        return float(self.mean_)


class LogNormal(_Dist):
    """Log-normal distribution given by its mean and standard deviation."""

    dist: Literal["lognormal"] = "lognormal"
    """Distribution name."""
    mean_: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(alias="mean")
    """Mean of the distribution itself (not of its logarithm), in the field's unit."""
    sd: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    """Standard deviation of the distribution itself, in the field's unit."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              use_attribute_docstrings=True)

    def attains(self) -> tuple[bool, bool]:
        return False, False  # (0, inf): never 0

    def frozen(self) -> Any:
        sigma2 = math.log1p((self.sd / self.mean_) ** 2)
        mu = math.log(self.mean_) - sigma2 / 2
        return _stats().lognorm(s=math.sqrt(sigma2), scale=math.exp(mu))

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        sigma2 = math.log1p((self.sd / self.mean_) ** 2)
        mu = math.log(self.mean_) - sigma2 / 2
        return np.exp(mu + math.sqrt(sigma2) * special.ndtri(u))

    def support(self) -> tuple[float, float]:
        return 0.0, math.inf

    def mean(self) -> float:
        return float(self.mean_)


class TruncNormal(_Dist):
    """Gaussian of the given mean and sd, truncated to [low, high]."""

    dist: Literal["truncnormal"] = "truncnormal"
    """Distribution name."""
    mean_: _Finite = Field(alias="mean")
    """Mean of the untruncated Gaussian, in the field's unit."""
    sd: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    """Standard deviation of the untruncated Gaussian, in the field's unit."""
    low: _Finite
    """Lower cut, in the field's unit."""
    high: _Finite
    """Upper cut, in the field's unit (must be > low)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              use_attribute_docstrings=True)

    @model_validator(mode="after")
    def _order(self) -> "TruncNormal":
        if not self.low < self.high:
            raise ValueError(f"needs low < high; got low={self.low:g}, high={self.high:g}")
        return self

    def frozen(self) -> Any:
        a = (self.low - self.mean_) / self.sd
        b = (self.high - self.mean_) / self.sd
        return _stats().truncnorm(a, b, loc=self.mean_, scale=self.sd)

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        a = (self.low - self.mean_) / self.sd
        b = (self.high - self.mean_) / self.sd
        if a < -5.0 or b > 5.0:  # far tails: scipy's careful algorithm
            return np.asarray(self.frozen().ppf(u), dtype=float)
        pa, pb = special.ndtr(a), special.ndtr(b)
        return self.mean_ + self.sd * special.ndtri(pa + u * (pb - pa))

    def mean(self) -> float:
        a = (self.low - self.mean_) / self.sd
        b = (self.high - self.mean_) / self.sd
        if a > 5.0 or b < -5.0:  # both cuts in one far tail: scipy's careful algorithm
            return float(self.frozen().mean())
        phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
        mass = float(special.ndtr(b) - special.ndtr(a))
        return self.mean_ + self.sd * (phi(a) - phi(b)) / mass


_TABLE = 2**14


class _BetaTable:
    """Cubic Hermite coefficients of the Beta(a, b) quantile on cells of width 2^-14.

    The cubic on cell ``k`` matches the quantile and its slope (1/pdf) at both ends,
    ``u = k / 2^14`` and ``(k + 1) / 2^14``; the quantile at ``u = (k + f) / 2^14`` is
    ``((c3 f + c2) f + c1) f + c0``. A cell's coefficients are computed the first time
    a sample falls in it (a thousand samples need a few hundred cells: ``betaincinv``
    at every one of the 16,385 knots costs about 35 ms); a large batch fills the
    whole table at once. Either way a cell's coefficients are the same numbers.
    """

    def __init__(self, a: float, b: float):
        self.a, self.b = a, b
        self.coef = np.zeros((4, _TABLE))   # rows c3, c2, c1, c0
        self.known = np.zeros(_TABLE, dtype=bool)
        self.complete = False

    def _fill(self, cells: np.ndarray) -> None:
        """Compute the coefficients of ``cells`` (sorted, unique cell indices)."""
        knots = np.union1d(cells, cells + 1)
        x = special.betaincinv(self.a, self.b, knots / _TABLE)
        with np.errstate(all="ignore"):
            slope = 1.0 / _beta_pdf(self.a, self.b, x)
        slope = np.nan_to_num(slope, posinf=0.0) / _TABLE
        i0 = np.searchsorted(knots, cells)
        x0, x1, s0, s1 = x[i0], x[i0 + 1], slope[i0], slope[i0 + 1]
        self.coef[0, cells] = 2 * (x0 - x1) + s0 + s1
        self.coef[1, cells] = 3 * (x1 - x0) - 2 * s0 - s1
        self.coef[2, cells] = s0
        self.coef[3, cells] = x0
        self.known[cells] = True

    def coefficients(self, k: np.ndarray) -> np.ndarray:
        """The (4, TABLE) coefficient rows, with every cell in ``k`` computed."""
        if not self.complete:
            if k.size >= _TABLE // 4:
                need = np.flatnonzero(~self.known)
            else:
                cells = np.unique(k)
                need = cells[~self.known[cells]]
            if need.size:
                self._fill(need)
            self.complete = bool(self.known.all())
        return self.coef


@functools.lru_cache(maxsize=64)
def _beta_table(a: float, b: float) -> _BetaTable:
    return _BetaTable(a, b)


_TAIL = 1 / 1024


def _beta_pdf(a: float, b: float, x: np.ndarray) -> np.ndarray:
    """The Beta(a, b) density, x^(a-1) (1-x)^(b-1) / B(a, b) (a, b >= 1 for PERT)."""
    with np.errstate(all="ignore"):
        return np.exp(special.xlogy(a - 1, x) + special.xlog1py(b - 1, -x) - special.betaln(a, b))


def _beta_ppf(a: float, b: float, u: np.ndarray) -> np.ndarray:
    s = u * _TABLE
    k = s.astype(np.intp)
    # u outside [0, 1] (tails are overwritten below) must not name a cell outside the table
    np.clip(k, 0, _TABLE - 1, out=k)
    c3, c2, c1, c0 = _beta_table(a, b).coefficients(k)
    f = s
    f -= k
    out = np.take(c3, k)   # Horner, in place: this runs on millions of samples
    out *= f
    out += np.take(c2, k)
    out *= f
    out += np.take(c1, k)
    out *= f
    out += np.take(c0, k)
    tail = u < _TAIL  # where the slope is steep or infinite
    tail |= u > 1 - _TAIL
    if tail.any():
        # betaincinv fails (NaN) below about 1e-100, where the quantile is < 1e-40 anyway.
        out[tail] = special.betaincinv(a, b, np.maximum(u[tail], 1e-100))
    return out


DIST_NAMES = ("uniform", "triangular", "pert", "normal", "lognormal", "truncnormal")


def _which(value: Any) -> str | None:
    """Pick the union member: 'const' for plain numbers, else the ``dist`` key.

    Text is not a number: ``troops: "100"`` is an error, not 100.
    """
    if isinstance(value, dict):
        name = value.get("dist")
        return name if name in DIST_NAMES else None
    if isinstance(value, _Dist):
        return value.dist  # type: ignore[attr-defined]
    if isinstance(value, (bool, str)):  # YAML 'yes'/'true', quoted text: not numbers
        return None
    return "const"


Distribution = Union[
    Annotated[Uniform, Tag("uniform")],
    Annotated[Triangular, Tag("triangular")],
    Annotated[Pert, Tag("pert")],
    Annotated[Normal, Tag("normal")],
    Annotated[LogNormal, Tag("lognormal")],
    Annotated[TruncNormal, Tag("truncnormal")],
]

Quantity = Annotated[
    Union[
        Annotated[Annotated[float, Field(strict=False, allow_inf_nan=False)], Tag("const")],
        Distribution,
    ],
    Discriminator(
        _which,
        custom_error_type="quantity",
        custom_error_message=(
            "expected a number or a mapping with 'dist' one of " + ", ".join(DIST_NAMES)
        ),
    ),
]
"""A number, or a distribution mapping, in the unit of the field it fills."""


def frozen_dist(value: float | _Dist) -> Any:
    """The :mod:`scipy.stats` frozen distribution behind a quantity (None for constants)."""
    return value.frozen() if isinstance(value, _Dist) else None


def support(value: float | _Dist) -> tuple[float, float]:
    """Interval of values a quantity can take."""
    if isinstance(value, _Dist):
        return value.support()
    return float(value), float(value)


def quantity_mean(value: float | _Dist) -> float:
    """Expected value of a quantity."""
    return value.mean() if isinstance(value, _Dist) else float(value)


def is_uncertain(value: Any) -> bool:
    return isinstance(value, _Dist)
