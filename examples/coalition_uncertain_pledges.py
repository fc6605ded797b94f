"""A coalition whose pledges are uncertain and conditional, built in Python.

Four hypothetical contributors pledge troops for a 1,200 km line. Their pledges
are ranges (Beta-PERT distributions), they depend on named conditions (a
ceasefire, air cover) that hold with a given probability, each pledge is
honoured only with some probability once its conditions hold, and one
contributor is still building up on the day the force is assessed (day 90).
Every figure is an assumption made for the example, not a sourced claim.

The script writes the scenario as YAML text, validates it with
``feasim.parse_scenario``, runs the analytic model, and prints:

- P(feasible) and the 5th, 50th and 95th percentiles of the troops in theatre;
- the share of samples in which each condition fails;
- a Sobol' sensitivity ranking of the verdict with each contributor's inputs
  grouped into one factor (``feasim.sensitivity.analyse``, needs SALib:
  pip install 'feasim[sensitivity]');
- the minimum force (``feasim.frontier.minimum_force``): the smallest factor
  on every pledge that makes the plan feasible in 50% of samples, and why no
  factor reaches 90%.

Run from the repository root:  python examples/coalition_uncertain_pledges.py
"""

import feasim
from feasim import sensitivity
from feasim.frontier import minimum_force

SCENARIO = """
name: coalition-uncertain-pledges
title: "Four conditional, uncertain pledges for a 1,200 km line"
notes:
  - "An example, not a sourced claim: every figure here is an assumption."
theatre:
  line_km: 1200                                   # km
force:
  basis: in_theatre                               # pledges are troops in theatre at one time
  rotation_multiplier: 3
  support_fraction: {dist: uniform, low: 0.5, high: 0.7}
  assess_day: 90                                  # days: read the force on day 90
conditions:
  ceasefire: 0.8                                  # probability
  air_cover: {dist: uniform, low: 0.4, high: 0.8} # an uncertain probability
contributors:
  - name: Nation A
    troops: {dist: pert, low: 8000, mode: 12000, high: 16000}   # persons
    conditions: [ceasefire]
    honour_probability: 0.95
    ramp_up_days: 60                              # days to full strength
  - name: Nation B
    troops: {dist: pert, low: 4000, mode: 7000, high: 12000}    # persons
    conditions: [ceasefire, air_cover]
    honour_probability: {dist: uniform, low: 0.6, high: 0.9}
    ramp_up_days: {dist: uniform, low: 60, high: 120}           # days; may exceed day 90
  - name: Nation C
    troops: {dist: pert, low: 2000, mode: 4000, high: 6000}     # persons
    conditions: [ceasefire]
    honour_probability: 0.8
    role: reserve                                 # counts for the QRF only
  - name: Nation D
    troops: 3000                                  # persons
    honour_probability: 0.9
    role: rear                                    # in theatre, but not on the line
posture:
  observation_posts: {spacing_km: 5, on_post: 2, radius_km: 2, detection_probability: 0.9}
  patrols: {teams: 100, team_size: 8, speed_kmh: 5}
  sensors: {count: 60, coverage_km_each: 10, availability: 0.7, detection_probability: 0.6}
  qrf: {bases: 12, teams_per_base: 2, team_size: 30}
incursions: {rate_per_day: 10, exposure_hours: 6}
criteria:
  detection_probability: {min: 0.9}               # probability
  response_hours_p90: {max: 3}                    # hours
  fill_ratio: {min: 1}                            # fraction
"""

scenario = feasim.parse_scenario(SCENARIO, "coalition.yaml")
result = feasim.evaluate(scenario, samples=2000, seed=1)

print(f"{scenario.name}: {len(scenario.contributors)} contributors, "
      f"{result.samples:,} samples, seed {result.seed}")
print(f"P(feasible) = {result.p_feasible:.1%}")
t = result.summary("in_theatre_troops")
print(f"troops in theatre on day 90: p05 {t['p05']:,.0f}, p50 {t['p50']:,.0f}, "
      f"p95 {t['p95']:,.0f} persons")
need = result.summary("required_in_theatre_troops")
print(f"the posture needs {need['p50']:,.0f} persons in theatre (median)")

# A condition holds in a sample when its event uniform is below its probability
# (itself sampled when the probability is a distribution).
for name, probability in scenario.conditions.items():
    event = result.inputs[f"event:conditions.{name}"]
    p = result.inputs.get(f"conditions.{name}", probability)
    print(f"condition {name} fails in {(event >= p).mean():.1%} of samples")

for name, c in result.criteria.items():
    print(f"criterion {name} met in {c.p_met:.1%} of samples")

# Which inputs move the verdict? Sobol' indices of `feasible` (1 or 0 per
# sample), everything under contributors[NAME] grouped into one factor.
s = sensitivity.analyse(scenario, "sobol", n=256, group_by="contributor")
print()
print(f"Sobol' indices of {s.output}, {s.evaluations:,} evaluations "
      "(n = 256: wide intervals, a ranking to read coarsely)")
print(f"{'factor':<32} {'first':>6} {'total':>13}")
for row in s.rows():
    print(f"{row['factor']:<32} {row['first']:>6.2f} "
          f"{row['total']:>6.2f} ± {row['total_conf']:.2f}")

# The ceasefire fails in a fifth of the samples, and then no pledge on the line
# deploys: no factor on the pledges lifts P(feasible) to 90%.
print()
for target in (0.5, 0.9):
    m = minimum_force(scenario, probability=target)
    if m.reachable:
        print(f"minimum force for P(feasible) >= {target:.0%}: {m.scale:.2f} x every pledge, "
              f"{m.pledged_troops:,.0f} pledged (mean), {m.in_theatre_troops:,.0f} in "
              f"theatre (median), {m.troops_per_km:.1f} troops per km")
    else:
        print(f"minimum force for P(feasible) >= {target:.0%}: {m.message}")
