"""The density chart: a claim in its historical context, as a matplotlib Figure.

Troops per km of line against line length (log scales) for the historical
missions of feasim.refdata, the claims C2, C3 and C4, and one scenario. The
function returns a Figure, so it can be restyled before saving.

Needs matplotlib (pip install ".[plots]"). Run from the repository root:

    python examples/density_chart.py [OUT.png]
"""

import sys
import tempfile
from pathlib import Path

import feasim
from feasim import plots, refdata

HERE = Path(__file__).resolve().parent
CLAIM = HERE.parent / "scenarios" / "claims" / "c02-experts-100k-in-theatre.yaml"

scenario = feasim.load_scenario(CLAIM)
result = feasim.evaluate(scenario, samples=2000, seed=1)
fig = plots.density_chart(scenario, result)

# Restyle like any matplotlib figure: here a wider canvas and a smaller title.
fig.set_size_inches(10, 6.5)
ax = fig.axes[0]
ax.set_title("Troops per km of line: C2 among historical missions", fontsize=11)

out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir()) / "density.png"
fig.savefig(out, dpi=120, bbox_inches="tight")
print(f"wrote {out}")

density = float(result.summary("troops_per_km")["p50"])
print(f"{scenario.name}: median {density:.1f} troops per km of a "
      f"{scenario.theatre.line_km:,.0f} km line")
for p in refdata.compare_density(100_000, 1200):
    print("  " + p.describe())
print(f"{len(ax.texts)} labels on the chart")
