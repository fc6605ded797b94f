"""Every bad input is exit 2 with a clear message, in bounded time and memory.

Each case names where (file, line), the field, the rule and the value, and never shows
a traceback. Inputs that used to hang or read without end run in a subprocess with a
timeout, so that a regression fails instead of blocking the suite.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feasim
import feasim.loader
from feasim import ScenarioError
from feasim.cli import main
from feasim.errors import Problem, shown_value

from .conftest import BASE_YAML, ROOT, SCENARIOS

CLAIM = SCENARIOS / "claims" / "c06-coalition-of-the-willing.yaml"
CLAIMS = sorted((SCENARIOS / "claims").glob("*.yaml"))
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_sub(*argv, timeout: float = 30) -> subprocess.CompletedProcess:
    """feasim in a child process, killed (and the test failed) past ``timeout`` seconds."""
    return subprocess.run([sys.executable, "-m", "feasim", *map(str, argv)],
                          capture_output=True, text=True, timeout=timeout, env=ENV,
                          stdin=subprocess.DEVNULL)


def refused(code: int, err: str, *words: str) -> None:
    """Exit 2, a one-problem-per-line message naming ``words``, no traceback."""
    assert code == 2, err
    assert "Traceback" not in err and "internal error" not in err, err
    for w in words:
        assert w in err, (w, err[:2000])
    assert max(map(len, err.splitlines()), default=0) < 1500, "a line of the message is unbounded"


def problems_of(text: str, overrides=None) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        feasim.parse_scenario(text, "test.yaml", overrides)
    return info.value.problems


def with_line_km(text: str) -> str:
    return BASE_YAML.replace("line_km: 1200", f"line_km: {text}")


# ---------------------------------------------------------------- 1. tags that fail


@pytest.mark.parametrize("tagged", ['!!float "abc"', '!!int "abc"', '!!timestamp "abc"',
                                    '!!bool "maybe"', '!!float ""'])
def test_a_tag_that_cannot_build_its_value_is_a_problem_at_its_line(capsys, write, tagged):
    path = write(with_line_km(tagged))
    (p,) = problems_of(with_line_km(tagged))
    assert (p.rule, p.line, p.path) == ("bad_tag", 5, "theatre.line_km")
    code, _, err = run_cli(capsys, "validate", path)
    refused(code, err, f"{path}:5:", "theatre.line_km", "[bad_tag]")


def test_an_untagged_value_that_is_not_a_valid_one_is_named():
    (p,) = problems_of(BASE_YAML.replace('title: "An example line"', "title: 2024-13-45"))
    assert (p.rule, p.line, p.path, p.value) == ("bad_value", 2, "title", "2024-13-45")


def test_a_failing_tag_in_set_exits_2(capsys):
    code, _, err = run_cli(capsys, "validate", CLAIM, "--set", 'theatre.line_km=!!int "x"')
    refused(code, err, "--set theatre.line_km", "[bad_tag]")


# ---------------------------------------------------------------- 2. huge integers


BIG = "9" * 400


def test_a_400_digit_integer_in_a_file_is_too_large(capsys, write):
    path = write(with_line_km(BIG))
    code, _, err = run_cli(capsys, "validate", path)
    refused(code, err, f"{path}:5:", "theatre.line_km", "[too_large]", "401 digits")


@pytest.mark.parametrize("command", [["validate"], ["run", "--samples", "50"]])
def test_a_400_digit_integer_in_set_is_too_large(capsys, command):
    code, _, err = run_cli(capsys, command[0], CLAIM, *command[1:],
                           "--set", f"theatre.line_km={BIG}")
    refused(code, err, "--set theatre.line_km=999", "theatre.line_km", "[too_large]")


def test_a_huge_integer_elsewhere_does_not_overflow_the_cross_checks():
    text = BASE_YAML + "simulation: {handover_gap_days: %s, tour_days: 10}\n" % BIG
    rules = {p.path: p.rule for p in problems_of(text)}
    assert rules["simulation.handover_gap_days"] == "too_large"


# ---------------------------------------------------------------- 3. deep and bombs


BOMB = ("[&a [1,1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], "
        "&c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], "
        "&e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d], &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e], "
        "&g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f], &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g], "
        "&i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h], [*i,*i,*i,*i,*i,*i,*i,*i,*i,*i]]")


def laughs(levels: int = 9) -> list:
    """10**levels leaves in Python: a billion laughs of shared references."""
    x: list = [1] * 10
    for _ in range(levels - 1):
        x = [x] * 10
    return x


def test_a_set_value_nested_3000_deep_is_too_deep(capsys):
    code, _, err = run_cli(capsys, "validate", CLAIM, "--set", "x=" + "[" * 3000 + "]" * 3000)
    refused(code, err, "[too_deep]", f"more than {feasim.loader.MAX_DEPTH} levels")


@pytest.mark.parametrize("key", ["notes", "contributors", "nope"])
def test_an_alias_bomb_in_set_is_refused_quickly(key):
    t = time.monotonic()
    r = run_sub("validate", CLAIM, "--set", f"{key}={BOMB}", timeout=20)
    refused(r.returncode, r.stderr, f"--set {key}=", "[too_large]")
    assert time.monotonic() - t < 15


@pytest.mark.parametrize("key", ["notes", "contributors", "x", "theatre.line_km"])
def test_an_alias_bomb_in_library_overrides_is_refused_quickly(base, key):
    t = time.monotonic()
    with pytest.raises(ScenarioError) as info:
        feasim.with_overrides(base, {key: laughs()})
    text = str(info.value)
    assert info.value.problems[0].rule == "too_large" and len(text) < 1000
    assert time.monotonic() - t < 2


def test_a_value_that_contains_itself_is_refused(base):
    x: list = []
    x.append(x)
    with pytest.raises(ScenarioError) as info:
        feasim.with_overrides(base, {"notes": x})
    assert info.value.problems[0].rule == "recursive_alias"


def test_a_problem_shows_any_value_in_bounded_time():
    t = time.monotonic()
    for value in (laughs(30), 10 ** 5000, "x" * 10**7, {str(i): i for i in range(10**5)},
                  list(range(10**6))):
        shown = str(Problem("f", 1, 1, "p", "r", "m", value, True))
        assert len(shown) < 200
    assert time.monotonic() - t < 2


# ---------------------------------------------------------------- 4. files that never end


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_is_refused_without_reading_it():
    r = run_sub("validate", "/dev/zero", timeout=20)
    refused(r.returncode, r.stderr, "/dev/zero", "character device", "[not_a_file]")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    r = run_sub("validate", fifo, timeout=20)
    refused(r.returncode, r.stderr, "FIFO", "[not_a_file]")


def test_a_directory_is_refused(capsys, tmp_path):
    code, _, err = run_cli(capsys, "validate", tmp_path)
    refused(code, err, "directory", "[not_a_file]")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_sweep_whose_scenario_is_dev_zero_is_refused(tmp_path):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("name: z\nscenario: /dev/zero\nparameters:\n"
                     "  theatre.line_km: {low: 100, high: 200}\n", encoding="utf-8")
    r = run_sub("sweep", sweep, "--out", tmp_path / "out", "--executor", "serial", timeout=30)
    refused(r.returncode, r.stderr, "/dev/zero", "[not_a_file]")


def test_a_file_larger_than_the_limit_is_refused_unread(capsys, tmp_path):
    big = tmp_path / "big.yaml"
    line = "  - " + "x" * 95 + "\n"
    big.write_text("notes:\n" + line * (feasim.loader.MAX_BYTES // len(line) + 10),
                   encoding="utf-8")
    t = time.monotonic()
    code, _, err = run_cli(capsys, "validate", big)
    refused(code, err, "[too_large]", f"{feasim.loader.MAX_BYTES:,}")
    assert time.monotonic() - t < 2


def test_20000_contributors_are_refused_at_the_1001st(capsys, tmp_path):
    many = tmp_path / "many.yaml"
    people = "".join(f"  - {{name: c{i}, troops: {{dist: pert, low: 1, mode: 2, high: 3}}}}\n"
                     for i in range(20_000))  # 1.1 MB, under the file size limit
    head, tail = BASE_YAML.split("contributors:\n")
    tail = tail[tail.index("posture:"):]
    many.write_text(head + "contributors:\n" + people + tail, encoding="utf-8")
    assert many.stat().st_size < feasim.loader.MAX_BYTES
    t = time.monotonic()
    code, _, err = run_cli(capsys, "validate", many)
    refused(code, err, "contributors", "[too_long]", "1,000")
    assert f"{many}:{BASE_YAML[:BASE_YAML.index('contributors:')].count(chr(10)) + 1002}:" in err
    assert time.monotonic() - t < 5


def test_contributors_past_the_cap_are_refused_from_data_too():
    data = yaml.safe_load(BASE_YAML)
    data["contributors"] = [{"name": f"c{i}", "troops": 1} for i in range(1500)]
    with pytest.raises(ScenarioError) as info:
        feasim.validate_data(data)
    assert {p.rule for p in info.value.problems} == {"too_long"}


# ---------------------------------------------------------------- 5. samples and memory


def test_a_billion_samples_are_refused_before_allocating(capsys):
    code, _, err = run_cli(capsys, "run", CLAIM, "--samples", "1000000000")
    refused(code, err, "--samples 1000000000", "uncertainty.samples", "[too_many_samples]",
            "samples fit", "sweep")


def test_the_schemas_own_maximum_is_checked_against_memory(capsys, write, monkeypatch):
    monkeypatch.setattr(feasim.loader, "available_memory", lambda: 8 * 10**9)
    path = write(BASE_YAML.replace("samples: 200", "samples: 1e8"))
    assert feasim.load_scenario(path).uncertainty.samples == 10**8  # valid, as written
    for command in (["run"], ["frontier"], ["breakeven"], ["discover"]):
        code, _, err = run_cli(capsys, *command, path)
        refused(code, err, str(path), "uncertainty.samples", "[too_many_samples]", "8.0 GB")


def test_samples_that_fit_pass_the_check(base, monkeypatch):
    monkeypatch.setattr(feasim.loader, "available_memory", lambda: 8 * 10**9)
    feasim.loader.check_samples(base, 10**5)
    with pytest.raises(ScenarioError):
        feasim.loader.check_samples(base, 10**7)
    monkeypatch.setattr(feasim.loader, "available_memory", lambda: None)
    feasim.loader.check_samples(base, 10**9)  # unknown memory: no refusal


def test_samples_accept_exponent_notation(capsys, write):
    path = write(BASE_YAML)
    code, out, err = run_cli(capsys, "run", path, "--samples", "2e2", "--format", "json")
    assert code == 0, err


# ---------------------------------------------------------------- 6. 1e9 is a number


@pytest.mark.parametrize("text, value", [("1e3", 1000.0), ("1E+3", 1000.0), ("2.5e2", 250.0),
                                         (".5e3", 500.0), ("1_000e0", 1000.0)])
def test_exponent_floats_are_numbers(text, value):
    assert feasim.parse_scenario(with_line_km(text)).theatre.line_km == value


def test_a_negative_exponent_float_is_a_number_out_of_range():
    (p,) = problems_of(with_line_km("-2.5e-3"))
    assert (p.rule, p.value) == ("out_of_range", -0.0025)


def test_exponent_floats_in_set(base):
    s = feasim.with_overrides(base, ["theatre.line_km=1e3", "uncertainty.samples=1e3"])
    assert (s.theatre.line_km, s.uncertainty.samples) == (1000.0, 1000)


def test_the_global_safe_loader_is_left_alone():
    assert yaml.safe_load("x: 1e9") == {"x": "1e9"}


# ---------------------------------------------------------------- 7. where, always


def test_a_nul_byte_is_reported_at_its_line(write):
    path = write("name: x\ntitle: a\0b\n")
    with pytest.raises(ScenarioError) as info:
        feasim.load_scenario(path)
    (p,) = info.value.problems
    assert (p.rule, p.line, p.column) == ("bad_character", 2, 9) and "NUL" in p.message


def test_undecodable_text_is_reported_at_its_line(tmp_path, capsys):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: x\ntitle: caf\xe9\n")
    code, _, err = run_cli(capsys, "validate", path)
    refused(code, err, f"{path}:2:11:", "not UTF-8", "[not_utf8]")


@pytest.mark.parametrize("text, line", [("name: x\nx: " + "[" * 3000 + "]" * 3000 + "\n", 2),
                                        ("name: x\n" + "".join(" " * i + "a:\n"
                                                               for i in range(300)), 103)])
def test_too_deep_is_reported_at_its_line(text, line):
    (p,) = problems_of(text)
    assert (p.rule, p.line) == ("too_deep", line)


# ---------------------------------------------------------------- 8. one-line, bounded


def test_a_yaml_error_in_set_is_one_line(capsys):
    code, _, err = run_cli(capsys, "validate", CLAIM, "--set", "theatre.line_km=[1, 2")
    refused(code, err, "--set theatre.line_km=[1, 2", "theatre.line_km", "[yaml_syntax]",
            "column")
    assert len([x for x in err.splitlines() if x.startswith("  - ")]) == 1
    assert "^" not in err


def test_a_100000_character_key_is_cut(capsys):
    code, _, err = run_cli(capsys, "validate", CLAIM, "--set", "k" * 100_000 + "=1")
    refused(code, err, "kkk...", "[extra_forbidden]")
    assert len(err) < 1000


def test_a_100000_character_key_in_a_file_is_cut(write, capsys):
    path = write(BASE_YAML + "? " + "k" * 100_000 + "\n: 1\n")  # (a simple key has <= 1024)
    code, _, err = run_cli(capsys, "validate", path)
    refused(code, err, "kkk...", "[extra_forbidden]")
    assert len(err) < 1000


# ---------------------------------------------------------------- 9. --out ''


@pytest.mark.parametrize("argv", [["sweep", SCENARIOS / "sweeps" / "c02-line-length.yaml"],
                                  ["report", CLAIM], ["schema"]])
def test_an_empty_out_is_a_usage_error(capsys, argv):
    flag = "-o" if argv[0] == "schema" else "--out"
    code, _, err = run_cli(capsys, *argv, flag, "")
    refused(code, err, "must not be empty")


# ---------------------------------------------------------------- fuzzing


def _mutate(text: str, rnd: random.Random, kind: str) -> str:
    lines = text.splitlines(keepends=True)
    i = rnd.randrange(len(lines))
    if kind == "byte":
        data = bytearray(text.encode("utf-8"))
        for _ in range(rnd.randint(1, 5)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        return data.decode("utf-8", "replace")
    if kind == "delete":
        del lines[i: i + rnd.randint(1, 3)]
    elif kind == "duplicate":
        lines[i:i] = lines[i: i + rnd.randint(1, 3)] * rnd.randint(1, 3)
    elif kind == "swap":
        j = rnd.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


SCALAR = re.compile(r"(:\s+)([^\s#{}\[\],][^#\n{}\[\],]*)")
JUNK = st.one_of(st.text(max_size=20), st.sampled_from(
    ["1e9", "-1", "0", "null", "~", "[]", "{}", "!!float x", "*x", "&a", "'", '"', "yes",
     "1e400", "9" * 400, ".nan", "-.inf", "2024-13-45", "{dist: pert}", "[[[[", "]]", ":"]))


@st.composite
def mutated_claims(draw):
    path = draw(st.sampled_from(CLAIMS))
    text = path.read_text(encoding="utf-8")
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["byte", "delete", "duplicate", "swap", "scalar"]))
        if kind == "scalar":
            spots = list(SCALAR.finditer(text))
            m = spots[rnd.randrange(len(spots))]
            text = text[: m.start(2)] + draw(JUNK).replace("\n", " ") + text[m.end(2):]
        else:
            text = _mutate(text, rnd, kind)
    return text


KEYS = st.one_of(st.sampled_from(["theatre.line_km", "contributors[0].troops", "name",
                                  "contributors[France].troops", "posture.patrols.teams",
                                  "conditions.ceasefire", "uncertainty.samples", "x",
                                  "contributors[99]", "posture", "a..b", "[", "criteria"]),
                 st.text(max_size=15))
SETS = st.lists(st.builds(lambda k, v: f"{k}={v}", KEYS, JUNK), max_size=3)
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(text=mutated_claims(), sets=SETS)
def test_fuzz_validate_exits_0_or_2(tmp_path_factory, text, sets):
    path = tmp_path_factory.mktemp("fuzz") / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    code = main(["validate", str(path)] + [a for s in sets for a in ("--set", s)])
    assert code in (0, 2)


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=mutated_claims(), sets=SETS)
def test_fuzz_run_exits_0_or_2(tmp_path_factory, capsys, text, sets):
    path = tmp_path_factory.mktemp("fuzz") / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    code = main(["run", str(path), "--samples", "200"] + [a for s in sets for a in ("--set", s)])
    err = capsys.readouterr().err
    assert code in (0, 2), err
    assert "Traceback" not in err


def test_shown_value_is_short():
    assert len(shown_value("x" * 10**6)) <= 80


# ------------------------------------------------------------ found by review


_C2 = str(SCENARIOS / "claims" / "c02-experts-100k-in-theatre.yaml")


@pytest.mark.parametrize("argv, text", [
    (["run", _C2, "--samples", "9" * 400], "too large: at most 10^18"),
    (["run", _C2, "--seed", "9" * 400], "too large: at most 10^18"),
    (["run", _C2, "--samples", "1e30"], "too large: at most 10^18"),
    (["sweep", str(SCENARIOS / "sweeps" / "c02-line-length.yaml"), "--workers", "1000000000"],
     "per CPU"),
    (["frontier", _C2, "--over", "theatre.line_km", "--range", "100:2000:1000000000"],
     "at most 1,000 values"),
    (["frontier", _C2, "--over", "theatre.line_km", "--range", "100:2000:" + "9" * 400],
     "at most 1,000 values"),
])
def test_huge_counts_on_the_command_line_are_exit_2_at_once(argv, text, capsys):
    t0 = time.perf_counter()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert text in err and "Traceback" not in err and "internal error" not in err
    assert time.perf_counter() - t0 < 10


def test_an_integer_beyond_pythons_digit_limit_is_too_large(tmp_path):
    text = (SCENARIOS / "claims" / "c02-experts-100k-in-theatre.yaml").read_text()
    bad = re.sub(r"(line_km: )[0-9]+", lambda m: m.group(1) + "9" * 5000, text, count=1)
    f = tmp_path / "c.yaml"
    f.write_text(bad)
    with pytest.raises(ScenarioError) as err:
        feasim.load_scenario(f)
    (p,) = err.value.problems
    assert (p.rule, p.path) == ("too_large", "theatre.line_km") and p.line is not None
    assert "5,000 digits" in p.message


def test_a_key_longer_than_yaml_allows_says_so(tmp_path):
    f = tmp_path / "k.yaml"
    f.write_text("name: x\n" + "k" * 100_000 + ": 1\n")
    with pytest.raises(ScenarioError) as err:
        feasim.load_scenario(f)
    shown = str(err.value)
    assert "at most 1,024 characters" in shown and len(shown) < 2000
