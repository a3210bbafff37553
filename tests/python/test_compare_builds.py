"""The seed comparison of two builds (tests/bench/compare_builds.py,
docs/performance.md): its permutation test and Holm adjustment against
closed forms, Welch's interval against statsmodels, and whole comparisons
that must come out identical (one build against itself) and different (a
parameter that changes the market)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, SMALL, binary_path

sys.path.insert(0, str(ROOT / "tests" / "bench"))
import compare_builds  # noqa: E402

SCRIPT = ROOT / "tests" / "bench" / "compare_builds.py"


def test_the_exact_permutation_p_value_counts_the_splits_as_extreme_as_the_observed():
    # Pooled {0,0,0,1,1,1} split 3/3 in C(6,3) = 20 ways; only the two
    # splits that separate the zeros from the ones give |difference| = 1.
    assert compare_builds.permutation_p(np.zeros(3), np.ones(3)) == pytest.approx(2 / 20)
    # One 1 among four values in two groups of two: the difference is 1/2
    # in every split, so every split is as extreme as the observed one.
    assert compare_builds.permutation_p(np.array([1.0, 0.0]), np.zeros(2)) == 1.0
    # Equal samples: difference 0, p = 1.
    assert compare_builds.permutation_p(np.arange(4.0), np.arange(4.0)) == 1.0
    # 10 against 10 (184,756 splits, enumerated): two separating splits.
    assert compare_builds.permutation_p(np.zeros(10), np.ones(10)) == pytest.approx(2 / 184756)


def test_beyond_the_exact_limit_random_splits_from_a_fixed_seed():
    # C(30, 15) = 155,117,520 splits: random ones. A separation that no
    # random split reaches gives the smallest p, 1 / (N + 1).
    p = compare_builds.permutation_p(np.zeros(15), np.ones(15))
    assert p == pytest.approx(1 / (compare_builds.RANDOM_PERMUTATIONS + 1))
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=15), rng.normal(size=15)
    assert compare_builds.permutation_p(a, b) == compare_builds.permutation_p(a, b)
    assert 0.05 < compare_builds.permutation_p(a, b) <= 1


def test_the_permutation_test_holds_its_level_under_the_null():
    # Samples from one distribution: p <= 0.1 in about 10% of 200 trials
    # (binomial sd 2.1%; 3% to 18% is beyond 3.5 sd).
    rng = np.random.default_rng(11)
    ps = [compare_builds.permutation_p(rng.normal(size=6), rng.normal(size=6))
          for _ in range(200)]
    assert 0.03 <= np.mean(np.array(ps) <= 0.1) <= 0.18


def test_holm_adjusts_step_down():
    # Sorted 0.01, 0.03, 0.04: 3 x 0.01, max(0.03, 2 x 0.03), max(0.06, 0.04).
    assert compare_builds.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert compare_builds.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_welchs_interval_matches_statsmodels():
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW
    a, b = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 4.0, 6.0, 8.0, 11.0])
    lo, hi = compare_builds.welch_interval(a, b)
    ref = CompareMeans(DescrStatsW(b), DescrStatsW(a)).tconfint_diff(usevar="unequal")
    assert (lo, hi) == pytest.approx(ref)


def run_compare(tmp_path, *extra):
    b = str(binary_path())
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--a", b, "--b", b, "--scenario", str(SMALL),
         "--steps", "26", "--out", str(tmp_path), *extra],
        capture_output=True, text=True, timeout=600)


def test_a_build_against_itself_is_identical_in_every_statistic(tmp_path):
    proc = run_compare(tmp_path, "--seeds", "3")
    assert proc.returncode == 0, proc.stderr
    res = json.loads((tmp_path / "compare.json").read_text())
    assert res["seeds"] == [2001, 2002, 2003]
    assert all(r["identical"] and not r["differs"] for r in res["rows"])
    assert {"pay_gini", "moves_total", "job_seeking_share", "abroad_share_CN"} <= {
        r["statistic"] for r in res["rows"]}
    assert "identical in every statistic and seed" in (tmp_path / "compare.md").read_text()
    assert not list(tmp_path.glob("*.h5"))  # the runs are not kept


def test_a_change_of_the_market_is_found(tmp_path):
    # Taste noise 0.1 -> 2: counter-offers that keep researchers almost
    # vanish (about 780 -> 50 in 26 steps), far beyond seed noise.
    proc = run_compare(tmp_path, "--seeds", "7", "--b-set", "market.taste_noise=2.0")
    assert proc.returncode == 1, proc.stderr
    assert "warning" not in proc.stderr
    res = json.loads((tmp_path / "compare.json").read_text())
    rows = {r["statistic"]: r for r in res["rows"]}
    assert rows["retentions_total"]["differs"]
    assert rows["retentions_total"]["p"] == pytest.approx(2 / math.comb(14, 7))
    # Holm over every statistic: the smallest p times their number.
    assert min(r["p_holm"] for r in res["rows"]) == pytest.approx(
        len(res["rows"]) * 2 / math.comb(14, 7))
    lo, hi = rows["retentions_total"]["interval"]
    assert hi < 0
    assert "**differs**" in (tmp_path / "compare.md").read_text()


def test_too_few_seeds_are_said_to_be_unable_to_find_a_difference(tmp_path):
    # 2 seeds a side: the smallest exact p is 2 / C(4, 2) = 1/3.
    proc = run_compare(tmp_path, "--seeds", "2")
    assert proc.returncode == 0, proc.stderr
    assert "warning" in proc.stderr and "use more seeds" in proc.stderr
    res = json.loads((tmp_path / "compare.json").read_text())
    assert res["smallest_holm_p"] == 1.0
    assert "use more seeds" in (tmp_path / "compare.md").read_text()


def test_the_smallest_holm_p_follows_the_count_of_splits():
    assert compare_builds.smallest_holm_p(6, 20) == pytest.approx(40 / 924)
    assert compare_builds.smallest_holm_p(10, 1) == pytest.approx(2 / 184756)
    assert compare_builds.smallest_holm_p(3, 20) == 1.0
    # C(30, 15) splits: random ones, 1 / (N + 1).
    assert compare_builds.smallest_holm_p(15, 2) == pytest.approx(
        2 / (compare_builds.RANDOM_PERMUTATIONS + 1))


def test_constant_samples_a_missing_statistic_and_json():
    a = {"same": [1.0, 1.0, 1.0], "down": [2.0, 2.0, 2.0], "gone": [1.0, 2.0, 3.0]}
    b = {"same": [1.0, 1.0, 1.0], "down": [1.0, 1.0, 1.0], "gone": [1.0, math.nan, 3.0]}
    rows = {r["statistic"]: r for r in compare_builds.compare(a, b, 0.05)}
    assert rows["same"]["identical"] and not rows["same"]["differs"]
    # Both constant, B below A: the standardized difference keeps its sign.
    assert rows["down"]["diff_sd"] == -math.inf
    assert rows["down"]["interval"] == [-1.0, -1.0]
    assert rows["gone"]["missing"] and rows["gone"]["differs"] and rows["gone"]["p"] is None
    text = json.dumps(compare_builds.finite_or_none(list(rows.values())), allow_nan=False)
    assert '"diff_sd": null' in text


def test_bad_usage_exits_2(tmp_path):
    b = str(binary_path())
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--a", b, "--b", str(tmp_path / "missing"), "--scenario",
         str(SMALL), "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "is not an executable" in proc.stderr
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--a", b, "--b", b, "--scenario", str(SMALL), "--seeds",
         "1", "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--seeds needs at least 2" in proc.stderr
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--a", b, "--b", b, "--scenario",
         str(tmp_path / "none.toml"), "--seeds", "2", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.startswith("compare_builds: ")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.h5"))  # nothing left of the failed runs
