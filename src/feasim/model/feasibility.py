"""Criteria, feasibility and margins (docs/model.md)."""

from __future__ import annotations

import numpy as np

from ..schema import Criterion

__all__ = ["check_criteria"]


def check_criteria(criteria: dict[str, Criterion], metrics: dict[str, np.ndarray]):
    """Per criterion: ``(bound, threshold, met, margin)``.

    The margin is in the metric's unit and positive when the criterion holds:
    ``value − min`` or ``max − value``. A metric that is undefined (NaN) in a
    sample does not meet its criterion there.
    """
    out = {}
    for name, crit in criteria.items():
        value = metrics[name]
        if crit.min is not None:
            bound, threshold = "min", crit.min
            with np.errstate(invalid="ignore"):
                margin = value - threshold
        elif crit.max is not None:
            bound, threshold = "max", crit.max
            with np.errstate(invalid="ignore"):
                margin = threshold - value
        else:  # Criterion validates exactly one; a model_construct()ed one may have neither
            raise ValueError(f"criterion on {name!r} has neither 'min' nor 'max'")
        met = np.nan_to_num(margin, nan=-np.inf) >= 0
        out[name] = (bound, float(threshold), met, margin)
    return out
