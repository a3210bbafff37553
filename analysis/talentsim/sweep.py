"""Sweeps and stacks of runs as xarray datasets.

Two readers, each with one shape:

- :func:`open_sweep` reads a sweep collected by ``talentsim sweep collect
  DIR`` (``DIR/sweep.h5``): one dimension per swept parameter, then
  ``seed``, ``step`` and, for per-country series, ``country``. It warns
  with :class:`~talentsim.StaleSweepWarning` when run files changed or
  appeared after the collection.
- :func:`stack_runs` stacks a plain folder of run files along a ``run``
  dimension, with the parameters that differ between the runs (found by
  :func:`varying_parameters`) as coordinates along ``run``.
"""

from __future__ import annotations

import glob
import os
import re
import warnings
from typing import Any, Dict, Iterable, List, Optional, Sequence

import h5py
import numpy as np
import xarray as xr

from .errors import StaleSweepWarning, TalentsimFormatError
from .run import _schema_major, open_run

#: Newest schema of collected sweep files (DIR/sweep.h5) this package reads;
#: sweep files have their own schema (docs/sweeps.md), apart from run outputs'.
SUPPORTED_SWEEP_SCHEMA_MAJOR = 2

__all__ = [
    "flatten_scenario",
    "varying_parameters",
    "open_sweep",
    "stack_runs",
    "SWEEP_FILE",
    "POINT_COLLECTED",
    "POINT_MISSING",
    "POINT_FAILED",
]

#: Name of the collected file in a sweep directory.
SWEEP_FILE = "sweep.h5"

#: ``/points/status`` codes of ``sweep.h5``: collected, missing (no run
#: file), failed or incomplete.
POINT_COLLECTED, POINT_MISSING, POINT_FAILED = 0, 1, 2

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")

#: Scenario keys never used as sweep coordinates by default (they differ
#: between runs without changing the simulation).
DEFAULT_IGNORE = ("output.path",)


def _key(k: str) -> str:
    return k if _BARE_KEY.match(k) else '"' + k.replace('"', '\\"') + '"'


def flatten_scenario(scenario: Dict[str, Any], prefix: str = "") -> Dict[str, Any]:
    """Flatten a parsed scenario into ``{key path: value}``.

    Key paths use the ``--set`` notation of docs/scenarios.md: tables are
    joined with dots, arrays of tables with a ``name`` (countries, firms,
    firm_groups) are addressed by name (quoted when it contains spaces,
    e.g. ``firms."Google DeepMind".attention``) and other arrays of tables
    (timeline, pinned) by position (``timeline.0.step``). Arrays of plain
    values are leaves (stored as tuples).

    Parameters
    ----------
    scenario : dict
        A parsed scenario, e.g. :attr:`talentsim.Run.scenario`.
    prefix : str, optional
        Prepended to every key path (used in recursion).

    Returns
    -------
    dict
        Key path -> scalar or tuple.

    Examples
    --------
    >>> flatten_scenario({"market": {"taste_noise": 0.1}, "run": {"seed": 3}})
    {'market.taste_noise': 0.1, 'run.seed': 3}
    """
    out: Dict[str, Any] = {}
    for k, v in scenario.items():
        path = prefix + _key(str(k))
        if isinstance(v, dict):
            if v:
                out.update(flatten_scenario(v, path + "."))
            else:
                out[path] = ()
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            names = [x.get("name") for x in v]
            by_name = all(isinstance(n, str) for n in names) and len(set(names)) == len(names)
            for i, x in enumerate(v):
                sub = _key(names[i]) if by_name else str(i)
                out.update(flatten_scenario(x, path + "." + sub + "."))
        elif isinstance(v, list):
            out[path] = tuple(v)
        else:
            out[path] = v
    return out


_MISSING = object()


def varying_parameters(
    scenarios: Sequence[Dict[str, Any]], ignore: Iterable[str] = DEFAULT_IGNORE
) -> Dict[str, List[Any]]:
    """Key paths whose values differ across scenarios.

    Parameters
    ----------
    scenarios : sequence of dict
        Parsed (resolved) scenarios.
    ignore : iterable of str, default ("output.path",)
        Key paths never reported.

    Returns
    -------
    dict
        Key path -> list of values, one per scenario (None where a scenario
        lacks the key), in sorted key order.
    """
    flat = [flatten_scenario(s) for s in scenarios]
    ignore = set(ignore)
    keys = sorted(set().union(*[f.keys() for f in flat])) if flat else []
    out: Dict[str, List[Any]] = {}
    for key in keys:
        if key in ignore:
            continue
        values = [f.get(key, _MISSING) for f in flat]
        first = values[0]
        if any(v is _MISSING for v in values) or any(v != first for v in values[1:]):
            out[key] = [None if v is _MISSING else v for v in values]
    return out


def _coord_values(values: List[Any]) -> np.ndarray:
    if all(isinstance(v, (bool, np.bool_)) for v in values):
        return np.asarray(values, dtype=bool)
    numeric = all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                  for v in values if v is not None)
    if numeric and any(v is not None for v in values):
        if any(v is None for v in values):
            return np.asarray([np.nan if v is None else v for v in values], dtype=float)
        return np.asarray(values)
    return np.asarray([v if isinstance(v, str) or v is None else repr(v) for v in values], dtype=object)


def _text(x: Any) -> str:
    return x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x)


def _sweep_error(path: str, name: str, reason: str) -> TalentsimFormatError:
    return TalentsimFormatError(f"{path}: /{name} {reason}")


def _strings(values: Any) -> Optional[List[str]]:
    """A 1-d array of strings as a list, else None."""
    arr = np.asarray(values)
    if arr.ndim != 1 or not all(isinstance(v, (str, bytes)) for v in arr.tolist()):
        return None
    return [_text(v) for v in arr.tolist()]


def _read_collected(path: str) -> "tuple[xr.Dataset, np.ndarray, List[str]]":
    """Read and check a ``sweep.h5``.

    Returns
    -------
    (xarray.Dataset, numpy.ndarray, list of str)
        The dataset, ``/points/status`` and ``/points/output``.

    Raises
    ------
    TalentsimFormatError
        Naming the dataset or attribute that does not fit the layout of
        docs/sweeps.md ("sweep.h5").
    """
    try:
        f = h5py.File(path, "r")
    except (OSError, ValueError) as exc:
        raise TalentsimFormatError(f"{path}: not a readable HDF5 file (truncated, damaged or not HDF5): {exc}") from exc
    try:
        with f:
            return _read_collected_file(path, f)
    except TalentsimFormatError:
        raise
    except (OSError, RuntimeError, KeyError, ValueError, TypeError) as exc:
        raise TalentsimFormatError(f"{path}: damaged sweep file: {exc}") from exc


def _read_collected_file(path: str, f: h5py.File) -> "tuple[xr.Dataset, np.ndarray, List[str]]":
    fmt = _text(f.attrs.get("format", ""))
    if fmt != "talentsim-sweep":
        hint = " (a run file: use talentsim.open_run)" if fmt == "talentsim" else ""
        raise TalentsimFormatError(
            f"{path}: not a talentsim sweep file (root attribute 'format' is {fmt!r}, "
            f"expected 'talentsim-sweep'){hint}"
        )
    if "schema_version" not in f.attrs:
        raise TalentsimFormatError(f"{path}: root attribute 'schema_version' is missing")
    try:
        major = _schema_major(f.attrs["schema_version"])
    except ValueError as exc:
        raise TalentsimFormatError(f"{path}: {exc}") from exc
    if major > SUPPORTED_SWEEP_SCHEMA_MAJOR:
        raise TalentsimFormatError(
            f"{path}: schema_version {major} is newer than this talentsim package reads "
            f"(major {SUPPORTED_SWEEP_SCHEMA_MAJOR}); update the analysis package"
        )
    if major < 1:
        raise TalentsimFormatError(f"{path}: unsupported schema_version {major}")
    for group in ("coords", "metrics", "points"):
        if not isinstance(f.get(group), h5py.Group):
            raise _sweep_error(path, group, "is missing (not a complete sweep file)")
    dims = _strings(f.attrs.get("dims", []))
    if dims is None or not dims:
        raise TalentsimFormatError(f"{path}: root attribute 'dims' is missing or not a list of names")

    sizes: Dict[str, tuple] = {}  # dim -> (size, dataset that set it)

    def bind(dim: str, n: int, name: str) -> None:
        if dim not in sizes:
            sizes[dim] = (n, name)
        elif sizes[dim][0] != n:
            raise _sweep_error(path, name, f"has {n} along {dim!r}, but /{sizes[dim][1]} has {sizes[dim][0]}")

    coords: Dict[str, Any] = {}
    for name, ds in f["coords"].items():
        full = "coords/" + name
        if not isinstance(ds, h5py.Dataset) or ds.ndim != 1:
            raise _sweep_error(path, full, "is not a one-dimensional dataset")
        values = ds[()]
        if values.dtype.kind in "OS":
            strings = _strings(values)
            if strings is None:
                raise _sweep_error(path, full, "holds neither numbers nor strings")
            values = np.array(strings, dtype=object)
        elif values.dtype.kind not in "iufb":
            raise _sweep_error(path, full, f"has dtype {values.dtype}, expected numbers or strings")
        dim = _text(ds.attrs.get("dim", name))
        bind(dim, len(values), full)
        coords[name] = ((dim,), values)

    data_vars = {}
    for group in ("metrics", "by_country"):
        if group not in f:
            continue
        for name, ds in f[group].items():
            full = f"{group}/{name}"
            if not isinstance(ds, h5py.Dataset) or ds.dtype.kind not in "iuf":
                raise _sweep_error(path, full, "is not a numeric dataset")
            var_dims = _strings(ds.attrs.get("dims", []))
            if var_dims is None or len(var_dims) != ds.ndim:
                raise _sweep_error(
                    path, full, f"has shape {list(ds.shape)} but its 'dims' attribute is "
                    f"{ds.attrs.get('dims')!r}"
                )
            want = list(dims)
            if "step" not in dims and "step" in var_dims:  # final_only: a step axis of length 1
                want.append("step")
            want += ["country"] if group == "by_country" else []
            if var_dims != want:
                raise _sweep_error(path, full, f"has dims {var_dims}, expected {want} (root attribute 'dims')")
            for d, n in zip(var_dims, ds.shape):
                bind(d, int(n), full)
            values = ds[()]
            # A final-only collection keeps a step axis of length 1 without a coordinate.
            if "step" in var_dims and "step" not in coords:
                if values.shape[var_dims.index("step")] != 1:
                    raise _sweep_error(path, full, "has several steps but /coords/step is missing")
                values = values.squeeze(axis=var_dims.index("step"))
                var_dims = [d for d in var_dims if d != "step"]
            data_vars[name] = (tuple(var_dims), values)
    if not data_vars:
        raise _sweep_error(path, "metrics", "holds no collected series")

    n_points = int(np.prod([sizes[d][0] for d in dims if d != "step"]))
    points = {}
    for name, kind in (("status", "int"), ("output", "str"), ("missing", "int")):
        full = "points/" + name
        ds = f["points"].get(name)
        if not isinstance(ds, h5py.Dataset) or ds.ndim != 1:
            raise _sweep_error(path, full, "is missing or not one-dimensional")
        if kind == "str":
            values = _strings(ds[()])
            if values is None:
                raise _sweep_error(path, full, "does not hold strings")
        else:
            values = ds[()]
            if values.dtype.kind not in "iu":
                raise _sweep_error(path, full, f"has dtype {values.dtype}, expected integers")
        if name != "missing" and len(values) != n_points:
            raise _sweep_error(path, full, f"has {len(values)} entries, but the dimensions give {n_points} points")
        points[name] = values
    status = np.asarray(points["status"], dtype=np.int64)
    bad = ~np.isin(status, (POINT_COLLECTED, POINT_MISSING, POINT_FAILED))
    if bad.any():
        i = int(np.argmax(bad))
        raise _sweep_error(path, "points/status", f"holds {status[i]} at [{i}], expected 0, 1 or 2")
    missing = np.asarray(points["missing"], dtype=np.int64)
    if missing.size and (missing.min() < 0 or missing.max() >= n_points):
        raise _sweep_error(path, "points/missing", f"holds point indices outside 0..{n_points - 1}")

    out = xr.Dataset(data_vars, coords=coords)
    for k, v in f.attrs.items():
        if k != "dims":
            out.attrs[k] = _text(v) if isinstance(v, (bytes, str)) else (v.item() if isinstance(v, np.generic) else v)
    out.attrs["dims"] = [d for d in dims if d in out.dims]
    out.attrs["parameters"] = _swept_parameters(out)
    out.attrs["missing_points"] = missing.tolist()
    return out, status, points["output"]


def _swept_parameters(ds: xr.Dataset) -> List[str]:
    """Key paths of the swept parameters: a grid dimension's own coordinate,
    or the coordinates along a ``zip``/``sample`` dimension."""
    out = []
    for dim in ds.attrs["dims"]:
        if dim in ("seed", "step"):
            continue
        along = [c for c in ds.coords if c != dim and ds[c].dims == (dim,)]
        out.extend(along if along else [dim])
    return out


def _run_file(directory: str, output: str) -> Optional[str]:
    """Where point's run file is now: ``DIR/runs/<name>`` (the sweep directory
    may have moved since collect), else the path stored in ``/points/output``."""
    candidates = []
    if os.path.basename(os.path.dirname(output)) == "runs":
        candidates.append(os.path.join(directory, "runs", os.path.basename(output)))
    candidates.append(output if os.path.isabs(output) else os.path.join(directory, output))
    for c in candidates:
        if os.path.isfile(c):
            return c
    return None


def _is_complete_run(path: str) -> bool:
    try:
        with h5py.File(path, "r") as f:
            return _text(f.attrs.get("format", "")) == "talentsim" and int(f.attrs.get("complete", 0)) == 1
    except Exception:  # unreadable, still being written, damaged: not complete
        return False


def _stale_points(directory: str, collected: str, status: np.ndarray, outputs: List[str]):
    """Points whose run file changed (collected) or appeared complete (missing
    or failed) after ``collected`` was written."""
    written = os.stat(collected).st_mtime_ns
    changed, completed = [], []
    for p, (code, output) in enumerate(zip(status.tolist(), outputs)):
        run = _run_file(directory, output)
        if run is None:
            continue
        if code == POINT_COLLECTED:
            if os.stat(run).st_mtime_ns > written:
                changed.append(p)
        elif _is_complete_run(run):
            completed.append(p)
    return changed, completed


def _few(points: List[int]) -> str:
    shown = ", ".join(map(str, points[:5]))
    return shown + (f", ... ({len(points)} in all)" if len(points) > 5 else "")


def open_sweep(path: "str | os.PathLike[str]", check_stale: bool = True) -> xr.Dataset:
    """Open a collected sweep (``DIR/sweep.h5``) as an xarray Dataset.

    The file is written by ``talentsim sweep collect DIR`` (docs/sweeps.md).
    Every variable has one dimension per swept parameter, in the order of the
    sweep file (a grid parameter's dimension is named by its key path, a
    ``zip`` dimension by its name or ``zip<k>``, a sampled one ``sample``),
    then ``seed``, then ``step`` (absent with ``collect.final_only``), and
    per-country series end with ``country``. To stack a plain folder of run
    files instead, use :func:`stack_runs`.

    Parameters
    ----------
    path : str or os.PathLike
        The sweep directory, or its ``sweep.h5``.
    check_stale : bool, default True
        Compare the run files with the collection and warn when it is stale.

    Returns
    -------
    xarray.Dataset
        The collected metrics (``metrics`` group) and per-country series
        (``by_country`` group) as float64 variables, NaN at points that were
        missing or failed when collected. Coordinates: each dimension's
        values (an index for ``zip``/``sample`` dimensions, whose key paths
        are coordinates along them), ``seed``, ``step``, ``country``.
        ``attrs``: ``name``, ``dims`` (dimension order), ``parameters``
        (swept key paths), ``missing_points`` (point indices not
        collected), ``stale_points`` (see Warns), ``source`` (the file) and
        the provenance of the file (``talentsim_version``, ``git_commit``,
        ``created``).

    Raises
    ------
    FileNotFoundError
        If there is no ``sweep.h5`` (the message says how to collect it, or
        to use :func:`stack_runs` for a folder of runs).
    TalentsimFormatError
        If the file is not a readable sweep file of schema major 1, or its
        datasets disagree (dimension sizes, point tables, status codes).

    Warns
    -----
    StaleSweepWarning
        When ``sweep.h5`` is older than its runs: a collected point's run
        file was modified after the collection, or a point that was missing
        or failed now has a complete run file. The points are listed in
        ``attrs["stale_points"]``; run ``talentsim sweep collect DIR`` again.

    Examples
    --------
    >>> ds = open_sweep("runs/visa")                                  # doctest: +SKIP
    >>> ds.talent_hhi.isel(step=-1).mean("seed").to_pandas()          # doctest: +SKIP
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        directory, collected = path, os.path.join(path, SWEEP_FILE)
        if not os.path.isfile(collected):
            hint = (f"collect it with `talentsim sweep collect {path}`"
                    if os.path.isfile(os.path.join(path, "plan.toml")) else
                    "not a sweep directory; for a folder of run files use talentsim.stack_runs")
            raise FileNotFoundError(f"{path}: no {SWEEP_FILE}: {hint}")
    elif os.path.isfile(path):
        directory, collected = os.path.dirname(os.path.abspath(path)), path
    else:
        raise FileNotFoundError(f"{path}: no such sweep directory or file")
    ds, status, outputs = _read_collected(collected)
    ds.attrs["source"] = collected
    ds.attrs["stale_points"] = []
    if check_stale:
        changed, completed = _stale_points(directory, collected, status, outputs)
        if changed or completed:
            what = []
            if changed:
                what.append(f"{len(changed)} collected run file(s) modified since (points {_few(changed)})")
            if completed:
                what.append(f"{len(completed)} missing or failed point(s) now complete (points {_few(completed)})")
            warnings.warn(
                f"{collected} is stale: {'; '.join(what)}; run `talentsim sweep collect {directory}` again",
                StaleSweepWarning,
                stacklevel=2,
            )
            ds.attrs["stale_points"] = sorted(changed + completed)
    return ds


def stack_runs(
    directory: "str | os.PathLike[str]",
    pattern: str = "*.h5",
    ignore: Iterable[str] = DEFAULT_IGNORE,
    by_country: bool = True,
) -> xr.Dataset:
    """Stack the run files of a folder along a ``run`` dimension.

    Reads each run file matching ``pattern`` in ``directory`` (sorted by
    name; ``*.h5.tmp`` files of unfinished runs and a collected
    ``sweep.h5`` are not matched), stacks :attr:`Run.metrics` (and
    :attr:`Run.by_country`) along a new ``run`` dimension, and finds the
    parameters that differ by comparing the runs' resolved scenarios with
    :func:`varying_parameters`: every key path whose value differs across
    runs (``run.seed`` included) becomes a coordinate along ``run`` named by
    the key path (``"market.taste_noise"``, ...). For a sweep planned and
    collected with ``talentsim sweep``, use :func:`open_sweep`.

    Parameters
    ----------
    directory : str or os.PathLike
        Folder holding the run files.
    pattern : str, default "*.h5"
        Glob pattern of run files inside ``directory``.
    ignore : iterable of str, default ("output.path",)
        Key paths never turned into coordinates.
    by_country : bool, default True
        Also stack the per-country metrics (dims ``run, step, country``).

    Returns
    -------
    xarray.Dataset
        Metrics with dims ``(run, step)`` and per-country metrics with dims
        ``(run, step, country)``; coordinates ``run`` (file stem), ``path``
        and one per varying parameter. Runs of different lengths are padded
        with NaN. ``attrs["parameters"]`` lists the parameter coordinates.

    Raises
    ------
    FileNotFoundError
        If no file matches.
    TalentsimFormatError
        If a matching file is not a talentsim run.

    Examples
    --------
    >>> ds = stack_runs("sweeps/taste/")                                  # doctest: +SKIP
    >>> ds.talent_hhi.isel(step=-1).groupby("market.taste_noise").mean()  # doctest: +SKIP
    """
    directory = os.fspath(directory)
    files = sorted(p for p in glob.glob(os.path.join(directory, pattern))
                   if os.path.basename(p) != SWEEP_FILE)
    if not files:
        raise FileNotFoundError(f"{directory}: no run files matching {pattern!r}")
    per_run = []
    scenarios = []
    for path in files:
        with open_run(path) as run:
            scenarios.append(run.scenario)
            metrics = run.metrics
            units = metrics.attrs.get("units", {})
            data_vars = {
                name: (("step",), metrics[name].to_numpy(), {"units": units[name]} if name in units else {})
                for name in metrics.columns
            }
            coords: Dict[str, Any] = {"step": metrics.index.to_numpy()}
            if by_country:
                bc = run.by_country
                for name, var in bc.data_vars.items():
                    if name in data_vars:
                        name = "by_country_" + name
                    data_vars[name] = (("step", "country"), var.values, dict(var.attrs))
                coords["country"] = bc["country"].values
            per_run.append(xr.Dataset(data_vars, coords=coords))
    ds = xr.concat(per_run, dim="run", join="outer", combine_attrs="drop_conflicts")
    stems = [os.path.splitext(os.path.basename(p))[0] for p in files]
    params = varying_parameters(scenarios, ignore=ignore)
    coords = {"run": np.asarray(stems, dtype=object), "path": ("run", np.asarray(files, dtype=object))}
    for key, values in params.items():
        coords[key] = ("run", _coord_values(values))
    ds = ds.assign_coords(coords)
    ds.attrs = {
        "parameters": list(params),
        "producer": "talentsim.stack_runs",
        "source": directory,
    }
    return ds
