"""Helpers shared by the benchmarks (not part of feasim; not run by the test suite).

The machine the benchmarks run on may be shared and noisy, so every comparison
is made side by side in the same run: the contenders are timed alternately,
round after round, and ratios are taken of medians.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, *args, **kwargs):
    """``(seconds, fn(*args, **kwargs))`` measured with ``time.perf_counter``."""
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def median(xs) -> float:
    return float(statistics.median(xs))


def mean_se(values) -> tuple[float, float]:
    """Mean and standard error (across replications) of per-replication values."""
    v = np.asarray(values, dtype=float)
    if v.size < 2:
        return float(v.mean()), math.nan
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(v.size))


def z_score(a: float, se_a: float, b: float, se_b: float) -> float:
    """``(a − b) / sqrt(se_a² + se_b²)``; nan when both are equal with no variance."""
    se = math.hypot(se_a, se_b)
    if se == 0 or math.isnan(se):
        return math.nan if a == b else math.copysign(math.inf, a - b)
    return (a - b) / se


def fit_loglog(sizes, times) -> tuple[float, float]:
    """Least-squares slope and intercept of ``log(time)`` against ``log(size)``."""
    slope, intercept = np.polyfit(np.log(sizes), np.log(times), 1)
    return float(slope), float(intercept)


def fit_linear(sizes, times) -> tuple[float, float, float]:
    """Least-squares ``time = a + b·size``: returns ``(a, b, r²)``."""
    x, y = np.asarray(sizes, float), np.asarray(times, float)
    b, a = np.polyfit(x, y, 1)
    pred = a + b * x
    ss_res = float(((y - pred) ** 2).sum())
    ss_tot = float(((y - y.mean()) ** 2).sum())
    return float(a), float(b), 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0


def machine() -> dict:
    import simpy

    import feasim

    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "simpy": simpy.__version__,
        "numpy": np.__version__,
        "feasim": feasim.__version__,
    }


def header(title: str) -> None:
    m = machine()
    print(title)
    print("=" * len(title))
    print(f"{m['date']}  python {m['python']}  simpy {m['simpy']}  numpy {m['numpy']}  "
          f"feasim {m['feasim']}  {m['cpus']} CPUs  ({m['platform']})")
    print()


def parser(doc: str | None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    p.add_argument("--quick", action="store_true",
                   help="a smaller, faster run (fewer rounds and replications)")
    return p


def write_json(path: str | None, payload: dict) -> None:
    if not path:
        return
    payload = {"machine": machine(), **payload}
    Path(path).write_text(json.dumps(payload, indent=2, default=_jsonable) + "\n",
                          encoding="utf-8")
    print(f"\nresults written to {path}")


def _jsonable(x):
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(type(x))


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def flush() -> None:
    sys.stdout.flush()
