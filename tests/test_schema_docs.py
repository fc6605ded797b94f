"""The schema documents itself: every field has a description, numbers have units."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import BaseModel

import feasim.distributions as dists
import feasim.schema as schema
from feasim.cli import main

from .conftest import ROOT

MODELS = [obj for obj in vars(schema).values()
          if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == schema.__name__
          and not obj.__name__.startswith("_")]
UNIT = re.compile(r"\((?:[^)]*\b(km|km/h|hours?|days?|persons|per day|per year|probability|"
                  r"fraction|dimensionless|count|teams|bases|sensors|unit|years|US dollars)\b[^)]*)\)")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_models_are_strict_and_frozen(model):
    assert model.model_config.get("extra") == "forbid"
    assert model.model_config.get("frozen") is True
    assert model.__doc__


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_documented_and_numbers_carry_units(model):
    for name, field in model.model_fields.items():
        assert field.description, f"{model.__name__}.{name} has no docstring"
        text = str(field.annotation)
        numeric = "float" in text or "Uniform" in text
        if numeric and name not in {"min", "max"}:
            assert UNIT.search(field.description), f"{model.__name__}.{name}: no unit"


def test_distribution_parameters_documented():
    for cls in (dists.Uniform, dists.Triangular, dists.Pert, dists.Normal, dists.LogNormal,
                dists.TruncNormal):
        for name, field in cls.model_fields.items():
            assert name == "dist" or field.description, f"{cls.__name__}.{name}"


def test_shipped_schema_file_is_current(capsys):
    main(["schema"])
    current = json.loads(capsys.readouterr().out)
    shipped = json.loads((ROOT / "docs" / "scenario.schema.json").read_text())
    assert shipped == current, "run: feasim schema -o docs/scenario.schema.json"


def test_generated_field_reference_is_current():
    from feasim.schema_doc import schema_markdown

    shipped = (ROOT / "docs" / "scenario-reference.md").read_text(encoding="utf-8")
    assert shipped == schema_markdown(), \
        "run: feasim schema --markdown -o docs/scenario-reference.md"
    # every field of every block is in it
    for name, field in feasim_fields():
        assert f"| `{name}` |" in shipped, (name, field)


def feasim_fields():
    from feasim.schema import Scenario

    defs = Scenario.model_json_schema()["$defs"]
    for d in defs.values():
        for name in d.get("properties", {}):
            yield name, d


def test_json_schema_carries_the_ranges_feasim_checks():
    """Editors see the same ranges as the validator: a constant out of range is
    flagged as it is typed (distributions are checked by feasim alone)."""
    from feasim.schema import LIMIT, Scenario

    defs = Scenario.model_json_schema()["$defs"]

    def number(block, field):
        branches = defs[block]["properties"][field]["oneOf"]
        return next(b for b in branches if b.get("type") == "number")

    assert number("Theatre", "line_km") == {"type": "number", "exclusiveMinimum": 0,
                                           "maximum": LIMIT}
    prob = number("Contributor", "honour_probability")
    assert (prob["minimum"], prob["maximum"]) == (0, 1)
    assert number("QRF", "bases")["minimum"] == 1
    assert number("QRF", "bases")["multipleOf"] == 1
    assert "multipleOf" not in number("Theatre", "line_km")


def test_field_reference_shows_ranges():
    from feasim.schema_doc import schema_markdown

    text = schema_markdown()
    assert "| `line_km` | number or [distribution](#distributions) (> 0) |" in text
    assert "| `bases` | number or [distribution](#distributions) (≥ 1, whole) |" in text
    assert "| `samples` | integer (≥ 1, ≤ 100,000,000) |" in text


def test_field_docstrings_read_in_one_parse_are_pydantics_own():
    """feasim._docstrings hands pydantic each class's field docstrings from one parse of
    its file; for every feasim model they equal pydantic's own per-class extraction,
    and they are the descriptions the models carry."""
    import inspect
    import sys

    from pydantic._internal import _fields

    import feasim.sweep.spec  # noqa: F401  (its models too)

    extract = _fields.extract_docstrings_from_cls
    assert getattr(extract, "_feasim", False)
    models = [c for name, mod in list(sys.modules.items()) if name.startswith("feasim")
              for c in vars(mod).values()
              if inspect.isclass(c) and issubclass(c, BaseModel) and c.__module__ == name]
    assert len(models) >= 30
    for c in models:
        assert extract(c) == extract.original(c, use_inspect=True), c.__qualname__
    info = schema.Theatre.model_fields["line_km"]
    assert info.description and info.description == extract.original(
        schema.Theatre, use_inspect=True)["line_km"]
