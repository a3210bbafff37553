"""The 2025 story's criteria (issue 5, section 1) on a cheap version of the checks.

Three seeds of the story scenario and its counterfactual at the scenario's
own (posterior-median) values (the full check, ``analysis/checks/story_checks.py``,
``make story-checks``, runs 10 fresh seeds over the posterior). Each claim
tested here holds in each of the three seeds; the claims the model does not
support after issue 14 (the raid takes OpenAI's core team; startup exits
rise) are not asserted (docs/calibration.md).
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


def test_meta_raids_within_two_weeks(measures):
    # The launch raid, with nobody placed above the skill distribution and no
    # fitted switching cost (issue 14): Meta hires a dozen or so, some from
    # OpenAI. Whether they are OpenAI's core team is not asserted: on fresh
    # seeds over the posterior they mostly are not (docs/calibration.md).
    for s, m in measures.items():
        assert m["entrant_hires"] >= 5, (s, m["entrant_hires"])
        assert m["leader_to_entrant"] >= 1, (s, m["leader_to_entrant"])


def test_star_packages_and_ordinary_pay(measures):
    # The star tier holds in 8 of 10 fresh seeds over the posterior (the
    # full check), so here in at least 2 of the 3 seeds (seed 1 at the
    # scenario's values: $24.95M/yr, just under the tier's $25M).
    tier = [s for s, m in measures.items() if 2.5e7 <= m["largest_package"] <= 1.25e8]
    assert len(tier) >= 2, {s: m["largest_package"] for s, m in measures.items()}
    for s, m in measures.items():
        assert m["largest_package"] >= 1.5e7, (s, m["largest_package"])
        assert 5e5 <= m["frontier_median_min"] and m["frontier_median_max"] <= 2e6, s
        assert m["star_ratio"] >= 20, (s, m["star_ratio"])


def test_the_spree_ends_by_itself(measures):
    # No event stops Meta's hiring: its seats and budget do.
    for s, m in measures.items():
        assert abs(m["entrant_growth_late"]) <= 5, (s, m["entrant_growth_late"])


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


def test_startup_exits_are_measured(measures):
    # The lab's effect on startup exits is not supported by the model after
    # issue 14 (+0.2, 95% CI -1.4..+1.8 over the posterior on fresh seeds;
    # docs/calibration.md): only the measure's bookkeeping is checked here.
    for s, m in measures.items():
        assert m["exits_diff"] == m["startup_exits"] - m["startup_exits_nolab"], s
        assert m["startup_exits"] >= 0 and m["startup_exits_nolab"] >= 0, s
