"""Using feasim as a library: load a claim, run it, change an assumption, compare.

Run from the repository root:  python examples/library_basics.py
"""

from pathlib import Path

import feasim
from feasim import refdata

HERE = Path(__file__).resolve().parent
CLAIM = HERE.parent / "scenarios" / "claims" / "c02-experts-100k-in-theatre.yaml"

scenario = feasim.load_scenario(CLAIM)
result = feasim.evaluate(scenario, samples=2000, seed=1)

density = result.summary("troops_per_km")["mean"]
print(f"{scenario.name}: {density:.1f} troops per km of line")
for placement in refdata.compare_density(100_000, 1200):
    print("  " + placement.describe())

# The same figure read as the total committed, rotation included (rule of thirds).
committed = feasim.with_overrides(scenario, {"force.basis": "committed"})
alt = feasim.evaluate(committed, samples=2000, seed=1)
print(f"read as committed: {alt.summary('troops_per_km')['mean']:.1f} troops per km")

for name in ("detection_probability", "response_hours_p90", "fill_ratio"):
    s = result.summary(name)
    print(f"{name}: median {s['p50']:.3g} {result.unit(name)} "
          f"(5-95%: {s['p05']:.3g} to {s['p95']:.3g})")
print(f"P(feasible): {result.p_feasible:.1%} as stated, {alt.p_feasible:.1%} as committed")
