"""Analytic models, vectorised over Monte Carlo samples (docs/model.md).

Each function takes already-sampled inputs (floats or arrays of samples) and
returns arrays; none parses files or prints. :func:`feasim.analytic.evaluate`
chains them.
"""
