"""Issue 11, "found by an adversarial tester": the files around a run.
Temporaries never follow symbolic links; nothing that is not a talentsim
output is replaced, and an output only with --overwrite; a run's paths are
checked against each other and its inputs before it starts; one process at
a time writes an output; a full disk ends in one line and exit 1; inputs
that are not regular files, and checkpoints whose inputs changed, are
refused."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import ROOT, binary_path, datasets, wait_until_stopped

SMALL = ROOT / "scenarios" / "example_small.toml"


def tsim(*args, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("timeout", 120)
    return subprocess.run([str(binary_path()), *map(str, args)], capture_output=True, text=True,
                          **kw)


def refused(r, fragment, status=2) -> str:
    assert r.returncode == status, (r.returncode, r.stderr)
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1, r.stderr
    assert fragment in r.stderr, r.stderr
    return r.stderr




# ---- 13. temporaries never follow symbolic links ----------------------------------

def test_a_symlink_at_the_outputs_temporary_is_not_written_through(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    (tmp_path / "out.h5.tmp").symlink_to(target)
    r = tsim("run", SMALL, "-o", tmp_path / "out.h5", "-q", "--steps", "5")
    assert r.returncode == 0, r.stderr
    assert target.read_text() == "keep me\n"
    assert not (tmp_path / "out.h5.tmp").exists()


def test_a_symlink_at_the_checkpoints_temporary_is_not_written_through(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    (tmp_path / "out.h5.ckpt.tmp").symlink_to(target)
    r = tsim("run", SMALL, "-o", tmp_path / "out.h5", "-q", "--steps", "8",
             "--checkpoint-every", "3")
    assert r.returncode == 0, r.stderr
    assert target.read_text() == "keep me\n"


# ---- 14. nothing is replaced without a word ----------------------------------------

def test_a_device_is_never_an_output(tmp_path):
    refused(tsim("run", SMALL, "-o", "/dev/null", "-q"), "not a regular file")
    assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize("overwrite", [False, True])
def test_files_that_are_not_outputs_are_never_replaced(tmp_path, overwrite):
    scenario = tmp_path / "mine.toml"
    scenario.write_text(SMALL.read_text())
    notes = tmp_path / "notes.h5"
    notes.write_text("not hdf5\n")
    extra = ["--overwrite"] if overwrite else []
    for target, fragment in ((scenario, "is the scenario"), (notes, "not a talentsim output")):
        before = target.read_bytes()
        refused(tsim("run", scenario, "-o", target, "-q", *extra), fragment)
        assert target.read_bytes() == before


def test_a_previous_result_is_replaced_only_with_overwrite(tmp_path):
    out = tmp_path / "r.h5"
    assert tsim("run", SMALL, "-o", out, "-q", "--steps", "3").returncode == 0
    before = out.read_bytes()
    refused(tsim("run", SMALL, "-o", out, "-q", "--steps", "4"), "--overwrite")
    assert out.read_bytes() == before
    # The same through the scenario's own output.path.
    named = tmp_path / "named.toml"
    named.write_text(SMALL.read_text().replace('[output]', f'[output]\npath = "{out}"', 1))
    refused(tsim("run", named, "-q", "--steps", "4"), "output.path")
    r = tsim("run", SMALL, "-o", out, "-q", "--steps", "4", "--overwrite")
    assert r.returncode == 0, r.stderr
    with h5py.File(out) as f:
        assert f["metrics/talent_hhi"].shape == (5,)


@pytest.mark.parametrize("path,fragment", [("", "empty"), ("DIR", "is a directory"),
                                           ("DIR/", "names a directory")])
def test_an_output_that_cannot_be_a_file_is_refused_before_the_run(tmp_path, path, fragment):
    path = path.replace("DIR", str(tmp_path))
    # A run that got as far as its first step would be killed there (SIGKILL,
    # not the refusal's status 2): the story runs in a fraction of a second,
    # too fast for a time limit to tell.
    env = dict(os.environ, TALENTSIM_FAULT="step:1")
    refused(tsim("run", "-o", path, "-q", env=env), fragment)


# ---- 15. a run's paths are checked against each other -------------------------------

@pytest.mark.parametrize("ckpt,fragment", [("out.h5", "would be the output"),
                                           ("out.h5.tmp", "would be the output's temporary"),
                                           ("mine.toml", "is the scenario")])
def test_checkpoint_and_output_cannot_collide(tmp_path, ckpt, fragment):
    scenario = tmp_path / "mine.toml"
    scenario.write_text(SMALL.read_text())
    refused(tsim("run", scenario, "-o", tmp_path / "out.h5", "--checkpoint", tmp_path / ckpt,
                 "--checkpoint-every", "2", "-q"), fragment)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.toml"]


def test_an_output_that_is_the_checkpoint_being_resumed_is_refused(tmp_path):
    out = tmp_path / "k.h5"
    r = tsim("run", SMALL, "-o", out, "-q", "--checkpoint-every", "5",
             env=dict(os.environ, TALENTSIM_FAULT="step:12"))
    assert r.returncode == -signal.SIGKILL
    ckpt = tmp_path / "k.h5.ckpt"
    before = ckpt.read_bytes()
    refused(tsim("run", "--resume", ckpt, "-o", ckpt, "-q"), "checkpoint being resumed")
    assert ckpt.read_bytes() == before


# ---- 16. one process at a time writes an output -------------------------------------

def test_concurrent_resumes_of_one_checkpoint_cannot_both_write(tmp_path):
    ref = tmp_path / "ref.h5"
    assert tsim("run", SMALL, "-o", ref, "-q").returncode == 0
    out = tmp_path / "k.h5"
    r = tsim("run", SMALL, "-o", out, "-q", "--checkpoint-every", "5",
             env=dict(os.environ, TALENTSIM_FAULT="step:12"))
    assert r.returncode == -signal.SIGKILL
    ckpt = tmp_path / "k.h5.ckpt"
    # The first resume freezes mid-run (SIGSTOP) holding the output; a
    # second resume meanwhile must fail before touching anything.
    first = subprocess.Popen([str(binary_path()), "run", "--resume", str(ckpt), "-q"],
                             env=dict(os.environ, TALENTSIM_FAULT="step:10:stop"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_stopped(first)
        tmp_before = (tmp_path / "k.h5.tmp").read_bytes()
        refused(tsim("run", "--resume", ckpt, "-q"), "being written by another talentsim process",
                status=1)
        # ... and a fresh run into the same output as well.
        refused(tsim("run", SMALL, "-o", out, "-q", "--overwrite"), "being written by another",
                status=1)
        assert (tmp_path / "k.h5.tmp").read_bytes() == tmp_before
    finally:
        first.kill()
        first.wait()
    r = tsim("run", "--resume", ckpt, "-q")
    assert r.returncode == 0, r.stderr
    a, b = datasets(ref), datasets(out)
    assert set(a) == set(b) and all(np.array_equal(a[k], b[k]) for k in a)


# ---- 17. a full disk: one line, exit 1, no crash, nothing left behind ----------------

def limit_file_size(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes fail with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("threads", ["1", "2"])
@pytest.mark.parametrize("limit", [4096, 200_000])
def test_a_full_disk_ends_with_one_line_and_exit_1(tmp_path, threads, limit):
    out = tmp_path / "full.h5"
    r = subprocess.run([str(binary_path()), "run", str(SMALL), "-o", str(out), "-q",
                        "--threads", threads], preexec_fn=limit_file_size(limit),
                       capture_output=True, text=True, timeout=120)
    refused(r, "File too large", status=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_full_disk_in_sweep_collect_keeps_the_previous_collection(tmp_path):
    sweep = tmp_path / "s.toml"
    sweep.write_text(f'format_version = 1\nname = "s"\nbase = "{SMALL}"\nseeds = [1, 2]\n'
                     '[set]\nrun.steps = 5\n')
    d = tmp_path / "d"
    assert tsim("sweep", "plan", sweep, "-o", d).returncode == 0
    assert tsim("sweep", "run-local", d, "-q").returncode == 0
    assert tsim("sweep", "collect", d).returncode == 0
    before = (d / "sweep.h5").read_bytes()
    r = subprocess.run([str(binary_path()), "sweep", "collect", str(d)],
                       preexec_fn=limit_file_size(8192), capture_output=True, text=True,
                       timeout=120)
    refused(r, "File too large", status=1)
    assert (d / "sweep.h5").read_bytes() == before
    assert not (d / "sweep.h5.tmp").exists()


# ---- 19, 22. inputs that are not what they seem ---------------------------------------

def test_resume_takes_regular_files_only(tmp_path):
    refused(tsim("run", "--resume", tmp_path), "a directory")
    refused(tsim("run", "--resume", "/dev/zero", timeout=10), "not a regular file")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    refused(tsim("run", "--resume", fifo, timeout=10), "not a regular file")


def edge_scenario(tmp_path: Path, edges: str) -> Path:
    path = tmp_path / "net.toml"
    path.write_text(SMALL.read_text().replace(
        "[network]", f'[network]\nsource = "edge_list"\nedge_list = "{edges}"', 1))
    return path


@pytest.mark.parametrize("kind", ["directory", "fifo", "device"])
def test_an_edge_list_that_is_not_a_regular_file_is_refused(tmp_path, kind):
    edges = {"directory": tmp_path, "device": Path("/dev/zero"), "fifo": tmp_path / "pipe"}[kind]
    if kind == "fifo":
        os.mkfifo(edges)
    scenario = edge_scenario(tmp_path, str(edges))
    refused(tsim("validate", scenario, timeout=10), "not a regular file")


def test_a_malformed_first_row_is_not_taken_as_a_header(tmp_path):
    (tmp_path / "edges.csv").write_text("1,2,3\n0,1\n")
    scenario = edge_scenario(tmp_path, "edges.csv")
    refused(tsim("run", scenario, "-o", tmp_path / "o.h5", "-q"), "edges.csv:1: expected two")
    (tmp_path / "edges.csv").write_text("a,b\n0,1\n")
    assert tsim("run", scenario, "-o", tmp_path / "o.h5", "-q", "--steps", "2").returncode == 0


def test_an_edge_list_edited_after_the_checkpoint_is_refused_on_resume(tmp_path):
    shutil.copy(ROOT / "tests" / "data" / "edges.csv", tmp_path / "edges.csv")
    scenario = edge_scenario(tmp_path, "edges.csv")
    r = tsim("run", scenario, "-o", tmp_path / "e.h5", "-q", "--checkpoint-every", "5",
             env=dict(os.environ, TALENTSIM_FAULT="step:12"), cwd=tmp_path)
    assert r.returncode == -signal.SIGKILL, r.stderr
    ckpt = tmp_path / "e.h5.ckpt"
    # A relative edge list resumes from any working directory ...
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(ckpt, tmp_path / "copy.ckpt")
    r = tsim("run", "--resume", ckpt, "-q", cwd=elsewhere)
    assert r.returncode == 0, r.stderr
    # ... but not after the file changed.
    with open(tmp_path / "edges.csv", "a") as f:
        f.write("7,8\n")
    refused(tsim("run", "--resume", tmp_path / "copy.ckpt", "-o", tmp_path / "f.h5", "-q"),
            "changed since the checkpoint")
