"""Posture presets by mission type: ``mission: monitoring | interposition | deterrence |
defence`` in a scenario starts its posture from the preset, and the scenario's own
``posture:`` fields override it (``null`` removes a block).

The presets are data (``feasim/refdata/presets.yaml``), every figure with its source
or marked as an assumption. Counts given per 100 km of line (patrol teams, sensors,
QRF bases) become whole counts, at least 1, at the scenario's line length (its mean
where the length is a distribution); they are worked out again whenever the
scenario is validated, so ``--set theatre.line_km=600`` or
:func:`feasim.with_overrides` rescale them.
"""

from __future__ import annotations

import copy
import functools
import math
import typing
from typing import Any

from .schema import MissionType

__all__ = ["MISSIONS", "presets", "preset_posture", "apply_preset", "posture_overrides"]

MISSIONS: tuple[str, ...] = typing.get_args(MissionType)


@functools.lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    from .refdata._load import read_text, safe_load

    return safe_load(read_text("presets.yaml"))["presets"]


def presets() -> dict[str, dict[str, Any]]:
    """Every preset (``description``, ``sources``, ``per_100_km``, ``posture``), a copy."""
    return copy.deepcopy(_data())


def _line_mean(line: Any) -> float | None:
    """The line length (km) of raw scenario data, its mean for a distribution."""
    if isinstance(line, (int, float)) and not isinstance(line, bool):
        return float(line)
    if isinstance(line, dict):
        try:
            from pydantic import TypeAdapter

            from .distributions import Distribution, quantity_mean

            return float(quantity_mean(TypeAdapter(Distribution).validate_python(line)))
        except Exception:  # noqa: BLE001 - invalid: the scenario's validation reports it
            return None
    return None


def preset_posture(mission: str, line_km: float) -> dict[str, Any]:
    """The preset's posture as plain data, counts worked out for ``line_km`` km."""
    p = _data()[mission]
    posture = copy.deepcopy(p["posture"])
    for path, per_100 in p["per_100_km"].items():
        block, field = path.split(".")
        posture.setdefault(block, {})[field] = max(1, int(math.floor(per_100 * line_km / 100
                                                                     + 0.5)))
    return posture


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def apply_preset(data: Any) -> Any:
    """Raw scenario data with its ``mission`` preset merged under its ``posture``
    (unchanged when it names none, or names an unknown one: validation reports that)."""
    if not isinstance(data, dict) or data.get("mission") not in MISSIONS:
        return data
    theatre = data.get("theatre")
    line = _line_mean(theatre.get("line_km")) if isinstance(theatre, dict) else None
    if line is None or line <= 0:
        return data
    own = data.get("posture") or {}
    if not isinstance(own, dict):
        return data
    out = dict(data)
    out["posture"] = _merge(preset_posture(data["mission"], line), own)
    return out


def posture_overrides(mission: str, line_km: float, posture: dict[str, Any]) -> dict[str, Any]:
    """What a dumped ``posture`` adds to the preset: the fields that differ from it, and
    ``None`` for the preset's blocks it has not, so that the dump validates back to the
    same scenario and the preset's counts still follow the line."""
    base = preset_posture(mission, line_km)
    out: dict[str, Any] = {}
    for block in set(base) | set(posture):
        mine, theirs = posture.get(block), base.get(block)
        if mine is None:
            out[block] = None
        elif not isinstance(mine, dict) or not isinstance(theirs, dict):
            out[block] = mine
        else:
            diff = {k: v for k, v in mine.items() if theirs.get(k, object()) != v}
            if diff:
                out[block] = diff
            elif block not in base:
                out[block] = mine
    return out


def under_mission(scenario: Any, mission: str) -> tuple[Any, list[str]]:
    """``scenario`` with the posture of the ``mission`` preset in place of its own.

    Criteria on outputs the preset does not model (a response time where the preset
    has no QRF) are dropped; their names are returned beside the new scenario.
    """
    from .loader import with_overrides
    from .metrics import needs_block

    if mission not in MISSIONS:
        from .errors import FeasimError

        raise FeasimError(f"unknown mission type {mission!r}: one of {', '.join(MISSIONS)}")
    blocks = set(_data()[mission]["posture"]) | {p.split(".")[0] for p in
                                                 _data()[mission]["per_100_km"]}
    kept, dropped = {}, []
    for name, crit in scenario.criteria.items():
        block = needs_block(name)
        if block and block.startswith("posture.") and block.split(".", 1)[1] not in blocks:
            dropped.append(name)
        else:
            kept[name] = crit.model_dump(exclude_none=True)
    return with_overrides(scenario, {"mission": mission, "posture": {},
                                     "criteria": kept}), dropped
