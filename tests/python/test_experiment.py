"""Experiments (issue 13): a design x seeds runs as a sweep, locally or on the
real local Slurm, and comes back as one tidy table, identical either way;
re-running skips what is done; exports to CSV and netCDF."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import talentsim as ts

from conftest import ROOT, binary_path

SMALL = ROOT / "scenarios" / "example_small.toml"


def small_experiment(directory: Path, **kw) -> ts.Experiment:
    args = dict(
        design=ts.grid({"market.taste_noise": [0.1, 0.4],
                        "countries.US.visa_friction": [0.0, 1.5]}),
        seeds=[3, 4],
        fixed={"run.steps": 12},
        reporters={
            "hhi": ts.metric("talent_hhi"),
            "moves": ts.metric("moves", window=(1, 12), stat="sum"),
            "drain_US": ts.metric("brain_drain_share", country="US", at=12),
            "firms_active": lambda run: {"start": float(run.firms.active.isel(step=0).sum()),
                                         "end": float(run.firms.active.isel(step=-1).sum())},
        },
        directory=directory,
        binary=binary_path(),
    )
    args.update(kw)
    return ts.Experiment(SMALL, **args)


def test_grid_is_the_full_factorial_first_key_slowest():
    g = ts.grid({"a": [1, 2], "b": [10, 20, 30]})
    assert list(g["a"]) == [1, 1, 1, 2, 2, 2] and list(g["b"]) == [10, 20, 30] * 2


def test_local_run_gives_one_row_per_point_and_seed(tmp_path):
    exp = small_experiment(tmp_path / "e")
    df = exp.run(jobs=2, progress=False)
    assert len(df) == 8 and df["complete"].all()
    assert list(df["seed"]) == [3, 4] * 4 and list(df["point"]) == [0, 0, 1, 1, 2, 2, 3, 3]
    assert {"hhi", "moves", "drain_US", "firms_active.start", "firms_active.end"} <= set(df)
    # A reporter is what the run file says: check one row by hand.
    row = df.iloc[5]
    with ts.open_run(row["output"]) as run:
        assert row["hhi"] == run.metrics.talent_hhi.iloc[-1]
        assert row["moves"] == run.metrics.moves.loc[1:12].sum()
        assert run.scenario["market"]["taste_noise"] == row["market.taste_noise"]
        assert run.scenario["run"]["seed"] == 4
    # Points differ from each other, seeds within a point too.
    assert df["hhi"].nunique() > 4


def test_rerunning_skips_finished_runs_and_continues_a_partial_one(tmp_path):
    exp = small_experiment(tmp_path / "e")
    first = exp.run(jobs=2, progress=False)
    stamps = {p: Path(p).stat().st_mtime_ns for p in first["output"]}
    Path(first["output"][2]).unlink()  # one run lost
    assert exp.finished() == 7
    partial = exp.results()
    assert not partial["complete"][2] and np.isnan(partial["hhi"][2])
    again = exp.run(jobs=2, progress=False)
    for p, t in stamps.items():
        if p != first["output"][2]:
            assert Path(p).stat().st_mtime_ns == t  # not run again
    pd.testing.assert_frame_equal(first, again)


def test_a_directory_holding_another_experiment_is_refused(tmp_path):
    small_experiment(tmp_path / "e").plan()
    other = small_experiment(tmp_path / "e", seeds=[5, 6])
    with pytest.raises(RuntimeError, match="sweep plan"):
        other.plan()


def test_local_and_slurm_give_identical_tables(tmp_path, slurm):
    local = small_experiment(tmp_path / "local").run(jobs=2, progress=False)
    cluster_exp = small_experiment(tmp_path / "cluster", slurm={"points_per_task": 4})
    cluster = cluster_exp.run(backend="slurm", env=slurm, progress=False)
    assert cluster["complete"].all()
    a = local.drop(columns=["output"])
    b = cluster.drop(columns=["output"])
    pd.testing.assert_frame_equal(a, b)
    assert any((tmp_path / "cluster" / "sweep" / "logs").iterdir())  # it went through Slurm


def test_tables_export_to_xarray_csv_and_netcdf(tmp_path):
    df = small_experiment(tmp_path / "e").run(jobs=2, progress=False)
    ds = ts.to_xarray(df)
    assert dict(ds.sizes) == {"point": 4, "seed": 2}
    assert list(ds["market.taste_noise"].values) == [0.1, 0.1, 0.4, 0.4]
    assert float(ds.hhi.sel(point=1, seed=4)) == df.set_index(["point", "seed"]).hhi[(1, 4)]
    csv = pd.read_csv(ts.export(df, tmp_path / "t.csv"), float_precision="round_trip")
    np.testing.assert_array_equal(csv["hhi"].to_numpy(), df["hhi"].to_numpy())
    nc = xr.open_dataset(ts.export(df, tmp_path / "t.nc"), engine="h5netcdf")
    np.testing.assert_array_equal(nc["hhi"].values, ds["hhi"].values)
    assert "firms_active.end" in nc and "market.taste_noise" in nc.coords
    nc.close()


def test_bad_designs_and_reporters_are_refused_clearly(tmp_path):
    with pytest.raises(ValueError, match="seed"):
        small_experiment(tmp_path / "a", seeds=[])
    with pytest.raises(ValueError, match="NaN"):
        small_experiment(tmp_path / "b", design={"market.taste_noise": [np.nan]}).sweep_text()
    with pytest.raises(ValueError, match="stat"):
        ts.metric("talent_hhi", stat="mode")
    exp = small_experiment(tmp_path / "c", design={"market.taste_noise": [-1.0]})
    with pytest.raises(RuntimeError, match="taste_noise"):
        exp.plan()  # the scenario's own check, one line
    exp = small_experiment(tmp_path / "d", design=None, seeds=[1],
                           reporters={"x": ts.metric("no_such_metric")})
    with pytest.raises(KeyError, match="no_such_metric"):
        exp.run(progress=False)
