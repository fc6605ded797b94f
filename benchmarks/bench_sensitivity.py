"""Sobol' indices on C6: feasim's vectorised Saltelli design and estimators vs SALib's.

Run from the repository root:

    .venv/bin/python benchmarks/bench_sensitivity.py [--quick] [--json PATH]

Both paths evaluate the same function (C6's analytic model as
``feasim.sensitivity.scenario_problem`` builds it, output
``detection_probability``, every uncertain input and event a factor) on the
same design: feasim's ``sobol()`` (its own ``_saltelli`` and
``_sobol_analyze``) and SALib's ``sample.sobol.sample`` + ``analyze.sobol.analyze``
with the same seed. Rounds alternate between the two, so that a busy spell of
the shared machine hits both; the time of the model evaluations is measured
apart and shown. The indices and intervals of the two paths are compared bit
for bit.

Goal (issue 14): the faster path where it gives the same indices and
intervals; the issue measured 5.4 s for SALib at N = 8,192, of which the model
was 7%.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

C6 = C.ROOT / "scenarios/claims/c06-coalition-of-the-willing.yaml"


def main() -> None:
    args = C.parser(__doc__).parse_args()
    import feasim
    from feasim import sensitivity as S
    from SALib.analyze import sobol as salib_analyze
    from SALib.sample import sobol as salib_sample

    n = 2048 if args.quick else 8192
    rounds = 2 if args.quick else 3
    prob = S.scenario_problem(feasim.load_scenario(C6), "detection_probability")
    names = list(prob.parameters)
    problem = S._problem(names, names, False)
    C.header(f"Sobol' indices on C6 ({len(names)} factors, N = {n:,}, "
             f"{n * (len(names) + 2):,} model rows): feasim vs SALib (issue 14)")

    def model_time() -> float:
        u = S._saltelli(dict(problem), n, 1)
        t0 = time.perf_counter()
        S._call(prob.func, S._values(prob.parameters, u), u.shape[0], "detection_probability")
        return time.perf_counter() - t0

    def feasim_path():
        return S.sobol(prob.func, prob.parameters, n=n, seed=1, resamples=200)

    def salib_path():
        u = salib_sample.sample(dict(problem), n, calc_second_order=False, seed=1)
        y = S._call(prob.func, S._values(prob.parameters, u), u.shape[0], "detection_probability")
        return salib_analyze.analyze(dict(problem), y, calc_second_order=False,
                                     num_resamples=200, conf_level=0.95, seed=1)

    times = {"feasim": [], "SALib": [], "model alone": []}
    for _ in range(rounds):
        for name, fn in (("feasim", feasim_path), ("SALib", salib_path)):
            t0 = time.perf_counter()
            res = fn()
            times[name].append(time.perf_counter() - t0)
            if name == "feasim":
                ours = res
            else:
                theirs = res
        times["model alone"].append(model_time())
    same = all(np.array_equal(np.array([ours.columns[c][f] for f in names]), np.asarray(theirs[k]))
               for c, k in (("first", "S1"), ("first_conf", "S1_conf"), ("total", "ST"),
                            ("total_conf", "ST_conf")))
    med = {k: C.median(v) for k, v in times.items()}
    print(f"{rounds} rounds, median wall time\n")
    for k, v in times.items():
        print(f"  {k:<12} {med[k]:>7.2f} s   " + ", ".join(f"{t:.2f}" for t in v))
    ratio = med["SALib"] / med["feasim"]
    print(f"\n  SALib / feasim = {ratio:.1f}×; the model is {med['model alone'] / med['feasim']:.0%} "
          f"of feasim's time and {med['model alone'] / med['SALib']:.0%} of SALib's")
    print(f"  indices and intervals identical bit for bit: {same}   {C.verdict(same and ratio > 1)}\n")
    C.write_json(args.json, {"benchmark": "sensitivity", "quick": args.quick, "n": n,
                             "factors": len(names), "times_s": times, "ratio": ratio,
                             "identical": same, "met": same and ratio > 1})


if __name__ == "__main__":
    main()
