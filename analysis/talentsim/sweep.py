"""Sweeps as xarray datasets.

``talentsim sweep collect DIR`` merges a sweep into ``DIR/sweep.h5`` with one
dimension per swept parameter (plus ``seed`` and ``step``);
:func:`open_sweep` reads it. For a plain directory of run files (no
``sweep.h5``), it stacks the runs along a ``run`` dimension instead, with the
parameters that differ between them as coordinates.
"""

from __future__ import annotations

import glob
import os

import h5py
import re
from typing import Any, Dict, Iterable, List, Sequence

import numpy as np
import xarray as xr

from .run import open_run

__all__ = ["flatten_scenario", "varying_parameters", "open_sweep", "read_sweep_file"]

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
    return x.decode() if isinstance(x, bytes) else str(x)


def read_sweep_file(path: "str | os.PathLike[str]") -> xr.Dataset:
    """Read a ``sweep.h5`` written by ``talentsim sweep collect``.

    Parameters
    ----------
    path : str or os.PathLike
        The collected file.

    Returns
    -------
    xarray.Dataset
        One variable per collected output, with dims named after the sweep's
        dimensions (each swept key path, ``zip<k>``/``sample`` for grouped
        keys, ``seed``, ``step``, ``country``); missing or failed points are
        NaN and listed in ``attrs["missing_points"]``.
    """
    from .errors import TalentsimFormatError

    try:
        f = h5py.File(os.fspath(path), "r")
    except OSError as e:
        raise TalentsimFormatError(f"{path}: cannot open as HDF5 ({e})") from e
    with f:
        if _text(f.attrs.get("format", "")) != "talentsim-sweep":
            raise TalentsimFormatError(f"{path}: not a talentsim sweep file")
        if int(f.attrs.get("schema_version", 0)) > 1:
            raise TalentsimFormatError(f"{path}: written by a newer talentsim")
        coords: Dict[str, Any] = {}
        for name, ds in f["coords"].items():
            values = ds[()]
            if values.dtype.kind in "OS":
                values = np.array([_text(v) for v in values])
            dim = _text(ds.attrs.get("dim", "country" if name == "country" else name))
            coords[name] = ((dim,), values)
        data_vars = {}
        for group in ("metrics", "by_country"):
            for name, ds in f[group].items():
                dims = tuple(_text(d) for d in ds.attrs["dims"])
                values = ds[()]
                # A final-only collection keeps a step axis of length 1.
                if "step" in dims and "step" not in coords:
                    values = values.squeeze(axis=dims.index("step"))
                    dims = tuple(d for d in dims if d != "step")
                data_vars[name] = (dims, values)
        out = xr.Dataset(data_vars, coords=coords)
        out.attrs.update({k: (_text(v) if isinstance(v, (bytes, str)) else v) for k, v in f.attrs.items()
                          if k != "dims"})
        out.attrs["dims"] = [_text(d) for d in f.attrs["dims"]]
        out.attrs["missing_points"] = f["points/missing"][()].tolist()
        return out


def open_sweep(
    directory: "str | os.PathLike[str]",
    pattern: str = "*.h5",
    ignore: Iterable[str] = DEFAULT_IGNORE,
    by_country: bool = True,
) -> xr.Dataset:
    """Read every run in a directory and stack the metrics along ``run``.

    Interim producer: until ``talentsim sweep collect`` writes
    ``DIR/sweep.h5`` (the sweep issue), this reads each ``*.h5`` run file
    in ``directory``, stacks :attr:`Run.metrics` (and :attr:`Run.by_country`)
    along a new ``run`` dimension, and finds the swept parameters by
    comparing the runs' resolved scenarios: every key path whose value
    differs across runs (``run.seed`` included) becomes a coordinate along
    ``run`` named by the key path (``"market.taste_noise"``, ...).

    Parameters
    ----------
    directory : str or os.PathLike
        Folder holding the run files (``*.h5.tmp`` files of unfinished
        runs are not matched).
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
    >>> ds = open_sweep("sweeps/taste/")                          # doctest: +SKIP
    >>> ds.talent_hhi.isel(step=-1).groupby("market.taste_noise").mean()  # doctest: +SKIP
    """
    directory = os.fspath(directory)
    collected = os.path.join(directory, "sweep.h5")
    if os.path.isfile(collected):
        return read_sweep_file(collected)
    files = sorted(glob.glob(os.path.join(directory, pattern)))
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
        "producer": "talentsim.open_sweep (directory of run files; interim until sweep.h5)",
        "source": directory,
    }
    return ds
