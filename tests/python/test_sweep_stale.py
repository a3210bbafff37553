"""open_sweep on real collected sweeps: one shape, stale collections warn,
damaged sweep files raise TalentsimFormatError (issue 11, items 5, 11, 18).

A small sweep of example_small (a grid parameter x a zip dimension x two
seeds) is planned, run locally and collected once per module; tests that
change it work on a copy (the copy also checks that a moved sweep directory
finds its run files).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import warnings
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

import talentsim as ts
from talentsim import StaleSweepWarning, TalentsimFormatError

from conftest import BINARY_WAIT_S, SMALL, binary_path

SWEEP = f'''format_version = 1
name = "stale"
base = "{SMALL}"
replicates = 2
seed = 5
[[parameters]]
path = "market.taste_noise"
values = [0.1, 0.3]
[[zip]]
name = "friction"
paths = ["market.knowledge_loss", "countries.US.visa_friction"]
values = [[0.1, 0.2], [0.15, 0.4]]
'''
N_POINTS = 8  # 2 x 2 x 2 seeds; the seed varies fastest


def tsim(*args) -> str:
    """Run the binary (waiting for it while it is rebuilt); fail on an error."""
    exe = binary_path()
    deadline = time.monotonic() + BINARY_WAIT_S
    while True:
        try:
            r = subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, timeout=300)
            break
        except OSError:  # missing or being replaced by a rebuild
            if time.monotonic() > deadline:
                raise
            time.sleep(2)
    assert r.returncode == 0, f"talentsim {' '.join(map(str, args))} -> {r.returncode}: {r.stderr}"
    return r.stdout


def make_sweep(root: Path, extra: str = "") -> Path:
    spec = root / "sweep.toml"
    spec.write_text(SWEEP + extra)
    d = root / "dir"
    tsim("sweep", "plan", spec, "-o", d)
    tsim("sweep", "run-local", d, "-j", "2", "--quiet")
    tsim("sweep", "collect", d)
    return d


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    return make_sweep(tmp_path_factory.mktemp("stale_sweep"))


@pytest.fixture()
def copy(collected, tmp_path) -> Path:
    """A copy of the collected sweep, moved elsewhere; mtimes are kept."""
    d = tmp_path / "moved"
    shutil.copytree(collected, d)
    return d


def run_file(d: Path, point: int) -> Path:
    return d / "runs" / f"p{point:06d}.h5"


def no_warning(d):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return ts.open_sweep(d)


# ---- one shape ----------------------------------------------------------------

def test_open_sweep_shape(collected):
    ds = no_warning(collected)
    dims = ("market.taste_noise", "friction", "seed", "step")
    assert ds.talent_hhi.dims == dims
    assert ds.talent_hhi.shape == (2, 2, 2, 53)
    assert ds.brain_drain_share.dims == dims + ("country",)
    assert ds.attrs["dims"] == list(dims)
    assert list(ds["seed"].values) == [5, 6]
    np.testing.assert_allclose(ds["market.taste_noise"].values, [0.1, 0.3])
    assert ds["countries.US.visa_friction"].dims == ("friction",)
    np.testing.assert_allclose(ds["countries.US.visa_friction"].values, [0.2, 0.4])
    assert sorted(ds.attrs["parameters"]) == ["countries.US.visa_friction", "market.knowledge_loss",
                                              "market.taste_noise"]
    assert ds.attrs["missing_points"] == [] and ds.attrs["stale_points"] == []
    assert list(ds["country"].values) == ["US", "CN", "EU"]
    # the same shape from the file itself
    assert ts.open_sweep(collected / "sweep.h5").talent_hhi.dims == dims
    # each cell is its run: point p = ((noise * 2) + friction) * 2 + seed
    with ts.open_run(run_file(collected, 6)) as run:  # noise 0.3, friction 1, seed 5
        np.testing.assert_array_equal(ds.moves.isel({"market.taste_noise": 1, "friction": 1, "seed": 0}).values,
                                      run.metrics.moves.to_numpy())
        flat = ts.flatten_scenario(run.scenario)
        assert flat["countries.US.visa_friction"] == pytest.approx(0.4) and flat["run.seed"] == 5
        assert flat["market.taste_noise"] == pytest.approx(0.3)


def test_open_sweep_final_only_has_no_step(tmp_path):
    d = make_sweep(tmp_path, "[collect]\nfinal_only = true\nmetrics = [\"talent_hhi\"]\n"
                             "by_country = [\"brain_drain_share\"]\n")
    ds = no_warning(d)
    assert ds.talent_hhi.dims == ("market.taste_noise", "friction", "seed")
    assert ds.brain_drain_share.dims == ("market.taste_noise", "friction", "seed", "country")
    assert "step" not in ds.dims and ds.attrs["dims"] == ["market.taste_noise", "friction", "seed"]


def test_open_sweep_needs_the_collected_file(tmp_path, collected, small_path):
    planned = tmp_path / "planned"
    shutil.copytree(collected, planned)
    (planned / "sweep.h5").unlink()
    with pytest.raises(FileNotFoundError, match="talentsim sweep collect"):
        ts.open_sweep(planned)
    with pytest.raises(FileNotFoundError, match="stack_runs"):
        ts.open_sweep(tmp_path)
    with pytest.raises(TalentsimFormatError, match="open_run"):
        ts.open_sweep(small_path)


def test_stack_runs_of_the_run_files_of_a_sweep(collected):
    ds = ts.stack_runs(collected / "runs")
    assert ds.talent_hhi.dims == ("run", "step") and ds.sizes["run"] == N_POINTS
    assert set(ds.attrs["parameters"]) == {"run.seed", "market.taste_noise", "market.knowledge_loss",
                                           "countries.US.visa_friction"}


# ---- stale collections (item 5) ------------------------------------------------

def test_moved_copy_is_not_stale(copy):
    ds = no_warning(copy)
    assert ds.attrs["stale_points"] == []


def test_modified_run_after_collect_warns(copy):
    os.utime(run_file(copy, 3))  # now: after the (copied) collection
    with pytest.warns(StaleSweepWarning, match=r"1 collected run file\(s\) modified.*points 3\)") as record:
        ds = ts.open_sweep(copy)
    assert "talentsim sweep collect" in str(record[0].message)
    assert ds.attrs["stale_points"] == [3]
    tsim("sweep", "collect", copy)
    assert no_warning(copy).attrs["stale_points"] == []


def test_rerun_after_collect_warns(copy):
    """A point run again (same task) after collect: its file is newer."""
    run_file(copy, 5).unlink()
    tsim("sweep", "run-task", copy, "--task-id", "5")
    with pytest.warns(StaleSweepWarning, match="points 5"):
        ts.open_sweep(copy)


def test_missing_point_completed_after_collect_warns(copy):
    run_file(copy, 2).unlink()
    tsim("sweep", "collect", copy)
    ds = no_warning(copy)  # missing, and still missing: not stale
    assert ds.attrs["missing_points"] == [2]
    assert np.isnan(ds.talent_hhi.values.reshape(N_POINTS, -1)[2]).all()
    tsim("sweep", "run-task", copy, "--task-id", "2")
    with pytest.warns(StaleSweepWarning, match=r"1 missing or failed point\(s\) now complete \(points 2\)"):
        ds = ts.open_sweep(copy)
    assert ds.attrs["stale_points"] == [2]
    tsim("sweep", "collect", copy)
    assert no_warning(copy).attrs["missing_points"] == []


def test_failed_point_completed_after_collect_warns(copy, tmp_path):
    good = tmp_path / "good.h5"
    shutil.copy(run_file(copy, 4), good)
    with h5py.File(run_file(copy, 4), "r+") as f:
        f.attrs["complete"] = np.int64(0)  # as an interrupted run leaves it
    tsim("sweep", "collect", copy)
    with h5py.File(copy / "sweep.h5") as f:
        assert f["points/status"][4] == ts.sweep.POINT_FAILED
    no_warning(copy)  # still incomplete: not stale
    shutil.copy(good, run_file(copy, 4))
    with pytest.warns(StaleSweepWarning, match="points 4"):
        ts.open_sweep(copy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ts.open_sweep(copy, check_stale=False)


def test_stale_warning_is_exported():
    assert issubclass(ts.StaleSweepWarning, UserWarning)
    assert "StaleSweepWarning" in ts.__all__ and "stack_runs" in ts.__all__


# ---- damaged sweep files (item 18) ---------------------------------------------

def _replace(f, name, data):
    attrs = dict(f[name].attrs)
    del f[name]
    f[name] = data
    for k, v in attrs.items():
        f[name].attrs[k] = v


DAMAGE = [
    ("schema_version 1.5", lambda f: f.attrs.__setitem__("schema_version", 1.5), "schema_version"),
    ("schema_version string", lambda f: f.attrs.__setitem__("schema_version", "1"), "schema_version"),
    ("schema_version 3", lambda f: f.attrs.__setitem__("schema_version", np.int64(3)), "newer"),
    ("dims attribute wrong", lambda f: f.attrs.__setitem__("dims", ["a", "b"]), "dims"),
    ("variable dims attribute short",
     lambda f: f["metrics/moves"].attrs.__setitem__("dims", ["seed", "step"]), "/metrics/moves"),
    ("coordinate shorter than its dimension",
     lambda f: _replace(f, "coords/seed", f["coords/seed"][()][:1]), "seed"),
    ("status shorter than the points",
     lambda f: _replace(f, "points/status", f["points/status"][()][:-1]), "/points/status"),
    ("unknown status code", lambda f: _replace(f, "points/status", np.full(N_POINTS, 7, np.int32)),
     "/points/status"),
    ("missing index out of range", lambda f: _replace(f, "points/missing", np.array([99])), "/points/missing"),
    ("outputs missing", lambda f: f.__delitem__("points/output"), "/points/output"),
    ("coords group missing", lambda f: f.__delitem__("coords"), "/coords"),
    ("series of another width",
     lambda f: _replace(f, "metrics/moves", f["metrics/moves"][()][:, :1]), "moves"),
]


@pytest.mark.parametrize("edit,needle", [d[1:] for d in DAMAGE], ids=[d[0] for d in DAMAGE])
def test_damaged_sweep_file(copy, edit, needle):
    with h5py.File(copy / "sweep.h5", "r+") as f:
        edit(f)
    with pytest.raises(TalentsimFormatError) as info:
        ts.open_sweep(copy)
    assert needle in str(info.value) and "\n" not in str(info.value), str(info.value)


def test_sweep_file_not_hdf5(copy):
    (copy / "sweep.h5").write_text("not HDF5\n")
    with pytest.raises(TalentsimFormatError, match="not a readable HDF5"):
        ts.open_sweep(copy)


def test_heatmap_of_a_collected_sweep(collected, tmp_path):
    ds = no_warning(collected)
    fig = ts.plot_sweep_heatmap(ds, "talent_hhi", x="market.taste_noise", y="countries.US.visa_friction")
    assert fig.axes[0].images[0].get_array().shape == (2, 2)  # friction x noise, mean over seeds
    fig.savefig(tmp_path / "hm.png", dpi=50)
    # Each cell carries the seed noise: mean and the 95% t half-width over its seeds.
    from talentsim import sensitivity as sa
    hhi = ds.talent_hhi.isel(step=-1)
    runs = hhi.stack(run=list(hhi.dims))
    frame = pd.DataFrame({"x": runs["market.taste_noise"].values,
                          "y": runs["countries.US.visa_friction"].values, "v": runs.values})
    cell = frame[(frame.x == frame.x.min()) & (frame.y == frame.y.min())].v
    mean, low, high = sa.mean_ci(cell.to_numpy())
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert f"{mean:.3g}\n±{(high - low) / 2:.2g}" in texts
    assert "95% interval" in fig.axes[0].get_title()
    fig = ts.plot_sweep_heatmap(ds, "brain_drain_share", x="market.taste_noise", y="seed", country="CN")
    assert fig.axes[0].images[0].get_array().shape == (2, 2)  # seed x noise, mean over friction
