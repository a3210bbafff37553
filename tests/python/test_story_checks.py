"""The 2025 story's criteria (issue 5, section 1) on a cheap version of the checks.

Three seeds of the story scenario and its counterfactual (the full 10-seed
check is ``analysis/checks/story_checks.py``, ``make story-checks``). Every
criterion must hold in each of the three seeds (startup exits rise with the
lab through the startups' ``exit_talent_share``, docs/calibration.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_talentsim

sys.path.insert(0, str(ROOT / "analysis" / "checks"))

SEEDS = (1, 2, 3)
LAB = ROOT / "scenarios" / "meta_superintelligence_2025.toml"
NOLAB = ROOT / "scenarios" / "meta_superintelligence_2025_no_lab.toml"


@pytest.fixture(scope="module")
def measures(tmp_path_factory):
    import talentsim as ts
    from talentsim import story

    d = tmp_path_factory.mktemp("story")
    out = {}
    for s in SEEDS:
        a = run_talentsim(d / f"lab_{s}.h5", LAB, "--seed", str(s))
        b = run_talentsim(d / f"nolab_{s}.h5", NOLAB, "--seed", str(s))
        with ts.open_run(a) as lab, ts.open_run(b) as nolab:
            out[s] = story.story_measures(lab, nolab)
    return out


def test_launch_is_found(measures):
    for m in measures.values():
        assert m["entrant"] == "Meta" and m["launch_step"] == 24
        assert m["core_size"] == 10


def test_week0_geography_matches_macropolo_2022(measures):
    from story_checks import geo_gap

    for s, m in measures.items():
        assert geo_gap(m) <= 2.0, (s, m["origin_share0"], m["work_share0"])


def test_meta_hires_the_core_team_within_two_weeks(measures):
    for s, m in measures.items():
        assert m["core_poached_before"] == 0, s
        assert m["leader_to_entrant"] >= 5, (s, m["leader_to_entrant"])
        assert 2 * m["core_to_entrant"] > m["leader_to_entrant"], (s, m["core_to_entrant"])


def test_star_packages_and_ordinary_pay(measures):
    for s, m in measures.items():
        assert m["largest_package"] >= 1e8, (s, m["largest_package"])
        assert 3e8 <= m["largest_contract"] <= 5e8, (s, m["largest_contract"])
        assert 5e5 <= m["frontier_median_min"] and m["frontier_median_max"] <= 2e6, s
        assert m["star_ratio"] >= 50, (s, m["star_ratio"])


def test_openai_counter_offers_rise(measures):
    for s, m in measures.items():
        assert m["retention_value_after"] > m["retention_value_before"], s
    assert sum(m["retentions_after"] for m in measures.values()) > sum(
        m["retentions_before"] for m in measures.values())


def test_chinese_share_of_hires_is_reported(measures):
    for m in measures.values():
        assert 0.0 <= m["cn_share_hires"] <= 1.0
        assert abs(m["cn_share_pool"] - 0.47) < 0.03


def test_double_harm(measures):
    for s, m in measures.items():
        assert m["progress_diff"] < 0, (s, m["progress_diff_rel"])


def test_startup_exits_rise(measures):
    for s, m in measures.items():
        assert m["exits_diff"] > 0, (s, m["startup_exits"], m["startup_exits_nolab"])
