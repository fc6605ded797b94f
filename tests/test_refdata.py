"""feasim.refdata: known answers from the reference data, integrity of the packaged data."""

from __future__ import annotations

import dataclasses
import doctest
import re
import textwrap
from importlib.resources import files
from pathlib import Path

import pytest
import yaml

from feasim import refdata
from feasim.refdata import _load
from feasim.refdata._types import Claim, Mission, Rule

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _records():
    return [*refdata.missions(), *refdata.rules_of_thumb(), *refdata.estimates(),
            *refdata.adversary_figures(), *refdata.sensor_proxies()]


# ---------------------------------------------------------------- known answers (historical missions)


@pytest.mark.parametrize("key, low, high, tol", [
    ("unifil", 64.4, 87.5, 0.1),     # 7,730 / 120 ... 10,500 / 120
    ("unficyp", 4.75, 4.75, 0.01),   # 855 / 180 (the reference data: 4.8 /km)
    ("undof", 11.25, 16.7, 0.05),    # 900 / 80 ... 1,250 / 75
    ("osce_smm", 1.3, 1.3, 0.05),    # 600 / 470
    ("unmee", 1.9, 4.7, 0.05),       # 1,676 / 900 (2008) ... 4,200 / 900 (authorised)
    ("ifor", 42.9, 55.6, 0.05),      # 60,000 / 1,400 ... 60,000 / 1,080
])
def test_line_densities_reproduce_facts(key, low, high, tol):
    m = refdata.mission(key)
    assert m.density_low == pytest.approx(low, abs=tol)
    assert m.density_high == pytest.approx(high, abs=tol)


@pytest.mark.parametrize("key, text", [
    ("unifil", "64–88 /km"), ("unficyp", "4.8 /km"), ("undof", "11–17 /km"),
    ("osce_smm", "1.3 /km"), ("unmee", "1.9–4.7 /km"), ("ifor", "43–56 /km"),
    ("kfor", "no line density"),
])
def test_density_text_matches_facts(key, text):
    assert refdata.density_range_text(refdata.mission(key)) == text


def test_kfor_area_and_population_densities():
    kfor = refdata.mission("kfor")
    assert kfor.density_low is None and kfor.density_high is None
    assert kfor.area_density_high == pytest.approx(4.6, abs=0.05)      # 50,000 / 10,887 km²
    assert kfor.per_1000_residents_high == pytest.approx(23, abs=0.5)  # 50,000 / 2.2 M


def test_efp_per_battlegroup():
    efp = refdata.mission("nato_efp")
    assert efp.strength_low / 8 == pytest.approx(1200, abs=10)
    assert {s.persons for s in efp.other_strengths} == {643, 1887}


def test_missions_without_line_have_no_density():
    for key in ("mfo", "kfor", "nato_efp"):
        m = refdata.mission(key)
        assert not m.has_line and m.comparability == "no_line" and not m.comparable


def test_comparability_flags():
    assert not refdata.mission("korean_dmz").comparable
    assert refdata.mission("ifor").comparability == "upper_bound"
    assert refdata.mission("ifor").comparable


# ---------------------------------------------------------------- compare_density


def test_compare_density_c2_claim():
    placed = {p.mission.key: p for p in refdata.compare_density(100_000, 1200)}
    assert placed["unifil"].density == pytest.approx(83.3, abs=0.05)
    assert placed["unifil"].position == "within"
    assert placed["undof"].position == "above"
    assert placed["unifil"].describe() == "83 /km is inside UNIFIL's 64–88 /km range"
    assert "korean_dmz" not in placed and "kfor" not in placed


def test_compare_density_can_include_not_comparable():
    placed = {p.mission.key: p for p in
              refdata.compare_density(100_000, 1200, include_not_comparable=True)}
    assert placed["korean_dmz"].position == "below"
    assert "not a peacekeeping density" in placed["korean_dmz"].describe()


@pytest.mark.parametrize("troops, text", [
    (10_000, "8.3"), (30_000, "25"), (200_000, "167"),  # the claims: 8.3, 25.0, 166.7 /km
])
def test_claim_densities(troops, text):
    p = refdata.compare_density(troops, 1200)[0]
    assert refdata.format_density(p.density) == text


def test_range_bounds_count_as_within():
    placed = {p.mission.key: p for p in refdata.compare_density(10_500, 120)}
    assert placed["unifil"].position == "within"


@pytest.mark.parametrize("troops, line_km, match", [
    (1000, 0, r"line_km\(=0\) must be > 0"),
    (-1, 100, r"troops\(=-1\) must be >= 0"),
    (float("nan"), 100, r"troops\(=nan\)"),
])
def test_compare_density_rejects_bad_input(troops, line_km, match):
    with pytest.raises(ValueError, match=match):
        refdata.compare_density(troops, line_km)


# ---------------------------------------------------------------- rules and figures


def test_rule_of_thirds_is_3():
    r = refdata.rule("rule_of_thirds")
    assert r.value == 3 and r.low == r.high == 3
    assert r in refdata.rotation_multipliers()


def test_rotation_table():
    got = {r.key: (r.low, r.high) for r in refdata.rotation_multipliers()}
    assert got == {"rule_of_halves": (2, 2), "gady_iiss_2024": (2.5, 2.5),
                   "rule_of_thirds": (3, 3), "european_ministers_2025": (4, 4),
                   "harmony_rule_of_five": (5, 6)}
    assert 256_000 / 64_000 == refdata.rule("european_ministers_2025").value
    assert 100_000 / 40_000 == refdata.rule("gady_iiss_2024").value


def test_manning_derivation():
    per_post = 17_472 / 1_874
    assert refdata.rule("personnel_per_2_person_post").value == pytest.approx(per_post, abs=0.01)
    assert refdata.rule("personnel_per_continuous_position").value == pytest.approx(
        per_post / 2, abs=0.01)
    assert refdata.rule("personnel_per_continuous_position").value == pytest.approx(4.7, abs=0.05)


def test_population_and_force_ratio_rules():
    pop = refdata.rule("troops_per_1000_population")
    assert (pop.value, pop.low, pop.high) == (20, 20, 25)
    assert refdata.rule("breakthrough_force_ratio").status == "disputed"
    assert refdata.rule("support_to_combat_ratio").status == "weak"


def test_figures():
    assert refdata.figure("iiss_2025_corps").low == 60_000
    assert refdata.figure("front_line_km").high == 1250
    us = refdata.figure("us_share_aid_2022_2025").low
    assert us == pytest.approx(100 * 64.6 / (64.6 + 80.5), abs=0.05)
    assert {f.group for f in refdata.estimates()} == {"estimate_2025"}
    assert {f.group for f in refdata.adversary_figures()} == {"adversary_partner"}


# ---------------------------------------------------------------- integrity


def test_expected_missions():
    assert [m.key for m in refdata.missions()] == [
        "unifil", "unficyp", "undof", "mfo", "osce_smm", "kfor", "ifor",
        "korean_dmz", "unmee", "nato_efp"]


def test_every_record_cites_known_sources():
    known = refdata.sources()
    for rec in _records():
        assert all(k in known for k in rec.sources), rec.key
    assert all(m.sources for m in refdata.missions())


def test_grades():
    assert refdata.sources(), "no sources"
    for s in refdata.sources().values():
        assert set(s.grades) <= {"A", "B", "C"}, s.key
    assert refdata.source("T7").grades == ("B", "C")


def test_source_keys_of_facts_md():
    keys = set(refdata.sources())
    assert {"U1", "U4", "C1", "C2", "D4", "R17", "T20", "A11", "X2", "X4"} <= keys
    # 54 + W10, W15, W16, Q19 (v3 night and weather readings), W9 (OSCE patrol size)
    # + 45 keys of the force pools, unit sizes and costs (pools.yaml)
    # + N40-N44 (force pools of Ireland and Cyprus, issue 16)
    assert len(keys) == 109


def test_low_not_above_high():
    for m in refdata.missions():
        assert m.strength_low <= m.strength_high, m.key
        if m.has_line:
            assert m.line_km_low <= m.line_km_high, m.key
            assert m.density_low <= m.density_high, m.key
    for rec in [*refdata.rules_of_thumb(), *refdata.estimates(), *refdata.adversary_figures()]:
        assert rec.low <= rec.high, rec.key


def test_claims_c1_to_c18():
    assert list(refdata.claims()) == [f"C{i}" for i in range(1, 19)]
    assert "100,000" in refdata.claim("C2").figure
    assert refdata.claim("C7").seed_files == ("002", "001")


_NUMBER = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(\s*km)?")
_TROOP_WORD = re.compile(r"\b(men|troops|peacekeepers|soldiers|personnel)\b", re.IGNORECASE)
_MINIMUM = re.compile(r"at least|minimum|more than|\bover\b", re.IGNORECASE)


@pytest.mark.parametrize("cid", [f"C{i}" for i in range(1, 19)])
def test_claim_fields_match_the_quoted_figure(cid):
    """The structured fields say what the quoted figure says: its troop numbers (a
    figure naming troops), its km number, and whether it is a minimum."""
    c = refdata.claim(cid)
    persons, kms = [], []
    for m in _NUMBER.finditer(c.figure):
        (kms if m.group(2) else persons).append(float(m.group(1).replace(",", "")))
    if persons and _TROOP_WORD.search(c.figure):
        assert c.has_troops, c.figure
        assert (c.troops_low, c.troops_high) == (min(persons), max(persons))
    else:
        assert c.troops_low is None and c.troops_high is None, c.figure
    assert c.line_km == (kms[0] if kms else None)
    assert c.at_least is bool(c.has_troops and _MINIMUM.search(c.figure))


def test_claim_troop_figures_known():
    assert [(c.id, c.troops_low, c.troops_high, c.at_least) for c in refdata.claims().values()
            if c.has_troops] == [("C2", 100_000, 100_000, True), ("C3", 10_000, 30_000, False),
                                 ("C4", 200_000, 200_000, True)]
    assert refdata.claim("C1").line_km == 1200


@pytest.mark.parametrize("fields, rule", [
    ("troops_low: 5, troops_high: 3", "low_above_high"),
    ("troops_low: 5", "incomplete_troops"),
    ("at_least: true", "no_troops"),
    ("line_km: 0", "greater_than"),
])
def test_bad_claim_fields_are_reported(fields, rule):
    text = f"claims:\n  - {{id: C1, claim: c, figure: f, seed_files: []," \
           f" {fields}}}\n"
    with pytest.raises(refdata.RefDataError) as info:
        _parse(text, Claim, "claims.yaml")
    assert rule in [p.rule for p in info.value.problems]


def test_is_known_source():
    for key in ("C1", "C18", "U1", "T7", "X4"):
        assert refdata.is_known_source(key)
    for key in ("C19", "Z9", "u1", ""):
        assert not refdata.is_known_source(key)
    assert refdata.cite(["U1", "T7", "C18"]) == "U1 (A), T7 (B/C), C18"


@pytest.mark.parametrize("key, known", [
    ("facts:C1", True), ("claims:C1", True), ("facts:U1", True), ("claims:C18", True),
    ("facts:C18", False), ("claims:U1", False), ("other:U1", False),
])
def test_qualified_keys_resolve_the_c1_c2_clash(key, known):
    assert refdata.is_known_source(key) is known


def test_cite_reads_bare_claim_ids_as_claims():
    assert refdata.cite(["facts:C1", "claims:C1", "C2"]) == "facts:C1 (A), claims:C1, C2"
    assert refdata.cite(refdata.mission("unficyp").sources, facts_keys=True) == "C1 (A), C2 (C)"


@pytest.mark.parametrize("func, key, known", [
    (refdata.mission, "nope", "unifil"), (refdata.rule, "nope", "rule_of_thirds"),
    (refdata.figure, "nope", "csis_2025"), (refdata.source, "nope", "U1"),
    (refdata.claim, "C99", "C18"),
])
def test_unknown_key_names_known_keys(func, key, known):
    with pytest.raises(KeyError, match=rf"{key}.*known: .*\b{known}\b"):
        func(key)


def test_loaded_once_and_immutable():
    assert refdata.missions() is refdata.missions()
    m = refdata.mission("unifil")
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.strength_low = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        refdata.sources()["U1"] = None  # type: ignore[index]
    assert isinstance(refdata.missions(), tuple)


def test_files_load_through_importlib_resources():
    root = files("feasim.refdata")
    for name, section in refdata.DATA_FILES.items():
        res = root.joinpath(name)
        assert res.is_file(), name
        assert isinstance(yaml.safe_load(res.read_text(encoding="utf-8"))[section], list)


def test_missions_table_and_dataframe():
    rows = refdata.missions_table()
    assert len(rows) == 10 and rows[0]["key"] == "unifil"
    assert rows[0]["density_high"] == pytest.approx(87.5)
    assert all(isinstance(v, (str, int, float, bool, type(None))) for r in rows for v in r.values())
    rows[0]["key"] = "changed"
    assert refdata.missions_table()[0]["key"] == "unifil"
    df = refdata.to_dataframe()
    assert df.shape[0] == 10 and {"density_low", "density_high", "sources"} <= set(df.columns)


def test_doctests():
    result = doctest.testmod(refdata)
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------- validation (inline YAML)


ROW = """\
  - key: x
    name: X (somewhere)
    kind: un_peacekeeping
    strength_low: 100
    strength_high: 200
    line_km_low: 10
    line_km_high: 20
    comparability: comparable
    sources: [U1]
    notes: test
"""
MISSION = "missions:\n" + ROW


def _parse(text, cls=Mission, filename="missions.yaml"):
    return _load.parse(textwrap.dedent(text), filename, cls, refdata.sources())


def test_inline_mission_parses():
    (m,) = _parse(MISSION)
    assert m.density_low == 5 and m.density_high == 20


@pytest.mark.parametrize("edit, rule", [
    (("strength_low: 100", "strength_low: 300"), "low_above_high"),
    (("sources: [U1]", "sources: [Z9]"), "unknown_source"),
    (("notes: test", "notes: test\n    colour: red"), "unexpected_keyword_argument"),
    (("kind: un_peacekeeping", "kind: peace"), "literal_error"),
    (("comparability: comparable", "comparability: no_line"), "line_mismatch"),
    (("    line_km_high: 20\n", ""), "incomplete_line"),
    (("strength_low: 100", "strength_low: -5"), "greater_than_equal"),
])
def test_invalid_mission_is_reported(edit, rule):
    with pytest.raises(refdata.RefDataError, match=re.escape(f"[{rule}]")) as info:
        _parse(MISSION.replace(*edit))
    assert all(p.file == "missions.yaml" for p in info.value.problems)
    assert info.value.problems[0].path.startswith("missions[0]")


def test_incomplete_line_with_a_density_length_is_reported_not_a_crash():
    # line_km_low without line_km_high, and a density_line_km: the range check compared
    # the density with None (TypeError) instead of reporting the incomplete line
    text = MISSION.replace("    line_km_high: 20\n", "    density_line_km: 15\n")
    with pytest.raises(refdata.RefDataError, match=re.escape("[incomplete_line]")) as info:
        _parse(text)
    assert [p.rule for p in info.value.problems] == ["incomplete_line"]


def test_all_problems_reported_at_once():
    bad = MISSION.replace("sources: [U1]", "sources: [Z9]").replace(
        "strength_low: 100", "strength_low: 300")
    with pytest.raises(refdata.RefDataError) as info:
        _parse(bad + ROW)  # the second row repeats key "x"
    rules = sorted(p.rule for p in info.value.problems)
    assert rules == ["duplicate_key", "low_above_high", "unknown_source"]


def test_rule_value_outside_range_is_reported():
    text = """\
    rules:
      - {key: r, name: r, category: rotation, value: 9, low: 2, high: 3,
         unit: x, status: sourced, sources: [R11]}
    """
    with pytest.raises(refdata.RefDataError, match=r"rules\[0\]\.value"):
        _parse(text, Rule, "rules.yaml")


def test_wrong_top_level_is_reported():
    with pytest.raises(refdata.RefDataError, match=r"\[missing\]"):
        _parse("claims: {}\n", Claim, "claims.yaml")


# ---------------------------------------------------------------- shipped scenarios


def _cited(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "sources" and isinstance(v, list):
                yield from v
            else:
                yield from _cited(v)
    elif isinstance(node, list):
        for v in node:
            yield from _cited(v)


@pytest.mark.parametrize("path", sorted(SCENARIOS.rglob("*.yaml")) if SCENARIOS.is_dir() else [],
                         ids=lambda p: p.name)
def test_shipped_scenarios_cite_known_keys(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = [k for k in _cited(data) if not refdata.is_known_source(str(k))]
    assert not unknown, f"{path.name} cites unknown keys {unknown}"
