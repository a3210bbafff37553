"""Issue 11, "found by a new user": what a first afternoon with the command
line runs into (short runs, sweep messages and fixed overrides, run-local and
status, missing arguments, validate's overrides and its printed floats)."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

import h5py
import pytest

from conftest import ROOT, binary_path

SMALL = ROOT / "scenarios" / "example_small.toml"


def tsim(*args, check=None, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("timeout", 300)
    r = subprocess.run([str(binary_path()), *map(str, args)], capture_output=True, text=True, **kw)
    if check is not None:
        assert r.returncode == check, (args, r.returncode, r.stdout, r.stderr)
    return r


def one_line_error(r, status=2) -> str:
    assert r.returncode == status, (r.returncode, r.stderr)
    assert r.stderr.startswith("error: "), r.stderr
    assert r.stderr.count("\n") == 1, r.stderr
    return r.stderr


# ---- 1. short runs of scenarios with later events ---------------------------

def test_a_shortened_run_leaves_later_events_out_with_one_note(tmp_path):
    out = tmp_path / "short.h5"
    r = tsim("run", SMALL, "--steps", "26", "-o", out, "-q", check=0)
    notes = [line for line in r.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1, r.stderr
    assert "step 30" in notes[0] and "will not happen" in notes[0]
    with h5py.File(out) as f:
        stored = tomllib.loads(f.attrs["scenario"].decode())
        assert f["metrics/talent_hhi"].shape[0] == 27
    assert stored["run"]["steps"] == 26
    assert all(e["step"] <= 26 for e in stored.get("timeline", []))
    # The stored scenario loads again as it is (the events are not in it).
    text = tmp_path / "stored.toml"
    text.write_text(stored_text(out))
    tsim("validate", text, check=0)


def stored_text(path: Path) -> str:
    with h5py.File(path) as f:
        return f.attrs["scenario"].decode()


def test_validate_takes_the_same_overrides_as_run():
    r = tsim("validate", SMALL, "--steps", "10", "--seed", "4", check=0)
    assert "10 weekly steps, seed 4" in r.stdout
    assert r.stderr.count("note: ") == 1
    assert tsim("validate", SMALL, "--steps", "10", "-q", check=0).stderr == ""


def test_an_event_outside_the_files_own_run_is_still_an_error(tmp_path):
    bad = tmp_path / "late.toml"
    bad.write_text(SMALL.read_text().replace("step = 30", "step = 60"))
    err = one_line_error(tsim("run", bad, "-o", tmp_path / "x.h5"))
    assert "step 60 is outside the run" in err
    # ... unless the command line lengthens the run to include it.
    tsim("validate", bad, "--steps", "70", check=0)


# ---- 6. a missing positional argument is named as the usage names it ---------

@pytest.mark.parametrize("cmd", ["status", "collect", "run-local", "run-task"])
def test_a_missing_sweep_directory_is_named_dir(cmd):
    err = one_line_error(tsim("sweep", cmd))
    assert "missing argument DIR" in err and "--dir" not in err


# ---- 7. validate --print: the shortest floats that read back ------------------

def test_validate_print_writes_shortest_round_trip_floats(tmp_path):
    text = tsim("validate", SMALL, "--print", check=0).stdout
    assert "taste_noise = 0.1\n" in text
    long_floats = re.findall(r"\d\.\d{15,}", text)
    assert long_floats == [], long_floats[:5]
    # ... and it loads back to the same resolved scenario.
    again = tmp_path / "again.toml"
    again.write_text(text)
    assert tsim("validate", again, "--print", check=0).stdout == text


def test_validate_print_to_a_full_disk_is_a_failure():
    with open("/dev/full", "w") as full:
        r = subprocess.run([str(binary_path()), "validate", "--print"], stdout=full,
                           stderr=subprocess.PIPE, text=True)
    assert one_line_error(r, 1).startswith("error: cannot write to standard output")


# ---- 23. messages that mislead (the --set ones) --------------------------------

def test_a_key_set_twice_blames_the_value_that_was_used():
    err = one_line_error(tsim("validate", SMALL, "--set", "population.count=2000",
                              "--set", "population.count=1"))
    assert "--set population.count=1:" in err


@pytest.mark.parametrize("value", ["1e400", "-1e400"])
def test_a_number_out_of_range_is_called_a_number(value):
    err = one_line_error(tsim("validate", SMALL, "--set", f"market.taste_noise={value}"))
    assert "out of range" in err and "string" not in err


def test_a_number_toml_does_not_spell_is_still_a_number():
    r = tsim("validate", SMALL, "--set", "market.taste_noise=.25", "--print", check=0)
    assert "taste_noise = 0.25" in r.stdout


# ---- sweeps: 2 (where errors point), 3 (fixed overrides), 4, 22, 23 ------------

def sweep_file(tmp: Path, body: str, name: str = "s", base: Path = SMALL) -> Path:
    path = tmp / f"{name}.toml"
    path.write_text(f'format_version = 1\nname = "{name}"\nbase = "{base}"\n' + body)
    return path


def test_a_point_that_breaks_the_base_is_reported_in_the_users_own_file(tmp_path):
    path = sweep_file(tmp_path, '[[parameters]]\npath = \'firms."Giant A".headcount\'\n'
                                'values = [5000]\n')
    err = one_line_error(tsim("sweep", "plan", path, "-o", tmp_path / "d"))
    # The location is a line of example_small.toml that holds the key named.
    m = re.search(re.escape(str(SMALL)) + r":(\d+):\d+: population\.count", err)
    assert m, err
    line = SMALL.read_text().splitlines()[int(m.group(1)) - 1]
    assert "count" in line, line
    assert "base scenario:" not in err


def test_a_bad_swept_value_points_at_the_sweep_key(tmp_path):
    path = sweep_file(tmp_path, '[[parameters]]\npath = "market.taste_noise"\nvalues = [0.1, -3]\n')
    err = one_line_error(tsim("sweep", "plan", path, "-o", tmp_path / "d"))
    assert err.startswith(f"error: {path}:5:"), err
    assert "market.taste_noise = -3" in err


def test_fixed_overrides_apply_to_every_point_and_are_not_dimensions(tmp_path):
    path = sweep_file(tmp_path, 'seeds = [1, 2]\n[set]\nrun.steps = 26\n'
                                '"market.knowledge_loss" = 0.2\n'
                                '[[parameters]]\npath = "market.taste_noise"\nvalues = [0.1, 0.2]\n')
    d = tmp_path / "d"
    r = tsim("sweep", "plan", path, "-o", d, check=0)
    assert "4 points (1 dimensions x 2 seeds)" in r.stdout
    assert r.stderr.count("note: ") == 1 and "step 30" in r.stderr
    base = tomllib.loads((d / "base.toml").read_text())
    assert base["run"]["steps"] == 26 and base["market"]["knowledge_loss"] == 0.2
    tsim("sweep", "run-local", d, "-j", "2", "--threads", "1", "-q", check=0)
    tsim("sweep", "collect", d, check=0)
    # 5. inspect describes a collected sweep, and says when it is stale.
    out = tsim("inspect", d / "sweep.h5", check=0).stdout
    assert "talentsim sweep 's'" in out and "market.taste_noise 2 x seed 2 x step 27" in out
    assert "market.taste_noise: 0.1, 0.2" in out and "4 collected" in out
    assert "up to date" in out
    os.utime(d / "runs" / "p000002.h5")
    assert "STALE        1 runs changed" in tsim("inspect", d / "sweep.h5", check=0).stdout
    with h5py.File(d / "sweep.h5") as f:
        assert [d.decode() for d in f.attrs["dims"]] == ["market.taste_noise", "seed", "step"]
        assert f["metrics/talent_hhi"].shape == (2, 2, 27)


def test_a_bad_fixed_value_points_at_the_set_table(tmp_path):
    path = sweep_file(tmp_path, '[set]\n"market.taste_noise" = -1\n')
    err = one_line_error(tsim("sweep", "plan", path, "-o", tmp_path / "d"))
    assert err.startswith(f"error: {path}:5:"), err
    assert "set." in err


@pytest.mark.parametrize("body,fragment", [
    ('seeds = [3, 4, 3]\n', "listed twice"),
    ('[[parameters]]\npath = "market.taste_noise"\nvalues = [0.1]\n'
     '[[zip]]\npaths = ["market.taste_noise", "market.knowledge_loss"]\nvalues = [[0.2, 0.1]]\n',
     "varied twice"),
    ('[set]\n"market.taste_noise" = 0.3\n'
     '[[parameters]]\npath = "market.taste_noise"\nvalues = [0.1]\n', "both varied and fixed"),
    ('[[zip]]\nname = "seed"\npaths = ["market.taste_noise"]\nvalues = [[0.2]]\n',
     "cannot be named 'seed'"),
    ('[[parameters]]\npath = "market.taste_noise"\nrange = { start = 0.0, stop = 1.0, num = 1000000 }\n'
     '[[parameters]]\npath = "market.knowledge_loss"\nrange = { start = 0.0, stop = 1.0, num = 1000000 }\n'
     '[[parameters]]\npath = "market.outreach_bonus"\nrange = { start = 0.0, stop = 1.0, num = 1000000 }\n',
     "more than 1000000 points"),
    ('name2 = 1\n', "unknown key"),
])
def test_sweep_designs_that_cannot_be_right_are_refused(tmp_path, body, fragment):
    path = sweep_file(tmp_path, body)
    err = one_line_error(tsim("sweep", "plan", path, "-o", tmp_path / "d", timeout=60))
    assert fragment in err
    assert not (tmp_path / "d").exists()


def test_plan_takes_a_sweep_file_given_by_its_bare_name(tmp_path):
    sweep_file(tmp_path, "")
    r = tsim("sweep", "plan", "s.toml", "-o", "d", cwd=tmp_path, check=0)
    assert (tmp_path / "d" / "plan.toml").exists(), r.stdout


def test_manifest_rows_stay_one_line_whatever_the_values(tmp_path):
    path = sweep_file(tmp_path, '[[parameters]]\npath = "description"\n'
                                'values = ["a\\tb", "line\\nbreak", "back\\\\slash"]\n')
    d = tmp_path / "d"
    tsim("sweep", "plan", path, "-o", d, check=0)
    rows = (d / "manifest.tsv").read_text().splitlines()
    assert len(rows) == 4
    assert {len(r.split("\t")) for r in rows} == {5}
    assert rows[1].split("\t")[3] == '"a\\\\tb"'


def test_run_local_threads_status_suggestions_and_exit_status(tmp_path):
    path = sweep_file(tmp_path, 'seeds = [1, 2]\n[set]\nrun.steps = 5\n')
    d = tmp_path / "d"
    tsim("sweep", "plan", path, "-o", d, check=0)
    r = tsim("sweep", "run-local", d, "-j", "1", "--threads", "1", check=0)
    assert "2/2 tasks done" in r.stdout
    # A task whose marker names a live process on another host: not started
    # here, so run-local cannot call the sweep done.
    (d / "runs" / "p000001.h5").unlink()
    (d / "status" / "t000001.running").write_text("elsewhere 12345 1\n")
    r = tsim("sweep", "run-local", d, "-q")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "running in other processes" in r.stdout
    # A marker naming this host and a live pid that is not the task's process
    # (its start time differs): the task is failed, and run-local reruns it.
    (d / "status" / "t000001.running").write_text(f"{os.uname().nodename} {os.getpid()} 1\n")
    st = tsim("sweep", "status", d, check=0).stdout
    assert "1 failed" in st and "sweep run-local" in st and "sbatch --array=1" in st
    tsim("sweep", "run-local", d, "-q", check=0)
    assert "2 done" in tsim("sweep", "status", d, check=0).stdout


@pytest.mark.parametrize("value", ["1;touch x", "1 ", "", "-1", "0x1", "99999999999999999999"])
def test_slurm_array_task_id_is_parsed_strictly(tmp_path, value):
    path = sweep_file(tmp_path, "")
    d = tmp_path / "d"
    tsim("sweep", "plan", path, "-o", d, check=0)
    r = tsim("sweep", "run-task", d, env=dict(os.environ, SLURM_ARRAY_TASK_ID=value),
             cwd=tmp_path)
    one_line_error(r)
    assert not (tmp_path / "x").exists()


def test_run_local_progress_line_has_an_eta(tmp_path):
    """On a terminal, run-local's progress line ends with an ETA from the
    tasks finished so far (item 4)."""
    import pty
    path = sweep_file(tmp_path, 'seeds = [1, 2, 3, 4]\n[set]\nrun.steps = 5\n')
    d = tmp_path / "d"
    tsim("sweep", "plan", path, "-o", d, check=0)
    master, slave = pty.openpty()
    try:
        r = subprocess.run([str(binary_path()), "sweep", "run-local", str(d), "-j", "1"],
                           stdout=subprocess.PIPE, stderr=slave, timeout=120)
        os.close(slave)
        slave = -1
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    progress = b"".join(chunks).decode(errors="replace")
    assert r.returncode == 0
    assert "ETA --" in progress  # before any task finished
    assert re.search(r"tasks done, \d+ running, 0 failed, ETA \d+s", progress), progress
