"""feasim.refdata force pools, unit sizes and costs (pools.yaml): known values from the
reference data, integrity of the packaged file, validation of a bad file."""

from __future__ import annotations

import dataclasses
import re
import textwrap
from importlib.resources import files

import pytest
import yaml

from feasim import refdata
from feasim.refdata import _pools
from feasim.refdata._pools import lowest_grade, parse_pools

STATES = ["GBR", "FRA", "DEU", "ITA", "ESP", "NLD", "BEL", "POL", "DNK", "NOR", "SWE", "FIN",
          "EST", "LVA", "LTU", "CAN", "TUR", "AUS", "CZE", "ROU", "PRT", "UKR", "IND", "BGD",
          "CHN", "PAK", "NPL", "GRC", "HRV", "BGR", "SVK", "SVN", "HUN", "LUX", "ALB", "MKD",
          "MNE", "IRL", "AUT", "CYP"]
UNITS = ["company", "battalion", "battalion_group", "battle_group", "battlegroup_eu",
         "battlegroup_efp", "brigade", "brigade_group", "division"]


def _records():
    return [*refdata.force_pools().values(), *refdata.unit_sizes().values(),
            *refdata.troop_costs(), *refdata.equipment_costs()]


def _key(rec):
    return getattr(rec, "state", None) or rec.key


# ---------------------------------------------------------------- loading and integrity


def test_file_loads_through_importlib_resources():
    root = files("feasim.refdata")
    for name, sections in refdata.POOL_FILES.items():
        data = yaml.safe_load(root.joinpath(name).read_text(encoding="utf-8"))
        assert set(data) == set(sections)
        assert all(isinstance(data[s], list) and data[s] for s in sections), name


def test_states_in_file_order():
    assert list(refdata.force_pools()) == STATES
    assert list(refdata.unit_sizes()) == UNITS


def test_iso_codes_are_three_upper_case_letters_and_unique():
    codes = [p.state for p in _pools.load_pools().force_pools]
    assert all(re.fullmatch(r"[A-Z]{3}", c) for c in codes)
    assert len(codes) == len(set(codes))


def test_cost_keys_unique_across_sections():
    keys = [c.key for c in (*refdata.troop_costs(), *refdata.equipment_costs())]
    assert len(keys) == len(set(keys))


def test_every_record_cites_known_sources():
    known = refdata.sources()
    for rec in _records():
        assert rec.sources, _key(rec)
        assert all(k in known for k in rec.sources), _key(rec)


def test_grade_is_the_lowest_among_its_sources():
    known = refdata.sources()
    for rec in _records():
        cited = [known[k].grade for k in rec.sources]
        assert rec.grade in cited, _key(rec)
        assert rec.grade == lowest_grade(cited), _key(rec)


def test_lowest_grade_order():
    assert lowest_grade(["A", "B"]) == "B"
    assert lowest_grade(["B", "B/C"]) == "B/C"
    assert lowest_grade(["B/C", "C", "A"]) == "C"
    assert lowest_grade(["A"]) == "A"


def test_ranges_ordered_and_given_whole():
    for p in refdata.force_pools().values():
        for lo, hi in ((p.active_low, p.active_high), (p.army_low, p.army_high)):
            assert (lo is None) == (hi is None), p.state
            assert lo is None or lo <= hi, p.state
        assert (p.army_low is None) == (p.army_as_stated is None), p.state
        assert (p.deployed_max is None) == (p.deployed_as_stated is None), p.state
        assert p.active_as_stated, p.state
    for rec in [*refdata.unit_sizes().values(), *refdata.troop_costs(),
                *refdata.equipment_costs()]:
        assert 0 <= rec.low <= rec.high, rec.key


def test_cost_units():
    assert {c.unit for c in refdata.troop_costs()} == {"USD per troop-year"}
    assert {c.unit for c in refdata.equipment_costs()} == {"USD per item"}


def test_loaded_once_and_immutable():
    assert refdata.force_pools() is refdata.force_pools()
    assert refdata.troop_costs() is refdata.troop_costs()
    with pytest.raises(TypeError):
        refdata.force_pools()["GBR"] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        refdata.unit_sizes()["company"] = None  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        refdata.force_pool("GBR").active_low = 1  # type: ignore[misc]
    assert isinstance(refdata.troop_costs(), tuple)
    assert isinstance(refdata.equipment_costs(), tuple)


# ---------------------------------------------------------------- lookups


@pytest.mark.parametrize("code", ["FRA", "fra", "Fra"])
def test_force_pool_is_case_insensitive(code):
    assert refdata.force_pool(code).name == "France"


@pytest.mark.parametrize("func, key, known", [
    (refdata.force_pool, "XYZ", "GBR"), (refdata.force_pool, "fr", "NPL"),
    (refdata.unit_size, "platoon", "division"), (refdata.unit_size, "Brigade", "brigade"),
    (refdata.cost_figure, "nope", "un_reimbursement_2018"),
    (refdata.cost_figure, "nope", "cbp_autonomous_surveillance_tower"),
])
def test_unknown_key_names_known_keys(func, key, known):
    with pytest.raises(KeyError, match=rf"{key}.*known: .*\b{known}\b"):
        func(key)


def test_cost_figure_finds_both_sections():
    assert refdata.cost_figure("france_barkhane") in refdata.troop_costs()
    tower = refdata.cost_figure("cbp_autonomous_surveillance_tower")
    assert tower in refdata.equipment_costs() and tower not in refdata.troop_costs()


# ---------------------------------------------------------------- known values (hand-typed)


@pytest.mark.parametrize("code, active, army, deployed", [
    ("GBR", (138_000, 147_300), (74_296, 82_500), 9_500),
    ("FRA", (204_700, 205_700), (114_850, 118_600), 5_100),
    ("DEU", (181_500, 186_000), (89_200, 89_200), 4_715),
    ("ITA", (171_000, 171_400), (None, None), 3_688),
    ("NLD", (40_800, 42_000), (None, None), 2_000),
    ("BEL", (22_700, 30_174), (None, None), 491),
    ("FIN", (8_275, 31_000), (None, None), 150),
    ("CAN", (71_100, 77_000), (19_500, 25_500), 2_922),
    ("TUR", (481_000, 514_850), (350_000, 402_000), 1_790),
    ("ROU", (67_000, 81_000), (None, None), 1_648),
    ("UKR", (730_000, 1_250_000), (None, None), 16),
    ("IND", (1_470_000, 1_475_750), (None, None), 6_073),
    ("CHN", (2_030_000, 2_035_000), (None, None), 2_267),
    ("PAK", (660_000, 660_000), (None, None), 4_164),
])
def test_force_pool_figures(code, active, army, deployed):
    p = refdata.force_pool(code)
    assert (p.active_low, p.active_high) == active
    assert (p.army_low, p.army_high) == army
    assert (p.land_low, p.land_high) == army
    assert p.deployed_max == deployed
    assert p.has_pool


def test_france_active_low():
    assert refdata.force_pool("FRA").active_low == 204700


def test_forty_states():
    assert len(refdata.force_pools()) == 40


def test_greece_as_read_in_the_sources():
    # N2 and N3: 110,800 (NATO 2024 estimate); N1: 111,000 (2025); N17: ISAF 80 (2010).
    p = refdata.force_pool("GRC")
    assert (p.active_low, p.active_high, p.deployed_max) == (110_800, 111_000, 80)
    assert p.grade == "B"


def test_ireland_army_figure_is_the_dail_answer():
    # N41: Army (WTE) 6,670 at 31 May 2022; N40: Permanent Defence Force 7,497 at 31 Jan 2025.
    p = refdata.force_pool("IRL")
    assert (p.army_low, p.army_high) == (6_670, 6_670)
    assert p.active_low == 7_497
    assert refdata.sources()["N40"].grade == "A"


def test_cyprus_has_no_deployment_figure():
    p = refdata.force_pool("CYP")
    assert p.has_pool and p.deployed_max is None and p.deployed_as_stated is None


@pytest.mark.parametrize("code, deployed", [("AUS", 1_550), ("BGD", 10_855), ("NPL", 6_247)])
def test_states_without_a_pool_figure(code, deployed):
    p = refdata.force_pool(code)
    assert not p.has_pool and p.active_low is None and p.army_low is None
    assert p.land_low is None and p.land_high is None
    assert p.active_as_stated == "not found"
    assert p.deployed_max == deployed


def test_army_figures_found_for_few_states():
    assert [p.state for p in refdata.force_pools().values() if p.army_low is not None] == [
        "GBR", "FRA", "DEU", "CAN", "TUR", "IRL"]


def test_notes_on_definitions():
    assert "definitions" in refdata.force_pool("FIN").notes
    assert "Wartime" in refdata.force_pool("UKR").notes
    assert "police" in refdata.force_pool("BGD").notes


@pytest.mark.parametrize("key, low, high", [
    ("company", 100, 200), ("battalion", 400, 800), ("battalion_group", 1000, 1000),
    ("battle_group", 1250, 1250), ("battlegroup_eu", 1500, 2500),
    ("battlegroup_efp", 643, 1887), ("brigade", 3000, 5000), ("brigade_group", 5000, 5000),
    ("division", 10_000, 20_000),
])
def test_unit_sizes(key, low, high):
    u = refdata.unit_size(key)
    assert (u.low, u.high) == (low, high)


def test_unit_size_status():
    assert refdata.unit_size("company").status == "assumption"
    assert refdata.unit_size("battalion").status == "assumption"
    assert "assumption" in refdata.unit_size("company").notes
    assert refdata.unit_size("battlegroup_efp").sources == ("F1",)
    assert {u.status for u in refdata.unit_sizes().values()} <= {"sourced", "derived",
                                                                  "assumption"}
    efp = refdata.mission("nato_efp")
    assert {s.persons for s in efp.other_strengths} == {643, 1887}


def test_un_reimbursement():
    assert refdata.cost_figure("un_reimbursement_2018").low == 1428 * 12 == 17_136
    assert refdata.cost_figure("un_rate_2017").low == 1410 * 12
    assert refdata.cost_figure("un_rate_2016").low == 1365 * 12
    assert refdata.cost_figure("un_rate_2014").low == 1332 * 12
    assert refdata.cost_figure("un_rate_before_2014").low == 1210 * 12
    assert {c.basis for c in refdata.troop_costs() if c.key.startswith("un_")} == {
        "reimbursement"}


def test_bloomberg_cross_check():
    b = refdata.cost_figure("bloomberg_2025_cross_check")
    assert b.low == b.high == 30e9 / 10 / 40_000 == 75_000
    assert b.basis == "estimate"


@pytest.mark.parametrize("key, exact, rounded", [
    ("france_barkhane", 600e6 / 5100 * 1.10, 130_000),          # €1 = $1.10
    ("uk_afghanistan_2010_11", 3.774e9 / 9500 * 1.30, 520_000),  # £1 = $1.30
    ("us_afghanistan_crs_fy2010", 6.7e9 * 12 / 84_000, 960_000),
])
def test_converted_costs(key, exact, rounded):
    c = refdata.cost_figure(key)
    assert c.low == c.high == rounded == round(exact, -4)
    assert c.conversion


def test_conversions_state_the_exchange_rate():
    assert "€1 = $1.10 (assumption)" in refdata.cost_figure("france_barkhane").conversion
    assert "£1 = $1.30 (assumption)" in refdata.cost_figure("uk_afghanistan_2010_11").conversion
    assert "€" in refdata.cost_figure("france_barkhane").as_stated
    assert "£" in refdata.cost_figure("uk_afghanistan_2010_11").as_stated


def test_other_costs():
    csba = refdata.cost_figure("us_afghanistan_csba")
    assert (csba.low, csba.high) == (1.2e6, 2.1e6)
    assert refdata.cost_figure("us_iraq_2005").low == 400_000
    assert refdata.cost_figure("us_afghanistan_dod_2012").low == 850_000
    s = refdata.cost_figure("stationing_outside_conflict_2025")
    assert (s.low, s.basis, s.sources, s.grade) == (140_000, "stationing", ("Q15",), "C")
    assert "Russian state media" in s.notes
    assert refdata.cost_figure("france_barkhane").basis == "additional"
    assert refdata.cost_figure("uk_afghanistan_2010_11").basis == "additional"


def test_tower_cost():
    t = refdata.cost_figure("cbp_autonomous_surveillance_tower")
    assert t.low == pytest.approx(28e6 / 30, rel=0.01)
    assert (t.unit, t.sources, t.grade) == ("USD per item", ("Q18",), "B")


def test_default_troop_cost_is_read_from_the_records():
    low, mode, high = refdata.default_troop_cost()
    assert (low, mode, high) == (17_136, 130_000, 520_000)
    assert low == refdata.cost_figure("un_reimbursement_2018").low
    assert mode == refdata.cost_figure("france_barkhane").mid
    assert high == refdata.cost_figure("uk_afghanistan_2010_11").high
    assert low <= refdata.cost_figure("bloomberg_2025_cross_check").low <= high


# ---------------------------------------------------------------- validation (inline YAML)


POOL = """\
force_pools:
  - state: FRA
    name: France
    active_low: 204700
    active_high: 205700
    active_as_stated: "204,700–205,700"
    deployed_max: 5100
    deployed_as_stated: "Barkhane 5,100"
    sources: [N2, N21]
    grade: B
unit_sizes:
  - {key: brigade, name: Brigade, low: 3000, high: 5000, as_stated: "3,000–5,000",
     sources: [W2], grade: C, status: sourced}
troop_costs:
  - {key: un, label: UN, low: 17136, high: 17136, unit: USD per troop-year,
     basis: reimbursement, as_stated: "$1,428 a month", sources: [Q3], grade: A}
equipment_costs:
  - {key: tower, label: Tower, low: 930000, high: 930000, unit: USD per item,
     basis: additional, as_stated: "$28 M for 30", sources: [Q18], grade: B}
"""


def _parse(text):
    return parse_pools(textwrap.dedent(text), "pools.yaml", refdata.sources())


def test_inline_file_parses():
    data = _parse(POOL)
    assert data.force_pools[0].state == "FRA" and data.force_pools[0].has_pool
    assert data.unit_sizes[0].high == 5000
    assert data.troop_costs[0].low == 17136 and data.equipment_costs[0].key == "tower"


@pytest.mark.parametrize("edit, path, rule", [
    (("active_low: 204700", "active_low: 305700"), "force_pools[0].active_low",
     "low_above_high"),
    (("    active_high: 205700\n", ""), "force_pools[0].active_high", "incomplete_range"),
    (("sources: [N2, N21]", "sources: [N2, Z99]"), "force_pools[0].sources", "unknown_source"),
    (("sources: [N2, N21]", "sources: []"), "force_pools[0].sources", "too_short"),
    (("grade: B\nunit", "grade: A\nunit"), "force_pools[0].grade", "grade_not_cited"),
    (("sources: [N2, N21]\n    grade: B", "sources: [N6, N2]\n    grade: A"),
     "force_pools[0].grade", "grade_not_lowest"),
    (("state: FRA", "state: FR"), "force_pools[0].state", "string_pattern_mismatch"),
    (("state: FRA", "state: fra"), "force_pools[0].state", "string_pattern_mismatch"),
    (("    name: France\n", ""), "force_pools[0].name", "missing"),
    (("    deployed_as_stated: \"Barkhane 5,100\"\n", ""), "force_pools[0].deployed_as_stated",
     "incomplete_figure"),
    (("grade: B\nunit", "grade: B\n    colour: red\nunit"), "force_pools[0].colour",
     "unexpected_keyword_argument"),
    (("low: 3000", "low: 6000"), "unit_sizes[0].low", "low_above_high"),
    (("status: sourced", "status: guessed"), "unit_sizes[0].status", "literal_error"),
    (("low: 17136", "low: 20000"), "troop_costs[0].low", "low_above_high"),
    (("basis: reimbursement", "basis: total"), "troop_costs[0].basis", "literal_error"),
    (("unit: USD per troop-year", "unit: USD per item"), "troop_costs[0].unit", "wrong_unit"),
    (("key: tower", "key: un"), "equipment_costs[0]", "duplicate_key"),
    (("equipment_costs:", "sensor_costs:"), "equipment_costs", "missing"),
    (("equipment_costs:", "sensor_costs:"), "sensor_costs", "unknown_section"),
])
def test_bad_file_names_the_field_and_rule(edit, path, rule):
    with pytest.raises(refdata.RefDataError) as info:
        _parse(POOL.replace(*edit))
    problems = [(p.path, p.rule) for p in info.value.problems]
    assert (path, rule) in problems, problems
    assert all(p.file == "pools.yaml" for p in info.value.problems)
    assert rule in str(info.value)


def test_all_problems_reported_at_once():
    bad = (POOL.replace("active_low: 204700", "active_low: 305700")
           .replace("low: 3000", "low: 6000")
           .replace("sources: [Q3]", "sources: [Z99]"))
    with pytest.raises(refdata.RefDataError) as info:
        _parse(bad)
    assert sorted(p.rule for p in info.value.problems) == [
        "low_above_high", "low_above_high", "unknown_source"]


@pytest.mark.parametrize("text, rule", [
    ("force_pools: [\n", "yaml_syntax"),
    ("- 1\n- 2\n", "missing"),
])
def test_unreadable_file_is_reported(text, rule):
    with pytest.raises(refdata.RefDataError, match=re.escape(f"[{rule}]")):
        _parse(text)


def test_shipped_file_passes_the_checks_again():
    text = files("feasim.refdata").joinpath("pools.yaml").read_text(encoding="utf-8")
    assert _parse(text) == _pools.load_pools()
