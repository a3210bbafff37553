"""Reading one talentsim run file (HDF5, schema version 1).

The layout is documented in ``docs/output.md``. :func:`open_run` checks the
provenance attributes and returns a :class:`Run`, which reads datasets on
first access and caches them.
"""

from __future__ import annotations

import os
import tomllib
import warnings
from typing import Any, Dict, Iterable, Optional, Sequence

import h5py
import numpy as np
import pandas as pd
import xarray as xr

from .errors import IncompleteRunWarning, TalentsimFormatError

__all__ = [
    "SUPPORTED_SCHEMA_MAJOR",
    "JOB_SEEKING",
    "NOT_PRESENT",
    "EVENT_KINDS",
    "Run",
    "open_run",
]

#: Newest schema version this package reads (it reads 1 to 3: schema 2
#: stores strings fixed-length, which h5py returns as bytes; schema 3 adds
#: the firm exit columns /firms/exit_*; see docs/output.md).
SUPPORTED_SCHEMA_MAJOR = 4

#: Exit reason names by code (/firms/exit_reason), when the file has no
#: ``reason_names`` attribute.
EXIT_REASONS = ("none", "cash", "team")
_EXIT_COLUMNS = ("exit_step", "exit_buyer", "exit_reason", "exit_price", "exit_staff")

#: Label used for firm index ``-1`` (no firm) in :attr:`Run.events` and
#: :meth:`Run.flows`.
JOB_SEEKING = "job seeking"

#: Label of employer code -2 in :meth:`Run.firm_label`.
NOT_PRESENT_LABEL = "not present"

#: Employer code of a researcher who is not present (not yet entered, or
#: retired) in :meth:`Run.employer_at`.
NOT_PRESENT = -2

#: Event kind names by code, as documented in docs/output.md (the file's own
#: ``kind_names`` attribute takes precedence when present).
EVENT_KINDS = (
    "hire",
    "poach",
    "retention",
    "layoff",
    "bankruptcy",
    "acquisition",
    "spinout",
    "graduate",
    "retirement",
    "outside",
)

_REQUIRED_GROUPS = ("countries", "firms", "firms/series", "metrics", "events", "researchers")
_EVENT_COLUMNS = (
    "step",
    "researcher",
    "from_firm",
    "to_firm",
    "kind",
    "salary",
    "signing",
    "equity",
    "annual_value",
    "outreach",
)


def _py(value: Any) -> Any:
    """Convert an HDF5 attribute value to a plain Python value."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return [_py(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _schema_major(value: Any) -> int:
    """Major version of a ``schema_version`` attribute, which must be an integer.

    Raises
    ------
    ValueError
        If the attribute is not an integer (a float such as 1.9, a string,
        an array).
    """
    value = _py(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    kind = type(value).__name__
    raise ValueError(f"root attribute 'schema_version' is {value!r} ({kind}), expected an integer")


#: Root attributes with a fixed type (docs/output.md, "Root attributes"),
#: checked when present.
_ATTR_TYPES = {
    "talentsim_version": str,
    "git_commit": str,
    "scenario": str,
    "created": str,
    "start_date": str,
    "seed": int,
    "steps": int,
    "steps_per_year": int,
    "complete": int,
}

#: Dimension symbols of the layout check and what they count.
_DIM_LABELS = {
    "C": "countries",
    "K": "fields",
    "F": "firms",
    "T": "step rows (steps + 1)",
    "R": "researchers",
    "S": "snapshots",
    "E": "events",
}


def _dtype_kind(ds: "h5py.Dataset") -> str:
    """``"str"``, ``"int"``, ``"num"`` (float or bool) or ``"other"``."""
    if h5py.check_string_dtype(ds.dtype) is not None:
        return "str"
    if ds.dtype.kind in "iu":
        return "int"
    if ds.dtype.kind in "fb":
        return "num"
    return "other"


class Run:
    """One talentsim run file, read lazily.

    Use :func:`open_run` to create one. Datasets are read from the HDF5
    file the first time a property needs them and cached; :meth:`close`
    releases the file (cached tables stay usable). A run is a context
    manager::

        with talentsim.open_run("runs/meta_superintelligence_2025.h5") as run:
            run.metrics.pay_max.plot()

    Parameters
    ----------
    path : str or os.PathLike
        Path of the ``.h5`` file written by ``talentsim run``.

    Raises
    ------
    TalentsimFormatError
        If the file is not HDF5, is truncated, was not written by talentsim
        or uses a newer major schema version.

    Warns
    -----
    IncompleteRunWarning
        If the root attribute ``complete`` is 0 (interrupted run).
    """

    def __init__(self, path: "str | os.PathLike[str]"):
        self.path = os.fspath(path)
        self._cache: Dict[str, Any] = {}
        self._h5: Optional[h5py.File] = None
        try:
            self._h5 = h5py.File(self.path, "r")
        except FileNotFoundError:
            raise
        except (OSError, ValueError) as exc:
            raise TalentsimFormatError(
                f"{self.path}: not a readable HDF5 file (truncated, damaged or "
                f"not HDF5): {exc}"
            ) from exc
        try:
            self._check()
        except BaseException:
            self._h5.close()
            self._h5 = None
            raise

    # ------------------------------------------------------------------
    # file handling
    def _check(self) -> None:
        h5 = self._h5
        assert h5 is not None
        try:
            attrs = {k: _py(v) for k, v in h5.attrs.items()}
        except (OSError, RuntimeError, KeyError) as exc:
            raise TalentsimFormatError(f"{self.path}: cannot read root attributes: {exc}") from exc
        fmt = attrs.get("format")
        if fmt != "talentsim":
            raise TalentsimFormatError(
                f"{self.path}: not a talentsim output file (root attribute "
                f"'format' is {fmt!r}, expected 'talentsim')"
            )
        if "schema_version" not in attrs:
            raise TalentsimFormatError(f"{self.path}: root attribute 'schema_version' is missing")
        try:
            major = _schema_major(attrs["schema_version"])
        except ValueError as exc:
            raise TalentsimFormatError(f"{self.path}: {exc}") from exc
        if major > SUPPORTED_SCHEMA_MAJOR:
            raise TalentsimFormatError(
                f"{self.path}: schema_version {attrs['schema_version']} is newer than "
                f"this talentsim package reads (major {SUPPORTED_SCHEMA_MAJOR}); "
                f"update the analysis package"
            )
        if major < 1:
            raise TalentsimFormatError(
                f"{self.path}: unsupported schema_version {attrs['schema_version']!r}"
            )
        try:
            missing = [g for g in _REQUIRED_GROUPS if g not in h5]
        except (OSError, RuntimeError, KeyError) as exc:
            raise TalentsimFormatError(f"{self.path}: damaged file: {exc}") from exc
        if missing:
            raise TalentsimFormatError(
                f"{self.path}: missing group(s) {', '.join('/' + g for g in missing)}; "
                f"the file is damaged or not a complete talentsim output"
            )
        for name, typ in _ATTR_TYPES.items():
            value = attrs.get(name)
            if value is not None and (not isinstance(value, typ) or isinstance(value, bool)):
                raise TalentsimFormatError(
                    f"{self.path}: root attribute {name!r} is {value!r}, expected "
                    f"{'an integer' if typ is int else 'a string'}"
                )
        self._check_layout()
        self._cache["attrs"] = attrs
        if attrs.get("complete", 1) != 1:
            warnings.warn(
                f"{self.path}: run is marked incomplete (interrupted); series hold "
                f"only the steps written",
                IncompleteRunWarning,
                stacklevel=3,
            )

    def _error(self, name: str, reason: str) -> TalentsimFormatError:
        return TalentsimFormatError(f"{self.path}: /{name} {reason}")

    def _check_layout(self) -> None:
        """Check kinds and shapes of every dataset read, against each other.

        Reads metadata only. Every dataset of docs/output.md that this
        package reads must exist with its dtype kind and rank, and the sizes
        it shares with others (countries C, fields K, firms F, step rows T,
        researchers R, snapshots S, events E) must agree, so that no later
        read indexes past an edited or damaged table. Index values are
        checked when a table is first read (:meth:`_read_index`).

        Raises
        ------
        TalentsimFormatError
            Naming the first dataset that does not fit.
        """
        h5 = self._h5
        assert h5 is not None
        sizes: Dict[str, tuple] = {}  # symbol -> (size, dataset that set it)

        def dataset(name: str) -> h5py.Dataset:
            try:
                obj = h5.get(name)
            except (OSError, RuntimeError, KeyError, ValueError) as exc:
                raise self._error(name, f"cannot be opened: {exc}") from exc
            if obj is None:
                raise self._error(name, "is missing")
            if not isinstance(obj, h5py.Dataset):
                raise self._error(name, "is a group, expected a dataset")
            return obj

        def expect(name: str, dims: Sequence[str], kind: str) -> tuple:
            ds = dataset(name)
            got = _dtype_kind(ds)
            if got != kind and not (kind == "num" and got == "int"):
                want = {"str": "strings", "int": "integers", "num": "numbers"}[kind]
                raise self._error(name, f"has dtype {ds.dtype}, expected {want}")
            shape = tuple(int(n) for n in ds.shape)
            if len(shape) != len(dims):
                raise self._error(name, f"has shape {list(shape)}, expected [{', '.join(dims)}]")
            for sym, n in zip(dims, shape):
                if sym == "W":  # snapshot width: at most R (checked below)
                    continue
                if sym not in sizes:
                    sizes[sym] = (n, name)
                elif sizes[sym][0] != n:
                    size, source = sizes[sym]
                    raise self._error(
                        name, f"has shape {list(shape)}: {n} {_DIM_LABELS[sym]}, but /{source} has {size}"
                    )
            return shape

        def datasets_in(group: str) -> list:
            try:
                return [k for k, v in h5[group].items() if isinstance(v, h5py.Dataset)]
            except (OSError, RuntimeError, KeyError) as exc:
                raise self._error(group, f"cannot be listed: {exc}") from exc

        expect("countries/name", ["C"], "str")
        expect("fields/name", ["K"], "str")
        expect("firms/name", ["F"], "str")
        expect("firms/kind", ["F"], "str")
        expect("firms/country", ["F"], "int")
        self._cache["schema"] = int(_schema_major(h5.attrs["schema_version"]))
        if self._cache["schema"] >= 3 or "firms/exit_step" in h5:
            for name in _EXIT_COLUMNS:
                expect("firms/" + name, ["F"], "num" if name == "exit_price" else "int")
        series = datasets_in("firms/series")
        if not series:
            raise self._error("firms/series", "holds no series")
        for name in series:
            expect("firms/series/" + name, ["T", "F"], "num")
        if sizes["T"][0] < 1:
            raise self._error(sizes["T"][1], "has no step rows")
        for name in datasets_in("metrics"):
            expect("metrics/" + name, ["T"], "num")
        if "metrics/by_country" in h5:
            for name in datasets_in("metrics/by_country"):
                expect("metrics/by_country/" + name, ["T", "C"], "num")
        expect("researchers/skill", ["R"], "num")
        for name in ("field", "origin", "entered_step"):
            expect("researchers/" + name, ["R"], "int")
        if "researchers/study" in h5:
            expect("researchers/study", ["R"], "int")
        expect("researchers/snapshots/step", ["S"], "int")
        for name, kind in (("employer", "int"), ("annual_value", "num")):
            shape = expect("researchers/snapshots/" + name, ["S", "W"], kind)
            if shape[1] > sizes["R"][0]:
                raise self._error(
                    "researchers/snapshots/" + name,
                    f"has shape {list(shape)}: {shape[1]} researchers, but /researchers/skill has "
                    f"{sizes['R'][0]}",
                )
        for col in _EVENT_COLUMNS:
            kind = "int" if col in ("step", "researcher", "from_firm", "to_firm", "kind") else "num"
            expect("events/" + col, ["E"], kind)
        self._cache["sizes"] = {sym: n for sym, (n, _) in sizes.items()}

    def _read_index(self, name: str, lo: int, hi: int, what: str) -> np.ndarray:
        """Read an index dataset and check every value is in ``lo .. hi - 1``.

        Raises
        ------
        TalentsimFormatError
            Naming the dataset, the first bad value and its position.
        """
        data = self._read(name)
        key = "checked:" + name
        if key not in self._cache and data.size:
            bad = (data < lo) | (data >= hi)
            if bad.any():
                pos = np.unravel_index(int(np.argmax(bad)), data.shape)
                where = ", ".join(str(int(p)) for p in pos)
                raise self._error(
                    name, f"holds {data[pos]} at [{where}], outside {lo}..{hi - 1} ({what})"
                )
        self._cache[key] = True
        return data

    def _size(self, sym: str) -> int:
        return self._cache["sizes"][sym]

    @property
    def closed(self) -> bool:
        """bool: True once :meth:`close` was called."""
        return self._h5 is None

    def close(self) -> None:
        """Close the HDF5 file.

        Tables already read stay available; anything not read yet raises
        ``ValueError`` afterwards. Closing twice is harmless.
        """
        if self._h5 is not None:
            self._h5.close()
            self._h5 = None

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        attrs = self._cache.get("attrs", {})
        state = "closed" if self.closed else "open"
        return (
            f"<talentsim.Run {self.path!r} ({state}): scenario "
            f"{self._scenario_name()!r}, steps={attrs.get('steps')}, seed={attrs.get('seed')}>"
        )

    def _scenario_name(self) -> Optional[str]:
        try:
            return self.scenario.get("name")
        except Exception:
            return None

    def _file(self) -> h5py.File:
        if self._h5 is None:
            raise ValueError(f"{self.path}: run is closed")
        return self._h5

    def _has(self, name: str) -> bool:
        try:
            return name in self._file()
        except (OSError, RuntimeError, KeyError, ValueError) as exc:
            if "closed" in str(exc):
                raise
            raise TalentsimFormatError(f"{self.path}: damaged file: {exc}") from exc

    def _node(self, name: str) -> Any:
        """``self._file()[name]``; HDF5 errors (a damaged header whose
        checksum fails, a missing object) become TalentsimFormatError."""
        h5 = self._file()
        try:
            return h5[name]
        except KeyError as exc:
            what = "is damaged" if "checksum" in str(exc) else "is missing"
            raise TalentsimFormatError(f"{self.path}: dataset /{name} {what}") from exc
        except (OSError, RuntimeError, TypeError, ValueError) as exc:
            raise TalentsimFormatError(f"{self.path}: /{name} is damaged: {exc}") from exc

    def _read(self, name: str, strings: bool = False) -> np.ndarray:
        """Read (and cache) a whole dataset."""
        key = "ds:" + name
        if key in self._cache:
            return self._cache[key]
        h5 = self._file()
        try:
            ds = self._node(name)
            data = ds.asstr()[()] if strings else ds[()]
        except KeyError as exc:
            raise TalentsimFormatError(f"{self.path}: dataset /{name} is missing") from exc
        except (OSError, RuntimeError, TypeError, ValueError) as exc:
            raise TalentsimFormatError(f"{self.path}: cannot read /{name}: {exc}") from exc
        data = np.asarray(data)
        self._cache[key] = data
        return data

    def _units(self, name: str) -> Optional[str]:
        try:
            u = self._node(name).attrs.get("units")
        except (OSError, RuntimeError, KeyError, TypeError) as exc:
            raise TalentsimFormatError(f"{self.path}: /{name}: units cannot be read: {exc}") from exc
        return None if u is None else _py(u)

    def _names_in(self, group: str) -> list:
        """Datasets (not groups) directly in ``group``, in file order."""
        key = "names:" + group
        if key not in self._cache:
            g = self._node(group)
            try:
                self._cache[key] = [k for k, v in g.items() if isinstance(v, h5py.Dataset)]
            except (OSError, RuntimeError, KeyError) as exc:
                raise TalentsimFormatError(f"{self.path}: /{group} is damaged: {exc}") from exc
        return self._cache[key]

    # ------------------------------------------------------------------
    # provenance
    @property
    def attrs(self) -> Dict[str, Any]:
        """dict: root attributes (provenance) as plain Python values.

        Keys: ``format``, ``schema_version``, ``talentsim_version``,
        ``git_commit``, ``scenario`` (TOML text), ``seed``, ``steps``,
        ``steps_per_year``, ``created``, ``complete``.
        """
        return dict(self._cache["attrs"])

    @property
    def scenario(self) -> Dict[str, Any]:
        """dict: the resolved scenario, parsed from the ``scenario`` attribute.

        Every key is explicit (defaults applied, ``--set`` overrides
        included), so e.g. ``run.scenario["market"]["taste_noise"]`` is always
        present.
        """
        if "scenario" not in self._cache:
            text = self._cache["attrs"].get("scenario", "")
            try:
                self._cache["scenario"] = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise TalentsimFormatError(
                    f"{self.path}: root attribute 'scenario' is not valid TOML: {exc}"
                ) from exc
        return self._cache["scenario"]

    @property
    def name(self) -> Optional[str]:
        """str: the scenario name (``scenario["name"]``)."""
        return self.scenario.get("name")

    # ------------------------------------------------------------------
    # time
    @property
    def steps(self) -> np.ndarray:
        """numpy.ndarray: the steps stored, ``0 .. steps`` (step 0 is the initial state)."""
        if "steps" not in self._cache:
            self._cache["steps"] = np.arange(self._size("T"), dtype=np.int64)
        return self._cache["steps"]

    @property
    def steps_per_year(self) -> int:
        """int: steps per year (52: one step is one week)."""
        return int(self._cache["attrs"].get("steps_per_year", 52))

    @property
    def start_date(self) -> Optional[pd.Timestamp]:
        """pandas.Timestamp or None: ``run.start_date`` of the scenario, if set."""
        start = self.scenario.get("run", {}).get("start_date")
        if start in (None, ""):
            return None
        return pd.Timestamp(str(start))

    @property
    def dates(self) -> Optional[pd.DatetimeIndex]:
        """pandas.DatetimeIndex or None: the date each step starts.

        Step ``n`` starts on ``run.start_date + 7 n`` days (weekly steps);
        None when the scenario has no ``run.start_date``.
        """
        start = self.start_date
        if start is None:
            return None
        spy = self.steps_per_year
        period = pd.Timedelta(days=7) if spy == 52 else pd.Timedelta(days=365.25 / spy)
        return pd.DatetimeIndex(start + period * self.steps, name="date")

    def date_of(self, step: "int | Sequence[int]") -> Any:
        """Date(s) a step starts on, or the step itself when no start date is set.

        Parameters
        ----------
        step : int or array-like of int

        Returns
        -------
        pandas.Timestamp, pandas.DatetimeIndex or the input
        """
        start = self.start_date
        if start is None:
            return step
        spy = self.steps_per_year
        period = pd.Timedelta(days=7) if spy == 52 else pd.Timedelta(days=365.25 / spy)
        if np.ndim(step) == 0:
            return start + period * int(step)
        return pd.DatetimeIndex(start + period * np.asarray(step, dtype=np.int64))

    # ------------------------------------------------------------------
    # static tables
    @property
    def countries(self) -> np.ndarray:
        """numpy.ndarray of str: country names (index = country index)."""
        return self._read("countries/name", strings=True)

    @property
    def fields(self) -> np.ndarray:
        """numpy.ndarray of str: research field names (index = field index)."""
        return self._read("fields/name", strings=True)

    @property
    def firm_names(self) -> np.ndarray:
        """numpy.ndarray of str: names of all firm slots, ``""`` for unused slots.

        Index = firm index as used in events and snapshots.
        """
        return self._read("firms/name", strings=True)

    def firm_index(self, name: str) -> int:
        """Index of the firm called ``name``.

        Parameters
        ----------
        name : str

        Returns
        -------
        int

        Raises
        ------
        KeyError
            If no firm has this name.
        """
        hits = np.flatnonzero(self.firm_names == name)
        if len(hits) == 0:
            raise KeyError(f"no firm named {name!r}")
        return int(hits[0])

    def firm_label(self, index: "int | Iterable[int]") -> Any:
        """Firm name(s) for firm index(es), as used in events and snapshots.

        ``-1`` gives ``"job seeking"`` and ``-2`` (in :meth:`employer_at`)
        ``"not present"``.

        Parameters
        ----------
        index : int or array-like of int

        Returns
        -------
        str or numpy.ndarray of str
        """
        names = np.append(self.firm_names, [JOB_SEEKING, NOT_PRESENT_LABEL]).astype(object)
        idx = np.asarray(index, dtype=np.int64)
        pos = np.where(idx == -1, len(names) - 2, np.where(idx < -1, len(names) - 1, idx))
        out = names[pos]
        return out if np.ndim(idx) else str(out)

    @property
    def firm_table(self) -> pd.DataFrame:
        """pandas.DataFrame: used firm slots: index ``firm_id``; name, kind, country."""
        if "firm_table" not in self._cache:
            names = self.firm_names
            kinds = self._read("firms/kind", strings=True)
            country_idx = self._read_index("firms/country", -1, self._size("C"), "country index").astype(np.int64)
            countries = np.append(self.countries, "").astype(object)
            n = len(names)
            cidx = np.where(country_idx[:n] < 0, len(countries) - 1, country_idx[:n])
            table = pd.DataFrame(
                {
                    "name": names.astype(object),
                    "kind": kinds[:n].astype(object),
                    "country": countries[cidx],
                },
                index=pd.Index(np.arange(n), name="firm_id"),
            )
            self._cache["firm_table"] = table[table["name"] != ""]
        return self._cache["firm_table"]

    @property
    def firm_exits(self) -> pd.DataFrame:
        """pandas.DataFrame: one row per firm that left the market, in exit order.

        Columns: ``step``, ``firm`` (name), ``firm_id``, ``kind`` (of the
        firm), ``reason`` (``"cash"``: its cash fell below zero; ``"team"``:
        a startup whose team is gone), ``outcome`` (``"acquisition"`` or
        ``"bankruptcy"``), ``buyer`` (name, ``None`` for a bankruptcy),
        ``buyer_id`` (-1 for a bankruptcy), ``price`` (USD the buyer paid),
        ``staff`` (employees at the exit, who moved to the buyer or became
        job seekers) and ``date`` with a start date. The metrics
        ``bankruptcies`` and ``acquisitions`` count these rows by step.

        Files of schema 1 and 2 do not record firm exits: the table is empty
        (with these columns) and a warning says so.
        """
        if "firm_exits" not in self._cache:
            columns = ["step", "firm", "firm_id", "kind", "reason", "outcome", "buyer", "buyer_id",
                       "price", "staff"]
            if not self._has("firms/exit_step"):
                warnings.warn(f"{self.path}: written with schema {self.attrs.get('schema_version')}, "
                              f"which does not record firm exits", stacklevel=2)
                self._cache["firm_exits"] = pd.DataFrame({c: [] for c in columns})
                return self._cache["firm_exits"]
            F = self._size("F")
            step = self._read_index("firms/exit_step", -1, self._size("T"), "step or -1")
            buyer = self._read_index("firms/exit_buyer", -1, F, "firm index or -1").astype(np.int64)
            names = self._node("firms/exit_reason").attrs.get("reason_names")
            reasons = list(EXIT_REASONS) if names is None else _py(names)
            if not isinstance(reasons, list) or not all(isinstance(n, str) for n in reasons):
                raise self._error("firms/exit_reason", f"attribute 'reason_names' is {reasons!r}")
            reason = self._read_index("firms/exit_reason", 0, len(reasons), "exit reason code")
            price = self._read("firms/exit_price")
            staff = self._read("firms/exit_staff")
            table = self.firm_table
            exited = np.flatnonzero(step >= 0)
            exited = exited[np.argsort(step[exited], kind="stable")]
            label = np.append(self.firm_names, [None]).astype(object)
            bidx = np.where(buyer[exited] < 0, len(label) - 1, buyer[exited])
            df = pd.DataFrame(
                {
                    "step": step[exited].astype(np.int64),
                    "firm": label[exited],
                    "firm_id": exited.astype(np.int64),
                    "kind": table["kind"].reindex(exited).to_numpy(dtype=object),
                    "reason": np.asarray(reasons, dtype=object)[reason[exited].astype(np.int64)],
                    "outcome": np.where(buyer[exited] >= 0, "acquisition", "bankruptcy").astype(object),
                    "buyer": label[bidx],
                    "buyer_id": buyer[exited],
                    "price": price[exited].astype(float),
                    "staff": staff[exited].astype(np.int64),
                }
            )
            if self.start_date is not None and len(df):
                df["date"] = self.date_of(df["step"].to_numpy())
            self._cache["firm_exits"] = df.rename_axis("exit")
        return self._cache["firm_exits"]

    @property
    def researchers(self) -> pd.DataFrame:
        """pandas.DataFrame: every researcher ever present, index ``researcher``.

        Columns: ``skill`` (float), ``field`` (name), ``origin`` (country
        name), ``entered_step`` (0 for the initial population, else the
        graduation step) and, in schema 3 files, ``study`` (country of
        graduate study).
        """
        if "researchers" not in self._cache:
            field = self._read_index("researchers/field", 0, self._size("K"), "field index").astype(np.int64)
            origin = self._read_index("researchers/origin", 0, self._size("C"), "country index").astype(np.int64)
            fields = self.fields.astype(object)
            countries = self.countries.astype(object)
            df = pd.DataFrame(
                {
                    "skill": self._read("researchers/skill"),
                    "field": fields[field],
                    "origin": countries[origin],
                    "entered_step": self._read("researchers/entered_step"),
                },
                index=pd.Index(np.arange(len(field)), name="researcher"),
            )
            if self._has("researchers/study"):
                study = self._read_index("researchers/study", 0, self._size("C"), "country index")
                df["study"] = countries[study.astype(np.int64)]
            self._cache["researchers"] = df
        return self._cache["researchers"]

    @property
    def n_researchers(self) -> int:
        """int: number of researchers ever present (``R``)."""
        if "n_researchers" not in self._cache:
            self._cache["n_researchers"] = int(self._node("researchers/skill").shape[0])
        return self._cache["n_researchers"]

    # ------------------------------------------------------------------
    # series
    @property
    def firms(self) -> xr.Dataset:
        """xarray.Dataset: firm series, dims ``(step, firm)``.

        One variable per ``/firms/series`` dataset (cash, compute, payroll,
        talent, progress, signing_paid, headcount, hires, departures,
        offers_made, offers_accepted, active, ...) with its ``units``
        attribute. Coordinates: ``firm`` (names; unused capacity slots
        dropped), ``firm_id`` (index in events/snapshots), ``kind``,
        ``country`` (name), ``step`` and, with a start date, ``date``.

        Examples
        --------
        >>> run.firms.headcount.sel(firm="Meta").values                    # doctest: +SKIP
        >>> run.firms.talent.isel(step=-1).to_series().nlargest(5)        # doctest: +SKIP
        """
        if "firms" not in self._cache:
            table = self.firm_table
            keep = table.index.to_numpy()
            data_vars = {}
            for name in self._names_in("firms/series"):
                arr = self._read("firms/series/" + name)
                attrs = {}
                units = self._units("firms/series/" + name)
                if units is not None:
                    attrs["units"] = units
                data_vars[name] = (("step", "firm"), arr[:, keep], attrs)
            coords: Dict[str, Any] = {
                "step": self.steps,
                "firm": table["name"].to_numpy(dtype=object),
                "firm_id": ("firm", keep.astype(np.int64)),
                "kind": ("firm", table["kind"].to_numpy(dtype=object)),
                "country": ("firm", table["country"].to_numpy(dtype=object)),
            }
            if self.dates is not None:
                coords["date"] = ("step", self.dates.values)
            self._cache["firms"] = xr.Dataset(
                data_vars, coords=coords, attrs={"source": self.path, "group": "/firms/series"}
            )
        return self._cache["firms"]

    @property
    def metrics(self) -> pd.DataFrame:
        """pandas.DataFrame: market metrics indexed by ``step``.

        One column per ``/metrics`` dataset (``talent_hhi``,
        ``top1pct_share_top3``, ``pay_median``, ``pay_p99``, ``pay_max``,
        ``pay_gini``, ``moves``, ``poaches``, ``hires_from_pool``,
        ``retentions``, ``bankruptcies``, ``acquisitions``, ``spinouts``,
        ``active_startups``, ``progress_leader``, ``progress_gap``; see
        docs/model.md "Metrics"). ``df.attrs["units"]`` maps column to units.
        """
        if "metrics" not in self._cache:
            cols = {}
            units = {}
            for name in self._names_in("metrics"):
                cols[name] = self._read("metrics/" + name)
                u = self._units("metrics/" + name)
                if u is not None:
                    units[name] = u
            rows = len(next(iter(cols.values()))) if cols else 0
            df = pd.DataFrame(cols, index=pd.Index(np.arange(rows, dtype=np.int64), name="step"))
            df.attrs["units"] = units
            self._cache["metrics"] = df
        return self._cache["metrics"]

    @property
    def by_country(self) -> xr.Dataset:
        """xarray.Dataset: per-country metrics, dims ``(step, country)``.

        Variables ``origin_count``, ``employed_home``, ``employed_abroad``,
        ``brain_drain_share`` (employed abroad / employed, by origin) and
        ``employed_in`` (employed in the country), with ``units``.
        """
        if "by_country" not in self._cache:
            data_vars = {}
            group = "metrics/by_country"
            names = self._names_in(group) if self._has(group) else []
            for name in names:
                attrs = {}
                u = self._units(f"{group}/{name}")
                if u is not None:
                    attrs["units"] = u
                data_vars[name] = (("step", "country"), self._read(f"{group}/{name}"), attrs)
            coords: Dict[str, Any] = {"step": self.steps, "country": self.countries.astype(object)}
            if self.dates is not None:
                coords["date"] = ("step", self.dates.values)
            self._cache["by_country"] = xr.Dataset(
                data_vars, coords=coords, attrs={"source": self.path, "group": "/" + group}
            )
        return self._cache["by_country"]

    # ------------------------------------------------------------------
    # events
    @property
    def kind_names(self) -> list:
        """list of str: event kind names by code (from the ``kind_names`` attribute)."""
        if "kind_names" not in self._cache:
            try:
                names = self._node("events/kind").attrs.get("kind_names")
            except (OSError, RuntimeError, TypeError, ValueError) as exc:
                raise self._error("events/kind", f"attribute 'kind_names' cannot be read: {exc}") from exc
            if names is None:
                names = list(EVENT_KINDS)
            else:
                names = _py(names)
                if (not isinstance(names, list) or not names or len(set(names)) != len(names)
                        or not all(isinstance(n, str) and n for n in names)):
                    raise self._error("events/kind", f"attribute 'kind_names' is {names!r}, expected "
                                      f"distinct non-empty names")
            self._cache["kind_names"] = names
        return self._cache["kind_names"]

    def _kind_code(self, name: str) -> int:
        try:
            return self.kind_names.index(name)
        except ValueError:
            return -100  # kind absent from this file: matches nothing

    def _event_arrays(self) -> Dict[str, np.ndarray]:
        if "event_arrays" not in self._cache:
            F, R = self._size("F"), self._size("R")
            self._read_index("events/step", 0, self._size("T"), "step")
            self._read_index("events/researcher", 0, R, "researcher index")
            self._read_index("events/from_firm", -1, F, "firm index or -1")
            self._read_index("events/to_firm", -1, F, "firm index or -1")
            self._read_index("events/kind", 0, len(self.kind_names), f"kind code of {self.kind_names}")
            cols = {c: self._read("events/" + c) for c in _EVENT_COLUMNS}
            steps = cols["step"]
            if len(steps) > 1 and np.any(np.diff(steps) < 0):
                order = np.argsort(steps, kind="stable")
                cols = {c: v[order] for c, v in cols.items()}
            self._cache["event_arrays"] = cols
        return self._cache["event_arrays"]

    @property
    def events(self) -> pd.DataFrame:
        """pandas.DataFrame: one row per event, in the order they happened.

        Columns:

        - ``step`` (int), ``researcher`` (int index into :attr:`researchers`);
        - ``from_firm``, ``to_firm``: firm names; ``"job seeking"`` for firm
          index -1, except ``None`` for the side that is outside the market
          (``from_firm`` of a ``graduate`` event, ``to_firm`` of a
          ``retirement`` or ``outside``);
        - ``kind``: categorical with the names of the ``kind_names``
          attribute (hire, poach, retention, layoff, bankruptcy,
          acquisition, spinout, graduate, retirement, outside);
        - ``salary`` (USD/yr), ``signing`` (USD), ``equity`` (USD),
          ``annual_value`` (USD/yr): the package after the event;
        - ``outreach`` (bool): the offer came with personal outreach;
        - ``from_firm_id``, ``to_firm_id``: the raw firm indices;
        - ``date`` when the scenario has a start date.
        """
        if "events" not in self._cache:
            ev = self._event_arrays()
            names = np.append(self.firm_names, JOB_SEEKING).astype(object)
            n_job = len(names) - 1
            from_id = ev["from_firm"].astype(np.int64)
            to_id = ev["to_firm"].astype(np.int64)
            from_name = names[np.where(from_id < 0, n_job, from_id)]
            to_name = names[np.where(to_id < 0, n_job, to_id)]
            kinds = ev["kind"].astype(np.int64)
            from_name[kinds == self._kind_code("graduate")] = None
            left = (kinds == self._kind_code("retirement")) | (kinds == self._kind_code("outside"))
            to_name[left] = None
            categories = self.kind_names
            df = pd.DataFrame(
                {
                    "step": ev["step"],
                    "researcher": ev["researcher"],
                    "from_firm": from_name,
                    "to_firm": to_name,
                    "kind": pd.Categorical.from_codes(kinds, categories=categories),
                    "salary": ev["salary"],
                    "signing": ev["signing"],
                    "equity": ev["equity"],
                    "annual_value": ev["annual_value"],
                    "outreach": ev["outreach"].astype(bool),
                    "from_firm_id": ev["from_firm"],
                    "to_firm_id": ev["to_firm"],
                }
            )
            if self.start_date is not None:
                df["date"] = self.date_of(df["step"].to_numpy())
            df.index.name = "event"
            self._cache["events"] = df
        return self._cache["events"]

    def history(self, researcher: int) -> pd.DataFrame:
        """Events of one researcher, in order.

        Parameters
        ----------
        researcher : int
            Researcher index.

        Returns
        -------
        pandas.DataFrame
            The rows of :attr:`events` for this researcher.
        """
        ev = self.events
        return ev[ev["researcher"] == researcher]

    # ------------------------------------------------------------------
    # snapshots and reconstruction
    @property
    def snapshot_steps(self) -> np.ndarray:
        """numpy.ndarray of int: steps at which researcher snapshots were taken."""
        if "snapshot_steps" not in self._cache:
            name = "researchers/snapshots/step"
            steps = self._read_index(name, 0, self._size("T"), "step").astype(np.int64)
            if len(steps) == 0:
                raise self._error(name, "is empty (at least the snapshot of step 0 is expected)")
            if np.any(np.diff(steps) <= 0):
                raise self._error(name, f"is not strictly increasing: {steps.tolist()}")
            self._cache["snapshot_steps"] = steps
        return self._cache["snapshot_steps"]

    def _snapshot_row(self, name: str, i: int) -> np.ndarray:
        key = f"snap:{name}:{i}"
        if key not in self._cache:
            path = "researchers/snapshots/" + name
            try:
                try:
                    row = np.asarray(self._node(path)[i, :])
                except (OSError, RuntimeError, KeyError, TypeError) as exc:
                    raise TalentsimFormatError(f"{self.path}: cannot read /{path}: {exc}") from exc
            except (OSError, RuntimeError, KeyError) as exc:
                raise TalentsimFormatError(f"{self.path}: cannot read snapshot {i}: {exc}") from exc
            if name == "employer" and row.size:
                F = self._size("F")
                bad = (row < NOT_PRESENT) | (row >= F)
                if bad.any():
                    j = int(np.argmax(bad))
                    raise self._error(path, f"holds {row[j]} at [{i}, {j}], outside "
                                      f"{NOT_PRESENT}..{F - 1} (firm index, -1 or -2)")
            self._cache[key] = row
        return self._cache[key]

    def _state_at(self, step: int):
        key = f"state:{step}"
        if key in self._cache:
            return self._cache[key]
        step = int(step)
        last = int(self.steps[-1])
        if step < 0:
            step += last + 1
        if not 0 <= step <= last:
            raise IndexError(f"step {step} outside 0..{last}")
        snaps = self.snapshot_steps
        i = int(np.searchsorted(snaps, step, side="right")) - 1
        if i < 0:
            raise TalentsimFormatError(f"{self.path}: no snapshot at or before step {step}")
        n = self.n_researchers
        employer = np.full(n, NOT_PRESENT, dtype=np.int32)
        value = np.zeros(n, dtype=np.float64)
        emp_row = self._snapshot_row("employer", i)
        val_row = self._snapshot_row("annual_value", i)
        w = min(len(emp_row), n)  # index at or above the width: not entered yet
        employer[:w] = emp_row[:w]
        value[: min(len(val_row), n)] = val_row[: min(len(val_row), n)]
        ev = self._event_arrays()
        lo = int(np.searchsorted(ev["step"], snaps[i], side="right"))
        hi = int(np.searchsorted(ev["step"], step, side="right"))
        if hi > lo:
            r = ev["researcher"][lo:hi].astype(np.int64)
            kind = ev["kind"][lo:hi]
            new_emp = ev["to_firm"][lo:hi].astype(np.int32)
            new_val = ev["annual_value"][lo:hi].astype(np.float64)
            retired = (kind == self._kind_code("retirement")) | (kind == self._kind_code("outside"))
            new_emp = np.where(retired, NOT_PRESENT, new_emp)
            new_val = np.where(retired, 0.0, new_val)
            # last event of each researcher wins
            rev = r[::-1]
            who, first = np.unique(rev, return_index=True)
            last_idx = len(r) - 1 - first
            employer[who] = new_emp[last_idx]
            value[who] = new_val[last_idx]
        self._cache[key] = (employer, value)
        return employer, value

    def employer_at(self, step: int) -> np.ndarray:
        """Every researcher's employer at the end of ``step``.

        Reconstructed from the nearest snapshot at or before ``step`` plus
        the events after it (docs/output.md, "Reconstructing a researcher's
        history"). Equal to a snapshot at a snapshot step.

        Parameters
        ----------
        step : int
            Step ``0 .. steps`` (negative counts from the end).

        Returns
        -------
        numpy.ndarray of int32, shape [R]
            Firm index, ``-1`` job seeker, ``-2`` not present (not yet
            entered, or retired).

        Examples
        --------
        >>> emp = run.employer_at(30)                               # doctest: +SKIP
        >>> (emp == run.firm_index("Meta")).sum()                   # doctest: +SKIP
        """
        return self._state_at(step)[0].copy()

    def annual_value_at(self, step: int) -> np.ndarray:
        """Every researcher's package (annual value, USD/yr) at the end of ``step``.

        Reconstructed like :meth:`employer_at`; 0 without a job.

        Parameters
        ----------
        step : int

        Returns
        -------
        numpy.ndarray of float64, shape [R]
        """
        return self._state_at(step)[1].copy()

    # ------------------------------------------------------------------
    # flows
    def flows(
        self,
        start: int = 0,
        stop: Optional[int] = None,
        kinds: Sequence[str] = ("hire", "poach"),
        drop_empty: bool = False,
    ) -> pd.DataFrame:
        """Firm-to-firm matrix of moves with ``start <= step < stop``.

        Parameters
        ----------
        start, stop : int, optional
            Step range, half-open; ``stop=None`` means to the end.
        kinds : sequence of str, default ("hire", "poach")
            Event kinds counted (market moves by default; add e.g.
            ``"acquisition"`` or ``"layoff"``).
        drop_empty : bool, default False
            Drop rows and columns that are all zero.

        Returns
        -------
        pandas.DataFrame of int64
            Rows ``from`` and columns ``to``, labelled ``"job seeking"`` then
            every named firm in firm-index order; entries count researchers.

        Examples
        --------
        >>> m = run.flows(22, 30)                           # doctest: +SKIP
        >>> m["Meta"].sort_values(ascending=False).head()   # doctest: +SKIP
        """
        ev = self._event_arrays()
        table = self.firm_table
        last = int(self.steps[-1]) + 1
        stop = last if stop is None else stop
        codes = [self._kind_code(k) for k in kinds]
        mask = (ev["step"] >= start) & (ev["step"] < stop) & np.isin(ev["kind"], codes)
        ids = np.concatenate([[-1], table.index.to_numpy()])
        labels = [JOB_SEEKING] + list(table["name"])
        pos = np.full(len(self.firm_names) + 1, -1, dtype=np.int64)  # id+1 -> position
        pos[ids + 1] = np.arange(len(ids))
        f = pos[ev["from_firm"][mask].astype(np.int64) + 1]
        t = pos[ev["to_firm"][mask].astype(np.int64) + 1]
        n = len(ids)
        counts = np.zeros((n, n), dtype=np.int64)
        np.add.at(counts, (f, t), 1)
        df = pd.DataFrame(
            counts,
            index=pd.Index(labels, name="from"),
            columns=pd.Index(labels, name="to"),
        )
        if drop_empty:
            df = df.loc[df.sum(axis=1) > 0, df.sum(axis=0) > 0]
        return df

    # ------------------------------------------------------------------
    # scenario timeline
    @property
    def timeline(self) -> pd.DataFrame:
        """pandas.DataFrame: the scenario's timeline events, for marking plots.

        Columns ``step``, ``label``, ``firm`` (or None), ``country`` (or
        None), ``target`` (firm or country), ``changes`` (a short text of
        the ``set``/``add``/``scale`` tables) and ``date`` when the scenario
        has a start date.
        """
        rows = []
        for ev in self.scenario.get("timeline", []) or []:
            parts = []
            for op in ("set", "add", "scale"):
                for k, v in (ev.get(op) or {}).items():
                    parts.append(f"{op} {k}={v:g}" if isinstance(v, float) else f"{op} {k}={v}")
            rows.append(
                {
                    "step": int(ev.get("step", 0)),
                    "label": ev.get("label", ""),
                    "firm": ev.get("firm"),
                    "country": ev.get("country"),
                    "target": ev.get("firm") or ev.get("country"),
                    "changes": "; ".join(parts),
                }
            )
        df = pd.DataFrame(rows, columns=["step", "label", "firm", "country", "target", "changes"])
        df["step"] = df["step"].astype(np.int64)
        if self.start_date is not None:
            df["date"] = self.date_of(df["step"].to_numpy())
        return df


def open_run(path: "str | os.PathLike[str]") -> Run:
    """Open a talentsim run file.

    Parameters
    ----------
    path : str or os.PathLike
        An ``.h5`` file written by ``talentsim run``.

    Returns
    -------
    Run
        Lazy reader; also a context manager.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    TalentsimFormatError
        If the file is not a readable talentsim output of schema major 1
        (foreign HDF5 file, newer schema, truncated or damaged file).

    Examples
    --------
    >>> import talentsim as ts
    >>> with ts.open_run("runs/meta_superintelligence_2025.h5") as run:  # doctest: +SKIP
    ...     print(run.metrics[["pay_median", "pay_max"]].tail())
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"{os.fspath(path)}: no such run file")
    return Run(path)
