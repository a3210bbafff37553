"""The scenario library: generated scenarios and docs in sync, every scenario
valid, and a cheap version of the backtest check (issue 5, section 2)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT, binary_path, run_talentsim

PY = sys.executable
sys.path.insert(0, str(ROOT / "analysis" / "scripts"))
SCRIPTS = ROOT / "analysis" / "scripts"
LIBRARY = ("meta_superintelligence_2025", "meta_superintelligence_2025_no_lab",
           "backtest_2019_2022", "china_talent_policy", "us_visa_tightening", "startup_squeeze")


@pytest.mark.parametrize("script", ["make_no_lab.py", "make_policy_scenarios.py"])
def test_generated_scenarios_are_in_sync(script):
    proc = subprocess.run([PY, str(SCRIPTS / script), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_calibration_table_is_fresh():
    proc = subprocess.run([PY, str(SCRIPTS / "calibration_table.py"),
                           "scenarios/meta_superintelligence_2025.toml",
                           "--update", "docs/calibration.md", "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def test_derived_study_locations_are_fresh():
    # countries[].study_at of the origins without data = week-0 work locations.
    proc = subprocess.run([PY, str(SCRIPTS / "derive_study_at.py"),
                           "scenarios/meta_superintelligence_2025.toml", "--check",
                           "--binary", str(binary_path())],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def test_derive_study_at_rewrites_only_the_origins_without_data(tmp_path):
    sys.path.insert(0, str(SCRIPTS))
    import derive_study_at as d

    text = (ROOT / "scenarios" / "meta_superintelligence_2025.toml").read_text()
    shares = {"US": 0.5, "CN": 0.3, "EU": 0.2}
    derived = {o: dict(shares) for o in ("US", "CN", "EU", "UK", "CA", "IN", "other")}
    new = d.rewrite(text, derived, keep={"CN"})
    cn = [line for line in new.splitlines() if line.startswith("study_at") and "MacroPolo" in line]
    assert len(cn) == 1  # China's line, from data, is kept
    derived_lines = [line for line in new.splitlines() if "derive_study_at.py" in line
                     and line.startswith("study_at")]
    assert len(derived_lines) == 6
    assert all("US = 0.50, CN = 0.30, EU = 0.20" in line for line in derived_lines)
    # An origin with no employees at week 0 keeps its line.
    empty = {o: {"US": 0.0} for o in derived}
    assert d.rewrite(text, empty, keep={"CN"}) == text
    assert d.rounded({"A": 0.331, "B": 0.329, "C": 0.336, "D": 0.004}) == {"C": 0.34, "A": 0.33,
                                                                         "B": 0.33}


@pytest.mark.parametrize("name", LIBRARY)
def test_scenario_is_valid_and_sourced(name):
    path = ROOT / "scenarios" / f"{name}.toml"
    proc = subprocess.run([str(binary_path()), "validate", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    # Every parameter line says where its number comes from.
    from calibration_table import rows  # noqa: E402

    missing = [(w, k) for w, k, v, c in rows(path.read_text()) if not c]
    assert not missing, missing[:5]


def test_backtest_reaches_macropolo_2022(tmp_path):
    import talentsim as ts

    sys.path.insert(0, str(ROOT / "analysis" / "checks"))
    from backtest_checks import TARGET_2022, TOL, shares

    for seed in (1, 2):
        out = run_talentsim(tmp_path / f"bt_{seed}.h5", ROOT / "scenarios" / "backtest_2019_2022.toml",
                            "--seed", str(seed))
        with ts.open_run(out) as run:
            start, end = shares(run, 0), shares(run, -1)
        assert abs(start["US"] - 59) < 1 and abs(start["CN"] - 11) < 1
        for key, target in TARGET_2022.items():
            assert abs(end[key] - target) <= TOL, (seed, key, end[key])
