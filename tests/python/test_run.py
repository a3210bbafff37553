"""open_run and the Run tables on real runs."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import talentsim as ts


def test_firms_dataset(small_run, small_path):
    firms = small_run.firms
    assert isinstance(firms, xr.Dataset)
    with h5py.File(small_path, "r") as f:
        names = f["firms/name"].asstr()[()]
        steps = int(f.attrs["steps"])
        series = {k: v for k, v in f["firms/series"].items()}
        used = np.flatnonzero(names != "")
        assert set(firms.data_vars) == set(series)
        for name, ds in series.items():
            var = firms[name]
            assert var.dims == ("step", "firm")
            assert var.shape == (steps + 1, len(used))
            assert var.dtype == ds.dtype
            assert var.attrs["units"] == ds.attrs["units"].decode()
            np.testing.assert_array_equal(var.values, ds[()][:, used])
        countries = f["countries/name"].asstr()[()]
        assert list(firms["country"].values) == list(countries[f["firms/country"][()][used]])
    assert list(firms["firm"].values) == list(names[used])
    assert "" not in set(firms["firm"].values)
    assert firms.sizes["firm"] < len(names)  # unused spin-out slots dropped
    assert list(firms["firm_id"].values) == list(used)
    assert set(firms["kind"].values) <= {"bigtech", "lab", "startup", "academia", "state"}
    assert firms["date"].values[0] == np.datetime64("2025-01-06")
    assert firms.headcount.sel(firm="Giant A").dtype == np.int32


def test_metrics_and_by_country(small_run, small_path):
    m = small_run.metrics
    assert isinstance(m, pd.DataFrame)
    assert m.index.name == "step"
    assert list(m.index) == list(range(53))
    with h5py.File(small_path, "r") as f:
        names = [k for k, v in f["metrics"].items() if isinstance(v, h5py.Dataset)]
        assert set(m.columns) == set(names)
        for k in names:
            np.testing.assert_array_equal(m[k].to_numpy(), f["metrics/" + k][()])
            assert m.attrs["units"][k] == f["metrics/" + k].attrs["units"].decode()
    np.testing.assert_array_equal(m.moves, m.poaches + m.hires_from_pool)
    bc = small_run.by_country
    assert isinstance(bc, xr.Dataset)
    assert set(bc.data_vars) == {"origin_count", "employed_home", "employed_abroad", "brain_drain_share", "employed_in"}
    for v in bc.data_vars.values():
        assert v.dims == ("step", "country")
        assert "units" in v.attrs
    assert list(bc["country"].values) == ["US", "CN", "EU"]
    assert bc.brain_drain_share.dtype == np.float64
    assert bc.origin_count.dtype == np.int64


def test_events_frame(small_run, small_path):
    ev = small_run.events
    expected = ["step", "researcher", "from_firm", "to_firm", "kind", "salary", "signing", "equity",
                "annual_value", "outreach", "from_firm_id", "to_firm_id"]
    assert list(ev.columns[: len(expected)]) == expected
    assert isinstance(ev["kind"].dtype, pd.CategoricalDtype)
    assert list(ev["kind"].cat.categories) == list(ts.EVENT_KINDS)
    assert ev["outreach"].dtype == bool
    with h5py.File(small_path, "r") as f:
        np.testing.assert_array_equal(ev["annual_value"].to_numpy(), f["events/annual_value"][()])
        np.testing.assert_array_equal(ev["kind"].cat.codes.to_numpy(), f["events/kind"][()])
        names = f["firms/name"].asstr()[()]
    hires = ev[ev.kind == "hire"]
    assert (hires.from_firm == ts.JOB_SEEKING).all() and (hires.from_firm_id == -1).all()
    assert hires.to_firm.isin(set(names) - {""}).all()
    poach = ev[ev.kind == "poach"].iloc[0]
    assert poach.from_firm == names[poach.from_firm_id] and poach.to_firm == names[poach.to_firm_id]
    assert (ev[ev.kind == "layoff"].to_firm == ts.JOB_SEEKING).all()
    assert ev[ev.kind == "retirement"].to_firm.isna().all()
    assert ev[ev.kind == "graduate"].from_firm.isna().all()
    assert (ev[ev.kind == "graduate"].to_firm == ts.JOB_SEEKING).all()
    assert ev.step.is_monotonic_increasing
    assert (ev["date"] == small_run.date_of(ev["step"].to_numpy())).all()


def test_researchers_scenario_attrs_timeline(small_run):
    r = small_run.researchers
    assert list(r.columns) == ["skill", "field", "origin", "entered_step", "study"]
    assert r.index.name == "researcher"
    assert set(r.field) <= {"multimodal", "rl_alignment", "pretraining", "infrastructure"}
    assert set(r.origin) <= {"US", "CN", "EU"}
    assert (r.entered_step[r.entered_step > 0] <= 52).all()
    assert small_run.scenario["name"] == "example_small"
    assert small_run.scenario["run"]["seed"] == 7 == small_run.attrs["seed"]
    assert small_run.attrs["format"] == "talentsim" and small_run.attrs["steps"] == 52
    tl = small_run.timeline
    assert list(tl.step) == [20, 30]
    assert tl.firm.tolist()[0] == "Giant A" and tl.country.tolist()[1] == "CN"
    assert tl.target.tolist() == ["Giant A", "CN"]
    np.testing.assert_array_equal(small_run.steps, np.arange(53))
    dates = small_run.dates
    assert dates[0] == pd.Timestamp("2025-01-06") and (np.diff(dates.values) == np.timedelta64(7, "D")).all()


def test_flows(small_run):
    ev = small_run.events
    m = small_run.metrics
    f = small_run.flows(10, 30)
    assert f.index.name == "from" and f.columns.name == "to"
    assert f.index[0] == ts.JOB_SEEKING and list(f.index) == list(f.columns)
    sel = ev[(ev.step >= 10) & (ev.step < 30)]
    assert f.to_numpy().sum() == sel.kind.isin(["hire", "poach"]).sum()
    assert f.loc[ts.JOB_SEEKING].sum() == m.hires_from_pool.loc[10:29].sum()
    assert f.drop(index=ts.JOB_SEEKING).to_numpy().sum() == m.poaches.loc[10:29].sum()
    assert np.trace(f.to_numpy()) == 0
    a, b = sel[sel.kind == "poach"].iloc[0][["from_firm", "to_firm"]]
    assert f.loc[a, b] == ((sel.kind == "poach") & (sel.from_firm == a) & (sel.to_firm == b)).sum()
    whole = small_run.flows()
    assert whole.to_numpy().sum() == m.moves.sum()
    compact = small_run.flows(10, 30, drop_empty=True)
    assert compact.to_numpy().sum() == f.to_numpy().sum() and compact.shape[0] < f.shape[0]


def test_employer_consistent_with_firm_series(small_run):
    firms = small_run.firms
    ids = firms.firm_id.values
    for step in (0, 1, 5, 14, 27, 52):
        emp = small_run.employer_at(step)
        val = small_run.annual_value_at(step)
        counts = np.bincount(emp[emp >= 0], minlength=ids.max() + 1)[ids]
        np.testing.assert_array_equal(counts, firms.headcount.sel(step=step).values)
        payroll = np.bincount(emp[emp >= 0], weights=val[emp >= 0], minlength=ids.max() + 1)[ids]
        np.testing.assert_allclose(payroll, firms.payroll.sel(step=step).values, rtol=1e-9)
        r = small_run.researchers
        assert (emp[r.entered_step.to_numpy() > step] == ts.NOT_PRESENT).all()
        assert (val[emp < 0] == 0).all()


def test_context_manager_closes_file(small_path):
    with ts.open_run(small_path) as run:
        assert not run.closed
        m = run.metrics
        fid = run._h5.id
        assert fid.valid
    assert run.closed and not fid.valid
    assert m.equals(run.metrics)  # cached tables stay usable
    with pytest.raises(ValueError, match="closed"):
        run.firms
    run.close()  # idempotent
    with h5py.File(small_path, "r+") as f:  # nobody holds the file any more
        assert f.attrs["format"] == b"talentsim"


def test_repr_and_helpers(small_run):
    assert "example_small" in repr(small_run)
    assert small_run.firm_index("Lab B") == 1
    assert small_run.firm_label(-1) == ts.JOB_SEEKING
    assert list(small_run.firm_label([0, 1, -1, -2])) == ["Giant A", "Lab B", ts.JOB_SEEKING, "not present"]
    with pytest.raises(KeyError):
        small_run.firm_index("No such firm")
    h = small_run.history(int(small_run.events.researcher.iloc[0]))
    assert (h.researcher == h.researcher.iloc[0]).all()
    with pytest.raises(IndexError):
        small_run.employer_at(53)
    np.testing.assert_array_equal(small_run.employer_at(-1), small_run.employer_at(52))
