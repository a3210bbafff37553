"""One run loop (issue 12): `talentsim run`, `sweep run-task` and a
talentsim.Simulation writing a file run the same library code (FileRun), so
the same scenario and seed give identical datasets, and an interruption at
the same step leaves the same incomplete output and a checkpoint that
resumes to the same result."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

from conftest import ANALYSIS, ROOT, binary_path, same_datasets as same

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


def python_run(tmp: Path, out: Path, then: str, env: dict) -> subprocess.CompletedProcess:
    """Runs SMALL (30 steps, seed 7) into `out` from Python; on
    KeyboardInterrupt prints the step and runs `then`."""
    script = f"""
import shutil, sys
import talentsim as ts
sim = ts.Simulation({str(SMALL)!r}, seed=7, steps=30, threads=1)
sim.write({str(out)!r})
try:
    sim.run()
except KeyboardInterrupt:
    print("interrupted", sim.step_index, sim.checkpoint)
    shutil.copy({str(out)!r}, {str(tmp / "at_stop.h5")!r})
{then}
"""
    env = dict(env, PYTHONPATH=str(ANALYSIS))
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=300)


def test_python_leaves_what_the_cli_leaves_when_interrupted(tmp_path):
    term = dict(os.environ, TALENTSIM_FAULT="step:12:term")
    cli_out = tmp_path / "cli.h5"
    r = tsim("run", SMALL, "--steps", "30", "--seed", "7", "-o", cli_out, "-q", env=term)
    assert r.returncode == 130, r.stderr
    out = tmp_path / "py.h5"
    r = python_run(tmp_path, out, "    sys.exit(130)", term)
    assert r.returncode == 130, r.stderr
    assert f"interrupted 12 {out}.ckpt" in r.stdout
    with h5py.File(out) as f:
        assert int(f.attrs["complete"]) == 0
        assert f["metrics/talent_hhi"].shape == (13,)
    assert same(out, cli_out)
    # The CLI resumes the checkpoint Python left, to the uninterrupted run.
    assert tsim("run", "--resume", str(out) + ".ckpt", "-q").returncode == 0
    ref = tmp_path / "ref.h5"
    assert tsim("run", SMALL, "--steps", "30", "--seed", "7", "-o", ref, "-q").returncode == 0
    assert same(ref, out)
    assert not Path(str(out) + ".ckpt").exists()


def test_python_goes_on_after_an_interruption(tmp_path):
    term = dict(os.environ, TALENTSIM_FAULT="step:12:term")
    out = tmp_path / "py.h5"
    r = python_run(tmp_path, out, "    sim.run()\nprint('steps', sim.step_index, sim.checkpoint)", term)
    assert r.returncode == 0, r.stderr
    assert "interrupted 12" in r.stdout and "steps 30 None" in r.stdout
    with h5py.File(tmp_path / "at_stop.h5") as f:  # what the stop left
        assert int(f.attrs["complete"]) == 0
    ref = tmp_path / "ref.h5"
    assert tsim("run", SMALL, "--steps", "30", "--seed", "7", "-o", ref, "-q").returncode == 0
    assert same(ref, out)
    assert not Path(str(out) + ".ckpt").exists()
