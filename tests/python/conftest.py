"""Fixtures for the talentsim Python package tests.

Runs the real binary (``$TALENTSIM_BINARY`` or ``build/release/bin/talentsim``
relative to the repository root) into temporary folders, once per session.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ANALYSIS = ROOT / "analysis"
if str(ANALYSIS) not in sys.path:
    sys.path.insert(0, str(ANALYSIS))  # tests work without installing the package
os.environ.setdefault("MPLBACKEND", "Agg")

SMALL = ROOT / "scenarios" / "example_small.toml"
SLURM_UP = ROOT / "tests" / "slurm" / "slurm_up.sh"
SLURM_DOWN = ROOT / "tests" / "slurm" / "slurm_down.sh"
BINARY_WAIT_S = 120  # the binary may be briefly missing while it is rebuilt


def binary_path() -> Path:
    env = os.environ.get("TALENTSIM_BINARY")
    path = Path(env) if env else Path("build/release/bin/talentsim")
    return path if path.is_absolute() else ROOT / path


def run_talentsim(out: Path, scenario: Path | None = None, *args: str) -> Path:
    """Run ``talentsim run [scenario] -o out --quiet args...``; wait for a rebuild."""
    exe = binary_path()
    cmd_tail = ([str(scenario)] if scenario else []) + ["-o", str(out), "--quiet", *args]
    deadline = time.monotonic() + BINARY_WAIT_S
    failures = 0
    while True:
        if exe.exists():
            try:
                proc = subprocess.run([str(exe), "run", *cmd_tail], capture_output=True, text=True,
                                      timeout=300, cwd=ROOT)
            except OSError:
                proc = None  # replaced by a rebuild while starting
            if proc is not None:
                if proc.returncode == 0 and out.exists():
                    return out
                failures += 1
                if failures >= 2 or proc.returncode == 2:
                    pytest.fail(f"talentsim run {' '.join(cmd_tail)} failed with status "
                                f"{proc.returncode}: {proc.stderr}")
        if time.monotonic() > deadline:
            pytest.fail(f"talentsim binary not found at {exe} (set TALENTSIM_BINARY or build it)")
        time.sleep(5)


def wait_until_stopped(p: subprocess.Popen, seconds: float = 60) -> None:
    """Waits for a talentsim process started with TALENTSIM_FAULT=...:stop to
    stop itself; kills it and fails the test if it does not within `seconds`
    (or if it exits instead)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pid, status = os.waitpid(p.pid, os.WNOHANG | os.WUNTRACED)
        if pid:
            assert os.WIFSTOPPED(status), f"the run ended instead of stopping (status {status})"
            return
        time.sleep(0.01)
    p.kill()
    p.wait()
    pytest.fail(f"the run did not stop itself within {seconds:.0f} s")


def datasets(path: Path) -> dict:
    """Every dataset of an HDF5 file, by path, read whole."""
    import h5py

    out = {}
    with h5py.File(path) as f:
        f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out


def same_datasets(a: Path, b: Path) -> bool:
    """True when two files hold the same datasets with equal contents."""
    import numpy as np

    x, y = datasets(a), datasets(b)
    return set(x) == set(y) and all(np.array_equal(x[k], y[k]) for k in x)


def assert_same_datasets(a: Path, b: Path) -> None:
    """Asserts :func:`same_datasets`, naming the first dataset that differs."""
    import numpy as np

    x, y = datasets(a), datasets(b)
    assert set(x) == set(y), sorted(set(x) ^ set(y))
    for name in x:
        assert np.array_equal(x[name], y[name]), name


@pytest.fixture(scope="session")
def binary() -> Path:
    return binary_path()


@pytest.fixture(scope="session")
def runs_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="session")
def small_path(runs_dir) -> Path:
    """example_small with its own settings (52 steps, snapshots every 13)."""
    return run_talentsim(runs_dir / "small.h5", SMALL)


@pytest.fixture(scope="session")
def story_path(runs_dir) -> Path:
    """The default scenario (the 2025 story, embedded in the binary)."""
    return run_talentsim(runs_dir / "meta_superintelligence_2025.h5")


@pytest.fixture(scope="session")
def dense_path(runs_dir) -> Path:
    """example_small with a snapshot at every step (ground truth)."""
    return run_talentsim(runs_dir / "dense.h5", SMALL, "--set", "output.snapshot_every=1")


@pytest.fixture(scope="session")
def sparse_path(runs_dir) -> Path:
    """example_small with a snapshot every 20 steps."""
    return run_talentsim(runs_dir / "sparse.h5", SMALL, "--set", "output.snapshot_every=20")


SWEEP_RUNS = (  # (file stem, seed, taste_noise)
    ("a", 1, 0.1),
    ("b", 2, 0.1),
    ("c", 3, 0.2),
)


@pytest.fixture(scope="session")
def sweep_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("sweep")
    for stem, seed, noise in SWEEP_RUNS:
        run_talentsim(d / f"{stem}.h5", SMALL, "--seed", str(seed),
                      "--set", f"market.taste_noise={noise}")
    return d


@pytest.fixture()
def small_run(small_path):
    import talentsim as ts

    with ts.open_run(small_path) as run:
        yield run


@pytest.fixture(scope="session")
def story_run(story_path):
    import talentsim as ts

    run = ts.open_run(story_path)
    yield run
    run.close()


# ---------------------------------------------------------------------------
# docs/output.md, parsed


def _table_after(text: str, heading: str) -> list[list[str]]:
    """Rows (cells stripped) of the first Markdown table after ``heading``."""
    start = text.index(heading)
    rows = []
    in_table = False
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            in_table = True
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if set("".join(cells)) <= set("-: "):
                continue
            rows.append(cells)
        elif in_table:
            break
    return rows[1:]  # drop the header


#: documented units "see attribute": the dataset must carry some ``units``.
ANY_UNITS = "<any>"


def _ticks(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def parse_output_doc(path: Path | None = None) -> dict:
    """The layout documented in docs/output.md.

    Returns a dict with ``datasets`` (path -> {dtype, shape, units}),
    ``attributes`` (name -> type), ``metrics`` (name -> dtype) and
    ``event_kinds`` (code -> name).
    """
    text = (path or ROOT / "docs" / "output.md").read_text()
    attributes = {}
    for cells in _table_after(text, "## Root attributes"):
        for name in _ticks(cells[0]):
            attributes[name] = cells[1]
    # metric names and dtypes from the prose under the table
    metrics = {}
    m = re.search(r"Metrics stored as float64:(.*?); as int64:(.*?)\.\s+Every", text, re.S)
    assert m, "docs/output.md: cannot find the 'Metrics stored as float64: ...; as int64: ...' sentence"
    for name in _ticks(m.group(1)):
        metrics[name] = "float64"
    for name in _ticks(m.group(2)):
        metrics[name] = "int64"
    kinds = {int(code): name for code, name in re.findall(r"(\d+) `(\w+)`", text.split("Event kinds", 1)[1].split("\n\n", 1)[0])}
    datasets = {}
    for cells in _table_after(text, "## Datasets"):
        paths, dtype, shape, units, content = cells
        shape_dims = [d.strip() for d in shape.strip("[]").split(",")]
        unit = units or None
        for p in _ticks(paths):
            if p == "/metrics/<name>":
                for name, dt in metrics.items():  # units: "see attribute"
                    datasets[f"/metrics/{name}"] = {"dtype": dt, "shape": shape_dims, "units": ANY_UNITS}
            elif p == "/metrics/by_country/<name>":
                for name in _ticks(content):
                    dt = "float64" if "share" in name else "int64"
                    assert dtype.startswith("int64") and "share: float64" in dtype
                    datasets[f"/metrics/by_country/{name}"] = {"dtype": dt, "shape": shape_dims, "units": unit}
            else:
                datasets[p] = {"dtype": dtype, "shape": shape_dims, "units": unit}
    return {"datasets": datasets, "attributes": attributes, "metrics": metrics, "event_kinds": kinds}


@pytest.fixture(scope="session")
def output_doc() -> dict:
    return parse_output_doc()


@pytest.fixture(scope="session")
def slurm(tmp_path_factory):
    """A real single-node Slurm (munge, slurmctld, slurmd), shared by the
    sweep and experiment tests; the environment that reaches it. Fails,
    never skips."""
    state = tmp_path_factory.mktemp("slurm")
    r = subprocess.run(["bash", str(SLURM_UP), str(state)], capture_output=True, text=True)
    if r.returncode != 0:
        subprocess.run(["bash", str(SLURM_DOWN), str(state)])
        pytest.fail(f"could not start Slurm: {r.stdout}{r.stderr}")
    env = dict(os.environ, SLURM_CONF=str(state / "slurm.conf"))
    yield env
    subprocess.run(["bash", str(SLURM_DOWN), str(state)])
