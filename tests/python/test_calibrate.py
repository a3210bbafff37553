"""Calibration (issue 13): history matching with Gaussian-process emulators
and MCMC recovers known parameter values from targets simulated at them; the
front end runs each wave as a Slurm sweep and continues when called again."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import talentsim as ts
from talentsim import calibration as tc

from conftest import ANALYSIS, ROOT, binary_path

EXAMPLE = ROOT / "analysis" / "calibration" / "example_small.toml"
TRUTH = {"flows.layoff_rate": 0.08, "market.taste_noise": 0.3}  # see the file's header


@pytest.fixture(scope="module")
def known_truth(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cal")
    cal = tc.load_calibration(EXAMPLE)
    result = tc.calibrate(cal, directory, jobs=2, binary=binary_path(), progress=False,
                          log=lambda line: None)
    return cal, result


def test_the_example_targets_are_the_simulator_at_the_truth(tmp_path):
    # The file's observed values are what it says they are (guards the test
    # below against a stale file after a model change).
    cal = tc.load_calibration(EXAMPLE)
    df = ts.Experiment(cal.base, pd.DataFrame([TRUTH]), seeds=[501, 502, 503, 504],
                       fixed=cal.fixed, reporters={t.name: t.reporter for t in cal.targets},
                       directory=tmp_path / "truth", binary=binary_path()).run(jobs=2,
                                                                               progress=False)
    for t in cal.targets:
        assert abs(df[t.name].mean() - t.observed) < 0.05 * abs(t.observed), t.name


def test_known_truth_is_recovered_and_the_posterior_is_narrower_than_the_prior(known_truth):
    cal, result = known_truth
    intervals = result.interval(0.9).set_index("parameter")
    for path, value in TRUTH.items():
        row = intervals.loc[path]
        assert row["low"] <= value <= row["high"], (path, row.to_dict())
        assert row["width_ratio"] < 0.6, (path, row.to_dict())  # prior ratio 1
    assert intervals["width_ratio"].mean() < 0.4
    # The emulators predict points they were not fitted to.
    assert (result.validation["r2"] > 0.9).all()
    assert (result.validation["within_2sd"] > 0.8).all()
    # The check ran on seeds never used in fitting, and reports the held-out
    # target apart from the fitted ones.
    assert set(result.check["seed"]) == set(cal.check_seeds)
    assert not set(result.runs["seed"]) & set(cal.check_seeds)
    fit = result.fit.set_index("target")
    assert bool(fit.loc["poaches", "held_out"]) and not fit.loc["hires", "held_out"]
    assert fit.loc[["hires", "retentions"], "inside_90"].all()


def test_outputs_reload_and_a_rerun_reuses_the_runs_and_is_reproducible(known_truth, tmp_path):
    cal, result = known_truth
    posterior = pd.read_csv(result.directory / "posterior.csv")
    assert list(posterior.columns) == [p.path for p in cal.parameters]
    assert len(posterior) == (cal.steps - cal.burn) * cal.walkers
    report = result.report(tmp_path / "r.md")
    text = report.read_text()
    assert "Held-out targets" in text and "poaches" in text
    assert (tmp_path / "r_marginals.png").stat().st_size > 0
    stamp = (result.directory / "wave1" / "sweep" / "runs" / "p000000.h5").stat().st_mtime_ns
    again = tc.calibrate(cal, result.directory, jobs=2, binary=binary_path(), progress=False,
                         log=lambda line: None)
    assert (result.directory / "wave1" / "sweep" / "runs" / "p000000.h5").stat().st_mtime_ns \
        == stamp
    pd.testing.assert_frame_equal(again.posterior, result.posterior)


def test_an_ensemble_over_the_posterior_covers_parameters_and_seeds(known_truth, tmp_path):
    cal, result = known_truth
    exp = ts.ensemble(cal.base, result.directory / "posterior.csv", draws=4, seeds=[11, 12],
                      reporters={"hires": cal.targets[0].reporter}, fixed=cal.fixed,
                      directory=tmp_path / "ens", binary=binary_path())
    df = exp.run(jobs=2, progress=False)
    assert len(df) == 8 and df["complete"].all()
    assert df["flows.layoff_rate"].nunique() == 4
    lo, hi = df["hires"].quantile([0.05, 0.95])
    assert lo < hi


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("seeds = [901, 902]", "seeds = [2, 902]"), "never used in fitting"),
    (lambda t: t.replace("low = 0.01\nhigh = 0.2", "low = 0.2\nhigh = 0.01"), "low < high"),
    (lambda t: t.replace('name = "hires"', 'name = "hires"\nwhen = 3'), "not a target key"),
    (lambda t: t.replace("sd = 0.5\n", "sd = 0\n"), "sd must be > 0"),
    (lambda t: t.replace('base = "../../scenarios/example_small.toml"\n', ""), "base is required"),
    (lambda t: t.replace("format_version = 1", "format_version = 9"), "format_version"),
    (lambda t: t.replace("waves = 2", "wave = 2"), "design.wave is not a calibration key"),
])
def test_bad_calibration_files_are_refused_with_one_line(tmp_path, edit, message):
    path = tmp_path / "c.toml"
    path.write_text(edit(EXAMPLE.read_text()))
    with pytest.raises(ValueError, match=message):
        tc.load_calibration(path)
    # The binary's front end once (it runs the same program), Python's for every case.
    front_ends = [[sys.executable, "-m", "talentsim"]]
    if "never used" in message:
        front_ends.append([str(binary_path())])
    for front_end in front_ends:
        r = subprocess.run([*front_end, "calibrate", str(path), "-o", str(tmp_path / "out")],
                           capture_output=True, text=True,
                           env=dict(os.environ, PYTHONPATH=str(ANALYSIS)))
        assert r.returncode == 2 and r.stderr.startswith("error: ") and message in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


def test_the_front_end_runs_each_wave_as_a_slurm_sweep(tmp_path, slurm):
    text = EXAMPLE.read_text().replace("points = 32", "points = 12").replace(
        "steps = 2000", "steps = 600").replace("burn = 500", "burn = 200")
    path = tmp_path / "c.toml"
    path.write_text(text.replace("../../scenarios", str(ROOT / "scenarios")))
    env = dict(slurm)
    # The binary's front end (it runs the Python toolkit of this tree).
    command = [str(binary_path()), "calibrate", str(path), "-o", str(tmp_path / "out"),
               "--slurm"]
    submitted = []
    for _ in range(4):  # wave 1, wave 2, the check, then the report
        r = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
        assert r.returncode == 0, r.stderr
        if "submitted" not in r.stdout:
            break
        line = next(x for x in r.stdout.splitlines() if x.startswith("submitted "))
        submitted.append(line.split()[1])
        deadline = time.monotonic() + 300
        while subprocess.run(["squeue", "-h"], capture_output=True, text=True,
                             env=slurm).stdout.strip():
            assert time.monotonic() < deadline, "Slurm jobs did not finish"
            time.sleep(1)
    assert [Path(s).parent.name for s in submitted] == ["wave1", "wave2", "check"]
    assert r.stdout.strip().endswith("report.md")
    assert (tmp_path / "out" / "posterior.csv").exists()
    logs = tmp_path / "out" / "wave1" / "sweep" / "logs"
    assert any(logs.iterdir())  # the runs went through Slurm


def test_story_and_labour_targets_read_their_measures(tmp_path):
    # `story = "..."` and `moment = "..."` targets: reporters over the
    # story's own measures (talentsim.story, talentsim.labour).
    text = EXAMPLE.read_text().replace('base = "../../scenarios/example_small.toml"',
                                       f'base = "{ROOT / "scenarios" / "meta_superintelligence_2025.toml"}"')
    text += ('\n[[targets]]\nname = "raid"\nstory = "entrant_hires"\nobserved = 11\nsd = 3\n'
             '\n[[targets]]\nname = "late"\nstory = "entrant_growth_late"\nobserved = 0\nsd = 3\n'
             '\n[[targets]]\nname = "seekers"\nmoment = "job_seeking_max"\nobserved = 0.03\n'
             'sd = 0.01\n')
    path = tmp_path / "c.toml"
    path.write_text(text)
    cal = tc.load_calibration(path)
    by_name = {t.name: t for t in cal.targets}
    out = tmp_path / "story.h5"
    subprocess.run([str(binary_path()), "run", str(ROOT / "scenarios" / "meta_superintelligence_2025.toml"),
                    "--seed", "3", "-o", str(out), "--quiet"], check=True)
    from talentsim import story
    with ts.open_run(out) as run:
        m = story.story_measures(run)
        assert by_name["raid"].reporter(run) == m["entrant_hires"]
        assert by_name["late"].reporter(run) == m["entrant_growth_late"]
        assert 0 <= by_name["seekers"].reporter(run) < 1
        with pytest.raises(KeyError, match="no numeric story measure"):
            story.moment("entrant")(run)  # a string, not a number
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('story = "entrant_hires"', 'story = "entrant_hires"\nmetric = "moves"'))
    with pytest.raises(ValueError, match="story takes no metric"):
        tc.load_calibration(bad)


def test_posterior_draws_for_an_ensemble(tmp_path):
    post = tmp_path / "posterior.csv"
    pd.DataFrame({"a": [0.5, 1.5, 2.5], "n": [3.0, 4.0, 5.0]}).to_csv(post, index=False)
    d1 = tc.posterior_draws(post, 3, seed=7)
    assert d1 == tc.posterior_draws(post, 3, seed=7)  # reproducible
    assert sorted(d["a"] for d in d1) == [0.5, 1.5, 2.5]  # without replacement
    assert all(isinstance(d["n"], int) and isinstance(d["a"], float) for d in d1)
    assert len(tc.posterior_draws(post, 5, seed=1)) == 5  # with replacement beyond the rows
    shipped = ROOT / "scenarios" / "calibration" / "story_2025_posterior.csv"
    draw = tc.posterior_draws(shipped, 1, seed=1001)[0]
    assert isinstance(draw["timeline.6.set.outreach"], int)
    assert 2.0 <= draw["population.skill.tail_shape"] <= 8.0
