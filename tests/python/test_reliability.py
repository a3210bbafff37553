"""Nothing lost: checkpoint and resume, SIGKILL at many points, SIGTERM,
refused checkpoints, the memory guard, and a corpus of bad inputs that must
each give exit status 2 and one line, never a crash or a hang."""

from __future__ import annotations

import os
import re
import signal
import struct
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import (ROOT, binary_path, assert_same_datasets as assert_same, datasets,
                      wait_until_stopped)

SMALL = ROOT / "scenarios" / "example_small.toml"
STORY = ROOT / "scenarios" / "meta_superintelligence_2025.toml"


def tsim(*args, env=None, timeout=120):
    return subprocess.run([str(binary_path()), *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout)






def valid_or_absent(path: Path):
    """Nothing under the requested name is ever a broken file."""
    if path.exists():
        with h5py.File(path) as f:
            assert f.attrs["format"] in (b"talentsim", "talentsim")
            assert "metrics/talent_hhi" in f


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    d = tmp_path_factory.mktemp("ref")
    out = d / "ref.h5"
    r = tsim("run", SMALL, "-o", out, "--quiet")
    assert r.returncode == 0, r.stderr
    return out


FAULTS = ["step:3", "step:11", "step:27", "step:50", "checkpoint:1", "checkpoint:4",
          "checkpoint-rename:2", "checkpoint-rename:7", "flush:1", "flush:6", "finish:1"]


@pytest.mark.parametrize("fault", FAULTS)
def test_sigkill_anywhere_then_resume_gives_the_same_output(tmp_path, reference, fault):
    out = tmp_path / "run.h5"
    ckpt = tmp_path / "run.h5.ckpt"
    env = dict(os.environ, TALENTSIM_FAULT=fault)
    r = tsim("run", SMALL, "-o", out, "--quiet", "--checkpoint-every", "4", env=env)
    assert r.returncode == -signal.SIGKILL, (r.returncode, r.stderr)
    valid_or_absent(out)
    if ckpt.exists():
        r = tsim("run", "--resume", ckpt, "--quiet")
    else:  # killed before the first checkpoint: start again
        r = tsim("run", SMALL, "-o", out, "--quiet", "--checkpoint-every", "4")
    assert r.returncode == 0, r.stderr
    assert_same(reference, out)
    assert not ckpt.exists()  # a finished run removes its checkpoint


def test_resume_twice_in_a_row(tmp_path, reference):
    out, ckpt = tmp_path / "run.h5", tmp_path / "run.h5.ckpt"
    r = tsim("run", SMALL, "-o", out, "--quiet", "--checkpoint-every", "3",
             env=dict(os.environ, TALENTSIM_FAULT="step:10"))
    assert r.returncode == -signal.SIGKILL
    r = tsim("run", "--resume", ckpt, "--quiet", "--checkpoint-every", "3",
             env=dict(os.environ, TALENTSIM_FAULT="step:20"))
    assert r.returncode == -signal.SIGKILL
    assert tsim("run", "--resume", ckpt, "--quiet").returncode == 0
    assert_same(reference, out)


def test_sigterm_leaves_checkpoint_and_incomplete_output_then_resumes(tmp_path):
    ref = tmp_path / "ref.h5"
    assert tsim("run", STORY, "-o", ref, "--quiet").returncode == 0
    out, ckpt = tmp_path / "story.h5", tmp_path / "story.h5.ckpt"
    # The run stops itself (SIGSTOP) after step 20, so the SIGTERM surely
    # arrives mid-run however fast the run is (a sleep raced with it).
    p = subprocess.Popen([str(binary_path()), "run", str(STORY), "-o", str(out), "--quiet"],
                         env=dict(os.environ, TALENTSIM_FAULT="step:20:stop"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until_stopped(p)
    start = time.monotonic()
    p.send_signal(signal.SIGTERM)
    os.kill(p.pid, signal.SIGCONT)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 130, err
    assert time.monotonic() - start < 5
    assert "interrupted at step" in err
    with h5py.File(out) as f:
        assert int(f.attrs["complete"]) == 0
        assert f["metrics/talent_hhi"].shape[0] < 105
    import talentsim as ts
    with pytest.warns(Warning):
        with ts.open_run(out) as run:
            assert len(run.metrics) > 1
    r = tsim("run", "--resume", ckpt, "--quiet")
    assert r.returncode == 0, r.stderr
    with h5py.File(out) as f:
        assert int(f.attrs["complete"]) == 1
    assert_same(ref, out)


def fnv1a(data: bytes) -> int:
    h = 1469598103934665603
    for b in data:
        h ^= b
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


@pytest.fixture()
def checkpoint(tmp_path):
    out = tmp_path / "k.h5"
    r = tsim("run", SMALL, "-o", out, "--quiet", "--checkpoint-every", "5",
             env=dict(os.environ, TALENTSIM_FAULT="step:12"))
    assert r.returncode == -signal.SIGKILL
    return tmp_path / "k.h5.ckpt"


def refused(r, fragment):
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert fragment in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1, r.stderr


def test_damaged_truncated_and_foreign_checkpoints_are_refused(tmp_path, checkpoint, reference):
    data = checkpoint.read_bytes()
    damaged = tmp_path / "damaged.ckpt"
    damaged.write_bytes(data[:1000] + bytes([data[1000] ^ 0xFF]) + data[1001:])
    refused(tsim("run", "--resume", damaged), "damaged or truncated checkpoint")
    truncated = tmp_path / "truncated.ckpt"
    truncated.write_bytes(data[: len(data) // 2])
    refused(tsim("run", "--resume", truncated), "damaged or truncated checkpoint")
    refused(tsim("run", "--resume", reference), "not a talentsim checkpoint")
    refused(tsim("run", "--resume", tmp_path / "missing.ckpt"), "cannot read the checkpoint")


def test_checkpoint_from_another_version_is_refused(tmp_path, checkpoint):
    data = bytearray(checkpoint.read_bytes())
    magic = b"TALENTSIM-CHECKPOINT\n"
    pos = len(magic) + 4
    (n,) = struct.unpack_from("<Q", data, pos)
    version = data[pos + 8: pos + 8 + n]
    other = version[:-1] + bytes([version[-1] ^ 1])  # another version string, same length
    data[pos + 8: pos + 8 + n] = other
    data[-8:] = struct.pack("<Q", fnv1a(bytes(data[:-8])))
    forged = tmp_path / "other_version.ckpt"
    forged.write_bytes(bytes(data))
    refused(tsim("run", "--resume", forged), "resume with the same build")


def test_checkpoint_of_another_scenario_is_refused(tmp_path, checkpoint):
    refused(tsim("run", STORY, "--resume", checkpoint), "belongs to another scenario")


def test_memory_guard_refuses_before_allocating(tmp_path):
    r = tsim("run", SMALL, "-o", tmp_path / "x.h5", "--max-memory", "1M")
    refused(r, "needs an estimated")
    assert "MiB" in r.stderr  # a size with its unit
    huge = tmp_path / "huge.toml"
    huge.write_text(SMALL.read_text().replace("count = 2000", "count = 900000000"))
    refused(tsim("run", huge, "-o", tmp_path / "y.h5", timeout=60), "needs an estimated")
    assert not (tmp_path / "y.h5").exists()


# ---- checkpoints edited by hand, checksum recomputed (issue 11, item 19) -----

def _u64(data, pos):
    return struct.unpack_from("<Q", data, pos)[0]


def state_layout(data: bytes) -> dict:
    """Offsets of some tables inside a checkpoint's state (format 3)."""
    pos = len(b"TALENTSIM-CHECKPOINT\n") + 4
    for _ in range(4):  # version, commit, scenario, output
        pos += 8 + _u64(data, pos)
    inputs = _u64(data, pos)
    pos += 8
    for _ in range(inputs):
        pos += 8 + _u64(data, pos) + 8
    pos += 8  # the state's own length
    out = {}
    pos += 4  # step
    n = _u64(data, pos)
    pos += 8 + 8 * n  # skill
    out["field"] = pos + 8
    pos += 8 + n  # field (uint8)
    pos += 8 + 2 * n  # origin (int16)
    out["study"] = pos + 8
    pos += 8 + 2 * n  # study (int16)
    pos += 8 + 4 * n  # entered_step
    pos += 10 * (8 + 8 * n)  # preferences and packages
    out["employer"] = pos + 8
    pos += 3 * (8 + 4 * n)  # employer, hired_step, slot
    nf = _u64(data, pos)
    # sizeof(FirmParams): the firm kinds' length (nf again) follows the params.
    size = next(s for s in range(8, 1024, 8) if _u64(data, pos + 8 + nf * s) == nf)
    pos += 8 + nf * size
    out["kind"] = pos + 8
    pos += 8 + nf
    out["country"] = pos + 8
    return out


def forged(checkpoint: Path, tmp_path: Path, name: str, edit) -> Path:
    data = bytearray(checkpoint.read_bytes())
    edit(data, state_layout(bytes(data)))
    data[-8:] = struct.pack("<Q", fnv1a(bytes(data[:-8])))
    path = tmp_path / f"{name}.ckpt"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("name,edit,fragment", [
    ("firm_country", lambda d, at: struct.pack_into("<i", d, at["country"], 2_000_000_000),
     "country index"),
    ("firm_kind", lambda d, at: d.__setitem__(at["kind"], 9), "firm kind"),
    ("field", lambda d, at: d.__setitem__(at["field"] + 3, 250), "field index"),
    ("study", lambda d, at: struct.pack_into("<h", d, at["study"] + 2, 300), "country index"),
    ("employer", lambda d, at: struct.pack_into("<i", d, at["employer"] + 4, 99_999), "employers"),
    ("employer_low", lambda d, at: struct.pack_into("<i", d, at["employer"], -7), "employers"),
])
def test_edited_checkpoints_are_refused_not_trusted(tmp_path, checkpoint, name, edit, fragment):
    path = forged(checkpoint, tmp_path, name, edit)
    r = tsim("run", "--resume", path, "-o", tmp_path / f"{name}.h5", "--quiet")
    refused(r, "damaged checkpoint")
    assert fragment in r.stderr
    assert not (tmp_path / f"{name}.h5").exists()


# ---- the memory guard sees every large allocation (issue 11, item 20) -------

@pytest.mark.parametrize("sets,key", [
    (['population.count=300000', 'firms."Lab B".headcount=200000', 'pinned.0.count=150000'],
     'pinned."Lab B multimodal lead".count'),
    (['pinned.0.extra_ties=1000000', 'pinned.0.count=300'],
     'pinned."Lab B multimodal lead".extra_ties'),
    (['population.count=3200000', 'firm_groups.0.headcount=150000', 'network.team_size=1e9'],
     "network.team_size"),
    (['network.cross_firm_ties=1000', 'population.count=5000000'], "network.cross_firm_ties"),
])
def test_memory_guard_names_the_key_that_drives_the_allocation(tmp_path, sets, key):
    args = [a for s in sets for a in ("--set", s)]
    r = tsim("run", SMALL, "-o", tmp_path / "x.h5", "--max-memory", "2G", *args, timeout=60)
    refused(r, "needs an estimated")
    assert f"from {key})" in r.stderr and r.stderr.rstrip().endswith(f"reduce {key}"), r.stderr
    assert re.search(r"\d{7,}", r.stderr.replace(str(tmp_path), "")) is None, r.stderr  # units, not 40 digits
    assert " GiB" in r.stderr or " MiB" in r.stderr
    assert not (tmp_path / "x.h5").exists()


def test_memory_guard_counts_the_country_tables(tmp_path):
    lines = ['format_version = 1', 'name = "many"', 'fields = ["a"]', '[run]', 'steps = 2']
    lines += [f'[[countries]]\nname = "C{i}"' for i in range(200_000)]
    lines += ['[[firms]]', 'name = "F"', 'country = "C0"', 'headcount = 1', '[population]',
              'count = 10', 'origin = "C0"']
    path = tmp_path / "many.toml"
    path.write_text("\n".join(lines) + "\n")
    r = tsim("run", path, "-o", tmp_path / "x.h5", "--max-memory", "16G", timeout=120)
    refused(r, "origin x work-country counts, from countries")
