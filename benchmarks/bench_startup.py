"""Start-up: how long ``feasim run`` takes next to importing what it cannot do without.

Run from the repository root:

    .venv/bin/python benchmarks/bench_startup.py [--quick] [--rounds N] [--json PATH]

Commands, each a fresh process, interleaved round by round (so that a busy
spell of the shared machine hits all of them alike), wall time per round:

- control: ``python -c "import numpy, scipy.special"`` (the floor: feasim's
  model is NumPy and its quantile functions are scipy.special);
- the floor of any run that validates with pydantic: the control and pydantic's
  import, and PyYAML's, and ``feasim.schema`` (the scenario's models built);
- ``python -c "import feasim"``;
- ``feasim validate`` on C2 (import, YAML, validation);
- ``feasim run`` on C2 (the above and the run: the model, requirements by
  method, provenance, the verdict's break-even hinges).

Goal (issue 14): ``feasim run`` on C2 within 1.3× of the control. Also shown:
which heavy modules a run imports (``scipy.stats``, ``scipy.optimize``,
pandas, pyarrow, the analysis modules should not be among them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

C2 = C.ROOT / "scenarios/claims/c02-experts-100k-in-theatre.yaml"
FEASIM = str(Path(sys.executable).with_name("feasim"))
COMMANDS = {
    "import numpy, scipy.special": [sys.executable, "-c", "import numpy, scipy.special"],
    # the floor of any run that validates with pydantic: its import, PyYAML's, the models
    "... pydantic": [sys.executable, "-c",
                     "import numpy, scipy.special; from pydantic import BaseModel, TypeAdapter"],
    "... pydantic, yaml": [sys.executable, "-c", "import numpy, scipy.special, yaml; "
                           "from pydantic import BaseModel, TypeAdapter"],
    "... feasim.schema": [sys.executable, "-c", "import numpy, scipy.special, feasim.schema"],
    "import feasim": [sys.executable, "-c", "import feasim"],
    "feasim validate C2": [FEASIM, "validate", str(C2)],
    "feasim run C2": [FEASIM, "run", str(C2)],
}
HEAVY = ("scipy.stats", "scipy.optimize", "pandas", "pyarrow", "matplotlib", "SALib",
         "feasim.sensitivity", "feasim.frontier", "feasim.discovery", "feasim.simulation",
         "simpy")
PROBE = f"""
import sys, io, contextlib
from feasim.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["run", {str(C2)!r}])
print(" ".join(m for m in {HEAVY!r} if m in sys.modules))
"""


# As a user runs it: Python caches compiled bytecode. With PYTHONDONTWRITEBYTECODE set
# (some sandboxes set it) every feasim module is compiled from source in every process,
# while numpy and scipy come with their .pyc files from the wheel: an unfair 0.1-0.2 s.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env=ENV)
    return time.perf_counter() - t0


def main() -> None:
    parser = C.parser(__doc__)
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds of every command (default 9, 3 with --quick)")
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 9)
    C.header("feasim start-up: feasim run vs importing numpy and scipy.special (issue 14)")
    for cmd in COMMANDS.values():  # warm the file cache and the .pyc files
        _wall(cmd)
    times: dict[str, list[float]] = {k: [] for k in COMMANDS}
    for _ in range(rounds):
        for name, cmd in COMMANDS.items():
            times[name].append(_wall(cmd))
    control = C.median(times["import numpy, scipy.special"])
    print(f"{rounds} rounds, medians of wall time; ratio to the control; bytecode cached"
          + (" (PYTHONDONTWRITEBYTECODE dropped for the children)"
             if "PYTHONDONTWRITEBYTECODE" in os.environ else "") + "\n")
    print(f"  {'command':<30} {'median':>8} {'ratio':>7} {'fastest':>8} {'ratio':>7}   rounds")
    for name, ts in times.items():
        med = C.median(ts)
        print(f"  {name:<30} {med:>7.2f}s {med / control:>6.2f}× {min(ts):>7.2f}s "
              f"{min(ts) / min(times['import numpy, scipy.special']):>6.2f}×   "
              + ", ".join(f"{t:.2f}" for t in ts))
    ratio = C.median(times["feasim run C2"]) / control
    met = ratio <= 1.3
    heavy = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                           check=True, env=ENV).stdout.split()
    print(f"\n  feasim run C2 / control = {ratio:.2f}×   goal ≤ 1.3×   {C.verdict(met)}")
    print(f"  heavy modules a run imports: {', '.join(heavy) or 'none'}\n")
    C.write_json(args.json, {"benchmark": "startup", "quick": args.quick, "times_s": times,
                             "ratio_run_to_control": ratio, "heavy_imported": heavy,
                             "met": met})


if __name__ == "__main__":
    main()
