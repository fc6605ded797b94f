"""What would a claim need? Claim C2 against independent ways of sizing a force.

Claim C2 says at least 100,000 troops are needed to patrol a line of about
1,200 km. This script sets that figure against five methods (the file's own
posture, historical analogues, the force ratio at the point of attack, the
population rule, published 2025 estimates) in both readings of the figure, runs
it under each mission type its sources could mean (posture presets), and lists
the beliefs the verdict hinges on (break-even values inside their range).

Run from the repository root:  python examples/what_a_claim_needs.py
"""

from pathlib import Path

import numpy as np

import feasim
from feasim.breakeven import breakeven
from feasim.presets import under_mission
from feasim.requirements import METHODS, requirements

ROOT = Path(__file__).resolve().parents[1]
scenario = feasim.load_scenario(ROOT / "scenarios" / "claims" / "c02-experts-100k-in-theatre.yaml")
result = feasim.evaluate(scenario, samples=2000, seed=1)

print(f"{scenario.name}: requirement by method (persons, medians)")
print(f"{'method':<13} {'in theatre':>11} {'committed':>11}")
for name, req in requirements(scenario, result).items():
    if not req.applies:
        print(f"{name:<13} {'—':>11} {'—':>11}  ({req.note})")
        continue
    print(f"{name:<13} {np.median(req.in_theatre):>11,.0f} {np.median(req.committed):>11,.0f}")
print(f"{'the claim':<13} {np.median(result['in_theatre_troops']):>11,.0f} "
      f"{np.median(result['committed_troops']):>11,.0f}")

print("\nunder each mission type the claim's sources could mean (posture presets)")
for mission in scenario.mission_types:
    s, dropped = under_mission(scenario, mission)
    r = feasim.evaluate(s, samples=2000, seed=1)
    need = np.median(r["required_in_theatre_troops"])
    print(f"  {mission:<13} posture needs {need:>9,.0f} in theatre; "
          f"P(feasible) = {r.p_feasible:.1%}" + (f" (dropped: {', '.join(dropped)})" if dropped else ""))

print("\nwhat you must believe: break-even of P(feasible) = 0.5")
be = breakeven(scenario, 0.5, samples=2000, seed=1)
for name, b in be.inputs.items():
    if b.can_flip:
        print(f"  {name}: {b.breakeven:.3f} (range {b.range[0]:g} to {b.range[1]:g})")
print(f"  {len(be.inputs) - len(be.hinges_on())} other inputs cannot flip it within their range")
assert set(METHODS) == set(requirements(scenario, result))
