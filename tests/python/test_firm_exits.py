"""The firm-exit table (/firms/exit_*, schema 3) against the metrics and the
researcher events of the same run (issue 14): every exit counted in the
metrics has its row, and every researcher moved or released by an exit has
its event."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, run_talentsim

import talentsim as ts
from talentsim import labour

STORY = ROOT / "scenarios" / "meta_superintelligence_2025.toml"


@pytest.fixture(scope="module")
def story_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("exits") / "story.h5"
    return ts.open_run(run_talentsim(out, STORY, "--seed", "7"))


def test_metrics_firm_exits_and_events_agree(story_run):
    run = story_run
    fx = run.firm_exits
    m = run.metrics
    assert len(fx) > 0, "the story has firm exits"
    assert {"cash", "team"} >= set(fx["reason"])
    steps = run.steps
    for outcome, metric in (("acquisition", "acquisitions"), ("bankruptcy", "bankruptcies")):
        per_step = fx[fx["outcome"] == outcome].groupby("step").size().reindex(steps, fill_value=0)
        np.testing.assert_array_equal(per_step.to_numpy(), m[metric].to_numpy())
    ev = run.events
    kinds = ev["kind"].astype(str)
    for outcome in ("acquisition", "bankruptcy"):
        moved = ev[kinds == outcome].groupby(["step", "from_firm_id"]).size()
        rows = fx[fx["outcome"] == outcome]
        expected = rows.set_index(["step", "firm_id"])["staff"]
        expected = expected[expected > 0]
        assert moved.to_dict() == {k: int(v) for k, v in expected.items()}
    acq = ev[kinds == "acquisition"]
    buyers = dict(zip(zip(fx["step"], fx["firm_id"]), fx["buyer_id"]))
    assert all(buyers[(s, f)] == t for s, f, t in zip(acq["step"], acq["from_firm_id"], acq["to_firm_id"]))
    # A bankruptcy costs nobody; an acquisition's price is never negative.
    assert (fx.loc[fx["outcome"] == "bankruptcy", "price"] == 0).all()
    assert (fx["price"] >= 0).all()
    # The firm leaves the market at its exit step and employs nobody after.
    firms = run.firms
    for _, row in fx.iterrows():
        active = firms.active.sel(firm=row["firm"]).values
        assert active[row["step"] - 1] == 1 and active[row["step"]] == 0
        assert firms.headcount.sel(firm=row["firm"]).values[row["step"]:].max() == 0


def test_schema_2_files_have_an_empty_exit_table(story_run, tmp_path):
    import h5py
    import shutil

    old = tmp_path / "old.h5"
    shutil.copy(story_run.path, old)
    with h5py.File(old, "r+") as f:
        for name in ("exit_step", "exit_buyer", "exit_reason", "exit_price", "exit_staff"):
            del f["firms/" + name]
        f.attrs["schema_version"] = np.int64(2)
    with pytest.warns(UserWarning, match="does not record firm exits"):
        fx = ts.open_run(old).firm_exits
    assert len(fx) == 0 and "buyer" in fx.columns


def test_labour_moments_are_consistent(story_run):
    run = story_run
    js = labour.job_seeking_share(run)
    assert ((js >= 0) & (js < 1)).all()
    head = labour.sector_headcount(run)
    np.testing.assert_array_equal(head.sum(axis=1).to_numpy(),
                                  run.firms.headcount.sum("firm").to_numpy())
    placed = labour.graduate_placement(run, entered_by=52, within=(13, 26, 52))
    assert 0 <= placed["placed_within_13"] <= placed["placed_within_26"] <= placed["placed_within_52"] <= 1
    assert placed["placed_within_52"] + placed["never_placed"] <= 1 + 1e-12
    assert 0 <= placed["industry_share"] <= 1
    with pytest.raises(ValueError, match="longer than"):
        labour.graduate_placement(run, entered_by=80, within=(52,))


def test_outside_jobs_count_as_employment_not_placement(tmp_path):
    """With flows.outside_rate, job seekers leave for jobs outside the market
    (event `outside`): graduate_placement counts them in ``employed`` and
    ``outside_share`` but not in ``placed``, and they are no longer present."""
    path = run_talentsim(tmp_path / "outside.h5", ROOT / "scenarios" / "meta_superintelligence_2025_no_lab.toml",
                         "--steps", "60", "--set", "flows.outside_rate=3.0",
                         "--set", "market.applications=1.0",
                         "--set", "defaults.firm.headcount_plan=1.0")
    with ts.open_run(path) as run:
        ev = run.events
        out = ev[ev.kind == "outside"]
        assert len(out) > 0 and out.to_firm.isna().all() and (out.to_firm_id == -1).all()
        assert (out.from_firm == "job seeking").all()
        emp = run.employer_at(int(run.steps[-1]))
        assert (emp[out.researcher.to_numpy()] == -2).all()
        # Nobody acts after leaving.
        last_step = ev.groupby("researcher").step.max()
        assert (last_step.reindex(out.researcher).to_numpy() == out.step.to_numpy()).all()
        p = labour.graduate_placement(run, entered_by=30, within=(13, 26))
        for w in (13, 26):
            assert p[f"placed_within_{w}"] <= p[f"employed_within_{w}"] <= 1
        assert p["employed_within_26"] > p["placed_within_26"]
        entered = run.researchers.entered_step.to_numpy()
        grads = set(np.flatnonzero((entered > 0) & (entered <= 30)))
        hired = set(ev[ev.kind.isin(["hire", "spinout"])].researcher) & grads
        gone = set(out.researcher) & grads
        assert p["outside_share"] == pytest.approx(len(gone - hired) / len(grads))
        assert p["never_placed"] == pytest.approx(1 - len(hired) / len(grads))


def test_geography_moments_are_the_backtest_shares(story_run):
    # labour.geography (calibration moments work_share_*, origin_share_*,
    # abroad_share) against the backtest check's own share function.
    import sys

    sys.path.insert(0, str(ROOT / "analysis" / "checks"))
    from backtest_checks import shares

    g = labour.geography(story_run)
    s = shares(story_run, -1)
    assert g["work_share_US"] == pytest.approx(s["US"] / 100)
    assert g["work_share_CN"] == pytest.approx(s["CN"] / 100)
    assert g["origin_share_CN"] == pytest.approx(s["origin_CN"] / 100)
    assert g["origin_share_US"] == pytest.approx(s["origin_US"] / 100)
    assert g["abroad_share"] == pytest.approx(s["abroad"] / 100)
    assert sum(v for k, v in g.items() if k.startswith("work_share_")) == pytest.approx(1.0)
    g0 = labour.geography(story_run, step=0)
    assert g0["origin_share_CN"] != g["origin_share_CN"] or g0["work_share_US"] != g["work_share_US"]
    assert labour.moment("abroad_share")(story_run) == pytest.approx(g["abroad_share"])


def test_foreign_share_agrees_with_the_by_country_metrics(story_run):
    # labour.foreign_share (each country's workforce from researcher
    # states) against the engine's by-country metrics: the foreign-born
    # workers of all countries are the people working abroad of all origins,
    # and each country's workforce is its employed_in.
    bc = story_run.by_country
    last = int(story_run.steps[-1])
    fs = labour.foreign_share(story_run)
    assert list(fs.index) == [0, last]
    for row, step in ((0, 0), (1, -1)):
        emp_in = bc.employed_in.isel(step=step).to_pandas().astype(float)
        abroad = float(bc.employed_abroad.isel(step=step).sum())
        foreign_workers = (fs.iloc[row] * emp_in).sum()
        assert foreign_workers == pytest.approx(abroad)
    m = labour.baseline_moments(story_run)
    change = 100 * (fs.iloc[1] - fs.iloc[0])
    assert m["foreign_change_max_pp"] == pytest.approx(change.abs().max())
    assert m["foreign_change_US"] == pytest.approx(change["US"])
