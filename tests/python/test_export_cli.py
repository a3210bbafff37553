"""talentsim export (issue 13): a run output as CSV files that say what the
Python reader says, and a damaged or foreign file refused with one line."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

import talentsim as ts

from conftest import binary_path


def export(*args):
    return subprocess.run([str(binary_path()), "export", *map(str, args)], capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def exported(small_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("csv")
    r = export(small_path, "-o", out)
    assert r.returncode == 0, r.stderr
    return small_path, out


def read(path):
    return pd.read_csv(path, float_precision="round_trip", keep_default_na=False,
                       na_values=[])


def test_metrics_and_country_series_equal_the_reader(exported):
    run_path, out = exported
    with ts.open_run(run_path) as run:
        m = read(out / "metrics.csv").set_index("step")
        pd.testing.assert_frame_equal(m[sorted(run.metrics.columns)],
                                      run.metrics[sorted(run.metrics.columns)],
                                      check_dtype=False, check_names=False)
        bc = read(out / "by_country.csv")
        got = bc.set_index(["step", "country"])["brain_drain_share"]
        want = run.by_country.brain_drain_share.to_series()
        assert np.array_equal(got.loc[want.index].to_numpy(), want.to_numpy())


def test_firms_events_and_researchers_equal_the_reader(exported):
    run_path, out = exported
    with ts.open_run(run_path) as run:
        firms = read(out / "firms.csv")
        last = firms[firms.step == firms.step.max()].set_index("firm")
        headcount = run.firms.headcount.isel(step=-1).to_series()
        headcount = headcount[headcount.index != ""]
        assert (last.loc[headcount.index, "headcount"].to_numpy() == headcount.to_numpy()).all()
        table = read(out / "firm_table.csv")
        assert list(table.name) == [n for n in run.firm_names if n]
        ev = read(out / "events.csv")
        want = run.events
        assert len(ev) == len(want)
        assert list(ev.kind) == [str(k) for k in want.kind]
        assert np.array_equal(ev.annual_value.to_numpy(), want.annual_value.to_numpy())
        to = want.to_firm.fillna("").astype(str).to_numpy()
        assert list(ev.to_firm.astype(str)) == list(to)
        res = read(out / "researchers.csv")
        assert np.array_equal(res.skill.to_numpy(), run.researchers.skill.to_numpy())
        assert len(res) == run.n_researchers


def test_a_foreign_or_damaged_file_is_refused_with_one_line_and_nothing_written(tmp_path,
                                                                                 small_path):
    text = tmp_path / "x.h5"
    text.write_text("not hdf5")
    r = export(text, "-o", tmp_path / "a")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "a").exists()
    cut = tmp_path / "cut.h5"
    cut.write_bytes(small_path.read_bytes()[: small_path.stat().st_size // 2])
    r = export(cut, "-o", tmp_path / "b")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "b").exists()
    r = export(small_path)
    assert r.returncode == 2 and "-o" in r.stderr or "output" in r.stderr
