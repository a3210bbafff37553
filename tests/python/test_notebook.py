"""The story notebook is committed without outputs and executes without errors."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from conftest import ANALYSIS, binary_path

NOTEBOOK = ANALYSIS / "notebooks" / "talent_war_2025.ipynb"


def test_notebook_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                "commit the notebook without outputs (clear them before committing)"
            )


def test_notebook_executes(story_path, tmp_path, monkeypatch):
    # The kernel inherits this environment: the package from analysis/, the run
    # made by the fixture, and the binary in case the notebook needs it.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ANALYSIS), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("TALENTSIM_RUN", str(story_path))
    monkeypatch.setenv("TALENTSIM_BINARY", str(binary_path()))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the notebook uses the inline backend
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    asyncio.run(client.async_execute())  # raises CellExecutionError on the first failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "data" in o and "image/png" in o["data"]]
    assert len(images) >= 8, f"expected the story's figures, got {len(images)}"
    assert not list(Path(tmp_path).glob("runs/*")), "the notebook must use TALENTSIM_RUN, not run the binary"


SWEEP_NOTEBOOK = ANALYSIS / "notebooks" / "sweep_example.ipynb"


def test_sweep_notebook_committed_without_outputs():
    nb = nbformat.read(SWEEP_NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")


def test_sweep_notebook_plans_runs_collects_and_plots(monkeypatch):
    """Runs without PYTHONPATH, in the notebook's folder (as Jupyter and
    nbconvert run it): the first cell falls back to analysis/ above it."""
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.setenv("TALENTSIM_BINARY", str(binary_path()))
    monkeypatch.delenv("TALENTSIM_SWEEP", raising=False)
    monkeypatch.delenv("MPLBACKEND", raising=False)
    here = SWEEP_NOTEBOOK.parent
    probe = subprocess.run([sys.executable, "-c", "import talentsim"], cwd=here, capture_output=True,
                           env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert probe.returncode != 0, "talentsim is importable without PYTHONPATH: this test would not test the fallback"
    before = set(here.iterdir())
    nb = nbformat.read(SWEEP_NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(here)}})
    asyncio.run(client.async_execute())
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert len([o for o in outputs if "data" in o and "image/png" in o["data"]]) >= 2
    assert set(here.iterdir()) == before, "the notebook must write its sweep to a temporary folder"


INTERACTIVE_NOTEBOOK = ANALYSIS / "notebooks" / "interactive_policy.ipynb"


def test_interactive_notebook_committed_without_outputs():
    nb = nbformat.read(INTERACTIVE_NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")


def test_interactive_notebook_steps_changes_and_plots(monkeypatch):
    """Drives the engine in process (talentsim.Simulation), run from the
    notebook's folder without PYTHONPATH."""
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = nbformat.read(INTERACTIVE_NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(INTERACTIVE_NOTEBOOK.parent)}})
    asyncio.run(client.async_execute())
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert [o for o in outputs if "data" in o and "image/png" in o["data"]]
    text = "".join(str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "between steps" in text
