"""The A/B mode of the end-to-end benchmarks (tests/bench/run_bench.py,
`make bench`, docs/performance.md): both builds alternate run by run and
the table reports the ratio of their medians."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT, binary_path

sys.path.insert(0, str(ROOT / "tests" / "bench"))
import run_bench  # noqa: E402


def test_the_builds_alternate_and_neither_always_runs_first():
    order = run_bench.ab_order(4)
    assert order == ["baseline", "current", "current", "baseline",
                     "baseline", "current", "current", "baseline"]
    assert order.count("baseline") == order.count("current") == 4
    assert run_bench.ab_order(2, 1, 2) == [1, 2, 2, 1]  # the thread counts
    assert run_bench.upper_median([3.0, 1.0, 2.0, 4.0]) == 3.0


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


def test_one_and_two_threads_alternate_and_each_pair_gives_a_ratio(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "bench" / "run_bench.py"), "--talentsim",
         str(binary_path()), "--out", str(tmp_path), "--scenarios", "global_10k", "--steps",
         "2", "--repeat", "2", "--scaling", ""],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    order = [line.split(":")[1].strip().split(",")[0] for line in proc.stdout.splitlines()
             if line.startswith("  global_10k:")]
    assert order == ["1 thread(s)", "2 thread(s)", "2 thread(s)", "1 thread(s)"]
    (row,) = json.loads((tmp_path / "results.json").read_text())["end_to_end"]
    assert row["pair_ratios"] == pytest.approx(
        [one / two for one, two in zip(row["walls_1thread_s"], row["walls_s"])])
    assert "scouting" in row["phases_1thread_s"] and "scouting" in row["phases_s"]
    assert "(pairs " in (tmp_path / "results.md").read_text()


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
         "global_10k,global_100k", "--scaling-steps", "2", "--scaling-repeat", "3",
         "--scaling-min-seconds", "0"],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    res = json.loads((tmp_path / "results.json").read_text())
    assert [s["scenario"] for s in res["scaling"]] == ["global_10k", "global_100k"]
    for s in res["scaling"]:
        assert len(s["runs_ns"]) == 3
        assert s["ns_per_researcher_step"] == sorted(s["runs_ns"])[1]
    text = (tmp_path / "results.md").read_text()
    assert "| global_10k | 10,000 | 2 |" in text and "Largest over smallest" in text
    # Within each round: the largest over the smallest of the two sizes.
    spreads = res["scaling_round_spreads"]
    assert len(spreads) == 3
    for i, spread in enumerate(spreads):
        ns = [s["runs_ns"][s["runs_round"].index(i)] for s in res["scaling"]]
        assert spread == pytest.approx(max(ns) / min(ns))
    assert "The same within each round" in text


def test_a_short_size_runs_several_times_a_round(tmp_path):
    # Two steps of the 10k world take far less than 1000 s, so each of the
    # 2 rounds runs it as often as --scaling-max-runs allows: 5 // 2 = 2.
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "bench" / "run_bench.py"), "--talentsim",
         str(binary_path()), "--out", str(tmp_path), "--scenarios", "", "--scaling",
         "global_10k", "--scaling-steps", "2", "--scaling-repeat", "2",
         "--scaling-min-seconds", "1000", "--scaling-max-runs", "5"],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    res = json.loads((tmp_path / "results.json").read_text())
    (s,) = res["scaling"]
    assert len(s["runs_ns"]) == 4
    assert s["ns_per_researcher_step"] == sorted(s["runs_ns"])[2]
    assert proc.stdout.count("scaling global_10k, round") == 4


def test_the_scaling_curve_needs_at_least_one_run(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "bench" / "run_bench.py"), "--talentsim",
         str(binary_path()), "--out", str(tmp_path), "--scenarios", "", "--scaling-repeat", "0"],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--scaling-repeat needs at least 1" in proc.stderr
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "bench" / "run_bench.py"), "--talentsim",
         str(binary_path()), "--out", str(tmp_path), "--scenarios", "", "--scaling-repeat", "3",
         "--scaling-max-runs", "2"],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--scaling-max-runs must be at least" in proc.stderr
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "bench" / "run_bench.py"), "--talentsim",
         str(binary_path()), "--out", str(tmp_path), "--scenarios", "",
         "--scaling-min-seconds", "nan"],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--scaling-min-seconds must be a number >= 0" in proc.stderr
