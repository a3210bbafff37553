"""Calibration: history matching with Gaussian-process emulators, then a
posterior by MCMC on the emulators, then a posterior predictive check.

A calibration names free parameters (scenario key paths with bounds and a
prior) and targets (a reporter of a run, the observed value, its
uncertainty, its source, and whether it is *held out*: never used to fit,
only to check). :func:`calibrate` then

1. runs a space-filling design (Latin hypercube over the prior box) x the
   design seeds, as an :class:`~talentsim.Experiment` (locally or on Slurm);
2. fits one Gaussian-process emulator per fitted target to the seed means
   (scikit-learn; Matern 5/2 with a white-noise term, inputs on the unit
   cube), and validates it by K-fold cross-validation (RMSE, R^2 and the
   share of standardised errors within +-2);
3. history matching: the implausibility of a point is
   ``I(x) = max_t |m_t(x) - z_t| / sqrt(s_t(x)^2 + sd_t^2 + v_t)``
   (emulator mean m and variance s^2, observed value z with uncertainty
   sd, and v the model's seed-to-seed variance of one run); points with
   I >= cutoff are ruled out, and the next wave's design is drawn from the
   points not ruled out; each wave is one more experiment (a sweep);
4. samples the posterior on the last emulators with emcee: uniform (or
   log-uniform) prior on the box, Gaussian likelihood
   ``prod_t N(z_t; m_t(x), s_t(x)^2 + sd_t^2 + v_t)``;
5. re-runs the simulator at posterior draws on check seeds never used in
   fitting, and reports each target's fit, fitted and held-out separately.

The result holds the posterior draws (``posterior.csv``, a design an
:class:`~talentsim.Experiment` or :func:`ensemble` takes), the emulator
validation, the waves and the check; :meth:`CalibrationResult.report`
writes a Markdown report with figures. See docs/uncertainty.md
("Calibration").
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from .experiment import Experiment, Reporter, metric
from .sensitivity import latin_hypercube, sobol_sequence
from .simulate import default_binary

__all__ = ["Parameter", "Target", "Calibration", "CalibrationResult", "calibrate",
           "load_calibration", "ensemble", "Submitted"]


class Submitted(Exception):
    """A wave (or the check) was submitted to Slurm without waiting
    (``wait=False``); run :func:`calibrate` again when its jobs are done."""

PathLike = Union[str, "os.PathLike[str]"]
FORMAT_VERSION = 1


# ---- the specification --------------------------------------------------

@dataclasses.dataclass
class Parameter:
    """A free parameter: a scenario key path, its bounds and its prior.

    ``prior`` is ``"uniform"`` on [low, high] or ``"log_uniform"`` (uniform
    in log; low > 0). ``integer`` rounds values for runs.
    """

    path: str
    low: float
    high: float
    prior: str = "uniform"
    integer: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"parameter {self.path}: need finite low < high, "
                             f"got {self.low}, {self.high}")
        if self.prior not in ("uniform", "log_uniform"):
            raise ValueError(f"parameter {self.path}: prior must be uniform or log_uniform, "
                             f"got {self.prior!r}")
        if self.prior == "log_uniform" and self.low <= 0:
            raise ValueError(f"parameter {self.path}: a log_uniform prior needs low > 0")

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if self.prior == "log_uniform":
            x = np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low)))
        else:
            x = self.low + u * (self.high - self.low)
        return np.round(x) if self.integer else x

    def to_unit(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if self.prior == "log_uniform":
            return (np.log(x) - np.log(self.low)) / (np.log(self.high) - np.log(self.low))
        return (x - self.low) / (self.high - self.low)


@dataclasses.dataclass
class Target:
    """An observed quantity the model should reproduce.

    ``reporter`` computes the model's value from a run; ``observed`` and
    ``sd`` (its uncertainty, one standard deviation, in the same units)
    come from ``source``. A ``held_out`` target is never used to fit; it is
    only compared with the posterior predictive.
    """

    name: str
    reporter: Union[Reporter, Callable[[Any], Any]]
    observed: float
    sd: float
    source: str = ""
    held_out: bool = False

    def __post_init__(self) -> None:
        if not math.isfinite(self.observed):
            raise ValueError(f"target {self.name}: observed must be a finite number")
        if not (self.sd > 0):
            raise ValueError(f"target {self.name}: sd must be > 0, got {self.sd}")


@dataclasses.dataclass
class Calibration:
    """Everything a calibration needs; see :func:`load_calibration` for the file."""

    base: str
    parameters: List[Parameter]
    targets: List[Target]
    seeds: List[int]
    check_seeds: List[int]
    fixed: Dict[str, Any] = dataclasses.field(default_factory=dict)
    name: str = "calibration"
    points: int = 40              # design points per wave
    waves: int = 2                # history-matching waves
    cutoff: float = 3.0           # implausibility cut (Pukelsheim's three-sigma rule)
    candidates: int = 16384       # points scanned per wave (a power of two: a balanced Sobol set)
    design_seed: int = 1
    walkers: int = 32
    steps: int = 3000
    burn: int = 1000
    mcmc_seed: int = 1
    check_draws: int = 20
    folds: int = 5
    slurm: Dict[str, Any] = dataclasses.field(default_factory=dict)  # the sweeps' [slurm]

    def __post_init__(self) -> None:
        if not self.parameters:
            raise ValueError("a calibration needs at least one parameter")
        if not any(not t.held_out for t in self.targets):
            raise ValueError("a calibration needs at least one target that is not held out")
        names = [t.name for t in self.targets]
        if len(set(names)) != len(names):
            raise ValueError("target names repeat")
        paths = [p.path for p in self.parameters]
        if len(set(paths)) != len(paths):
            raise ValueError("a parameter is named twice")
        if not self.seeds or not self.check_seeds:
            raise ValueError("seeds and check seeds must not be empty")
        shared = set(self.seeds) & set(self.check_seeds)
        if shared:
            raise ValueError(f"check seeds must be seeds never used in fitting; shared: "
                             f"{sorted(shared)}")
        if self.points < 2 * len(self.parameters) + 2:
            raise ValueError(f"points per wave must be at least 2 x parameters + 2 "
                             f"({2 * len(self.parameters) + 2})")
        if self.waves < 1 or self.burn >= self.steps or self.walkers < 2 * len(self.parameters):
            raise ValueError("need waves >= 1, burn < steps and walkers >= 2 x parameters")

    @property
    def fitted(self) -> List[Target]:
        return [t for t in self.targets if not t.held_out]

    def from_unit(self, u: np.ndarray) -> pd.DataFrame:
        u = np.atleast_2d(u)
        return pd.DataFrame({p.path: p.from_unit(u[:, i]) for i, p in enumerate(self.parameters)})

    def to_unit(self, x: pd.DataFrame) -> np.ndarray:
        return np.column_stack([p.to_unit(x[p.path].to_numpy()) for p in self.parameters])


_REPORTER_KEYS = {"metric", "at", "window", "stat", "country", "moment", "entered_by", "story"}


def load_calibration(path: PathLike) -> Calibration:
    """Reads a calibration file (TOML; docs/uncertainty.md "Calibration").

    Relative paths (``base``) are relative to the file. Errors are
    ``ValueError`` with the file and the key.
    """
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"{path}: {e}") from None

    def need(table: Mapping[str, Any], key: str, where: str) -> Any:
        if key not in table:
            raise ValueError(f"{path}: {where}{key} is required")
        return table[key]

    if doc.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: format_version must be {FORMAT_VERSION}")
    try:
        return _from_doc(doc, path, need)
    except (TypeError, ValueError) as e:
        message = str(e)
        raise ValueError(message if message.startswith(str(path)) else f"{path}: {message}") \
            from None


_FILE_KEYS = {
    "": {"format_version", "name", "base", "seeds", "set", "parameters", "targets", "design",
         "mcmc", "check", "slurm"},
    "parameters[]": {"path", "low", "high", "prior", "integer"},
    "design.": {"points", "waves", "cutoff", "candidates", "seed", "folds"},
    "mcmc.": {"walkers", "steps", "burn", "seed"},
    "check.": {"seeds", "draws"},
}


def _check_keys(doc: Mapping[str, Any]) -> None:
    tables = {"": [doc], "parameters[]": doc.get("parameters", []),
              "design.": [doc.get("design", {})], "mcmc.": [doc.get("mcmc", {})],
              "check.": [doc.get("check", {})]}
    for where, items in tables.items():
        for item in items if isinstance(items, list) else [items]:
            if not isinstance(item, Mapping):
                raise ValueError(f"{where or 'the file'} must be a table")
            unknown = sorted(set(item) - _FILE_KEYS[where])
            if unknown:
                raise ValueError(f"{where}{unknown[0]} is not a calibration key "
                                 f"(allowed: {', '.join(sorted(_FILE_KEYS[where]))})")


def _from_doc(doc: Mapping[str, Any], path: Path, need: Callable[..., Any]) -> Calibration:
    _check_keys(doc)
    base = str(need(doc, "base", ""))
    if not base.startswith("embedded:") and not os.path.isabs(base):
        base = str((path.parent / base).resolve())
    params = []
    for i, p in enumerate(need(doc, "parameters", "")):
        where = f"parameters[{i}]."
        params.append(Parameter(str(need(p, "path", where)), float(need(p, "low", where)),
                                float(need(p, "high", where)), str(p.get("prior", "uniform")),
                                bool(p.get("integer", False))))
    targets = []
    for i, t in enumerate(need(doc, "targets", "")):
        where = f"targets[{i}]."
        unknown = set(t) - _REPORTER_KEYS - {"name", "observed", "sd", "source", "held_out"}
        if unknown:
            raise ValueError(f"{path}: {where}{sorted(unknown)[0]} is not a target key")
        if "story" in t:
            # A measure of the 2025 story (talentsim.story.story_measures, one run).
            from .story import moment as story_moment

            if set(t) & {"metric", "at", "window", "stat", "country", "moment", "entered_by"}:
                raise ValueError(f"{path}: {where}story takes no metric, moment, at, window, "
                                 f"stat, country or entered_by")
            rep = story_moment(str(t["story"]))
        elif "moment" in t:
            # A labour-market moment (talentsim.labour.baseline_moments).
            from .labour import moment

            if set(t) & {"metric", "at", "window", "stat", "country"}:
                raise ValueError(f"{path}: {where}moment takes no metric, at, window, stat or "
                                 f"country")
            rep = moment(str(t["moment"]), entered_by=int(t.get("entered_by", 78)))
        else:
            if "entered_by" in t:
                raise ValueError(f"{path}: {where}entered_by goes with moment, not metric")
            rep = metric(str(need(t, "metric", where)), at=t.get("at", "end"),
                         window=t.get("window"), stat=t.get("stat", "mean"),
                         country=t.get("country"))
        targets.append(Target(str(need(t, "name", where)), rep, float(need(t, "observed", where)),
                              float(need(t, "sd", where)), str(t.get("source", "")),
                              bool(t.get("held_out", False))))
    design = doc.get("design", {})
    mcmc = doc.get("mcmc", {})
    check = doc.get("check", {})
    return Calibration(
        base=base, parameters=params, targets=targets,
        seeds=[int(s) for s in need(doc, "seeds", "")],
        check_seeds=[int(s) for s in need(check, "seeds", "check.")],
        fixed=dict(doc.get("set", {})), name=str(doc.get("name", path.stem)),
        points=int(design.get("points", 40)), waves=int(design.get("waves", 2)),
        cutoff=float(design.get("cutoff", 3.0)), candidates=int(design.get("candidates", 16384)),
        design_seed=int(design.get("seed", 1)), walkers=int(mcmc.get("walkers", 32)),
        steps=int(mcmc.get("steps", 3000)), burn=int(mcmc.get("burn", 1000)),
        mcmc_seed=int(mcmc.get("seed", 1)), check_draws=int(check.get("draws", 20)),
        folds=int(design.get("folds", 5)), slurm=dict(doc.get("slurm", {})))


# ---- emulators ----------------------------------------------------------

class Emulator:
    """One Gaussian process per fitted target, on the unit cube."""

    def __init__(self, u: np.ndarray, y: np.ndarray, seed: int = 0) -> None:
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        d = u.shape[1]
        self.gps = []
        for k in range(y.shape[1]):
            kernel = (ConstantKernel(1.0, (1e-3, 1e3))
                      * Matern(length_scale=np.full(d, 0.5), length_scale_bounds=(1e-2, 1e2),
                               nu=2.5)
                      + WhiteKernel(1e-2, (1e-8, 1.0)))
            gp = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=3,
                                          random_state=seed + k)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # hyperparameters at a bound are reported below
                gp.fit(u, y[:, k])
            self.gps.append(gp)

    def predict(self, u: np.ndarray,
                with_noise: bool = False) -> "tuple[np.ndarray, np.ndarray]":
        """Means and variances, each (points, targets). Without ``with_noise``
        the fitted white-noise term is left out: it is the seed noise of the
        seed means the emulator was trained on, not uncertainty about the
        mean (the calibration adds the seed noise of one run separately)."""
        u = np.atleast_2d(u)
        means, variances = [], []
        for gp in self.gps:
            m, s = gp.predict(u, return_std=True)
            noise = gp.kernel_.k2.noise_level * float(gp._y_train_std) ** 2
            means.append(m)
            var = s ** 2 if with_noise else s ** 2 - noise
            variances.append(np.maximum(var, 1e-12 * max(1.0, float(np.var(m)))))
        return np.column_stack(means), np.column_stack(variances)


def validate_emulator(u: np.ndarray, y: np.ndarray, names: Sequence[str], folds: int,
                      seed: int) -> pd.DataFrame:
    """K-fold cross-validation of the emulators: per target RMSE, R^2 and the
    share of held-out points whose standardised error is within +-2 (the
    predictive variance there includes the seed noise of a seed mean, as the
    held-out value has it)."""
    n = len(u)
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    pred_m = np.empty_like(y)
    pred_v = np.empty_like(y)
    for f in range(folds):
        test = order[f::folds]
        train = np.setdiff1d(order, test)
        em = Emulator(u[train], y[train], seed)
        m, v = em.predict(u[test], with_noise=True)
        pred_m[test], pred_v[test] = m, v
    rows = []
    for k, name in enumerate(names):
        err = y[:, k] - pred_m[:, k]
        total = np.sum((y[:, k] - y[:, k].mean()) ** 2)
        z = err / np.sqrt(pred_v[:, k])
        rows.append({"target": name, "rmse": float(np.sqrt(np.mean(err ** 2))),
                     "r2": float(1 - np.sum(err ** 2) / total) if total > 0 else float("nan"),
                     "within_2sd": float(np.mean(np.abs(z) <= 2)), "points": n, "folds": folds})
    return pd.DataFrame(rows)


# ---- the result ---------------------------------------------------------

@dataclasses.dataclass
class CalibrationResult:
    """What :func:`calibrate` found. Tables are pandas DataFrames."""

    calibration: Calibration
    directory: Path
    runs: pd.DataFrame          # every design run: wave, point, seed, parameters, targets
    waves: pd.DataFrame         # per wave: points, non-implausible share of the box
    validation: pd.DataFrame    # emulator cross-validation, per target
    posterior: pd.DataFrame     # draws, one column per parameter
    acceptance: float           # mean MCMC acceptance fraction
    check: pd.DataFrame         # posterior predictive runs (draw, seed, targets)
    fit: pd.DataFrame           # per target: observed, predictive mean and 90% interval

    def interval(self, level: float = 0.9) -> pd.DataFrame:
        """Posterior median and central interval of each parameter, with the prior's."""
        lo, hi = (1 - level) / 2, (1 + level) / 2
        rows = []
        for p in self.calibration.parameters:
            x = self.posterior[p.path]
            prior = p.from_unit(np.array([lo, 0.5, hi]))
            rows.append({"parameter": p.path, "median": float(x.median()),
                         "low": float(x.quantile(lo)), "high": float(x.quantile(hi)),
                         "prior_low": float(prior[0]), "prior_high": float(prior[2]),
                         "width_ratio": float((x.quantile(hi) - x.quantile(lo))
                                              / (prior[2] - prior[0]))})
        return pd.DataFrame(rows)

    def report(self, path: Optional[PathLike] = None) -> Path:
        """Writes a Markdown report (marginals, pairs, emulator validation,
        target fit) with its figures next to it; returns its path."""
        return _write_report(self, Path(path) if path else self.directory / "report.md")


# ---- the procedure ------------------------------------------------------

def _experiment(cal: Calibration, design: pd.DataFrame, seeds: Sequence[int], directory: Path,
                binary: Optional[PathLike], slurm: Optional[Mapping[str, Any]]) -> Experiment:
    return Experiment(cal.base, design, seeds=seeds, fixed=cal.fixed,
                      reporters={t.name: t.reporter for t in cal.targets},
                      directory=directory, binary=binary, slurm=slurm)


def _run(exp: Experiment, backend: str, jobs: Optional[int], env: Optional[Mapping[str, str]],
         progress: bool, wait: bool = True) -> pd.DataFrame:
    if backend == "slurm" and not wait:
        exp.plan()
        if exp.finished() < exp.n_runs:
            exp.run(backend, env=env, progress=False, wait=False)
            raise Submitted(f"submitted {exp.sweep_dir} to Slurm ({exp.n_runs - exp.finished()} "
                            "runs to go); run the calibration again when its jobs are done "
                            f"(talentsim sweep status {exp.sweep_dir})")
    df = exp.run(backend, jobs=jobs, env=env, progress=progress)
    if not df["complete"].all():
        raise RuntimeError(f"{exp.sweep_dir}: {int((~df['complete']).sum())} runs did not finish")
    return df


def _unit_design(method: Callable[..., pd.DataFrame], n: int, d: int, seed: int) -> np.ndarray:
    """n points of a talentsim.sensitivity design on the unit cube [0, 1]^d."""
    return method(n, [(0.0, 1.0)] * d, seed=seed).to_numpy()


def _training(cal: Calibration, runs: List[pd.DataFrame]) -> "tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]":
    """All design runs so far; per point the inputs on the unit cube and the
    seed means of the fitted targets; per target the pooled seed variance
    of one run (0 with one seed)."""
    fitted = [t.name for t in cal.fitted]
    allruns = pd.concat(runs, ignore_index=True)
    points = allruns.groupby(["wave", "point"])
    u = cal.to_unit(points[[p.path for p in cal.parameters]].first())
    means = points[fitted].mean().to_numpy()
    seed_var = points[fitted].var(ddof=1).mean().to_numpy() if len(cal.seeds) > 1 \
        else np.zeros(len(fitted))
    return allruns, u, means, seed_var


def calibrate(calibration: Union[Calibration, PathLike], directory: PathLike, *,
              backend: str = "local", jobs: Optional[int] = None,
              env: Optional[Mapping[str, str]] = None, binary: Optional[PathLike] = None,
              slurm: Optional[Mapping[str, Any]] = None, progress: bool = True,
              wait: bool = True, log: Callable[[str], None] = print) -> CalibrationResult:
    """Calibrates the free parameters to the targets (see the module text).

    Parameters
    ----------
    calibration : Calibration or path of a calibration file
    directory : path
        Where the waves (each an experiment), the check runs, the posterior
        and the report go. Re-running continues: finished runs are reused.
    backend, jobs, env, slurm, progress
        As :meth:`Experiment.run`: every wave and the check run locally or
        on Slurm.
    wait : bool
        With ``backend="slurm"``, ``False`` submits the next wave (or the
        check) that is not done and raises :class:`Submitted`; calling
        again later continues from the finished runs (the front end
        ``python3 -m talentsim calibrate`` works this way on a cluster).
    log : callable
        Receives one line per stage (default: print).
    """
    cal = calibration if isinstance(calibration, Calibration) else load_calibration(calibration)
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    binary = binary or default_binary()
    slurm = slurm if slurm is not None else (cal.slurm or None)
    d = len(cal.parameters)
    fitted = [t.name for t in cal.fitted]
    z = np.array([t.observed for t in cal.fitted])
    sd2 = np.array([t.sd for t in cal.fitted]) ** 2
    rng = np.random.default_rng(cal.design_seed)

    u_design = _unit_design(latin_hypercube, cal.points, d, cal.design_seed)
    runs: List[pd.DataFrame] = []
    wave_rows = []
    for wave in range(1, cal.waves + 1):
        design = cal.from_unit(u_design)
        exp = _experiment(cal, design, cal.seeds, directory / f"wave{wave}", binary, slurm)
        df = _run(exp, backend, jobs, env, progress, wait)
        df.insert(0, "wave", wave)
        runs.append(df)
        allruns, u_all, means, seed_var = _training(cal, runs)
        emulator = Emulator(u_all, means, cal.design_seed)
        cand = _unit_design(sobol_sequence, cal.candidates, d, cal.design_seed + wave)
        m, v = emulator.predict(cand)
        impl = np.max(np.abs(m - z) / np.sqrt(v + sd2 + seed_var), axis=1)
        keep = impl < cal.cutoff
        nonimpl_u = cand[keep]
        wave_rows.append({"wave": wave, "runs": len(df), "design_points": len(u_design),
                          "nonimplausible_share": float(keep.mean()),
                          "min_implausibility": float(impl.min())})
        log(f"calibrate: wave {wave}: {len(df)} runs; {100 * keep.mean():.1f}% of the box "
            f"not implausible (cutoff {cal.cutoff})")
        if keep.sum() == 0:
            raise RuntimeError(
                f"calibrate: after wave {wave} no point of the box is within the cutoff "
                f"{cal.cutoff} (smallest implausibility {impl.min():.2f}): the model cannot "
                "match the fitted targets in these bounds")
        if wave < cal.waves:
            pick = rng.choice(len(nonimpl_u), size=min(cal.points, len(nonimpl_u)), replace=False)
            u_design = nonimpl_u[pick]

    validation = validate_emulator(u_all, means, fitted, cal.folds, cal.design_seed)
    for row in validation.itertuples():
        log(f"calibrate: emulator of {row.target}: cross-validated R^2 {row.r2:.3f}, "
            f"{100 * row.within_2sd:.0f}% of errors within 2 sd")

    posterior, acceptance = _mcmc(cal, emulator, z, sd2, seed_var, nonimpl_u)
    log(f"calibrate: MCMC: {len(posterior)} draws, acceptance {acceptance:.2f}")
    posterior.to_csv(directory / "posterior.csv", index=False)

    check, fit = _check(cal, posterior, directory, binary, slurm, backend, jobs, env, progress,
                        wait)
    for row in fit.itertuples():
        log(f"calibrate: {'held-out' if row.held_out else 'fitted'} target {row.target}: "
            f"observed {row.observed:.4g}, predicted {row.mean:.4g} "
            f"[{row.low:.4g}, {row.high:.4g}]")
    result = CalibrationResult(cal, directory, allruns, pd.DataFrame(wave_rows), validation,
                               posterior, acceptance, check, fit)
    result.interval().to_csv(directory / "posterior_intervals.csv", index=False)
    return result


def _mcmc(cal: Calibration, emulator: Emulator, z: np.ndarray, sd2: np.ndarray,
          seed_var: np.ndarray, start: np.ndarray) -> "tuple[pd.DataFrame, float]":
    import emcee

    d = len(cal.parameters)

    def log_post(u: np.ndarray) -> np.ndarray:
        u = np.atleast_2d(u)
        out = np.full(len(u), -np.inf)
        inside = np.all((u >= 0) & (u <= 1), axis=1)
        if inside.any():
            m, v = emulator.predict(u[inside])
            var = v + sd2 + seed_var
            out[inside] = -0.5 * np.sum((m - z) ** 2 / var + np.log(var), axis=1)
        return out

    rng = np.random.default_rng(cal.mcmc_seed)
    p0 = start[rng.choice(len(start), size=cal.walkers, replace=len(start) < cal.walkers)]
    p0 = np.clip(p0 + rng.normal(0, 1e-3, p0.shape), 0, 1)
    sampler = emcee.EnsembleSampler(cal.walkers, d, log_post, vectorize=True)
    # emcee draws from its own numpy RandomState: seed it, so a calibration
    # is reproducible.
    sampler.random_state = np.random.RandomState(cal.mcmc_seed).get_state()
    sampler.run_mcmc(p0, cal.steps, progress=False)
    chain = sampler.get_chain(discard=cal.burn, flat=True)
    return cal.from_unit(chain), float(np.mean(sampler.acceptance_fraction))


def _check(cal: Calibration, posterior: pd.DataFrame, directory: Path,
           binary: Optional[PathLike], slurm: Optional[Mapping[str, Any]], backend: str,
           jobs: Optional[int], env: Optional[Mapping[str, str]],
           progress: bool, wait: bool) -> "tuple[pd.DataFrame, pd.DataFrame]":
    rng = np.random.default_rng(cal.mcmc_seed + 1)
    draws = posterior.iloc[rng.choice(len(posterior), size=cal.check_draws, replace=False)]
    exp = _experiment(cal, draws.reset_index(drop=True), cal.check_seeds, directory / "check",
                      binary, slurm)
    check = _run(exp, backend, jobs, env, progress, wait)
    rows = []
    for t in cal.targets:
        v = check[t.name].to_numpy(dtype=float)
        lo, hi = np.quantile(v, [0.05, 0.95])
        sd = math.sqrt(float(np.var(v, ddof=1)) + t.sd ** 2)
        rows.append({"target": t.name, "held_out": t.held_out, "observed": t.observed,
                     "sd": t.sd, "mean": float(v.mean()), "low": float(lo), "high": float(hi),
                     "z": (t.observed - float(v.mean())) / sd if sd > 0 else float("nan"),
                     "inside_90": bool(lo - 1.645 * t.sd <= t.observed <= hi + 1.645 * t.sd),
                     "source": t.source})
    return check, pd.DataFrame(rows)


# ---- after calibration --------------------------------------------------

def ensemble(base: PathLike, posterior: Union[pd.DataFrame, PathLike], *, draws: int,
             seeds: Sequence[int], reporters: Mapping[str, Any], directory: PathLike,
             fixed: Optional[Mapping[str, Any]] = None, seed: int = 0,
             **experiment: Any) -> Experiment:
    """A scenario "over the posterior": ``draws`` parameter sets drawn from
    the posterior (a DataFrame or a posterior.csv) x ``seeds``, as an
    :class:`Experiment`. Summarise a reporter over all of its rows (e.g.
    ``df.hhi.quantile([0.05, 0.5, 0.95])``) for an interval that covers
    both parameter and seed uncertainty."""
    post = posterior if isinstance(posterior, pd.DataFrame) else pd.read_csv(posterior)
    return Experiment(base, _pick_draws(post, draws, seed), seeds=seeds,
                      reporters=reporters, fixed=fixed, directory=directory, **experiment)


def _pick_draws(post: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` rows of a posterior, without replacement unless it has fewer."""
    pick = np.random.default_rng(seed).choice(len(post), size=n, replace=len(post) < n)
    return post.iloc[pick].reset_index(drop=True)


def _write_report(result: CalibrationResult, path: Path) -> Path:
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.use("Agg", force=False)
    cal = result.calibration
    path.parent.mkdir(parents=True, exist_ok=True)
    stem = path.stem
    names = [p.path for p in cal.parameters]
    d = len(names)
    fig = Figure(figsize=(3.2 * d, 2.8))
    for i, p in enumerate(cal.parameters):
        ax = fig.add_subplot(1, d, i + 1)
        ax.hist(result.posterior[p.path], bins=40, density=True, color="C0", alpha=0.7,
                label="posterior")
        ax.axvspan(p.low, p.high, color="0.85", zorder=-1, label="prior range")
        ax.set_xlim(p.low, p.high)
        ax.set_xlabel(p.path)
        if i == 0:
            ax.legend(fontsize=7)
    fig.tight_layout()
    marginals = path.parent / f"{stem}_marginals.png"
    fig.savefig(marginals, dpi=110)
    pairs = None
    if d > 1:
        fig = Figure(figsize=(2.6 * d, 2.6 * d))
        sample = result.posterior.sample(min(3000, len(result.posterior)), random_state=0)
        for i in range(d):
            for j in range(d):
                ax = fig.add_subplot(d, d, i * d + j + 1)
                if i == j:
                    ax.hist(sample[names[i]], bins=30, color="C0", alpha=0.7)
                else:
                    ax.scatter(sample[names[j]], sample[names[i]], s=2, alpha=0.3)
                if i == d - 1:
                    ax.set_xlabel(names[j], fontsize=7)
                if j == 0:
                    ax.set_ylabel(names[i], fontsize=7)
        fig.tight_layout()
        pairs = path.parent / f"{stem}_pairs.png"
        fig.savefig(pairs, dpi=100)

    def table(df: pd.DataFrame) -> str:
        cols = list(df.columns)
        out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for row in df.itertuples(index=False):
            out.append("| " + " | ".join(f"{x:.4g}" if isinstance(x, float) else str(x)
                                          for x in row) + " |")
        return "\n".join(out)

    text = [f"# Calibration report: {cal.name}", "",
            f"Base scenario `{cal.base}`; {d} parameters, {len(cal.fitted)} fitted and "
            f"{len(cal.targets) - len(cal.fitted)} held-out targets; design seeds "
            f"{cal.seeds}, check seeds {cal.check_seeds} (never used in fitting).", "",
            "## Waves", "", table(result.waves), "",
            "## Emulator validation (K-fold cross-validation)", "", table(result.validation), "",
            f"## Posterior (MCMC acceptance {result.acceptance:.2f})", "",
            table(result.interval()), "", f"![Marginals]({marginals.name})", ""]
    if pairs is not None:
        text += [f"![Pairs]({pairs.name})", ""]
    text += ["## Fit: posterior predictive on the check seeds", "",
             "90% predictive intervals over posterior draws x check seeds; `inside_90` also "
             "allows the target's own uncertainty.", "",
             "### Fitted targets", "",
             table(result.fit[~result.fit.held_out].drop(columns=["held_out"])), "",
             "### Held-out targets", ""]
    held = result.fit[result.fit.held_out].drop(columns=["held_out"])
    text += [table(held) if len(held) else "(none)", ""]
    path.write_text("\n".join(text))
    return path


def posterior_draws(path: PathLike, n: int, seed: int) -> List[Dict[str, Any]]:
    """``n`` draws of a shipped posterior (``posterior.csv`` of ``calibrate``)
    as ``{key path: value}`` overrides, rows picked as :func:`ensemble`
    picks them. Columns whose values are all whole numbers (integer
    parameters) give ints. For running an ensemble: seed ``k`` of a check
    with draw ``k``; a counterfactual without the calibrated scenario's
    timeline takes :func:`without_timeline` of the same draw."""
    post = pd.read_csv(path)
    if post.empty:
        raise ValueError(f"{path}: no posterior draws")
    whole = {c for c in post.columns if np.all(np.mod(post[c].to_numpy(dtype=float), 1.0) == 0)}
    return [{k: (int(v) if k in whole else float(v)) for k, v in row.items()}
            for _, row in _pick_draws(post, n, seed).iterrows()]


def without_timeline(draw: Mapping[str, Any]) -> Dict[str, Any]:
    """A draw's overrides without its ``timeline.*`` keys: what applies to a
    counterfactual whose timeline lacks the calibrated events (the index of
    an event differs between the two files)."""
    return {k: v for k, v in draw.items() if not k.startswith("timeline.")}
