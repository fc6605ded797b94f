"""Loading scenarios: every problem at once, with file, line, field, rule and value."""

from __future__ import annotations

import pytest

import feasim
from feasim import ScenarioError
from feasim.distributions import LogNormal, Pert, TruncNormal, Uniform

from .conftest import BASE_YAML, scenario_from


def problems_of(text: str, overrides=None):
    with pytest.raises(ScenarioError) as info:
        scenario_from(text, overrides)
    return info.value.problems


def by_path(problems):
    return {p.path: p for p in problems}


def test_base_scenario_loads(base):
    assert base.name == "example"
    assert base.force.basis == "in_theatre"
    assert [c.name for c in base.contributors] == ["France", "United Kingdom"]


def test_all_problems_reported_at_once_with_line_field_rule_value():
    text = BASE_YAML.replace("line_km: 1200", "line_km: -5").replace(
        "basis: in_theatre", "basis: committd").replace(
        "troops: 10000\n    conditions", "troops: abc\n    conditions").replace(
        "speed_kmh: 10,", "speed_kmh: 0,")
    probs = by_path(problems_of(text))
    assert set(probs) >= {"theatre.line_km", "force.basis", "contributors[0].troops",
                          "posture.patrols.speed_kmh"}
    p = probs["theatre.line_km"]
    assert (p.file, p.line, p.rule, p.value) == ("test.yaml", 5, "out_of_range", -5)
    assert "must be > 0" in p.message and "got -5" in str(p)
    assert probs["force.basis"].rule == "literal_error"
    assert probs["contributors[0].troops"].value == "abc"
    assert probs["posture.patrols.speed_kmh"].line == 21


def test_cross_field_problems_reported_with_field_errors():
    text = BASE_YAML.replace("conditions: [ceasefire]", "conditions: [ceasfire]").replace(
        "line_km: 1200", "line_km: 1200\n  sectors: [{name: a, length_km: 1000}]").replace(
        "team_size: 8", "team_size: -8")
    probs = by_path(problems_of(text))
    assert probs["contributors[0].conditions[0]"].rule == "unknown_condition"
    assert "'ceasfire'" in probs["contributors[0].conditions[0]"].message
    assert probs["theatre.sectors"].rule == "sectors_sum"
    assert probs["posture.patrols.team_size"].rule == "out_of_range"


def test_unknown_key_is_an_error_not_ignored():
    probs = by_path(problems_of(BASE_YAML.replace("line_km: 1200", "line_km: 1200\n  lenght: 3")))
    assert probs["theatre.lenght"].rule == "extra_forbidden"


def test_missing_required_field():
    text = BASE_YAML.replace("  basis: in_theatre\n", "")
    p = by_path(problems_of(text))["force.basis"]
    assert p.rule == "missing" and p.line == 6


def test_unknown_criterion_and_metric_not_modelled():
    text = BASE_YAML.replace("criteria:\n", "criteria:\n  coverage: {min: 1}\n").replace(
        "adversary: {troops: 700000, line_fraction: 0.6, massed_share: 0.2, attack_sector_km: 30}\n",
        "").replace("  response_hours_p90: {max: 5}",
                    "  response_hours_p90: {max: 5}\n  local_force_ratio: {max: 3}")
    probs = by_path(problems_of(text))
    assert probs["criteria.coverage"].rule == "unknown_metric"
    assert probs["criteria.local_force_ratio"].rule == "metric_not_modelled"


def test_criterion_needs_exactly_one_bound():
    text = BASE_YAML.replace("detection_probability: {min: 0.9}\n",
                             "detection_probability: {min: 0.9, max: 1}\n")
    assert by_path(problems_of(text))["criteria.detection_probability"].rule == "invalid_value"


@pytest.mark.parametrize("spec, rule", [
    ("{dist: normal, mean: 0.5, sd: 0.1}", "out_of_range"),    # unbounded for a fraction
    ("{dist: uniform, low: 0.6, high: 0.2}", "invalid_value"),  # low > high
    ("{dist: gamma, k: 2}", "quantity"),                        # unknown distribution
    ("{dist: uniform, low: 0.1, high: 0.2, mode: 3}", "extra_forbidden"),
    ("yes", "quantity"),                                        # a YAML boolean is no number
    (".nan", "finite_number"),
    ("1.0", "out_of_range"),                                    # support_fraction < 1
])
def test_bad_quantities(spec, rule):
    text = BASE_YAML.replace("support_fraction: 0.5", f"support_fraction: {spec}")
    (p,) = problems_of(text)
    assert p.path.startswith("force.support_fraction")
    assert p.rule == rule and p.line == 9


def test_distribution_must_stay_inside_domain():
    ok = scenario_from(BASE_YAML.replace(
        "support_fraction: 0.5", "support_fraction: {dist: truncnormal, mean: 0.5, sd: 0.1, "
                                 "low: 0.2, high: 0.8}"))
    assert isinstance(ok.force.support_fraction, TruncNormal)
    assert ok.force.support_fraction.support() == pytest.approx((0.2, 0.8))


def test_unsafe_yaml_tag_is_rejected_not_executed(tmp_path, write):
    marker = tmp_path / "executed"
    path = write(f"name: x\ntheatre: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(ScenarioError) as info:
        feasim.load_scenario(path)
    (p,) = info.value.problems
    assert p.rule == "unsafe_tag" and p.line == 2
    assert not marker.exists()


def test_duplicate_keys_are_reported():
    text = BASE_YAML.replace("name: example\n", "name: example\nname: other\n")
    p = by_path(problems_of(text))["name"]
    assert p.rule == "duplicate_key" and p.line == 2


@pytest.mark.parametrize("text, rule", [
    ("", "empty"),
    ("- a\n- b\n", "not_a_mapping"),
    ("name: [unclosed\n", "yaml_syntax"),
])
def test_files_that_are_not_scenarios(text, rule):
    assert problems_of(text)[0].rule == rule


def test_unreadable_file(tmp_path):
    with pytest.raises(ScenarioError) as info:
        feasim.load_scenario(tmp_path / "missing.yaml")
    assert info.value.problems[0].rule == "unreadable"


def test_error_message_lists_every_problem():
    text = BASE_YAML.replace("line_km: 1200", "line_km: 0").replace("team_size: 8", "team_size: 0")
    with pytest.raises(ScenarioError) as info:
        scenario_from(text)
    msg = str(info.value)
    assert msg.startswith("2 problems in scenario:")
    assert "test.yaml:5:12: theatre.line_km: must be > 0 [out_of_range] (got 0)" in msg


# ---------------------------------------------------------------- overrides


def test_override_returns_validated_copy(base):
    new = feasim.with_overrides(base, ["posture.patrols.teams=120",
                                       "contributors[France].troops=5000",
                                       "contributors[1].honour_probability=0.5"])
    assert new.posture.patrols.teams == 120 and base.posture.patrols.teams == 100
    assert new.contributors[0].troops == 5000
    assert new.contributors[1].honour_probability == 0.5


def test_override_with_distribution_and_mapping(base):
    new = feasim.with_overrides(base, {"conditions.ceasefire": {"dist": "uniform", "low": 0.2,
                                                                "high": 0.8}})
    assert isinstance(new.conditions["ceasefire"], Uniform)
    new = feasim.with_overrides(base, ["contributors[France].troops="
                                       "{dist: pert, low: 1000, mode: 2000, high: 5000}"])
    assert isinstance(new.contributors[0].troops, Pert)


def test_override_can_remove_optional_block(base):
    new = feasim.with_overrides(base, ["posture.sensors=null"])
    assert new.posture.sensors is None


@pytest.mark.parametrize("override, rule", [
    ("posture.patrols.teams=-3", "out_of_range"),
    ("contributors[Nowhere].troops=5", "bad_override"),
    ("posture.patrols.teams", "bad_override"),
    ("posture.patrols.tems=5", "extra_forbidden"),
    ("name.sub=3", "bad_override"),
])
def test_bad_overrides(override, rule):
    probs = problems_of(BASE_YAML, [override])
    assert probs[0].rule == rule
    assert probs[0].file.startswith("--set ")


def test_lognormal_has_requested_mean_and_sd():
    d = LogNormal(mean=100.0, sd=30.0).frozen()
    assert d.mean() == pytest.approx(100.0) and d.std() == pytest.approx(30.0)


def test_dump_round_trip(base):
    again = feasim.parse_scenario(feasim.dump_scenario(base))
    assert again == base


# ---------------------------------------------------------------- hostile files


@pytest.mark.parametrize("text, rule", [
    ("a: &a [*a]\n", "recursive_alias"),
    ("x: " + "[" * 3000 + "]" * 3000 + "\n", "too_deep"),
    ("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
     "too_large"),
])
def test_alias_cycles_depth_and_bombs_are_refused(text, rule):
    assert problems_of(text)[0].rule == rule


@pytest.mark.parametrize("spec", ["1.0e+308", "{dist: pert, low: 0, mode: 0, high: 1.0e308}",
                                  "{dist: lognormal, mean: 1.0e11, sd: 1.0e12}"])
def test_implausibly_large_numbers_are_refused(spec):
    text = BASE_YAML.replace("troops: 10000\n    conditions", f"troops: {spec}\n    conditions")
    assert by_path(problems_of(text))["contributors[0].troops"].rule == "too_large"


def test_quoted_numbers_are_text_not_numbers():
    text = BASE_YAML.replace("troops: 10000\n    conditions", 'troops: "10000"\n    conditions')
    assert by_path(problems_of(text))["contributors[0].troops"].rule == "quantity"


def test_bad_override_reported_with_the_files_problems():
    text = BASE_YAML.replace("line_km: 1200", "line_km: -1")
    probs = problems_of(text, ["contributors[Nobody].troops=5", "contributors[7].troops=5"])
    rules = sorted(p.rule for p in probs)
    assert rules == ["bad_override", "bad_override", "out_of_range"]
    assert any("no item 7 (it has 2, from 0)" in p.message for p in probs)


def test_scenario_is_really_frozen(base):
    with pytest.raises(AttributeError):
        base.contributors.clear()
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        base.name = "other"


@pytest.mark.parametrize("change", [
    lambda d: d.__setitem__("x", 0.5), lambda d: d.update(x=0.5), lambda d: d.clear(),
    lambda d: d.pop("ceasefire"), lambda d: d.setdefault("x", 0.5), lambda d: d.popitem(),
])
def test_scenario_mappings_are_read_only_too(change):
    import copy
    import pickle

    sc = feasim.load_scenario("scenarios/claims/c06-coalition-of-the-willing.yaml")
    before = sc.model_dump()
    for mapping in (sc.conditions, sc.criteria):
        with pytest.raises(TypeError, match="read-only.*with_overrides"):
            change(mapping)
    assert sc.model_dump() == before
    # copies keep the values and stay read-only; serialisation is unchanged
    for other in (copy.deepcopy(sc), pickle.loads(pickle.dumps(sc))):
        assert other == sc
        with pytest.raises(TypeError):
            other.conditions["x"] = 0.5
    assert feasim.Scenario.model_validate_json(sc.model_dump_json()) == sc
    changed = feasim.with_overrides(sc, {"conditions.ceasefire": 0.5})
    assert changed.conditions["ceasefire"] == 0.5 and sc.conditions["ceasefire"] != 0.5


def test_override_of_an_unknown_block_blames_the_override_not_the_file():
    (p,) = problems_of(BASE_YAML, ["nope.x=3"])
    assert (p.file, p.line, p.path, p.rule) == ("--set nope.x=3", None, "nope", "extra_forbidden")


def test_override_problems_name_the_field_as_written():
    (p,) = problems_of(BASE_YAML, ["contributors[United Kingdom].troops=-5"])
    assert p.path == "contributors[United Kingdom].troops"
    assert p.file == "--set contributors[United Kingdom].troops=-5"
