"""Compare the shipped claim scenarios side by side, and with historical missions.

Loads the claim files under scenarios/claims/ (C2, C3 at 10,000 and 30,000, C4,
C6, C8 and C12, each in both readings of its figure: troops in theatre at one
time, and the total committed with a rotation multiplier of 3), runs the
analytic model on each with the same sample count and seed, and prints one row
per file: troops in theatre (median and 95th percentile), troops per km of line,
fill ratio and detection probability (medians), and P(feasible). It then places
each file's density against the line densities of historical missions with
``feasim.refdata.compare_density``.

For C6, C8 and C12 the pledges depend on conditions (a ceasefire, a US
backstop, Russian consent, a UN mandate), so in most samples no troops deploy
and the median in theatre is 0; the density comparison for them uses the
samples in which troops do deploy, and says in what share of samples that is.
Troops per km counts every troop in theatre, whatever its role (C8's rear,
training and air elements included), as the historical densities do.

The claims are inputs to test: each row says what the figure buys under the
file's stated assumptions (the reference posture, the criteria), not whether
the claim is right.

Run from the repository root:  python examples/compare_claims.py
"""

from pathlib import Path

import numpy as np

import feasim
from feasim import refdata

HERE = Path(__file__).resolve().parent
CLAIMS = HERE.parent / "scenarios" / "claims"

FILES = [
    "c02-experts-100k-in-theatre.yaml", "c02-experts-100k-committed.yaml",
    "c03-france-uk-10k-in-theatre.yaml", "c03-france-uk-10k-committed.yaml",
    "c03-france-uk-30k-in-theatre.yaml", "c03-france-uk-30k-committed.yaml",
    "c04-ukraine-minimum-200k-in-theatre.yaml", "c04-ukraine-minimum-200k-committed.yaml",
    "c06-coalition-of-the-willing.yaml", "c06-coalition-of-the-willing-committed.yaml",
    "c08-layered-posture.yaml", "c08-layered-posture-committed.yaml",
    "c12-un-force.yaml", "c12-un-force-committed.yaml",
]
SAMPLES, SEED = 2000, 1


def between(density: float) -> str:
    """Where a density (troops per km) sits among the comparable missions, in words."""
    places = refdata.compare_density(density, 1.0)   # density × 1 km: the same ratio
    inside = [p for p in places if p.position == "within"]
    if inside:
        return "; ".join(p.describe() for p in inside)
    below = [p for p in places if p.position == "above"]   # missions below this density
    above = [p for p in places if p.position == "below"]   # missions above it
    parts = []
    if below:
        m = max(below, key=lambda p: p.mission.density_high).mission
        parts.append(f"above {m.short_name} ({refdata.density_range_text(m)})")
    if above:
        m = min(above, key=lambda p: p.mission.density_low).mission
        parts.append(f"below {m.short_name} ({refdata.density_range_text(m)})")
    return f"{refdata.format_density(density)} /km is " + " and ".join(parts)


header = (f"{'scenario':<40} {'reading':<10} {'in theatre p50':>14} {'p95':>8} "
          f"{'troops/km p50':>13} {'fill p50':>8} {'detection p50':>13} {'P(feasible)':>11}")
units = (f"{'':<40} {'':<10} {'persons':>14} {'persons':>8} "
         f"{'persons/km':>13} {'fraction':>8} {'probability':>13} {'probability':>11}")
print(f"analytic model, {SAMPLES:,} samples, seed {SEED}; line 1,200 km in every file")
print(header)
print(units)

densities = []
for name in FILES:
    scenario = feasim.load_scenario(CLAIMS / name)
    r = feasim.evaluate(scenario, samples=SAMPLES, seed=SEED)
    troops = r.summary("in_theatre_troops")
    print(f"{scenario.name:<40} {scenario.force.basis:<10} {troops['p50']:>14,.0f} "
          f"{troops['p95']:>8,.0f} {r.summary('troops_per_km')['p50']:>13.1f} "
          f"{r.summary('fill_ratio')['p50']:>8.2f} "
          f"{r.summary('detection_probability')['p50']:>13.2f} {r.p_feasible:>11.1%}")
    # Density when troops deploy at all (every sample for C2, C3, C4).
    deployed = r["troops_per_km"][r["in_theatre_troops"] > 0]
    share = deployed.size / r.samples
    densities.append((scenario.name, float(np.median(deployed)), share))

print()
print("Line density against historical missions (median where troops deploy)")
for name, density, share in densities:
    when = "" if share == 1 else f" [troops deploy in {share:.1%} of samples]"
    print(f"{name:<40} {between(density)}{when}")
