"""open_sweep over a directory of runs."""

from __future__ import annotations

import numpy as np

import talentsim as ts
from conftest import SWEEP_RUNS


def test_open_sweep(sweep_dir):
    ds = ts.open_sweep(sweep_dir)
    assert ds.attrs["parameters"] == ["market.taste_noise", "run.seed"]
    assert ds.talent_hhi.dims == ("run", "step")
    assert ds.sizes["run"] == 3 and ds.sizes["step"] == 53
    assert ds.brain_drain_share.dims == ("run", "step", "country")
    assert list(ds["run"].values) == [s for s, _, _ in SWEEP_RUNS]
    assert list(ds["run.seed"].values) == [seed for _, seed, _ in SWEEP_RUNS]
    np.testing.assert_allclose(ds["market.taste_noise"].values, [n for _, _, n in SWEEP_RUNS])
    assert ds["run.seed"].dims == ("run",) and ds["market.taste_noise"].dims == ("run",)
    # no other coordinates than run, path, step, country and the two parameters
    assert set(ds.coords) == {"run", "path", "step", "country", "run.seed", "market.taste_noise"}
    assert ds.pay_median.attrs["units"] == "USD/yr"
    with ts.open_run(sweep_dir / "b.h5") as run:
        np.testing.assert_array_equal(ds.moves.sel(run="b").values, run.metrics.moves.to_numpy())
        np.testing.assert_array_equal(ds.origin_count.sel(run="b").values, run.by_country.origin_count.values)
    # a reduce over seeds, as the heat map does
    mean = ds.talent_hhi.isel(step=-1).groupby("market.taste_noise").mean()
    assert mean.sizes["market.taste_noise"] == 2


def test_flatten_and_varying():
    a = {"run": {"seed": 1}, "firms": [{"name": "Google DeepMind", "attention": 5}, {"name": "Meta", "attention": 3}],
         "timeline": [{"step": 3, "label": "x"}], "fields": ["a", "b"], "output": {"path": "a.h5"}}
    b = {"run": {"seed": 2}, "firms": [{"name": "Google DeepMind", "attention": 6}, {"name": "Meta", "attention": 3}],
         "timeline": [{"step": 4, "label": "x"}], "fields": ["a", "b"], "output": {"path": "b.h5"}}
    flat = ts.flatten_scenario(a)
    assert flat['firms."Google DeepMind".attention'] == 5
    assert flat["firms.Meta.attention"] == 3
    assert flat["timeline.0.step"] == 3
    assert flat["fields"] == ("a", "b")
    varying = ts.varying_parameters([a, b])
    assert varying == {'firms."Google DeepMind".attention': [5, 6], "run.seed": [1, 2], "timeline.0.step": [3, 4]}
