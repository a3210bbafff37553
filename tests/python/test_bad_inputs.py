"""The bad-input corpus: every malformed scenario, sweep file, checkpoint,
output file and command line gives exit status 2 and one line on stderr,
never a crash (a signal) or a hang (a timeout)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import h5py
import pytest

from conftest import ROOT, binary_path

BAD_SCENARIOS = sorted((ROOT / "tests" / "data" / "bad_scenarios").glob("*.toml"))
SMALL = ROOT / "scenarios" / "example_small.toml"


def check(args, timeout=30):
    r = subprocess.run([str(binary_path()), *map(str, args)], capture_output=True, text=True,
                       errors="replace", timeout=timeout)
    assert r.returncode == 2, (args, r.returncode, r.stderr[-500:])
    assert r.stderr.startswith("error: "), r.stderr
    assert r.stderr.count("\n") == 1, r.stderr
    return r.stderr


def test_the_corpus_is_large():
    assert len(BAD_SCENARIOS) >= 40


@pytest.mark.parametrize("path", BAD_SCENARIOS, ids=lambda p: p.stem)
def test_bad_scenario_is_refused_by_validate_and_run(path, tmp_path):
    expect = path.read_text(errors="replace").splitlines()[0].removeprefix("# expect: ")
    assert expect in check(["validate", path])
    assert expect in check(["run", path, "-o", tmp_path / "out.h5"])
    assert not (tmp_path / "out.h5").exists()


def generated(tmp_path: Path) -> dict[str, bytes]:
    base = SMALL.read_bytes()
    return {
        "deeply_nested": b"format_version = 1\nx = " + b"[" * 20000 + b"]" * 20000 + b"\n",
        "deep_tables": b"format_version = 1\n" + b"".join(b"[" + b".".join([b"a"] * k) + b"]\n"
                                                          for k in range(1, 300)),
        "very_large": base + b"# " + b"x" * (17 << 20) + b"\n",
        "binary_garbage": bytes(range(256)) * 64,
        "empty": b"",
        "non_utf8_key": base.replace(b'name = "example_small"', b'name = "ex\xff\xfeample"'),
        "huge_count": base.replace(b"count = 2000", b"count = 1e300"),
        "huge_money": base.replace(b"cash = 5.0e10", b"cash = 1e999"),
        "negative_inf": base.replace(b"taste_noise = 0.1", b"taste_noise = -inf"),
        "nan_share": base.replace(b"US = 0.3, CN = 0.5", b"US = nan, CN = 0.5"),
        "int_overflow": base.replace(b"steps = 52", b"steps = 99999999999999999999"),
        "steps_too_many": base.replace(b"steps = 52", b"steps = 2000000"),
    }


@pytest.mark.parametrize("name", list(generated(Path("."))))
def test_generated_pathological_scenarios(tmp_path, name):
    path = tmp_path / f"{name}.toml"
    path.write_bytes(generated(tmp_path)[name])
    check(["validate", path])


def test_a_directory_and_a_missing_file_as_scenarios(tmp_path):
    assert "directory" in check(["validate", tmp_path])
    assert "cannot open" in check(["run", tmp_path / "nope.toml"])


@pytest.mark.parametrize("args,fragment", [
    (["run", "--threads", "0"], "--threads"),
    (["run", "--threads", "many"], "threads"),
    (["run", "--steps", "-5"], "run.steps"),
    (["run", "--seed", "x"], "seed"),
    (["run", "--max-memory", "lots"], "--max-memory"),
    (["run", "--bogus"], "unrecognised option"),
    (["validate", "--set", "nothing"], "key.path=value"),
    (["validate", "--set", "market..x=1"], "empty segment"),
    (["validate", "--set", "firms=1"], "firms"),
    (["frobnicate"], "unknown command"),
    (["sweep", "launch", "x"], "unknown command"),
    (["inspect"], "missing argument FILE"),
])
def test_bad_command_lines(args, fragment):
    assert fragment in check(args)


def test_bad_files_for_inspect_and_resume(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = [1, 2, 3]
    for bad in (text, foreign):
        check(["inspect", bad])
        check(["run", "--resume", bad])


def test_bad_sweep_files(tmp_path):
    cases = {
        "missing_base": 'format_version = 1\nname = "s"\nbase = "nowhere.toml"\n',
        "bad_base": f'format_version = 1\nname = "s"\nbase = "{ROOT / "tests/data/bad_scenarios/alpha_zero.toml"}"\n',
        "no_name": f'format_version = 1\nbase = "{SMALL}"\n',
        "bad_version": f'format_version = 3\nname = "s"\nbase = "{SMALL}"\n',
        "seeds_not_ints": f'format_version = 1\nname = "s"\nbase = "{SMALL}"\nseeds = ["a"]\n',
        "range_without_num": f'format_version = 1\nname = "s"\nbase = "{SMALL}"\n'
                             '[[parameters]]\npath = "market.taste_noise"\nrange = { start = 0.0, stop = 1.0 }\n',
    }
    for name, body in cases.items():
        path = tmp_path / f"{name}.toml"
        path.write_text(body)
        check(["sweep", "plan", path, "-o", tmp_path / name])
        assert not (tmp_path / name).exists(), name


def test_fuzz_regressions_load_or_are_refused():
    for path in sorted((ROOT / "tests" / "data" / "fuzz_regressions").iterdir()):
        if path.name == "README.md":
            continue
        r = subprocess.run([str(binary_path()), "validate", str(path)], capture_output=True,
                           timeout=30)
        assert r.returncode in (0, 2), (path, r.returncode)


def _many_countries(n: int) -> str:
    lines = ['format_version = 1', 'name = "many"', 'fields = ["a"]', '[run]', 'steps = 2']
    lines += [f'[[countries]]\nname = "C{i}"' for i in range(n)]
    lines += ['[[firms]]', 'name = "F"', 'country = "C0"', 'headcount = 1', '[population]',
              'count = 10', 'origin = "C0"']
    return "\n".join(lines) + "\n"


def test_loading_is_near_linear_in_the_number_of_entries(tmp_path):
    """Issue 11, item 22: 500k countries took minutes (a quadratic duplicate
    check). Four times the entries must take well under 16 times as long
    (quadratic) - measured as the best of three, against noise."""
    import time
    times = {}
    for n in (20_000, 80_000):
        path = tmp_path / f"c{n}.toml"
        path.write_text(_many_countries(n))
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            r = subprocess.run([str(binary_path()), "validate", "-q", str(path)],
                               capture_output=True, timeout=120)
            best = min(best, time.perf_counter() - start)
            assert r.returncode == 0, r.stderr
        times[n] = best
    assert times[80_000] / times[20_000] < 8, times
