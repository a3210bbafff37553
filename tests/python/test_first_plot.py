"""The README's "First plot in two minutes" path, run as written, and the
``python3 -m talentsim plot`` command it uses (issue 11, item 9).

The commands are parsed out of README.md, so the test fails when the README
drifts from what works.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ANALYSIS, ROOT, SMALL, binary_path

README = ROOT / "README.md"
STORY_OUTPUT = "runs/meta_superintelligence_2025.h5"  # what `make run` writes
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def first_plot_commands() -> list[str]:
    """The command lines of the first code block under "First plot in two minutes"."""
    text = README.read_text()
    m = re.search(r"^## First plot in two minutes\n(.*?)^```\w*\n(.*?)^```", text, re.S | re.M)
    assert m, "README.md: no '## First plot in two minutes' section with a code block"
    return [line for line in m.group(2).splitlines() if line.strip()]


def clean_env(**extra: str) -> dict:
    """A new user's environment: no PYTHONPATH, no matplotlib backend."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MPLBACKEND")}
    env.update(extra)
    return env


def test_readme_first_plot_is_three_commands_starting_with_make_run():
    commands = first_plot_commands()
    assert len(commands) == 3, commands
    assert commands[0] == "make run"
    assert STORY_OUTPUT in commands[2], "the plot command must read what `make run` writes"
    assert "/usr/bin/python3" in commands[2]
    # `make run` writes that file (the Makefile's run target)
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe and f"-o {STORY_OUTPUT}" in recipe.group(1), "make run no longer writes " + STORY_OUTPUT


def test_readme_first_plot_makes_a_png(story_path, tmp_path):
    """Commands 2 and 3, exactly as in the README, on a fresh run of the
    default scenario laid out as `make run` leaves it."""
    root = tmp_path / "clone"
    (root / "runs").mkdir(parents=True)
    (root / "analysis").symlink_to(ANALYSIS)
    shutil.copy(story_path, root / STORY_OUTPUT)
    before = set(root.rglob("*"))
    script = "set -e\n" + "\n".join(first_plot_commands()[1:]) + "\n"
    start = time.monotonic()
    r = subprocess.run(["bash", "-c", script], cwd=root, env=clean_env(), capture_output=True, text=True,
                       timeout=120)
    elapsed = time.monotonic() - start
    assert r.returncode == 0, f"README commands failed ({r.returncode}):\n{script}\n{r.stdout}{r.stderr}"
    new = [p for p in set(root.rglob("*")) - before if p.is_file()]
    pngs = [p for p in new if p.read_bytes()[:8] == PNG_MAGIC]
    assert pngs, f"no PNG written; new files: {new}"
    assert all(p.stat().st_size > 20_000 for p in pngs)
    assert elapsed < 60, f"the first plot took {elapsed:.0f} s"


def test_readme_set_example_validates():
    """The `--set` example of "Three ways to use it" names a firm of example_small."""
    text = README.read_text()
    m = re.search(r"`(build/release/bin/talentsim run scenarios/example_small\.toml[^`]*)`,\s*\n?\s*"
                  r"with overrides such as `([^`]*)`", text)
    assert m, "README.md: the scenario-file example with overrides is gone"
    args = shlex.split(m.group(2))
    assert args[0] == "--set"
    r = subprocess.run([str(binary_path()), "validate", str(SMALL), *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def plot(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "talentsim", *args], cwd=cwd, capture_output=True, text=True,
                          env=clean_env(PYTHONPATH=str(ANALYSIS)), timeout=120)


@pytest.mark.parametrize("kind", ["top_firms", "headcount", "pay", "flows", "brain_drain"])
def test_plot_command_kinds(small_path, tmp_path, kind):
    run = tmp_path / "small.h5"
    shutil.copy(small_path, run)
    r = plot("plot", str(run), "-k", kind, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / f"small_{kind}.png"  # default: next to the run
    assert r.stdout.strip() == str(out)
    assert out.read_bytes()[:8] == PNG_MAGIC


def test_plot_command_errors(small_path, tmp_path):
    r = plot("plot", "missing.h5", cwd=tmp_path)
    assert r.returncode == 2 and "no such run file" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / "bad.h5").write_text("not HDF5")
    r = plot("plot", "bad.h5", cwd=tmp_path)
    assert r.returncode == 2 and "not a readable HDF5" in r.stderr and "Traceback" not in r.stderr
    r = plot("plot", str(small_path), "-o", str(tmp_path / "x.docx"), cwd=tmp_path)
    assert r.returncode == 2 and "unknown image format" in r.stderr
    r = plot("plot", str(small_path), "-o", str(tmp_path / "no" / "dir" / "x.png"), cwd=tmp_path)
    assert r.returncode == 1 and "cannot write" in r.stderr and "Traceback" not in r.stderr
    r = plot("plot", str(small_path), "-k", "nope", cwd=tmp_path)
    assert r.returncode == 2 and "invalid choice" in r.stderr
    r = plot(cwd=tmp_path)
    assert r.returncode == 2
    r = plot("plot", "--help", cwd=tmp_path)
    assert r.returncode == 0 and "--kind" in r.stdout
