"""A monitoring mission on the Belarus-Ukraine border, on a map.

The shipped scenario scenarios/geo/belarus-ukraine-monitoring.yaml follows the
Belarus-Ukraine border as Natural Earth 1:10m draws it (theatre.line_file:
builtin:ukraine-belarus-border, public domain) and staffs it at the OSCE SMM's
2017 density. The script prints:

- the line's geodesic length on the WGS84 ellipsoid and its two sectors, cut at
  a kilometre mark (to_km), against the surveyed ~1,084 km (Natural Earth's line
  is generalised: about 20% shorter);
- the same metric from the geographic scenario and from its one-dimensional twin
  (the same lengths typed in): the models see only lengths, so they are equal;
- writes the map with six QRF bases added (feasim.plots.line_map: the line,
  sectors, bases 20 km behind it on the Ukrainian side, country outlines).

Needs pip install ".[geo,plots]" (pyproj, shapely, matplotlib). Runs offline in
a few seconds. Run from the repository root:

    python examples/line_on_a_map.py [OUT.png]
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

import feasim
from feasim.plots import line_map

PATH = "scenarios/geo/belarus-ukraine-monitoring.yaml"
SURVEYED_KM = 1084    # A9: the surveyed Belarus-Ukraine border

s = feasim.load_scenario(PATH)
th = s.theatre
print(f"{s.name}: line {th.line_km:,.1f} km from {th.line_file} "
      f"({th.line_km / SURVEYED_KM:.2f} of the surveyed {SURVEYED_KM:,} km)")
for sector in th.sectors:
    print(f"  sector {sector.name}: {sector.length_km:,.1f} km")

# The one-dimensional twin: the same lengths typed in, no geometry.
data = s.model_dump(mode="json", by_alias=True, exclude_none=True)
data["theatre"].pop("line_file")
data["theatre"].pop("behind")
twin = feasim.validate_data(data)
a, b = feasim.evaluate(s), feasim.evaluate(twin)
same = all(np.array_equal(a[k], b[k], equal_nan=True) for k in feasim.METRICS)
print(f"detection probability (median): on the map {np.median(a['detection_probability']):.3f}, "
      f"1-D twin {np.median(b['detection_probability']):.3f}; every metric equal: {same}")

with_qrf = feasim.with_overrides(s, {"posture.qrf": {"bases": 6, "teams_per_base": 2}})
out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir()) / "map.png"
line_map(with_qrf, feasim.evaluate(with_qrf, samples=200)).savefig(out, dpi=120)
print(f"wrote {out}")
