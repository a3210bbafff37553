"""Experiments: a design of parameter points x seeds, run as a sweep, read
back as one tidy table.

An :class:`Experiment` is a base scenario, a design (a table whose columns
are scenario key paths, as ``--set`` takes them, and whose rows are points),
seeds, fixed overrides and *reporters* (functions of a finished
:class:`~talentsim.Run` that return a number, or a few). It is written as a
sweep file with one ``zip`` dimension (the design rows) and the seeds, so
it runs through the same machinery as every other sweep: ``talentsim sweep
plan``, then ``sweep run-local`` on this machine or the Slurm array script
on a cluster, each run to its own HDF5 file. Re-running skips finished runs.
:meth:`Experiment.results` evaluates the reporters on each run file and
returns a pandas DataFrame with one row per (point, seed)::

    import talentsim as ts
    exp = ts.Experiment(
        "scenarios/example_small.toml",
        design=ts.grid({"market.taste_noise": [0.1, 0.3], "countries.US.visa_friction": [0, 1]}),
        seeds=range(1, 6),
        fixed={"run.steps": 52},
        reporters={"hhi": ts.metric("talent_hhi"),
                   "drain_CN": ts.metric("brain_drain_share", country="CN", window=(40, 52)),
                   "exits": lambda run: float(run.metrics.bankruptcies.sum())},
        directory="runs/exp_visa")
    df = exp.run()                  # or exp.run(backend="slurm")
    ts.to_xarray(df)                # dims (point, seed)
    ts.export(df, "visa.nc")        # netCDF (or .csv) for R and Stata

See docs/uncertainty.md ("Experiments").
"""

from __future__ import annotations

import itertools
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd
import xarray as xr

from .engine import toml_value
from .run import Run, open_run
from .simulate import default_binary

__all__ = ["Experiment", "Reporter", "metric", "grid", "to_xarray", "export"]

PathLike = Union[str, "os.PathLike[str]"]


# ---- reporters ----------------------------------------------------------

class Reporter:
    """A named function of a finished run.

    ``fn(run)`` returns a number, a mapping ``{suffix: number}`` or a short
    sequence of numbers; mappings and sequences become several columns
    (``name.suffix``, ``name[i]``).
    """

    def __init__(self, fn: Callable[[Run], Any], description: str = "") -> None:
        self.fn = fn
        self.description = description

    def __call__(self, run: Run) -> Any:
        return self.fn(run)

    def __repr__(self) -> str:
        return f"Reporter({self.description or getattr(self.fn, '__name__', 'fn')})"


def metric(name: str, at: Union[str, int] = "end", window: Optional[Sequence[int]] = None,
           stat: str = "mean", country: Optional[str] = None) -> Reporter:
    """A built-in metric of the run as a reporter.

    Parameters
    ----------
    name : str
        A column of :attr:`Run.metrics` (``talent_hhi``, ``pay_max``, ...) or,
        with ``country``, a variable of :attr:`Run.by_country`
        (``brain_drain_share``, ``employed_abroad``, ...).
    at : "end", "start" or int
        The step whose value is reported (ignored when ``window`` is given).
    window : (first, last), optional
        Steps, inclusive; the ``stat`` of the values in it.
    stat : {"mean", "sum", "min", "max", "median", "change"}
        ``change`` is the value at ``last`` minus the value at ``first``.
    country : str, optional
        For per-country metrics.
    """
    stats = {"mean": np.mean, "sum": np.sum, "min": np.min, "max": np.max,
             "median": np.median, "change": lambda v: v[-1] - v[0]}
    if stat not in stats:
        raise ValueError(f"stat must be one of {sorted(stats)}, got {stat!r}")
    if window is not None and (len(window) != 2 or window[0] > window[1]):
        raise ValueError(f"window must be (first, last) with first <= last, got {window!r}")

    def series(run: Run) -> pd.Series:
        if country is None:
            m = run.metrics
            if name not in m.columns:
                raise KeyError(f"no metric {name!r}; metrics: {', '.join(m.columns)}")
            return m[name]
        bc = run.by_country
        if name not in bc.data_vars:
            raise KeyError(f"no per-country metric {name!r}; have: {', '.join(bc.data_vars)}")
        return bc[name].sel(country=country).to_series()

    def fn(run: Run) -> float:
        s = series(run)
        if window is not None:
            v = s.loc[window[0]:window[1]].to_numpy(dtype=float)
            if v.size == 0:
                raise ValueError(f"window {tuple(window)} holds no step of the run")
            return float(stats[stat](v))
        if at == "end":
            return float(s.iloc[-1])
        if at == "start":
            return float(s.iloc[0])
        return float(s.loc[int(at)])

    where = f"{name}[{country}]" if country else name
    when = f"{stat} over steps {window[0]}..{window[1]}" if window is not None else f"at {at}"
    return Reporter(fn, f"{where} {when}")


def _as_reporter(r: Union[Reporter, Callable[[Run], Any], str]) -> Reporter:
    if isinstance(r, Reporter):
        return r
    if isinstance(r, str):
        return metric(r)
    if callable(r):
        return Reporter(r)
    raise TypeError(f"a reporter is a callable of a Run or a metric name, got {r!r}")


def _columns(name: str, value: Any) -> Dict[str, float]:
    if isinstance(value, Mapping):
        return {f"{name}.{k}": float(v) for k, v in value.items()}
    if isinstance(value, (str, bytes)):
        raise TypeError(f"reporter {name!r} returned a string; reporters return numbers")
    if np.ndim(value) == 0:
        return {name: float(value)}
    return {f"{name}[{i}]": float(v) for i, v in enumerate(np.ravel(value))}


# ---- designs ------------------------------------------------------------

def grid(parameters: Mapping[str, Iterable[Any]]) -> pd.DataFrame:
    """Full-factorial design: every combination of the values, first key slowest."""
    keys = list(parameters)
    rows = list(itertools.product(*(list(parameters[k]) for k in keys)))
    return pd.DataFrame(rows, columns=keys)


def _design_frame(design: Any) -> pd.DataFrame:
    if design is None:
        return pd.DataFrame(index=range(1))
    if hasattr(design, "points") and isinstance(design.points, pd.DataFrame):
        design = design.points  # a design of talentsim.sensitivity
    if isinstance(design, Mapping):
        design = pd.DataFrame(dict(design))
    if not isinstance(design, pd.DataFrame):
        raise TypeError("design must be a DataFrame, a mapping of key path -> values, "
                        "or a design object with .points")
    frame = design.reset_index(drop=True)
    hidden = [c for c in frame.columns if str(c).startswith("_")]
    frame = frame.drop(columns=hidden)
    if len(frame) == 0:
        raise ValueError("the design has no points")
    if frame.columns.duplicated().any():
        raise ValueError("the design names a key path twice")
    return frame


def _toml_value(v: Any) -> str:
    # The scenario's own value writer (as --set takes values); a NaN or
    # infinite design value is refused there, with the value in the message.
    if isinstance(v, (float, np.floating)) and math.isnan(float(v)):
        raise ValueError("a design value is NaN")
    return toml_value(v)


def _toml_key(path: str) -> str:
    # Key paths are written as TOML dotted keys, exactly as --set takes them
    # (bare parts, or quoted ones such as firms."Lab B".ai_value).
    if not path or "\n" in path:
        raise ValueError(f"not a key path: {path!r}")
    return path


# ---- the experiment -----------------------------------------------------

class Experiment:
    """A design x seeds of a base scenario, run as a sweep.

    Parameters
    ----------
    base : path or "embedded:<name>"
        The base scenario.
    design : DataFrame, mapping or design object, optional
        One column per scenario key path, one row per point (see
        :func:`grid` and the designs of :mod:`talentsim.sensitivity`).
        Default: the base scenario alone.
    seeds : iterable of int
        Every point runs once per seed (common seeds across points, so
        comparisons between points are paired).
    reporters : mapping name -> reporter
        A :class:`Reporter`, a callable of a :class:`Run`, or a metric name
        (its value at the last step).
    fixed : mapping, optional
        Overrides applied to every point (``{"run.steps": 52}``).
    directory : path
        Where the sweep lives (its plan, run files, logs). Re-running an
        experiment in the same directory continues it; a directory that
        holds a different experiment is refused.
    name : str, optional
        Default: the directory's name.
    slurm : mapping, optional
        The sweep file's ``[slurm]`` table (``time``, ``mem``,
        ``points_per_task``, ...).
    binary : path, optional
        The talentsim executable (default: :func:`default_binary`).
    """

    def __init__(self, base: PathLike, design: Any = None, *, seeds: Iterable[int] = (1,),
                 reporters: Optional[Mapping[str, Any]] = None,
                 fixed: Optional[Mapping[str, Any]] = None,
                 directory: PathLike, name: Optional[str] = None,
                 slurm: Optional[Mapping[str, Any]] = None,
                 binary: Optional[PathLike] = None) -> None:
        base_text = os.fspath(base)
        self.base = base_text if base_text.startswith("embedded:") \
            else str(Path(base_text).resolve())
        self.design = _design_frame(design)
        self.seeds = [int(s) for s in seeds]
        if not self.seeds:
            raise ValueError("an experiment needs at least one seed")
        if len(set(self.seeds)) != len(self.seeds):
            raise ValueError("seeds repeat")
        self.reporters = {str(k): _as_reporter(v) for k, v in (reporters or {}).items()}
        self.fixed = dict(fixed or {})
        self.directory = Path(directory).resolve()
        self.name = name or re.sub(r"[^A-Za-z0-9_.-]", "_", self.directory.name) or "experiment"
        self.slurm = dict(slurm or {})
        self.binary = Path(binary) if binary is not None else default_binary()

    # ---- files --------------------------------------------------------
    @property
    def sweep_dir(self) -> Path:
        """The planned sweep (plan, manifest, runs/, status/, logs/)."""
        return self.directory / "sweep"

    @property
    def n_runs(self) -> int:
        return len(self.design) * len(self.seeds)

    def sweep_text(self) -> str:
        """The sweep file this experiment runs."""
        lines = ["# Written by talentsim.Experiment; re-running the experiment continues it.",
                 "format_version = 1", f"name = {_toml_value(self.name)}",
                 f"base = {_toml_value(self.base)}",
                 f"seeds = [{', '.join(str(s) for s in self.seeds)}]"]
        if self.fixed:
            lines.append("[set]")
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in self.fixed.items()]
        if len(self.design.columns) > 0:
            lines += ["[[zip]]", 'name = "point"',
                      "paths = [" + ", ".join(_toml_value(str(c)) for c in self.design.columns)
                      + "]", "values = ["]
            for row in self.design.itertuples(index=False):
                lines.append("  [" + ", ".join(_toml_value(v) for v in row) + "],")
            lines.append("]")
        if self.slurm:
            lines.append("[slurm]")
            for k, v in self.slurm.items():
                if isinstance(v, (list, tuple)):
                    lines.append(f"{k} = [" + ", ".join(_toml_value(x) for x in v) + "]")
                else:
                    lines.append(f"{k} = {_toml_value(v)}")
        return "\n".join(lines) + "\n"

    def _talentsim(self, *args: Any, env: Optional[Mapping[str, str]] = None,
                   check: bool = True, quiet: bool = True) -> subprocess.CompletedProcess:
        r = subprocess.run([str(self.binary), *map(str, args)], capture_output=quiet, text=True,
                           env=None if env is None else dict(env))
        if check and r.returncode != 0:
            message = (r.stderr or "").strip().splitlines()
            raise RuntimeError(f"talentsim {args[0]} {args[1]}: "
                               + (message[-1] if message else f"exit status {r.returncode}"))
        return r

    def plan(self) -> Path:
        """Writes the sweep file and plans it (idempotent); the sweep directory."""
        self.directory.mkdir(parents=True, exist_ok=True)
        sweep_file = self.directory / "experiment.toml"
        text = self.sweep_text()
        if not sweep_file.exists() or sweep_file.read_text() != text:
            sweep_file.write_text(text)
        self._talentsim("sweep", "plan", sweep_file, "-o", self.sweep_dir)
        return self.sweep_dir

    # ---- running ------------------------------------------------------
    def _outputs(self) -> List[Path]:
        manifest = pd.read_csv(self.sweep_dir / "manifest.tsv", sep="\t", dtype=str,
                               keep_default_na=False, quoting=3)
        if len(manifest) != self.n_runs:
            raise RuntimeError(f"{self.sweep_dir}: the plan has {len(manifest)} runs, "
                               f"this experiment {self.n_runs}")
        seeds = manifest["seed"].astype(int).to_numpy()
        expected = np.tile(self.seeds, len(self.design))
        if not np.array_equal(seeds, expected):
            raise RuntimeError(f"{self.sweep_dir}: the plan's seeds are not this experiment's")
        out = []
        for o in manifest["output"]:
            p = Path(o)
            out.append(p if p.is_absolute() else self.sweep_dir / p)
        return out

    def finished(self) -> int:
        """How many runs have a complete output file."""
        return sum(1 for p in self._outputs() if _complete(p))

    def run(self, backend: str = "local", *, jobs: Optional[int] = None,
            threads: Optional[int] = None, env: Optional[Mapping[str, str]] = None,
            progress: bool = True, wait: bool = True) -> Optional[pd.DataFrame]:
        """Runs what is not finished, then returns :meth:`results`.

        Parameters
        ----------
        backend : {"local", "slurm"}
            ``local``: ``talentsim sweep run-local`` (``jobs`` processes of
            ``threads`` threads). ``slurm``: the sweep's array script(s)
            through ``sbatch`` (only the tasks not done), waiting for them
            unless ``wait=False`` (then returns None; call
            :meth:`results` later).
        env : mapping, optional
            Environment of the commands (e.g. ``SLURM_CONF``).
        progress : bool
            A progress line with an ETA on stderr while the runs go.
        """
        self.plan()
        if self.finished() == self.n_runs:
            return self.results()
        if backend == "local":
            args: List[Any] = ["sweep", "run-local", self.sweep_dir, "-q"]
            if jobs is not None:
                args += ["-j", int(jobs)]
            if threads is not None:
                args += ["--threads", int(threads)]
            self._watch([str(self.binary), *map(str, args)], env, progress)
        elif backend == "slurm":
            commands = self._sbatch_commands(env)
            for command in commands:
                if wait:
                    command.insert(1, "--wait")
                self._watch(command, env, progress and wait)
            if not wait:
                return None
        else:
            raise ValueError(f"backend must be 'local' or 'slurm', got {backend!r}")
        return self.results()

    def _sbatch_commands(self, env: Optional[Mapping[str, str]]) -> List[List[str]]:
        status = self._talentsim("sweep", "status", self.sweep_dir, env=env, check=False).stdout
        commands = [["sbatch", f"--array={m.group(1)}", m.group(2)]
                    for m in re.finditer(r"sbatch --array=(\S+) (\S+)", status)]
        if not commands:  # nothing run yet: every script whole
            commands = [["sbatch", str(p)] for p in sorted(self.sweep_dir.glob("sweep*.sbatch"))]
        return commands

    def _watch(self, command: List[str], env: Optional[Mapping[str, str]],
               progress: bool) -> None:
        outputs = self._outputs()
        start, done0 = time.monotonic(), sum(1 for p in outputs if _complete(p))
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=None if env is None else dict(env))
        try:
            while proc.poll() is None:
                time.sleep(0.5)
                if progress:
                    _progress(outputs, done0, start)
        except KeyboardInterrupt:
            proc.terminate()  # run-local passes SIGTERM on: running runs checkpoint
            proc.wait()
            raise
        out, err = proc.communicate()
        if progress:
            _progress(outputs, done0, start, end=True)
        if proc.returncode != 0:
            lines = (err or out or "").strip().splitlines()
            raise RuntimeError(f"{' '.join(command[:2])}: "
                               + (lines[-1] if lines else f"exit status {proc.returncode}"))

    # ---- results ------------------------------------------------------
    def results(self) -> pd.DataFrame:
        """One row per (point, seed): the design values, ``seed``, every
        reporter, and ``output`` (the run file). Runs not finished have NaN
        reporters and ``complete`` False."""
        outputs = self._outputs()
        rows = []
        names = list(self.design.columns)
        for i in range(len(self.design)):
            point = [self.design[c].iloc[i] for c in names]  # each column keeps its dtype
            for j, seed in enumerate(self.seeds):
                path = outputs[i * len(self.seeds) + j]
                row: Dict[str, Any] = {"point": i, "seed": seed}
                row.update(zip(names, point))
                complete = _complete(path)
                if complete:
                    with open_run(path) as run:
                        for name, reporter in self.reporters.items():
                            row.update(_columns(name, reporter(run)))
                row["complete"] = complete
                row["output"] = str(path)
                rows.append(row)
        df = pd.DataFrame(rows)
        for name in self.reporters:  # a reporter column exists even if nothing ran
            if not any(c == name or c.startswith(name + ".") or c.startswith(name + "[")
                       for c in df.columns):
                df[name] = np.nan
        df.attrs["parameters"] = names
        df.attrs["reporters"] = {k: repr(v) for k, v in self.reporters.items()}
        df.attrs["base"] = self.base
        return df


def _complete(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        import h5py
        with h5py.File(path, "r") as f:
            return int(f.attrs.get("complete", 0)) == 1
    except OSError:
        return False


def _progress(outputs: List[Path], done0: int, start: float, end: bool = False) -> None:
    done = sum(1 for p in outputs if p.exists())
    total = len(outputs)
    elapsed = time.monotonic() - start
    rate = (done - done0) / elapsed if elapsed > 0 else 0
    eta = f", ETA {max(0.0, (total - done) / rate):.0f} s" if rate > 0 and done < total else ""
    sys.stderr.write(f"\rexperiment: {done}/{total} runs{eta}   " + ("\n" if end else ""))
    sys.stderr.flush()


# ---- tables -------------------------------------------------------------

def to_xarray(df: pd.DataFrame) -> xr.Dataset:
    """An experiment table as an xarray Dataset with dims ``(point, seed)``:
    reporters as variables, design values as coordinates along ``point``."""
    params = list(df.attrs.get("parameters", []))
    skip = {"point", "seed", "complete", "output", *params}
    values = [c for c in df.columns if c not in skip]
    indexed = df.set_index(["point", "seed"])
    ds = xr.Dataset({c: indexed[c].to_xarray() for c in values})
    first = df.drop_duplicates("point").set_index("point")
    for p in params:
        ds = ds.assign_coords({p: ("point", first[p].to_numpy())})
    ds.attrs.update({k: str(v) for k, v in df.attrs.items() if k != "parameters"})
    return ds


def export(df: pd.DataFrame, path: PathLike) -> Path:
    """Writes an experiment table to CSV (``.csv``) or netCDF (``.nc``), for
    R, Stata and others; returns the path."""
    path = Path(path)
    if path.suffix == ".csv":
        df.to_csv(path, index=False)
    elif path.suffix in (".nc", ".nc4", ".cdf"):
        ds = to_xarray(df)
        ds = ds.rename({v: _nc_name(v) for v in ds.variables if _nc_name(v) != v})
        ds.to_netcdf(path, engine="h5netcdf")  # netCDF-4 through h5py
    else:
        raise ValueError(f"{path}: write .csv or .nc")
    return path


def _nc_name(name: Any) -> str:
    # netCDF names cannot hold '/', and tools for R and Stata like plain ones.
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", str(name))
