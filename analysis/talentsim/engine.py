"""The engine in a notebook: step a run, look at it, change it, go on.

``talentsim.Simulation`` drives the C++ engine (the ``talentsim._engine``
module that ``make`` builds into this package) the way ``talentsim run``
does, one step or many at a time::

    import talentsim as ts
    sim = ts.Simulation("scenarios/meta_superintelligence_2025.toml", seed=1)
    sim.run(30)                                      # 30 weekly steps
    sim.firms.sort_values("talent").tail()           # the state after them
    sim.set("countries.CN.retention_subsidy", 5e5)   # a policy from week 31 on
    sim.run()                                        # to the end
    sim.metrics.talent_hhi.plot()

A change made with :meth:`Simulation.set` is the same as a timeline event
at the next step, and is recorded as one in :attr:`Simulation.scenario`, so
the run equals a ``talentsim run`` of that scenario (same seed), dataset for
dataset when written with :meth:`Simulation.write`.
"""

from __future__ import annotations

import json
import math
import os
import tomllib
import warnings
from typing import Any, Callable, Dict, Mapping, Optional, Union

import numpy as np
import pandas as pd

try:
    from . import _engine
except ImportError as exc:  # pragma: no cover - depends on the build
    _engine = None
    _IMPORT_ERROR = exc
else:
    _IMPORT_ERROR = None

__all__ = ["Simulation", "InputError", "engine_available", "toml_value"]

#: Bad input given to the engine (a scenario, an override, a path): a
#: ValueError with the engine's one-line message.
InputError = _engine.InputError if _engine is not None else ValueError

#: The default scenario of ``talentsim run``.
DEFAULT_SCENARIO = "embedded:meta_superintelligence_2025"


def engine_available() -> bool:
    """bool: whether the compiled engine module is importable (``make`` builds it)."""
    return _engine is not None


def toml_value(value: Any) -> str:
    """A Python value as the TOML text ``--set`` takes.

    Examples
    --------
    >>> toml_value(5e5), toml_value(True), toml_value("runs/a.h5"), toml_value(3)
    ('500000.0', 'true', '"runs/a.h5"', '3')
    >>> toml_value({"dist": "uniform", "low": 1, "high": 2.5})
    '{ dist = "uniform", low = 1, high = 2.5 }'
    """
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        x = float(value)
        if not math.isfinite(x):
            raise InputError(f"{x!r} is not a finite number")
        return repr(x)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        items = ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    if isinstance(value, (list, tuple)):
        return "[ " + ", ".join(toml_value(v) for v in value) + " ]"
    raise InputError(f"cannot write {value!r} ({type(value).__name__}) as a scenario value")


class Simulation:
    """A talentsim run driven step by step from Python.

    Parameters
    ----------
    scenario : str or os.PathLike, optional
        A scenario file, ``"embedded:<name>"`` for one compiled into the
        engine (default: the 2025 story, as ``talentsim run`` without a
        file), or the TOML text of a scenario.
    seed, steps : int, optional
        Shorthands for the overrides ``run.seed`` and ``run.steps``.
    threads : int, optional
        Worker threads (never changes results; default: all cores).
    overrides : mapping, optional
        ``{key path: value}`` as ``--set`` takes them, e.g.
        ``{"market.taste_noise": 0.2, 'firms."Lab B".ai_value': 2e11}``.

    Raises
    ------
    InputError
        A scenario or override that ``talentsim validate`` would refuse,
        with the same one-line message.
    """

    def __init__(self, scenario: Union[str, "os.PathLike[str]"] = DEFAULT_SCENARIO, *,
                 seed: Optional[int] = None, steps: Optional[int] = None,
                 threads: Optional[int] = None,
                 overrides: Optional[Mapping[str, Any]] = None) -> None:
        if _engine is None:
            raise ImportError("the talentsim engine module is not built: run `make` in the "
                              f"repository ({_IMPORT_ERROR})")
        pairs = [(str(k), toml_value(v)) for k, v in (overrides or {}).items()]
        if steps is not None:
            pairs.append(("run.steps", toml_value(int(steps))))
        if seed is not None:
            pairs.append(("run.seed", toml_value(int(seed))))
        text = os.fspath(scenario)
        is_text = not text.startswith("embedded:") and ("\n" in text or "=" in text) \
            and not os.path.exists(text)
        self._engine = _engine.Simulation(text, is_text, pairs, threads)
        for note in self._engine.notes:
            warnings.warn(note, stacklevel=2)
        self._metrics = [self._engine.metrics()]

    # ---- stepping -----------------------------------------------------
    def step(self) -> None:
        """Advance one week (every phase of the model)."""
        self.run(1)

    def run(self, n: Optional[int] = None,
            after_step: Optional[Callable[["Simulation"], None]] = None) -> int:
        """Advance ``n`` weeks (default: to the end of the run).

        ``after_step(sim)`` is called after each step. Ctrl-C (or SIGTERM)
        stops after the step in progress and raises KeyboardInterrupt; the
        run can go on. When writing (:meth:`write`), an interruption leaves
        what ``talentsim run`` leaves: a checkpoint (:attr:`checkpoint`) and
        the output so far, marked incomplete, under its final name; this
        object then continues from that checkpoint, and ``talentsim run
        --resume`` can too. Returns the number of steps made.
        """
        def each() -> None:
            self._metrics.append(self._engine.metrics())
            if after_step is not None:
                after_step(self)
        return self._engine.run(-1 if n is None else int(n), each)

    def set(self, path: str, value: Any) -> None:
        """Change a firm or country parameter from the next step on.

        ``path`` and ``value`` as ``--set`` takes them (``"countries.CN.
        retention_subsidy"``, ``'firms."Lab B".ai_value'``), with the same
        checks. The change is a timeline event at the next step, recorded
        in :attr:`scenario`.
        """
        self._engine.set(path, toml_value(value))

    # ---- output -------------------------------------------------------
    def write(self, path: Union[str, "os.PathLike[str]"], overwrite: bool = False,
              checkpoint_every: int = 0,
              checkpoint: Optional[Union[str, "os.PathLike[str]"]] = None) -> None:
        """Write the run to an HDF5 file as ``talentsim run -o path`` does.

        Call it before the first step; the file is finished (renamed to
        ``path``) when the run reaches its last step, or by :meth:`close`
        (then marked incomplete). An existing talentsim output is replaced
        only with ``overwrite=True``, any other file never.
        ``checkpoint_every`` and ``checkpoint`` are ``--checkpoint-every``
        and ``--checkpoint`` of ``talentsim run`` (default path:
        ``path + ".ckpt"``; a checkpoint is always written when a run is
        interrupted).
        """
        self._engine.write(os.fspath(path), overwrite, int(checkpoint_every),
                           "" if checkpoint is None else os.fspath(checkpoint))

    @property
    def checkpoint(self) -> Optional[str]:
        """Where checkpoints of the output being written go (None: not writing)."""
        return self._engine.checkpoint

    def close(self) -> Optional[str]:
        """Finish the output file now (incomplete if the run has not ended); its path."""
        return self._engine.finish()

    def __enter__(self) -> "Simulation":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- state --------------------------------------------------------
    @property
    def step_index(self) -> int:
        """int: steps made so far (0 before the first)."""
        return self._engine.step_index

    @property
    def steps(self) -> int:
        """int: the run's length in steps (``run.steps``)."""
        return self._engine.steps

    @property
    def finished(self) -> bool:
        """bool: whether the last step has been made."""
        return self._engine.finished

    @property
    def scenario(self) -> Dict[str, Any]:
        """dict: the resolved scenario as it runs (changes made with :meth:`set` included)."""
        return tomllib.loads(self._engine.scenario_toml)

    @property
    def scenario_toml(self) -> str:
        """str: :attr:`scenario` as TOML text."""
        return self._engine.scenario_toml

    @property
    def researchers(self) -> pd.DataFrame:
        """DataFrame: every researcher ever present (a copy of the engine's table).

        Columns: skill, field, origin, entered_step, employer (firm id, -1
        job seeking, -2 not present), salary (USD/yr), signing, equity (USD),
        hired_step, reservation (USD/yr), switch_cost and the preference
        weights w_*.
        """
        return pd.DataFrame(self._engine.researchers())

    @property
    def firms(self) -> pd.DataFrame:
        """DataFrame: one row per firm (spin-outs included), indexed by name (a copy).

        Columns: kind, country (name), headcount, then every firm series of
        the output file (docs/output.md): cash (USD), compute (GPU), payroll
        (USD/yr), talent, progress, active, and this step's hires,
        departures, offers_made, offers_accepted, signing_paid (USD).
        """
        data = self._engine.firms()
        countries = self._engine.countries
        df = pd.DataFrame(data).set_index("name")
        df["country"] = [countries[c] if 0 <= c < len(countries) else None for c in df["country"]]
        df["active"] = df["active"].astype(bool)
        return df

    @property
    def events(self) -> pd.DataFrame:
        """DataFrame: the events of the last step, firm names resolved ("job seeking" for -1)."""
        df = pd.DataFrame(self._engine.events())
        names = self._engine.firms()["name"]

        def firm(i: int) -> str:
            return names[i] if i >= 0 else "job seeking"
        df["from_firm"] = [firm(i) for i in df["from_firm"]]
        df["to_firm"] = [firm(i) for i in df["to_firm"]]
        return df

    @property
    def metrics(self) -> pd.DataFrame:
        """DataFrame: the metrics of every step so far (step 0 = the initial state), indexed by step.

        Columns as ``/metrics`` of the output (docs/output.md), plus
        ``brain_drain_share`` per country as ``brain_drain_share.<country>``.
        """
        rows = []
        countries = self._engine.countries
        for m in self._metrics:
            row = {k: v for k, v in m.items() if k != "brain_drain_share"}
            for c, x in zip(countries, m["brain_drain_share"]):
                row[f"brain_drain_share.{c}"] = x
            rows.append(row)
        return pd.DataFrame(rows).set_index("step")

    def __repr__(self) -> str:
        name = self.scenario.get("name", "?")
        return f"<talentsim.Simulation {name!r}, step {self.step_index} of {self.steps}>"
