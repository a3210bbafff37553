"""stack_runs over a folder of runs; flatten_scenario and varying_parameters."""

from __future__ import annotations

import numpy as np
import pytest

import talentsim as ts
from conftest import SWEEP_RUNS


def test_stack_runs(sweep_dir):
    ds = ts.stack_runs(sweep_dir)
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
    assert ds.attrs["producer"] == "talentsim.stack_runs"


def test_open_sweep_does_not_stack_a_folder_of_runs(sweep_dir):
    """One producer, one shape: open_sweep reads only collected sweeps."""
    with pytest.raises(FileNotFoundError, match="stack_runs"):
        ts.open_sweep(sweep_dir)


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
    assert ts.varying_parameters([a, b], ignore=("output.path", "run.seed")).keys() == \
        {'firms."Google DeepMind".attention', "timeline.0.step"}
    assert "output.path" in ts.varying_parameters([a, b], ignore=())
    c = {k: v for k, v in b.items() if k != "timeline"}  # a key only some scenarios have
    assert ts.varying_parameters([a, c])["timeline.0.step"] == [3, None]
