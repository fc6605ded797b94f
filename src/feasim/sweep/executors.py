"""Moved to :mod:`feasim.executors` (shared by sweeps and the simulation); kept importable."""

from ..executors import (  # noqa: F401
    EXECUTORS,
    DaskExecutor,
    ProcessExecutor,
    SchedulerUnreachable,
    SerialExecutor,
    make_executor,
)

__all__ = ["SerialExecutor", "ProcessExecutor", "DaskExecutor", "make_executor", "EXECUTORS",
           "SchedulerUnreachable"]
