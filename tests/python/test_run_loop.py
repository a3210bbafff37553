"""One run loop (issue 12): `talentsim run` and `sweep run-task` run the same
library code (FileRun), so the same scenario and seed give identical
datasets, and an interruption at the same step leaves the same incomplete
output and a checkpoint that resumes to the same result."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import h5py
import numpy as np

from conftest import ROOT, binary_path, same_datasets as same

SMALL = ROOT / "scenarios" / "example_small.toml"


def tsim(*args, env=None, cwd=None):
    return subprocess.run([str(binary_path()), *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)






def one_point_sweep(tmp: Path) -> Path:
    sweep = tmp / "one.toml"
    sweep.write_text(f'format_version = 1\nname = "one"\nbase = "{SMALL}"\nseeds = [7]\n'
                     '[set]\nrun.steps = 30\n')
    d = tmp / "d"
    assert tsim("sweep", "plan", sweep, "-o", d).returncode == 0
    return d


def test_run_and_run_task_give_identical_datasets(tmp_path):
    d = one_point_sweep(tmp_path)
    assert tsim("sweep", "run-task", d, "--task-id", "0").returncode == 0
    out = tmp_path / "cli.h5"
    assert tsim("run", SMALL, "--steps", "30", "--seed", "7", "-o", out, "-q").returncode == 0
    assert same(out, d / "runs" / "p000000.h5")


def test_both_leave_the_same_incomplete_output_and_checkpoint_when_interrupted(tmp_path):
    d = one_point_sweep(tmp_path)
    term = dict(os.environ, TALENTSIM_FAULT="step:12:term")
    r = tsim("sweep", "run-task", d, "--task-id", "0", env=term)
    assert r.returncode == 130, r.stderr
    out = tmp_path / "cli.h5"
    r = tsim("run", SMALL, "--steps", "30", "--seed", "7", "-o", out, "-q", env=term)
    assert r.returncode == 130, r.stderr
    task_out = d / "runs" / "p000000.h5"
    for path in (out, task_out):
        with h5py.File(path) as f:
            assert int(f.attrs["complete"]) == 0
            assert f["metrics/talent_hhi"].shape == (13,)
        assert Path(str(path) + ".ckpt").exists()
    assert same(out, task_out)
    # Each resumes to the uninterrupted run.
    assert tsim("sweep", "run-task", d, "--task-id", "0").returncode == 0
    assert tsim("run", "--resume", str(out) + ".ckpt", "-q").returncode == 0
    ref = tmp_path / "ref.h5"
    assert tsim("run", SMALL, "--steps", "30", "--seed", "7", "-o", ref, "-q").returncode == 0
    assert same(ref, out) and same(ref, task_out)
    assert not Path(str(out) + ".ckpt").exists() and not Path(str(task_out) + ".ckpt").exists()
