"""talentsim: load talentsim run and sweep outputs into pandas/xarray.

Quick start::

    import talentsim as ts
    run = ts.open_run("runs/meta_superintelligence_2025.h5")
    run.metrics            # pandas.DataFrame indexed by step
    run.firms              # xarray.Dataset (step, firm)
    run.events             # pandas.DataFrame, names resolved
    ts.plot_top_firms(run).savefig("top.png")

See docs/analysis.md for the full reference.
"""

from .engine import InputError, Simulation, engine_available
from .experiment import Experiment, Reporter, export, grid, metric, to_xarray
from .calibration import Calibration, Parameter, Target, calibrate, ensemble, load_calibration
from .errors import IncompleteRunWarning, StaleSweepWarning, TalentsimFormatError
from .plots import (
    plot_brain_drain,
    plot_flows,
    plot_pay,
    plot_sweep_heatmap,
    plot_top_firms,
)
from .run import EVENT_KINDS, JOB_SEEKING, NOT_PRESENT, SUPPORTED_SCHEMA_MAJOR, Run, open_run
from .simulate import default_binary, ensure_run, find_repo_root, simulate
from .sweep import flatten_scenario, open_sweep, stack_runs, varying_parameters
from . import plots
from . import sensitivity

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "Simulation",
    "InputError",
    "Experiment",
    "Reporter",
    "metric",
    "grid",
    "to_xarray",
    "export",
    "calibrate",
    "load_calibration",
    "ensemble",
    "Calibration",
    "Parameter",
    "Target",
    "engine_available",
    "open_run",
    "Run",
    "open_sweep",
    "stack_runs",
    "flatten_scenario",
    "varying_parameters",
    "TalentsimFormatError",
    "IncompleteRunWarning",
    "StaleSweepWarning",
    "EVENT_KINDS",
    "JOB_SEEKING",
    "NOT_PRESENT",
    "SUPPORTED_SCHEMA_MAJOR",
    "plots",
    "sensitivity",
    "plot_top_firms",
    "plot_pay",
    "plot_flows",
    "plot_brain_drain",
    "plot_sweep_heatmap",
    "simulate",
    "ensure_run",
    "default_binary",
    "find_repo_root",
]
