"""Sweeps end to end: planning (grid, zip, Latin hypercube, Sobol,
replicates), validation errors, run-local and a real Slurm cluster on
localhost, failures and resubmission, and collect into one dataset."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

import talentsim as ts

from conftest import ROOT as REPO, binary_path, datasets, wait_until_stopped

STORY_SWEEP = REPO / "tests" / "data" / "sweeps" / "story_2x3x2.toml"


def tsim(*args: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
    r = subprocess.run([str(binary_path()), *map(str, args)], capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"talentsim {' '.join(map(str, args))} -> {r.returncode}\n{r.stderr}")
    return r


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


SMALL = REPO / "scenarios" / "example_small.toml"


def small_sweep(tmp: Path, body: str, name: str = "s") -> Path:
    return write(tmp / f"{name}.toml", f'format_version = 1\nname = "{name}"\nbase = "{SMALL}"\n' + body)


# ---- the done-when sweep: Slurm and run-local give the same dataset ----------

def test_story_sweep_through_slurm_and_run_local_is_identical(tmp_path, slurm):
    local, cluster = tmp_path / "local", tmp_path / "cluster"
    tsim("sweep", "plan", STORY_SWEEP, "-o", local)
    tsim("sweep", "plan", STORY_SWEEP, "-o", cluster)
    tsim("sweep", "run-local", local, "-j", "2")
    r = subprocess.run(["sbatch", "--wait", str(cluster / "sweep.sbatch")], env=slurm,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 failed, 0 missing" in tsim("sweep", "status", cluster).stdout
    tsim("sweep", "collect", local)
    tsim("sweep", "collect", cluster)
    a, b = datasets(local / "sweep.h5"), datasets(cluster / "sweep.h5")
    assert set(a) == set(b)
    for name in a:
        if name == "points/output":
            continue
        if a[name].dtype.kind == "f":
            assert np.array_equal(a[name], b[name], equal_nan=True), name
        else:
            assert np.array_equal(a[name], b[name]), name
    ds = ts.open_sweep(cluster)
    assert ds.talent_hhi.dims == ("countries.US.visa_friction", "market.taste_noise", "seed", "step")
    assert ds.talent_hhi.shape == (2, 3, 2, 105)
    assert list(ds["market.taste_noise"].values) == pytest.approx([0.05, 0.15, 0.25])
    assert list(ds["seed"].values) == [11, 12]
    assert not np.isnan(ds.talent_hhi.values).any()
    assert ds.brain_drain_share.dims[-1] == "country"


# ---- failure, a killed task, resubmission ------------------------------------

def test_failed_task_shows_in_status_and_as_nan_in_collect(tmp_path, slurm):
    good = write(tmp_path / "good.csv", "0,1\n1,2\n")
    bad = write(tmp_path / "bad.csv", "0,99999999\n")  # valid file, index out of range at run time
    sweep = write(tmp_path / "fail.toml", f'''format_version = 1
name = "fail"
base = "embedded:meta_superintelligence_2025"
[[zip]]
name = "network"
paths = ["network.source", "network.edge_list"]
values = [["edge_list", "{good}"], ["edge_list", "{bad}"], ["generated", ""]]
''')
    d = tmp_path / "dir"
    tsim("sweep", "plan", sweep, "-o", d)
    # Task 1 fails at run time: the engine rejects the edge list.
    r = tsim("sweep", "run-local", d, "-j", "2", check=False)
    assert r.returncode == 1
    status = tsim("sweep", "status", d).stdout
    assert "2 done" in status and "1 failed" in status, status
    assert "task 1 failed: point 1:" in status and "out of range" in status, status
    tsim("sweep", "collect", d)
    with h5py.File(d / "sweep.h5") as f:
        assert 1 in f["points/missing"][()].tolist()
        assert np.isnan(f["metrics/talent_hhi"][1]).all()
        assert not np.isnan(f["metrics/talent_hhi"][0]).any()
    # Resubmit exactly what status says, through Slurm.
    command = re.search(r"sbatch --array=(\S+) (\S+)", status)
    assert command, status
    subprocess.run(["sbatch", "--wait", f"--array={command.group(1)}", command.group(2)], env=slurm,
                   capture_output=True, text=True, timeout=300)
    status = tsim("sweep", "status", d).stdout
    assert "task 1 failed" in status  # a point the engine rejects fails again
    tsim("sweep", "collect", d)
    with h5py.File(d / "sweep.h5") as f:
        assert f["points/missing"][()].tolist() == [1]
        assert not np.isnan(f["metrics/talent_hhi"][2]).any()


def test_killed_task_is_reported_and_completes_on_resubmission(tmp_path, slurm):
    d = tmp_path / "dir"
    sweep = small_sweep(tmp_path, 'replicates = 2\n[slurm]\npoints_per_task = 2\n'
                        '[[parameters]]\npath = "run.steps"\nvalues = [52]\n', "killed")
    # Make the task long enough to kill: the story scenario.
    text = sweep.read_text().replace(f'base = "{SMALL}"', 'base = "embedded:meta_superintelligence_2025"')
    text = text.replace("values = [52]", "values = [104]")
    sweep.write_text(text)
    tsim("sweep", "plan", sweep, "-o", d)
    # The task is killed at its 20th step (of 2 x 104), whatever the machine's
    # speed (a kill from outside after a fixed sleep raced a fast run).
    p = subprocess.Popen([str(binary_path()), "sweep", "run-task", str(d), "--task-id", "0"],
                         env=dict(os.environ, TALENTSIM_FAULT="step:20"))
    try:
        assert p.wait(timeout=120) == -signal.SIGKILL
    finally:
        p.kill()  # a no-op once it is gone; never left running on a failure
        p.wait()
    status = tsim("sweep", "status", d).stdout
    assert "1 failed" in status and "is gone" in status, status
    assert not list((d / "runs").glob("*.h5")) or len(list((d / "runs").glob("*.h5"))) < 2
    command = re.search(r"sbatch --array=(\S+) (\S+)", status)
    r = subprocess.run(["sbatch", "--wait", f"--array={command.group(1)}", command.group(2)],
                       env=slurm, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 done, 0 running, 0 failed, 0 missing" in tsim("sweep", "status", d).stdout
    tsim("sweep", "collect", d)
    with h5py.File(d / "sweep.h5") as f:
        assert f["points/missing"][()].tolist() == []


# ---- designs -----------------------------------------------------------------

def plan_values(d: Path) -> list[list[str]]:
    rows = (d / "manifest.tsv").read_text().splitlines()
    return [r.split("\t") for r in rows]


def test_grid_zip_sample_and_replicates_expand_and_plan_is_idempotent(tmp_path):
    sweep = small_sweep(tmp_path, '''replicates = 2
seed = 5
[[parameters]]
path = "market.taste_noise"
values = [0.1, 0.2, 0.3]
[[zip]]
name = "giant"
paths = ["firms.\\"Giant A\\".ai_value", "firms.\\"Giant A\\".attention"]
values = [[1.0e11, 10], [2.0e11, 40]]
[sample]
method = "latin_hypercube"
points = 4
seed = 9
[[sample.parameters]]
path = "market.knowledge_loss"
low = 0.0
high = 0.4
''')
    d = tmp_path / "d"
    out = tsim("sweep", "plan", sweep, "-o", d).stdout
    assert "48 points" in out  # 3 x 2 x 4 x 2 seeds
    rows = plan_values(d)
    assert len(rows) == 49
    before = {p.name: p.read_bytes() for p in d.iterdir() if p.is_file()}
    tsim("sweep", "plan", sweep, "-o", d)
    after = {p.name: p.read_bytes() for p in d.iterdir() if p.is_file()}
    assert before == after
    # A different sweep into the same directory is refused.
    other = small_sweep(tmp_path, '[[parameters]]\npath = "market.taste_noise"\nvalues = [0.5]\n', "s")
    r = tsim("sweep", "plan", other, "-o", d, check=False)
    assert r.returncode == 2 and "holds a different sweep" in r.stderr


def lhs(tmp_path: Path, seed: int, n: int = 10) -> list[float]:
    sweep = small_sweep(tmp_path, f'''[sample]
method = "latin_hypercube"
points = {n}
seed = {seed}
[[sample.parameters]]
path = "market.knowledge_loss"
low = 0.0
high = 1.0
''', f"lhs{seed}")
    d = tmp_path / f"lhs{seed}"
    tsim("sweep", "plan", sweep, "-o", d)
    return [float(r[3]) for r in plan_values(d)[1:]]


def test_latin_hypercube_is_reproducible_and_stratified(tmp_path):
    (tmp_path / "again").mkdir()
    a, b, c = lhs(tmp_path, 1), lhs(tmp_path / "again", 1), lhs(tmp_path, 2)
    assert a == b
    assert a != c
    assert sorted(int(x * 10) for x in a) == list(range(10))  # one point per tenth


def test_sobol_first_points_are_stratified(tmp_path):
    sweep = small_sweep(tmp_path, '''[sample]
method = "sobol"
points = 16
seed = 3
[[sample.parameters]]
path = "market.knowledge_loss"
low = 0.0
high = 1.0
[[sample.parameters]]
path = "market.taste_noise"
low = 0.0
high = 1.0
[[sample.parameters]]
path = "market.outreach_bonus"
low = 0.0
high = 1.0
''', "sobol")
    d = tmp_path / "sobol"
    tsim("sweep", "plan", sweep, "-o", d)
    rows = plan_values(d)[1:]
    for k in (3, 4, 5):
        values = [float(r[k]) for r in rows]
        assert sorted(int(v * 16) for v in values) == list(range(16)), values


# ---- bad sweep files: one clear line, exit 2, before anything runs -----------

@pytest.mark.parametrize("body,fragment", [
    ('[[parameters]]\npath = "market.tast_noise"\nvalues = [0.1]\n', "did you mean 'taste_noise'"),
    ('[[parameters]]\npath = "market.taste_noise"\nvalues = [-1.0]\n', "must be >= 0"),
    ('[[parameters]]\npath = "market.taste_noise"\nvalues = []\n', "empty grid"),
    ('[[parameters]]\npath = "firms.Nobody.cash"\nvalues = [1.0]\n', "no entry named 'Nobody'"),
    ('replicatez = 2\n', "did you mean 'replicates'"),
    ('[sample]\nmethod = "grid"\npoints = 3\n[[sample.parameters]]\npath = "market.taste_noise"\nlow = 0.0\nhigh = 1.0\n',
     "unknown method"),
    ('[[zip]]\npaths = ["market.taste_noise"]\nvalues = [[0.1, 0.2]]\n', "one per path"),
    ('[slurm]\nextra = ["--qos=x"]\n', "must start with '#SBATCH '"),
])
def test_bad_sweep_files_are_refused_with_one_line(tmp_path, body, fragment):
    sweep = small_sweep(tmp_path, body, "bad")
    r = tsim("sweep", "plan", sweep, "-o", tmp_path / "d", check=False)
    assert r.returncode == 2, r.stderr
    assert fragment in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1
    assert not (tmp_path / "d").exists()


def test_large_sweeps_are_split_into_several_arrays(tmp_path):
    sweep = small_sweep(tmp_path, '''replicates = 5
[slurm]
max_array_size = 2
''', "split")
    d = tmp_path / "d"
    out = tsim("sweep", "plan", sweep, "-o", d).stdout
    assert "split into 3 arrays" in out
    scripts = sorted(d.glob("*.sbatch"))
    assert len(scripts) == 3
    assert "--task-offset 4\n" in (d / "sweep_part2.sbatch").read_text()


def test_sigterm_checkpoints_the_task_and_a_rerun_resumes_it(tmp_path):
    sweep = write(tmp_path / "term.toml", '''format_version = 1
name = "term"
base = "embedded:meta_superintelligence_2025"
seeds = [3]
''')
    d = tmp_path / "d"
    tsim("sweep", "plan", sweep, "-o", d)
    # The task stops itself at its 20th step (a signal sent once its output
    # file appeared raced the story run, which takes a fraction of a second),
    # then gets SIGTERM and is let go on: it stops after its current step.
    p = subprocess.Popen([str(binary_path()), "sweep", "run-task", str(d), "--task-id", "0"],
                         stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, TALENTSIM_FAULT="step:20:stop"))
    try:
        wait_until_stopped(p)
        assert (d / "runs" / "p000000.h5.tmp").exists()
        p.send_signal(signal.SIGTERM)
        p.send_signal(signal.SIGCONT)
        _, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:  # never left stopped (holding the sweep's lock) or running
            p.kill()
            p.wait()
    assert p.returncode == 130, err
    assert (d / "runs" / "p000000.h5.ckpt").exists()
    status = tsim("sweep", "status", d).stdout
    assert "0 failed, 1 missing" in status, status
    tsim("sweep", "run-task", d, "--task-id", "0")
    assert not (d / "runs" / "p000000.h5.ckpt").exists()
    # The resumed run equals a run that was never interrupted.
    ref = tmp_path / "ref.h5"
    subprocess.run([str(binary_path()), "run", "--quiet", "--seed", "3", "-o", str(ref)], check=True,
                   capture_output=True)
    a, b = datasets(ref), datasets(d / "runs" / "p000000.h5")
    assert set(a) == set(b)
    for name in a:
        assert np.array_equal(a[name], b[name]), name


# ---- nothing in a sweep file or a path runs as a command (issue 11, item 12) ---

HOSTILE_DIR = "d $(touch pwned1) `touch pwned2`; touch pwned3 'q' & touch pwned4 | %a"


@pytest.mark.parametrize("body,fragment", [
    ('[slurm]\npartition = "short\\ntouch pwned"\n', "slurm.partition"),
    ('[slurm]\naccount = "me; touch pwned"\n', "slurm.account"),
    ('[slurm]\nmem = "2G\\ntouch pwned"\n', "slurm.mem"),
    ('[slurm]\ntime = "01:00:00 $(touch pwned)"\n', "slurm.time"),
    ('[slurm]\nextra = ["#SBATCH --qos=x\\ntouch pwned"]\n', "control characters"),
])
def test_hostile_slurm_values_are_refused(tmp_path, body, fragment):
    r = tsim("sweep", "plan", small_sweep(tmp_path, body), "-o", tmp_path / "d", check=False)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert fragment in r.stderr
    assert not (tmp_path / "d").exists()


def test_hostile_names_are_refused(tmp_path):
    bad = write(tmp_path / "n.toml", f'format_version = 1\nname = "s\\ntouch pwned"\nbase = "{SMALL}"\n')
    r = tsim("sweep", "plan", bad, "-o", tmp_path / "d", check=False)
    assert r.returncode == 2 and "name" in r.stderr, r.stderr
    r = tsim("sweep", "plan", small_sweep(tmp_path, ""), "-o", str(tmp_path / "a\nb"), check=False)
    assert r.returncode == 2 and "control character" in r.stderr, r.stderr


def test_the_generated_script_runs_only_the_task(tmp_path, slurm):
    sweep = small_sweep(tmp_path, "[set]\nrun.steps = 3\n")
    d = tmp_path / HOSTILE_DIR
    tsim("sweep", "plan", sweep, "-o", d)
    script = d / "sweep.sbatch"
    # Under bash as Slurm would start it, and with a hostile task id.
    r = subprocess.run(["bash", str(script)], cwd=tmp_path, capture_output=True, text=True,
                       env=dict(os.environ, SLURM_ARRAY_TASK_ID="0"))
    assert r.returncode == 0, r.stderr
    assert (d / "runs" / "p000000.h5").exists()
    r = subprocess.run(["bash", str(script)], cwd=tmp_path, capture_output=True, text=True,
                       env=dict(os.environ, SLURM_ARRAY_TASK_ID="a[$(touch pwned5)]"))
    assert r.returncode == 2, r.stderr
    # Through the real sbatch, logs land in the hostile directory itself.
    (d / "runs" / "p000000.h5").unlink()
    r = subprocess.run(["sbatch", "--wait", str(script)], env=slurm, cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (d / "runs" / "p000000.h5").exists()
    assert (d / "logs" / "t0.out").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("pwned")) == []
