"""A parameter sweep in a script: claim C2 over line length and patrol teams.

Claim C2 says 100,000 troops are needed for a 1,200 km line. This script asks
how the verdict moves when two assumptions move: the length of the line
(300 to 2,100 km) and the number of patrol teams the posture asks for (50 to
400 teams), under both readings of the figure (100,000 in theatre at one time,
or 100,000 committed in total with a rotation multiplier of 3). It builds the
sweep with ``feasim.sweep.Sweep`` (a factorial design: every combination),
runs it in this process (``executor="serial"``) into a temporary folder, reads
the rows back with ``SweepResult.to_dataframe()`` and prints P(feasible) by
line length and patrol teams, then the QRF's 90th-percentile response time by
line length.

Needs pyarrow and pandas: pip install 'feasim[sweep,tables]'.

Run from the repository root:  python examples/sweep_in_a_script.py
"""

import tempfile
from pathlib import Path

import feasim
from feasim.sweep import Sweep, run_sweep

HERE = Path(__file__).resolve().parent
CLAIM = HERE.parent / "scenarios" / "claims" / "c02-experts-100k-in-theatre.yaml"

LINES_KM = [300, 600, 900, 1200, 1500, 1800, 2100]   # km
TEAMS = [50, 100, 200, 400]                           # patrol teams
READINGS = ["in_theatre", "committed"]

scenario = feasim.load_scenario(CLAIM)
sweep = Sweep(
    scenario,
    {"theatre.line_km": {"values": LINES_KM},
     "posture.patrols.teams": {"values": TEAMS},
     "force.basis": {"values": READINGS}},
    design={"method": "factorial"},        # every combination: 7 × 4 × 2 = 56 points
    outputs=["fill_ratio", "detection_probability", "response_hours_p90"],
    samples_per_point=100,                 # Monte Carlo samples of the other inputs, per point
    seed=1,
)

with tempfile.TemporaryDirectory() as out:
    result = run_sweep(sweep, out, executor="serial", progress=False)
    df = result.to_dataframe()             # one row per point, indexed by point
    failed = len(result.failed())

print(f"{scenario.name}: {len(df)} points, {failed} failed "
      f"({len(LINES_KM)} line lengths x {len(TEAMS)} patrol-team counts x 2 readings)")

for basis in READINGS:
    label = {"in_theatre": "100,000 in theatre at one time",
             "committed": "100,000 committed in total (33,333 in theatre)"}[basis]
    table = (df[df["force.basis"] == basis]
             .pivot_table(index="theatre.line_km", columns="posture.patrols.teams",
                          values="p_feasible"))
    print()
    print(f"P(feasible), read as {label}")
    print("line (km)  " + "".join(f"{t:>7d} teams" for t in TEAMS))
    for line_km, row in table.iterrows():
        print(f"{line_km:>9,.0f}  " + "".join(f"{row[t]:>13.2f}" for t in TEAMS))

# The QRF is filled first, so its response time depends on the line, not on the
# patrols or the reading: the 3-hour criterion fails beyond about 1,500 km.
response = df.groupby("theatre.line_km")["response_hours_p90"].mean()
print()
print("90th-percentile QRF response by line length (criterion: at most 3 hours)")
for line_km, hours in response.items():
    print(f"{line_km:>9,.0f} km  {hours:.2f} hours")
