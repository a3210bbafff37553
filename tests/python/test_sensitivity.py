"""talentsim.sensitivity: designs, Sobol' and Morris estimators, seed-noise intervals.

The estimators are checked on closed-form functions with analytic indices
(Ishigami, Sobol's G); none of these tests needs the simulator.
"""

from __future__ import annotations

import io
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from talentsim import sensitivity as sa

ISHIGAMI_BOUNDS = [(-math.pi, math.pi)] * 3
G_A = [0, 1, 4.5, 9, 99, 99, 99, 99]
G_BOUNDS = [(0.0, 1.0)] * len(G_A)
N_BASE = 2 ** 13  # base rows of the Saltelli designs below
TOLERANCE = 0.02  # largest accepted |estimate - analytic| of every index


@pytest.fixture(scope="module")
def ishigami_result():
    design = sa.saltelli_design(ISHIGAMI_BOUNDS, N_BASE, seed=0)
    return design, design.analyze(sa.ishigami(design.points), bootstrap=1000, seed=0)


@pytest.fixture(scope="module")
def g_result():
    design = sa.saltelli_design(G_BOUNDS, N_BASE, seed=1)
    return design, design.analyze(sa.sobol_g(design.points, G_A), bootstrap=500, seed=1)


# ---------------------------------------------------------------------------
# Sobol' indices on closed-form functions


def test_ishigami_indices_within_tolerance_and_inside_intervals(ishigami_result):
    design, result = ishigami_result
    assert design.n == N_BASE == 8192
    assert len(design.points) == N_BASE * (3 + 2)
    exact = sa.ishigami_indices()
    assert list(result["parameter"]) == list(exact["parameter"]) == ["x0", "x1", "x2"]
    for key in ("S1", "ST"):
        err = np.abs(result[key] - exact[key])
        assert err.max() < TOLERANCE, (key, err.tolist())
        inside = (result[f"{key}_low"] <= exact[key]) & (exact[key] <= result[f"{key}_high"])
        assert inside.all(), result
    assert result.attrs == {"n": N_BASE, "bootstrap": 1000, "confidence": 0.95}


def test_ishigami_analytic_values():
    # Reference values of the literature (a = 7, b = 0.1).
    exact = sa.ishigami_indices().set_index("parameter")
    np.testing.assert_allclose(exact["S1"], [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(exact["ST"], [0.5576, 0.4424, 0.2437], atol=1e-4)


def test_sobol_g_total_order_within_tolerance(g_result):
    design, result = g_result
    assert design.n == N_BASE
    exact = sa.sobol_g_indices(G_A)
    for key in ("S1", "ST"):
        err = np.abs(result[key] - exact[key])
        assert err.max() < TOLERANCE, (key, err.tolist())
    inside = (result["ST_low"] <= exact["ST"]) & (exact["ST"] <= result["ST_high"])
    assert inside.all(), result


def test_sobol_g_analytic_formulas_match_monte_carlo():
    exact = sa.sobol_g_indices([0, 1])
    # V_i = 1 / (3 (1 + a_i)^2): 1/3 and 1/12; V = (4/3)(13/12) - 1 = 4/9.
    np.testing.assert_allclose(exact["S1"], [(1 / 3) / (4 / 9), (1 / 12) / (4 / 9)])
    np.testing.assert_allclose(exact["ST"], [(1 / 3) * (13 / 12) / (4 / 9), (1 / 12) * (4 / 3) / (4 / 9)])
    x = np.random.default_rng(0).random((200_000, 2))
    assert sa.sobol_g(x, [0, 1]).var() == pytest.approx(4 / 9, rel=0.01)
    assert sa.sobol_g(x, [0, 1]).mean() == pytest.approx(1.0, rel=0.01)


def test_several_outputs_give_an_output_column():
    design = sa.saltelli_design(ISHIGAMI_BOUNDS, 256, seed=0)
    f = sa.ishigami(design.points)
    y = pd.DataFrame({"f": f, "twice_plus_one": 2 * f + 1})
    result = design.analyze(y, bootstrap=50)
    assert list(result.columns) == ["output", "parameter", "S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"]
    assert list(result["output"]) == ["f"] * 3 + ["twice_plus_one"] * 3
    # indices are invariant to affine maps of the output
    a, b = result[result.output == "f"], result[result.output == "twice_plus_one"]
    np.testing.assert_allclose(a[["S1", "ST"]].to_numpy(), b[["S1", "ST"]].to_numpy())
    # a 2-d array names its outputs y0, y1
    assert set(design.analyze(y.to_numpy(), bootstrap=0)["output"]) == {"y0", "y1"}


def test_shuffled_series_is_aligned_on_the_design_index():
    design = sa.saltelli_design(ISHIGAMI_BOUNDS, 128, seed=0)
    y = pd.Series(sa.ishigami(design.points), index=design.points.index)
    shuffled = y.sample(frac=1.0, random_state=0)
    pd.testing.assert_frame_equal(design.analyze(y, bootstrap=20), design.analyze(shuffled, bootstrap=20))


# ---------------------------------------------------------------------------
# Morris screening


def test_morris_ranks_sobol_g_inputs():
    design = sa.morris_design(G_BOUNDS, trajectories=20, levels=4, seed=0)
    assert len(design.points) == 20 * (len(G_A) + 1)
    result = design.analyze(sa.sobol_g(design.points, G_A))
    assert list(result["parameter"]) == [f"x{i}" for i in range(8)]  # order as given
    mu_star = result["mu_star"].to_numpy()
    assert np.all(np.diff(mu_star[:4]) < 0), mu_star  # a = 0, 1, 4.5, 9: strictly decreasing
    assert mu_star[3] > mu_star[4:].max(), mu_star  # the a = 99 inputs last
    assert np.all((result["mu_star_low"] <= mu_star) & (mu_star <= result["mu_star_high"]))
    assert np.all(np.abs(result["mu"]) <= mu_star + 1e-12)


def test_morris_elementary_effects_of_a_linear_function():
    bounds = {"a": (0.0, 10.0), "b": (-1.0, 1.0), "c": (5.0, 6.0)}
    design = sa.morris_design(bounds, trajectories=8, seed=3)
    x = design.points
    y = 2.0 * x["a"] - 3.0 * x["b"] + 0.0 * x["c"]
    result = design.analyze(y, bootstrap=100).set_index("parameter")
    # EE per whole range: slope * (high - low)
    np.testing.assert_allclose(result["mu"], [20.0, -6.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(result["mu_star"], [20.0, 6.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(result["sigma"], 0.0, atol=1e-9)


# ---------------------------------------------------------------------------
# Designs


def test_design_shapes_bounds_and_names():
    bounds = {"taste_noise": (0.05, 0.3), "attention": (1.0, 5.0)}
    for frame in (sa.sobol_sequence(64, bounds, seed=1), sa.latin_hypercube(50, bounds, seed=1)):
        assert list(frame.columns) == ["taste_noise", "attention"]
        for name, (low, high) in bounds.items():
            assert frame[name].between(low, high).all()
    assert sa.sobol_sequence(64, bounds, seed=1).shape == (64, 2)
    assert sa.latin_hypercube(50, bounds, seed=1).shape == (50, 2)
    assert list(sa.sobol_sequence(8, [(0, 1)] * 3, seed=0).columns) == ["x0", "x1", "x2"]

    design = sa.saltelli_design(bounds, 32, seed=2)
    assert design.points.shape == (32 * 4, 2) and len(design) == 128 and design.d == 2
    assert list(design.blocks.unique()) == ["A", "B", "AB0", "AB1"]
    assert (design.blocks.value_counts() == 32).all()
    for name, (low, high) in bounds.items():
        assert design.points[name].between(low, high).all()

    morris = sa.morris_design(bounds, trajectories=5, levels=6, seed=2)
    assert morris.points.shape == (5 * 3, 2)
    assert morris.delta == pytest.approx(6 / 10)
    for name, (low, high) in bounds.items():
        assert morris.points[name].between(low, high).all()


def test_latin_hypercube_strata():
    frame = sa.latin_hypercube(40, [(0.0, 1.0), (10.0, 20.0)], seed=7)
    for col, (low, high) in zip(frame, [(0.0, 1.0), (10.0, 20.0)]):
        strata = np.floor((frame[col] - low) / (high - low) * 40).astype(int)
        assert sorted(strata) == list(range(40))


def test_saltelli_blocks_share_columns():
    design = sa.saltelli_design([(0, 1)] * 3, 16, seed=0)
    block = {name: design.points[design.blocks == name].to_numpy() for name in design.blocks.unique()}
    for i in range(3):
        ab = block[f"AB{i}"]
        np.testing.assert_array_equal(ab[:, i], block["B"][:, i])
        others = [j for j in range(3) if j != i]
        np.testing.assert_array_equal(ab[:, others], block["A"][:, others])
    assert not np.allclose(block["A"], block["B"])


def test_designs_are_deterministic_given_a_seed():
    bounds = [(0.0, 1.0), (-2.0, 2.0), (3.0, 4.0)]
    pd.testing.assert_frame_equal(sa.sobol_sequence(32, bounds, seed=5), sa.sobol_sequence(32, bounds, seed=5))
    pd.testing.assert_frame_equal(sa.latin_hypercube(30, bounds, seed=5), sa.latin_hypercube(30, bounds, seed=5))
    pd.testing.assert_frame_equal(sa.saltelli_design(bounds, 32, seed=5).points,
                                  sa.saltelli_design(bounds, 32, seed=5).points)
    pd.testing.assert_frame_equal(sa.morris_design(bounds, 6, seed=5).points,
                                  sa.morris_design(bounds, 6, seed=5).points)
    assert not sa.sobol_sequence(32, bounds, seed=5).equals(sa.sobol_sequence(32, bounds, seed=6))
    assert not sa.morris_design(bounds, 6, seed=5).points.equals(sa.morris_design(bounds, 6, seed=6).points)


@pytest.mark.parametrize("levels", [2, 4, 8])
def test_morris_trajectories_move_one_coordinate_by_delta(levels):
    d, r = 5, 12
    design = sa.morris_design([(0.0, 1.0)] * d, trajectories=r, levels=levels, seed=11)
    delta = levels / (2 * (levels - 1))
    assert design.delta == pytest.approx(delta)
    grid = np.arange(levels) / (levels - 1)
    unit = design.unit
    assert np.all(np.min(np.abs(unit[..., None] - grid), axis=-1) < 1e-12)  # on the grid
    steps = np.diff(unit.reshape(r, d + 1, d), axis=1)  # (trajectory, step, coordinate)
    moved = np.abs(steps) > 1e-12
    assert np.all(moved.sum(axis=2) == 1)  # one coordinate per step
    np.testing.assert_allclose(np.abs(steps[moved]), delta)  # by +/- Delta
    assert np.all(moved.sum(axis=1) == 1)  # every coordinate once per trajectory
    signs = np.sign(steps[moved])
    assert (signs > 0).any() and (signs < 0).any()  # random orientation
    np.testing.assert_array_equal(design.trajectory.to_numpy(), np.repeat(np.arange(r), d + 1))


def test_bad_design_arguments():
    with pytest.raises(ValueError, match="low < high"):
        sa.sobol_sequence(8, [(1.0, 0.0)])
    with pytest.raises(ValueError, match="empty"):
        sa.latin_hypercube(8, [])
    with pytest.raises(ValueError, match="even"):
        sa.morris_design([(0, 1)], levels=5)
    with pytest.raises(ValueError, match="n must be"):
        sa.saltelli_design([(0, 1)], 0)


# ---------------------------------------------------------------------------
# Estimator input checks


def test_estimators_raise_on_nan_and_wrong_length():
    saltelli = sa.saltelli_design(ISHIGAMI_BOUNDS, 64, seed=0)
    morris = sa.morris_design(ISHIGAMI_BOUNDS, trajectories=4, seed=0)
    for design, f in ((saltelli, sa.ishigami(saltelli.points)), (morris, sa.ishigami(morris.points))):
        y = f.copy()
        y[7] = np.nan
        with pytest.raises(ValueError, match="NaN"):
            design.analyze(y)
        with pytest.raises(ValueError, match="NaN"):
            design.analyze(pd.DataFrame({"out": y}))
        with pytest.raises(ValueError, match="rows but the design has"):
            design.analyze(f[:-1])
        with pytest.raises(ValueError, match="rows but the design has"):
            design.analyze(np.concatenate([f, f]))
    with pytest.raises(TypeError):
        sa.sobol_analyze(morris, sa.ishigami(morris.points))


def test_constant_output_warns_and_gives_nan():
    design = sa.saltelli_design([(0, 1)] * 2, 32, seed=0)
    with pytest.warns(RuntimeWarning, match="constant"):
        result = design.analyze(np.ones(len(design)), bootstrap=10)
    assert result[["S1", "ST", "S1_low"]].isna().all().all()


# ---------------------------------------------------------------------------
# Seed noise


def test_mean_ci_matches_student_t_by_hand():
    x = np.array([3.1, 2.7, 3.8, 3.3, 2.9, 3.6])
    n, m, s = len(x), x.mean(), x.std(ddof=1)
    half = stats.t.ppf(0.975, n - 1) * s / math.sqrt(n)
    assert sa.mean_ci(x) == pytest.approx((m, m - half, m + half))
    half90 = stats.t.ppf(0.95, n - 1) * s / math.sqrt(n)
    mean, low, high = sa.mean_ci(x, confidence=0.9)
    assert (low, high) == pytest.approx((m - half90, m + half90))
    single = sa.mean_ci([4.0])
    assert single.mean == 4.0 and math.isnan(single.low) and math.isnan(single.high)


def test_mean_ci_nan_policy():
    with pytest.raises(ValueError, match="NaN"):
        sa.mean_ci([1.0, np.nan, 2.0])
    assert sa.mean_ci([1.0, np.nan, 3.0], nan_policy="omit") == pytest.approx(sa.mean_ci([1.0, 3.0]))
    with pytest.raises(ValueError, match="no values"):
        sa.mean_ci([])


def test_mean_ci_coverage_by_simulation():
    rng = np.random.default_rng(2024)
    samples = rng.normal(loc=5.0, scale=2.0, size=(2000, 10))
    covered = 0
    for row in samples:
        _, low, high = sa.mean_ci(row)
        covered += low <= 5.0 <= high
    assert 0.93 <= covered / 2000 <= 0.97, covered / 2000


def test_summarise_per_group():
    df = pd.DataFrame({
        "scenario": ["a"] * 4 + ["b"] * 3 + ["c"],
        "seed": [1, 2, 3, 4, 1, 2, 3, 1],
        "value": [1.0, 2.0, 3.0, 4.0, 10.0, 12.0, 14.0, 7.0],
    })
    out = sa.summarise(df, "scenario", "value")
    assert list(out.columns) == ["scenario", "n", "mean", "sd", "low", "high"]
    assert list(out["n"]) == [4, 3, 1]
    for _, row in out.iterrows():
        vals = df.loc[df.scenario == row["scenario"], "value"]
        expected = sa.mean_ci(vals)
        assert row["mean"] == pytest.approx(expected.mean)
        if row["n"] > 1:
            assert (row["low"], row["high"]) == pytest.approx((expected.low, expected.high))
        else:
            assert math.isnan(row["low"]) and math.isnan(row["high"])
    assert out.attrs == {"value": "value", "confidence": 0.95}
    two_keys = sa.summarise(df.assign(step=0), ["scenario", "step"], "value")
    assert list(two_keys.columns[:2]) == ["scenario", "step"]
    with pytest.raises(ValueError, match="NaN"):
        sa.summarise(df.assign(value=df.value.where(df.seed != 2)), "scenario", "value")


def _seeded_runs(effect: float, seeds: int = 20, seed_sd: float = 10.0, run_sd: float = 0.5, rng_seed: int = 0):
    """Baseline and policy outputs sharing a large per-seed component."""
    rng = np.random.default_rng(rng_seed)
    index = pd.Index(np.arange(100, 100 + seeds), name="seed")
    common = rng.normal(0.0, seed_sd, seeds)
    baseline = pd.Series(50.0 + common + rng.normal(0.0, run_sd, seeds), index=index)
    policy = pd.Series(50.0 + effect + common + rng.normal(0.0, run_sd, seeds), index=index)
    return policy, baseline


def test_paired_difference_detects_an_effect_hidden_in_seed_spread():
    policy, baseline = _seeded_runs(effect=1.0)
    res = sa.paired_difference(policy, baseline)
    assert res.n == 20
    assert res.exceeds_noise and res.low > 0
    assert res.low <= 1.0 <= res.high
    diff = policy - baseline
    half = stats.t.ppf(0.975, 19) * diff.std(ddof=1) / math.sqrt(20)
    assert (res.difference, res.low, res.high) == pytest.approx((diff.mean(), diff.mean() - half, diff.mean() + half))
    # the seed-to-seed spread dwarfs the effect: unpaired, it would not be seen
    assert res.seed_sd > 5 * res.sd and res.seed_sd > 5.0
    welch = stats.ttest_ind(policy, baseline, equal_var=False)
    assert welch.pvalue > 0.05
    # pairing is on the seed, not on the order
    res_shuffled = sa.paired_difference(policy.sample(frac=1.0, random_state=1), baseline)
    assert res_shuffled.difference == pytest.approx(res.difference)


def test_paired_difference_zero_effect_does_not_exceed_noise():
    policy, baseline = _seeded_runs(effect=0.0, rng_seed=4)
    diff = policy - baseline
    policy = policy - diff.mean()  # the paired differences average exactly 0
    res = sa.paired_difference(policy, baseline)
    assert res.difference == pytest.approx(0.0, abs=1e-12)
    assert res.low < 0 < res.high and not res.exceeds_noise
    one = sa.paired_difference([1.0], [0.0])
    assert one.n == 1 and not one.exceeds_noise and math.isnan(one.low)


def test_paired_difference_seed_handling():
    policy, baseline = _seeded_runs(effect=1.0, seeds=10)
    with pytest.warns(UserWarning, match="only one"):
        res = sa.paired_difference(policy.iloc[:8], baseline)
    assert res.n == 8
    with pytest.raises(ValueError, match="same length|paired by position"):
        sa.paired_difference([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        sa.paired_difference(policy.where(policy.index != 103), baseline)
    assert sa.paired_difference(policy.where(policy.index != 103), baseline, nan_policy="omit").n == 9


def test_compare_against_a_baseline():
    policy, baseline = _seeded_runs(effect=1.0)
    null, _ = _seeded_runs(effect=0.0)
    null = baseline + (null - baseline - (null - baseline).mean())
    frames = [pd.DataFrame({"scenario": name, "seed": s.index, "talent": s.to_numpy()})
              for name, s in (("baseline", baseline), ("policy", policy), ("null", null))]
    df = pd.concat(frames, ignore_index=True)
    out = sa.compare(df, baseline="baseline", value="talent")
    assert list(out["scenario"]) == ["null", "policy"]
    assert list(out["exceeds_noise"]) == [False, True]
    row = out.set_index("scenario").loc["policy"]
    assert row["difference"] == pytest.approx(sa.paired_difference(policy, baseline).difference)
    with pytest.raises(ValueError, match="baseline"):
        sa.compare(df, baseline="nope", value="talent")
    with pytest.raises(ValueError, match="duplicate"):
        sa.compare(pd.concat([df, df.iloc[:1]]), baseline="baseline", value="talent")


# ---------------------------------------------------------------------------
# Plots


def test_plots_build_figures(ishigami_result):
    from matplotlib.figure import Figure

    _, result = ishigami_result
    sobol_fig = sa.plot_sobol(result)
    assert isinstance(sobol_fig, Figure) and len(sobol_fig.axes[0].patches) == 6
    morris = sa.morris_design(G_BOUNDS, trajectories=10, seed=0)
    morris_fig = sa.plot_morris(morris.analyze(sa.sobol_g(morris.points, G_A), bootstrap=100))
    assert [t.get_text() for t in morris_fig.axes[0].texts] == [f"x{i}" for i in range(8)]
    runs = pd.DataFrame({"scenario": np.repeat(["a", "b"], 30), "step": np.tile(np.repeat([0, 1, 2], 10), 2),
                         "value": np.random.default_rng(0).normal(size=60)})
    ci_fig = sa.plot_with_ci(sa.summarise(runs, ["scenario", "step"], "value"), "step", group="scenario")
    assert len(ci_fig.axes[0].lines) == 2 and len(ci_fig.axes[0].collections) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fig in (sobol_fig, morris_fig, ci_fig):
            fig.savefig(io.BytesIO(), format="png", dpi=40)
    with pytest.raises(ValueError, match="several outputs"):
        sa.plot_sobol(pd.concat([result.assign(output="a"), result.assign(output="b")]))
