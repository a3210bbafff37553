"""The A/B mode of the end-to-end benchmarks (tests/bench/run_bench.py,
`make bench`, docs/performance.md): both builds alternate run by run and
the table reports the ratio of their medians."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT, binary_path

sys.path.insert(0, str(ROOT / "tests" / "bench"))
import run_bench  # noqa: E402


def test_the_builds_alternate_and_neither_always_runs_first():
    order = run_bench.ab_order(4)
    assert order == ["baseline", "current", "current", "baseline",
                     "baseline", "current", "current", "baseline"]
    assert order.count("baseline") == order.count("current") == 4


def test_an_ab_run_reports_both_medians_and_their_ratio(tmp_path):
    # The same binary on both sides: a real A/B run of the smallest world,
    # a few steps, checked for its bookkeeping (not for a speed).
    binary = str(binary_path())
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "bench" / "run_bench.py"), "--talentsim", binary,
         "--baseline", binary, "--out", str(tmp_path), "--repeat", "2", "--scenarios",
         "global_10k", "--steps", "3", "--ab-only"],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    res = json.loads((tmp_path / "results.json").read_text())
    (row,) = res["ab"]
    assert row["scenario"] == "global_10k" and row["threads"] == 2
    assert len(row["baseline_runs_s"]) == len(row["current_runs_s"]) == 2
    assert row["speedup"] == row["baseline_s"] / row["current_s"]
    assert res["end_to_end"] == [] and res["scaling"] == []
    assert "A/B against the baseline build" in (tmp_path / "results.md").read_text()


def test_ab_only_needs_a_baseline(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "bench" / "run_bench.py"), "--talentsim",
         str(binary_path()), "--out", str(tmp_path), "--ab-only"],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--ab-only needs --baseline" in proc.stderr


def test_the_scaling_curve_reports_each_sizes_median_run(tmp_path):
    # Two sizes, three rounds each: every run's time per researcher-step is
    # kept, the reported one is the median run's, and the spread is printed.
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "bench" / "run_bench.py"), "--talentsim",
         str(binary_path()), "--out", str(tmp_path), "--scenarios", "", "--scaling",
         "global_10k,global_100k", "--scaling-steps", "2", "--scaling-repeat", "3"],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    res = json.loads((tmp_path / "results.json").read_text())
    assert [s["scenario"] for s in res["scaling"]] == ["global_10k", "global_100k"]
    for s in res["scaling"]:
        assert len(s["runs_ns"]) == 3
        assert s["ns_per_researcher_step"] == sorted(s["runs_ns"])[1]
    text = (tmp_path / "results.md").read_text()
    assert "median of 3 run(s)" in text and "Largest over smallest" in text


def test_the_scaling_curve_needs_at_least_one_run(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "bench" / "run_bench.py"), "--talentsim",
         str(binary_path()), "--out", str(tmp_path), "--scenarios", "", "--scaling-repeat", "0"],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--scaling-repeat needs at least 1" in proc.stderr
