"""Sweeps: many scenario variants, on one machine or a Dask cluster, resumable.

>>> from feasim.sweep import load_sweep, run_sweep          # doctest: +SKIP
>>> result = run_sweep(load_sweep("scenarios/sweeps/c02-line-length.yaml"), "out")  # doctest: +SKIP
>>> result.to_dataframe()                                   # doctest: +SKIP
"""

from ..executors import EXECUTORS, DaskExecutor, ProcessExecutor, SerialExecutor, make_executor
from .runner import SweepResult, run_sweep
from .spec import DesignSpec, ParameterSpec, Sweep, SweepError, SweepSpec, load_sweep
from .store import ChunkStore, StoreError

__all__ = [
    "Sweep", "SweepSpec", "ParameterSpec", "DesignSpec", "SweepError", "load_sweep",
    "run_sweep", "SweepResult", "ChunkStore", "StoreError",
    "SerialExecutor", "ProcessExecutor", "DaskExecutor", "make_executor", "EXECUTORS",
]
