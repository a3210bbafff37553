"""Every plot helper renders to a non-empty PNG with labelled axes."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

import talentsim as ts


def _save(fig, path):
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    fig.savefig(path, dpi=60)
    assert path.stat().st_size > 5000
    return path


@pytest.mark.parametrize("by", ["talent", "headcount"])
def test_plot_top_firms(small_run, tmp_path, by):
    fig = ts.plot_top_firms(small_run, k=4, by=by)
    assert len(fig.axes[0].get_lines()) >= 4
    _save(fig, tmp_path / f"top_{by}.png")
    with pytest.raises(ValueError):
        ts.plot_top_firms(small_run, by="cash")


def test_plot_pay(small_run, tmp_path):
    fig = ts.plot_pay(small_run, timeline=True)
    assert fig.axes[0].get_yscale() == "log"
    assert "USD/yr" in fig.axes[0].get_ylabel()
    _save(fig, tmp_path / "pay.png")


def test_plot_flows(small_run, tmp_path):
    _save(ts.plot_flows(small_run, 10, 30, top=5), tmp_path / "flows.png")
    _save(ts.plot_flows(small_run), tmp_path / "flows_all.png")


def _flow_matrix(fig):
    ax = fig.axes[0]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    cols = [t.get_text() for t in ax.get_xticklabels()]
    values = np.ma.filled(ax.images[0].get_array(), 0).astype(np.int64)
    return rows, cols, values


@pytest.mark.parametrize("which", ["one", "all busier"])
def test_plot_flows_keeps_job_seeking_row(small_run, which):
    """The y label promises a 'job seeking' row: it is never folded into 'other firms'."""
    m = small_run.flows(10, 30)
    firm_totals = (m.sum(axis=1) + m.sum(axis=0)).drop(ts.JOB_SEEKING)
    # firms with more moves than the pool: a ranking that counted the pool as
    # a firm would fold it away with top <= busier
    busier = int((firm_totals > m.loc[ts.JOB_SEEKING].sum()).sum())
    assert busier >= 1 and m.loc[ts.JOB_SEEKING].sum() > 0
    top = 1 if which == "one" else busier
    fig = ts.plot_flows(small_run, 10, 30, top=top)
    assert "'job seeking' = hired from the pool" in fig.axes[0].get_ylabel()
    rows, cols, values = _flow_matrix(fig)
    shown = list(firm_totals.sort_values(ascending=False, kind="stable").index[:top])
    firm_rows = [f for f in shown if m.loc[f].sum() > 0]  # empty rows are dropped
    assert rows == [ts.JOB_SEEKING] + firm_rows + ["other firms"]
    assert values[0].sum() == m.loc[ts.JOB_SEEKING].sum()  # every hire from the pool
    assert values.sum() == m.to_numpy().sum()  # nothing lost in folding
    for i, name in enumerate(firm_rows, start=1):
        assert values[i].sum() == m.loc[name].sum()
        if name in cols:
            assert values[i, cols.index(name)] == m.loc[name, name]
    folded = [r for r in m.index if r not in rows]
    assert values[-1].sum() == m.loc[folded].to_numpy().sum()


def test_plot_brain_drain(small_run, tmp_path):
    fig = ts.plot_brain_drain(small_run, timeline=True)
    assert len(fig.axes[0].get_lines()) >= 3
    _save(fig, tmp_path / "brain_drain.png")


def test_plot_sweep_heatmap(sweep_dir, tmp_path):
    ds = ts.stack_runs(sweep_dir)
    _save(ts.plot_sweep_heatmap(ds, "talent_hhi", x="market.taste_noise", y="run.seed"), tmp_path / "hm.png")
    fig = ts.plot_sweep_heatmap(ds, "brain_drain_share", x="market.taste_noise", y="run.seed",
                                reduce="median", step=10, country="US")
    _save(fig, tmp_path / "hm_country.png")
    with pytest.raises(ValueError, match="country"):
        ts.plot_sweep_heatmap(ds, "brain_drain_share", x="market.taste_noise", y="run.seed")
    with pytest.raises(KeyError):
        ts.plot_sweep_heatmap(ds, "talent_hhi", x="market.nope", y="run.seed")


def test_plots_module_exports():
    for name in ("plot_top_firms", "plot_pay", "plot_flows", "plot_brain_drain", "plot_sweep_heatmap"):
        assert getattr(ts, name) is getattr(ts.plots, name)


def test_no_pyplot_or_backend_change(tmp_path):
    """The package must not pick a backend (notebooks use inline); it never imports pyplot."""
    import subprocess
    import sys

    from conftest import ANALYSIS

    code = (
        "import sys, matplotlib; before = matplotlib.get_backend(); import talentsim; "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'; "
        "assert matplotlib.get_backend() == before; print('ok')"
    )
    env = {"PYTHONPATH": str(ANALYSIS), "PATH": "/usr/bin:/bin", "MPLBACKEND": "svg"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and "ok" in out.stdout, out.stderr
