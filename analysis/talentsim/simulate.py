"""Running the talentsim binary from Python (notebooks, tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterable, Mapping, Optional, Sequence, Union

__all__ = ["find_repo_root", "default_binary", "simulate", "ensure_run"]

SetArg = Union[Mapping[str, object], Sequence[str], None]


def _is_root(path: Path) -> bool:
    return (path / "scenarios").is_dir() and (path / "analysis").is_dir()


def find_repo_root(start: "str | os.PathLike[str] | None" = None) -> Optional[Path]:
    """The talentsim repository root, or None if it cannot be found.

    Looks next to this package first (``analysis/talentsim`` -> the root, as
    with ``PYTHONPATH=analysis`` or an editable install), then walks up from
    ``start`` (default: the current directory).

    Parameters
    ----------
    start : path-like, optional

    Returns
    -------
    pathlib.Path or None
    """
    here = Path(__file__).resolve().parents[2]
    if _is_root(here):
        return here
    p = Path(start or os.getcwd()).resolve()
    for cand in (p, *p.parents):
        if _is_root(cand):
            return cand
    return None


def default_binary() -> Path:
    """Path of the talentsim binary.

    ``$TALENTSIM_BINARY`` if set, else ``build/release/bin/talentsim`` under
    the repository root, else ``talentsim`` on ``PATH``.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        If none of these exists.
    """
    env = os.environ.get("TALENTSIM_BINARY")
    if env:
        return Path(env)
    root = find_repo_root()
    if root is not None:
        cand = root / "build" / "release" / "bin" / "talentsim"
        if cand.exists():
            return cand
    found = shutil.which("talentsim")
    if found:
        return Path(found)
    raise FileNotFoundError(
        "talentsim binary not found: set TALENTSIM_BINARY or build it (make build)"
    )


def _set_args(sets: SetArg) -> list:
    if not sets:
        return []
    items: Iterable[str]
    if isinstance(sets, Mapping):
        items = [f"{k}={v}" for k, v in sets.items()]
    else:
        items = list(sets)
    out = []
    for item in items:
        out += ["--set", item]
    return out


def simulate(
    output: "str | os.PathLike[str]",
    scenario: "str | os.PathLike[str] | None" = None,
    *,
    seed: Optional[int] = None,
    steps: Optional[int] = None,
    sets: SetArg = None,
    threads: Optional[int] = None,
    binary: "str | os.PathLike[str] | None" = None,
    timeout: Optional[float] = None,
) -> Path:
    """Run ``talentsim run`` and return the output path.

    Parameters
    ----------
    output : path-like
        The ``.h5`` file to write (parent folders are created by talentsim).
    scenario : path-like, optional
        Scenario file; None runs the embedded default (the 2025 story).
    seed, steps : int, optional
        ``--seed`` / ``--steps``.
    sets : mapping or sequence of "key.path=value", optional
        ``--set`` overrides, e.g. ``{"market.taste_noise": 0.2}``.
    threads : int, optional
        ``--threads`` (never changes results).
    binary : path-like, optional
        Default :func:`default_binary`.
    timeout : float, optional
        Seconds before the run is killed.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    RuntimeError
        If talentsim exits with a non-zero status (its stderr is included).
    """
    exe = Path(binary) if binary is not None else default_binary()
    cmd = [str(exe), "run"]
    if scenario is not None:
        cmd.append(os.fspath(scenario))
    cmd += ["-o", os.fspath(output), "--quiet"]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    if steps is not None:
        cmd += ["--steps", str(steps)]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    cmd += _set_args(sets)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} failed with status {proc.returncode}: {proc.stderr.strip()}"
        )
    return Path(output)


def ensure_run(output: "str | os.PathLike[str]", scenario=None, **kwargs) -> Path:
    """Return ``output``, running :func:`simulate` first if it does not exist.

    Parameters
    ----------
    output : path-like
    scenario : path-like, optional
    **kwargs
        Passed to :func:`simulate`.

    Returns
    -------
    pathlib.Path
    """
    out = Path(output)
    if not out.exists():
        simulate(out, scenario, **kwargs)
    return out
