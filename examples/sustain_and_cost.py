"""Can the contributors sustain their pledges, and what does the force cost?

Three contributors pledge troops for a 400 km line, to be held for three years:
France and the United Kingdom name their states (ISO 3166-1 alpha-3), so their
force pools come from the reference data (feasim.refdata.force_pools()); Nation X
states its own pool. The pledges, the posture and Nation X's figures are
assumptions made for the example, not sourced claims.

The script prints:

- the sustainability and cost metrics (medians and 5-95% ranges);
- feasim.pools.sustainability_table: per contributor its land force, deployable
  force, the largest force it can hold over the commitment, the years its pledge
  can be held and the shortfall (a number beside the pledge: the pledge itself
  stays in the force);
- the simulated strength over the three years (feasim.pools.strength_over_years)
  against its closed-form mean, and writes the fan chart
  (feasim.plots.commitment_fan_chart; needs matplotlib: pip install ".[plots]").

Runs offline in a few seconds. Run from the repository root:

    python examples/sustain_and_cost.py [OUT.png]
"""

import math
import sys
import tempfile
from pathlib import Path

import numpy as np

import feasim
from feasim.pools import strength_over_years, sustainability_table

SCENARIO = """
name: sustain-three-pledges
title: "Three pledges for a 400 km line, held for three years"
notes:
  - "An example, not a sourced claim: the pledges, the posture and Nation X's figures are assumptions."
theatre:
  line_km: 400                                    # km
force:
  basis: in_theatre                               # pledges are troops in theatre at one time
  rotation_multiplier: 3                          # rule of thirds
  support_fraction: 0.5
contributors:
  - name: France
    state: FRA                                    # force pool from the reference data
    troops: 8000                                  # persons
    ramp_up_days: 60                              # days to full strength
  - name: United Kingdom
    state: GBR                                    # force pool from the reference data
    troops: 10000                                 # persons
    ramp_up_days: 90                              # days to full strength
  - name: Nation X
    troops: 1500                                  # persons
    pool_troops: 20000                            # persons: all its active armed forces
    pool_basis: armed_forces
    land_share: 0.6                               # fraction of them in land forces
    pool_source: "assumption for the example"
    withdrawal_hazard_per_year: 0.2               # per year: leaves after 5 years on average
    cost_per_troop_year_usd: 60000                # US dollars per troop-year
commitment:
  years: 3                                        # years
posture:
  observation_posts: {spacing_km: 5, on_post: 2, radius_km: 2}
  patrols: {teams: 40, team_size: 8}
  sensors: {count: 20, coverage_km_each: 10}
"""


def fmt(x):
    """A number as the tables print it: ∞, whole numbers with commas, else 3 digits."""
    return "∞" if x == math.inf else f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


scenario = feasim.parse_scenario(SCENARIO, "sustain.yaml")
result = feasim.evaluate(scenario, samples=2000, seed=1)
print(f"{scenario.name}: {len(scenario.contributors)} contributors, commitment "
      f"{scenario.commitment.years:g} years, {result.samples:,} samples, seed {result.seed}")

print("\nSustainability (median, 5-95% range)")
for name in ("sustainable_in_theatre_troops", "pledge_shortfall_troops",
             "national_share_committed_max", "pledge_sustainable_years_min",
             "requirement_national_share_max"):
    q = result.summary(name)
    print(f"  {name:31} {fmt(q['p50']):>7}  ({fmt(q['p05'])} – {fmt(q['p95'])}) "
          f"{result.unit(name)}")
print("Cost (median, 5-95% range)")
for name in ("cost_per_year_usd", "cost_total_usd", "cost_per_km_year_usd"):
    q = result.summary(name)
    print(f"  {name:31} {fmt(q['p50'] / 1e6):>7}  ({fmt(q['p05'] / 1e6)} – "
          f"{fmt(q['p95'] / 1e6)}) million {result.unit(name)}")
q = result.summary("detection_per_billion_usd_year")
print(f"  {'detection_per_billion_usd_year':31} {fmt(q['p50']):>7}  ({fmt(q['p05'])} – "
      f"{fmt(q['p95'])}) {result.unit('detection_per_billion_usd_year')}")

print("\nPer contributor (medians, persons; years the pledge can be held)")
print(f"  {'contributor':15} {'pledge':>7} {'land force':>10} {'deployable':>10} "
      f"{'sustainable':>11} {'years held':>10} {'shortfall':>9}")
for row in sustainability_table(scenario):
    print(f"  {row['contributor']:15} {fmt(row['pledge_in_theatre']):>7} "
          f"{fmt(row['land_force']):>10} {fmt(row['deployable']):>10} "
          f"{fmt(row['sustainable']):>11} {fmt(row['years']):>10} "
          f"{fmt(row['shortfall']):>9}")
print(f"  in theatre (median): {result.summary('in_theatre_troops')['p50']:,.0f} persons, "
      "the pledges as written")

timeline = strength_over_years(scenario, step_days=15, replications=200, seed=1)
p05, p50, p95 = timeline.quantiles((5, 50, 95))
print(f"\nStrength over {timeline.years[-1]:g} years, {timeline.strength.shape[0]} "
      "replications (persons)")
for day in (45, 360, 1095):
    i = int(np.flatnonzero(timeline.days == day)[0])
    print(f"  day {day:>4}: p05 {p05[i]:,.0f}, p50 {p50[i]:,.0f}, p95 {p95[i]:,.0f}; "
          f"mean {timeline.strength[:, i].mean():,.0f}, closed form {timeline.expected[i]:,.0f}")

from feasim.plots import commitment_fan_chart  # noqa: E402  (matplotlib only from here)

fig = commitment_fan_chart(timeline)
out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir()) / "commitment-fan.png"
fig.savefig(out, dpi=120, bbox_inches="tight")
print(f"wrote {out}")
