"""Global sensitivity analysis and seed noise for talentsim experiments.

Nothing here runs the simulator: the designs return a table of parameter
values (one row per run to make, one named column per parameter), you run
the simulator at those points, and the estimators read back one output value
(or several) per row, in the row order of the design.

Designs
-------
Bounds are a list of ``(low, high)`` pairs (parameters named ``x0``,
``x1``, ...) or a mapping ``name -> (low, high)``. Every sampler works on the
unit cube [0, 1]^d and scales linearly: x = low + u * (high - low).

- :func:`sobol_sequence`: scrambled Sobol' points (scipy.stats.qmc.Sobol).
- :func:`latin_hypercube`: Latin hypercube (scipy.stats.qmc.LatinHypercube).
- :func:`saltelli_design`: the A, B and AB_i matrices of Saltelli et al.
  (2010), first and total order only: N * (d + 2) runs.
- :func:`morris_design`: r Morris one-at-a-time trajectories of d + 1 runs
  each (Morris 1991, with the mu* of Campolongo et al. 2007).

Sobol' indices (:func:`sobol_analyze`)
--------------------------------------
A and B are two N x d matrices of independent points (the first and the
last d columns of one 2d-dimensional Sobol' sequence); AB_i is A with its
column i taken from B. With f_A = f(A), f_B = f(B), f_ABi = f(AB_i) (vectors
of N outputs), m = mean([f_A, f_B]) and V = Var([f_A, f_B]) (population
variance of the 2N values):

    S1_i = mean( (f_B - m) * (f_ABi - f_A) ) / V     (Saltelli et al. 2010)
    ST_i = mean( (f_A - f_ABi)^2 ) / (2 V)           (Jansen 1999)

Centring f_B on m does not change the expectation of the S1 estimator
(E[f_ABi - f_A] = 0) but removes a finite-sample error proportional to the
output's mean, so S1 does not depend on the output's origin (degrees
Celsius or Kelvin give the same index).

S1_i = Var(E[Y | X_i]) / Var(Y) is the share of the output variance that
X_i explains alone; ST_i = E[Var(Y | X_~i)] / Var(Y) adds every interaction
of X_i. Confidence intervals are bootstrap percentile intervals: the N base
rows (a row of A with the same rows of B and of every AB_i) are resampled
with replacement and both indices recomputed, V included.

Morris elementary effects (:func:`morris_analyze`)
--------------------------------------------------
On a grid of p levels {0, 1/(p-1), ..., 1} each trajectory starts at a
random grid point and moves every factor once, in random order and
direction, by Delta = p / (2 (p - 1)) (unit-cube units). The step that
moves factor i gives one elementary effect

    EE_i = ( f(x + s Delta e_i) - f(x) ) / (s Delta),   s = +1 or -1,

in output units per unit of the *normalised* range (so EE_i * (high - low)
is not what is reported; effects of parameters with different units are
comparable). Over the r trajectories:

    mu_i = mean(EE_i),  mu*_i = mean(|EE_i|),  sigma_i = sd(EE_i) (ddof 1).

mu* ranks the factors by overall influence (Campolongo et al. 2007); a large
sigma means non-linearity or interactions. The mu* interval is a bootstrap
over trajectories.

Seed noise
----------
Over n seeds with mean m and sample standard deviation s (ddof 1):

    m +/- t_{(1+c)/2, n-1} * s / sqrt(n)

(:func:`mean_ci`, :func:`summarise`). A policy is compared with a baseline
over the seeds they share, on the differences d_k = policy_k - baseline_k
(common random numbers): mean(d) +/- t_{(1+c)/2, n-1} sd(d) / sqrt(n)
(:func:`paired_difference`, :func:`compare`). The effect "exceeds the seed
noise" when that interval excludes 0.

Test functions
--------------
:func:`ishigami` and :func:`sobol_g` with their analytic indices
(:func:`ishigami_indices`, :func:`sobol_g_indices`) check the estimators.

References
----------
Saltelli A., Annoni P., Azzini I., Campolongo F., Ratto M., Tarantola S.
(2010). Variance based sensitivity analysis of model output. Design and
estimator for the total sensitivity index. Computer Physics Communications
181, 259-270.

Jansen M.J.W. (1999). Analysis of variance designs for model output.
Computer Physics Communications 117, 35-43.

Morris M.D. (1991). Factorial sampling plans for preliminary computational
experiments. Technometrics 33, 161-174.

Campolongo F., Cariboni J., Saltelli A. (2007). An effective screening
design for sensitivity analysis of large models. Environmental Modelling &
Software 22, 1509-1518.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

__all__ = [
    "Bounds",
    "sobol_sequence",
    "latin_hypercube",
    "SaltelliDesign",
    "saltelli_design",
    "sobol_analyze",
    "MorrisDesign",
    "morris_design",
    "morris_analyze",
    "ishigami",
    "ishigami_indices",
    "sobol_g",
    "sobol_g_indices",
    "MeanCI",
    "mean_ci",
    "summarise",
    "PairedDifference",
    "paired_difference",
    "compare",
    "plot_sobol",
    "plot_morris",
    "plot_with_ci",
]

#: Parameter ranges: ``[(low, high), ...]`` or ``{name: (low, high)}``.
Bounds = Union[Mapping[str, Tuple[float, float]], Sequence[Tuple[float, float]]]

#: Seed of a design or a bootstrap: None (fresh entropy), an int or a Generator.
SeedLike = Union[None, int, np.random.Generator]

#: Bootstrap resamples are processed in chunks of about this many gathered values.
_BOOTSTRAP_CHUNK_VALUES = 1 << 22

_NAN_POLICIES = ("raise", "omit")


# ---------------------------------------------------------------------------
# Helpers


def _parse_bounds(bounds: Bounds) -> Tuple[Tuple[str, ...], np.ndarray, np.ndarray]:
    """Names, lows and highs of ``bounds``; checks that every range is finite and non-empty."""
    if isinstance(bounds, Mapping):
        names = tuple(str(k) for k in bounds)
        pairs = list(bounds.values())
    else:
        pairs = list(bounds)
        names = tuple(f"x{i}" for i in range(len(pairs)))
    if not pairs:
        raise ValueError("bounds is empty: give at least one (low, high) pair")
    if len(set(names)) != len(names):
        raise ValueError(f"parameter names are not unique: {list(names)}")
    try:
        arr = np.array([tuple(p) for p in pairs], dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bounds must be (low, high) pairs of numbers: {exc}") from None
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError("bounds must be (low, high) pairs")
    low, high = arr[:, 0], arr[:, 1]
    bad = ~(np.isfinite(low) & np.isfinite(high) & (low < high))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"bounds of {names[i]!r} must be finite with low < high, got ({low[i]}, {high[i]})")
    return names, low, high


def _count(n: Any, what: str, minimum: int = 1) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}, got {n!r}")
    return int(n)


def _check_confidence(confidence: float) -> float:
    c = float(confidence)
    if not 0.0 < c < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    return c


def _check_nan_policy(nan_policy: str) -> None:
    if nan_policy not in _NAN_POLICIES:
        raise ValueError(f"nan_policy must be one of {_NAN_POLICIES}, got {nan_policy!r}")


def _scaled_frame(unit: np.ndarray, names: Sequence[str], low: np.ndarray, high: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(low + unit * (high - low), columns=list(names))


def _outputs(y: Any, index: pd.Index) -> Tuple[Optional[List[str]], np.ndarray]:
    """Outputs as a float array of shape (rows, k) and their names (None for a single 1-d output).

    pandas inputs whose index holds exactly the design's row labels (in any
    order) are aligned on it; anything else is read in row order.
    """
    if isinstance(y, (pd.Series, pd.DataFrame)):
        if (not y.index.equals(index) and len(y) == len(index) and y.index.is_unique
                and set(y.index) == set(index)):
            y = y.reindex(index)
        if isinstance(y, pd.DataFrame):
            names: Optional[List[str]] = [str(c) for c in y.columns]
            values = y.to_numpy(dtype=float)
        else:
            names, values = None, y.to_numpy(dtype=float)[:, None]
    else:
        values = np.asarray(y, dtype=float)
        if values.ndim == 1:
            names, values = None, values[:, None]
        elif values.ndim == 2:
            names = [f"y{j}" for j in range(values.shape[1])]
        else:
            raise ValueError(f"y must be 1-d (one output) or 2-d (rows x outputs), got shape {values.shape}")
    if values.shape[0] != len(index):
        raise ValueError(f"y has {values.shape[0]} rows but the design has {len(index)} points: "
                         "give one output value per design row, in the design's row order")
    if values.shape[1] == 0:
        raise ValueError("y has no output columns")
    bad = ~np.isfinite(values)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        raise ValueError(f"y has NaN or infinite values at {len(rows)} design row(s), first: "
                         f"{[index[r] for r in rows[:5]]}; every design point is needed "
                         "(rerun the failed points)")
    return names, values


def _bootstrap_chunks(total: int, values_per_resample: int) -> Iterator[Tuple[int, int]]:
    """(start, size) chunks of ``total`` resamples that bound the memory of one gather."""
    size = max(1, _BOOTSTRAP_CHUNK_VALUES // max(1, values_per_resample))
    for start in range(0, total, size):
        yield start, min(size, total - start)


def _percentile_interval(boot: np.ndarray, confidence: float) -> Tuple[np.ndarray, np.ndarray]:
    """Percentile interval along the last axis (NaN where there is no resample)."""
    if boot.shape[-1] == 0:
        nan = np.full(boot.shape[:-1], np.nan)
        return nan, nan.copy()
    alpha = 1.0 - confidence
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices of a constant output
        low, high = np.nanquantile(boot, [alpha / 2, 1 - alpha / 2], axis=-1)
    return low, high


def _tidy(parts: List[pd.DataFrame], outputs: Optional[List[str]]) -> pd.DataFrame:
    """Stack per-output tables; an ``output`` column first when outputs are named."""
    if outputs is None:
        return parts[0].reset_index(drop=True)
    frames = [p.assign(output=name) for p, name in zip(parts, outputs)]
    out = pd.concat(frames, ignore_index=True)
    return out[["output"] + [c for c in out.columns if c != "output"]]


def _warn_constant(outputs: Optional[List[str]], constant: np.ndarray) -> None:
    if constant.any():
        which = ["y"] if outputs is None else [outputs[j] for j in np.flatnonzero(constant)]
        warnings.warn(f"output(s) {which} are constant over the design: their indices are undefined (NaN)",
                      RuntimeWarning, stacklevel=3)


# ---------------------------------------------------------------------------
# Plain designs


def sobol_sequence(n: int, bounds: Bounds, seed: SeedLike = None, scramble: bool = True) -> pd.DataFrame:
    """The first ``n`` points of a Sobol' low-discrepancy sequence, scaled to ``bounds``.

    Parameters
    ----------
    n : int
        Number of points (rows). Powers of two keep the balance properties of
        the sequence; scipy warns otherwise.
    bounds : Bounds
        ``[(low, high), ...]`` (columns ``x0``, ``x1``, ...) or
        ``{name: (low, high)}``, in the parameters' own units.
    seed : None, int or numpy.random.Generator, optional
        Seed of the scrambling (ignored when ``scramble`` is False). The same
        seed gives the same points.
    scramble : bool, default True
        Owen scrambling with digital shift (scipy's default). Unscrambled
        sequences start at the lower corner of the box.

    Returns
    -------
    pandas.DataFrame
        Shape (n, d), one column per parameter, values in [low, high].
    """
    names, low, high = _parse_bounds(bounds)
    n = _count(n, "n")
    unit = qmc.Sobol(len(names), scramble=scramble, seed=seed).random(n)
    return _scaled_frame(unit, names, low, high)


def latin_hypercube(n: int, bounds: Bounds, seed: SeedLike = None) -> pd.DataFrame:
    """A Latin hypercube sample of ``n`` points, scaled to ``bounds``.

    Each parameter's range is cut into ``n`` equal strata, each holding
    exactly one point (placed at random within the stratum).

    Parameters
    ----------
    n : int
        Number of points (rows).
    bounds : Bounds
        ``[(low, high), ...]`` or ``{name: (low, high)}``.
    seed : None, int or numpy.random.Generator, optional
        The same seed gives the same points.

    Returns
    -------
    pandas.DataFrame
        Shape (n, d), one column per parameter, values in [low, high].
    """
    names, low, high = _parse_bounds(bounds)
    n = _count(n, "n")
    unit = qmc.LatinHypercube(len(names), seed=seed).random(n)
    return _scaled_frame(unit, names, low, high)


# ---------------------------------------------------------------------------
# Sobol' indices (Saltelli 2010 / Jansen 1999)


@dataclass(frozen=True, eq=False)
class SaltelliDesign:
    """Points for first- and total-order Sobol' indices (from :func:`saltelli_design`).

    Attributes
    ----------
    names : tuple of str
        Parameter names, in order (d of them).
    n : int
        Base rows N: each of the d + 2 blocks has N rows.
    points : pandas.DataFrame
        Shape (N * (d + 2), d), one column per parameter, rows in block
        order A, B, AB0, ..., AB{d-1}. Run the model at every row.
    blocks : pandas.Series
        Block label of each row of ``points`` (same index), named ``_block``:
        ``"A"``, ``"B"``, ``"AB0"``, ... (``ABi`` is A with column i from B).
    seed : None or int
        Seed of the scrambled Sobol' sequence (None when a Generator was given).
    """

    names: Tuple[str, ...]
    n: int
    points: pd.DataFrame
    blocks: pd.Series
    seed: Optional[int]

    @property
    def d(self) -> int:
        """Number of parameters."""
        return len(self.names)

    def __len__(self) -> int:
        return len(self.points)

    def __repr__(self) -> str:
        return f"SaltelliDesign(names={self.names}, n={self.n}, rows={len(self.points)}, seed={self.seed})"

    def analyze(self, y: Any, bootstrap: int = 1000, confidence: float = 0.95,
                seed: SeedLike = 0) -> pd.DataFrame:
        """First- and total-order indices; see :func:`sobol_analyze`."""
        return sobol_analyze(self, y, bootstrap=bootstrap, confidence=confidence, seed=seed)


def saltelli_design(bounds: Bounds, n: int, seed: SeedLike = 0, scramble: bool = True) -> SaltelliDesign:
    """The A, B and AB_i matrices for Sobol' indices (Saltelli et al. 2010).

    A 2d-dimensional Sobol' sequence of ``n`` points gives A (its first d
    columns) and B (its last d columns); AB_i is A with column i replaced by
    column i of B. Only first and total order are estimated, so the design
    has N * (d + 2) rows.

    Parameters
    ----------
    bounds : Bounds
        ``[(low, high), ...]`` or ``{name: (low, high)}``.
    n : int
        Base rows N. A power of two (e.g. 1024 to 8192); scipy warns
        otherwise. The estimators' error falls roughly like 1/N for smooth
        models and 1/sqrt(N) otherwise.
    seed : None, int or numpy.random.Generator, default 0
        Seed of the scrambling: the same seed gives the same design.
    scramble : bool, default True
        Scramble the Sobol' sequence (unscrambled, the first row of A and B
        is the lower corner of the box).

    Returns
    -------
    SaltelliDesign
        ``.points`` (N * (d + 2) rows, one column per parameter), ``.blocks``
        (row labels), ``.n``, ``.names`` and ``.analyze(y)``.
    """
    names, low, high = _parse_bounds(bounds)
    n = _count(n, "n")
    d = len(names)
    base = qmc.Sobol(2 * d, scramble=scramble, seed=seed).random(n)
    a, b = base[:, :d], base[:, d:]
    blocks = [a, b]
    for i in range(d):
        ab = a.copy()
        ab[:, i] = b[:, i]
        blocks.append(ab)
    labels = ["A", "B"] + [f"AB{i}" for i in range(d)]
    points = _scaled_frame(np.vstack(blocks), names, low, high)
    block = pd.Series(np.repeat(labels, n), index=points.index, name="_block")
    return SaltelliDesign(names=names, n=n, points=points, blocks=block,
                          seed=int(seed) if isinstance(seed, (int, np.integer)) else None)


def _sobol_estimates(f_a: np.ndarray, f_b: np.ndarray, f_ab: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """S1 (Saltelli 2010) and ST (Jansen 1999) along the last axis.

    f_B is centred on the mean of [f_A, f_B] in S1 (which leaves the
    expectation unchanged but makes the estimate invariant to a constant
    added to the output).
    ``f_a``, ``f_b`` have shape (..., N); ``f_ab`` has shape (d, ..., N).
    Returns two arrays of shape (d, ...).
    """
    both = np.concatenate([f_a, f_b], axis=-1)
    centre = np.mean(both, axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.var(both, axis=-1)
        s1 = np.mean((f_b - centre) * (f_ab - f_a), axis=-1) / var
        st = 0.5 * np.mean((f_a - f_ab) ** 2, axis=-1) / var
    return s1, st


def sobol_analyze(design: SaltelliDesign, y: Any, bootstrap: int = 1000, confidence: float = 0.95,
                  seed: SeedLike = 0) -> pd.DataFrame:
    """First-order (S1) and total-order (ST) Sobol' indices with bootstrap intervals.

    S1_i = mean((f_B - m) (f_ABi - f_A)) / V (Saltelli et al. 2010) and
    ST_i = mean((f_A - f_ABi)^2) / (2 V) (Jansen 1999), with m and V the
    mean and population variance of the 2N values of f_A and f_B (the
    centring makes S1 invariant to a constant added to the output). The
    intervals resample the N base rows with replacement (the same rows of
    every block), recompute both indices and take percentiles. For these
    quasi-random designs they are conservative: they measure the error of
    N independent random rows, and Sobol' rows do better.

    Parameters
    ----------
    design : SaltelliDesign
        From :func:`saltelli_design`.
    y : array-like, pandas.Series or pandas.DataFrame
        Model output at every row of ``design.points``, in row order: shape
        (N * (d + 2),) for one output, or (N * (d + 2), k) / a DataFrame with
        one column per output. A Series or DataFrame indexed by exactly the
        design's row labels is aligned on them. Units: any (the indices are
        dimensionless).
    bootstrap : int, default 1000
        Bootstrap resamples; 0 skips the intervals (NaN).
    confidence : float, default 0.95
        Level of the percentile intervals.
    seed : None, int or numpy.random.Generator, default 0
        Seed of the resampling.

    Returns
    -------
    pandas.DataFrame
        One row per parameter (per output: a leading ``output`` column when
        ``y`` is 2-d or a DataFrame), columns ``parameter, S1, S1_low,
        S1_high, ST, ST_low, ST_high``. ``attrs`` holds ``n``, ``bootstrap``
        and ``confidence``.

    Raises
    ------
    ValueError
        If ``y`` has the wrong number of rows or holds NaN or infinite values.
    """
    if not isinstance(design, SaltelliDesign):
        raise TypeError(f"design must be a SaltelliDesign (from saltelli_design), got {type(design).__name__}")
    bootstrap = _count(bootstrap, "bootstrap", minimum=0)
    confidence = _check_confidence(confidence)
    outputs, values = _outputs(y, design.points.index)
    n, d, k = design.n, design.d, values.shape[1]
    f_a, f_b = values[:n].T, values[n:2 * n].T  # (k, N)
    f_ab = values[2 * n:].reshape(d, n, k).transpose(0, 2, 1)  # (d, k, N)
    s1, st = _sobol_estimates(f_a, f_b, f_ab)  # (d, k)
    _warn_constant(outputs, np.var(np.concatenate([f_a, f_b], axis=1), axis=1) == 0)

    rng = np.random.default_rng(seed)
    s1_boot = np.empty((d, k, bootstrap))
    st_boot = np.empty((d, k, bootstrap))
    for start, size in _bootstrap_chunks(bootstrap, (d + 2) * k * n):
        idx = rng.integers(0, n, size=(size, n))
        s1_boot[..., start:start + size], st_boot[..., start:start + size] = _sobol_estimates(
            f_a[:, idx], f_b[:, idx], f_ab[:, :, idx])
    s1_low, s1_high = _percentile_interval(s1_boot, confidence)
    st_low, st_high = _percentile_interval(st_boot, confidence)

    parts = [pd.DataFrame({
        "parameter": list(design.names),
        "S1": s1[:, j], "S1_low": s1_low[:, j], "S1_high": s1_high[:, j],
        "ST": st[:, j], "ST_low": st_low[:, j], "ST_high": st_high[:, j],
    }) for j in range(k)]
    out = _tidy(parts, outputs)
    out.attrs.update(n=n, bootstrap=bootstrap, confidence=confidence)
    return out


# ---------------------------------------------------------------------------
# Morris elementary effects


@dataclass(frozen=True, eq=False)
class MorrisDesign:
    """Morris one-at-a-time trajectories (from :func:`morris_design`).

    Attributes
    ----------
    names : tuple of str
        Parameter names, in order (d of them).
    trajectories : int
        Number of trajectories r.
    levels : int
        Grid levels p per parameter.
    delta : float
        Step p / (2 (p - 1)) as a fraction of each parameter's range.
    points : pandas.DataFrame
        Shape (r * (d + 1), d), one column per parameter: trajectory after
        trajectory, d + 1 rows each. Run the model at every row.
    trajectory : pandas.Series
        Trajectory number (0 .. r-1) of each row of ``points``.
    unit : numpy.ndarray
        ``points`` on the unit cube, shape (r * (d + 1), d).
    """

    names: Tuple[str, ...]
    trajectories: int
    levels: int
    delta: float
    points: pd.DataFrame
    trajectory: pd.Series
    unit: np.ndarray

    @property
    def d(self) -> int:
        """Number of parameters."""
        return len(self.names)

    def __len__(self) -> int:
        return len(self.points)

    def __repr__(self) -> str:
        return (f"MorrisDesign(names={self.names}, trajectories={self.trajectories}, levels={self.levels}, "
                f"rows={len(self.points)})")

    def analyze(self, y: Any, bootstrap: int = 1000, confidence: float = 0.95,
                seed: SeedLike = 0) -> pd.DataFrame:
        """mu, mu*, sigma and a bootstrap interval of mu*; see :func:`morris_analyze`."""
        return morris_analyze(self, y, bootstrap=bootstrap, confidence=confidence, seed=seed)


def morris_design(bounds: Bounds, trajectories: int = 20, levels: int = 4, seed: SeedLike = 0) -> MorrisDesign:
    """Random Morris trajectories on a p-level grid (Morris 1991).

    Each trajectory is the matrix

        B* = ( J x* + (Delta / 2) [ (2 B - J) D* + J ] ) P*

    of Morris (1991): B the strictly lower-triangular (d+1) x d matrix of
    ones, J a matrix of ones, x* a random base point on the grid
    {0, 1/(p-1), ..., 1 - Delta}, D* a random diagonal of +/-1 (direction
    of each step) and P* a random permutation (order of the steps). So
    consecutive rows differ in exactly one coordinate, by +/- Delta, and
    every coordinate moves once. Trajectories are independent (no
    spread optimisation of Campolongo et al. 2007).

    Parameters
    ----------
    bounds : Bounds
        ``[(low, high), ...]`` or ``{name: (low, high)}``.
    trajectories : int, default 20
        Number of trajectories r (each costs d + 1 runs). 10 to 50 is usual.
    levels : int, default 4
        Grid levels p, even (so that Delta = p / (2 (p - 1)) is a whole number
        of grid steps and every level is equally likely).
    seed : None, int or numpy.random.Generator, default 0
        The same seed gives the same design.

    Returns
    -------
    MorrisDesign
        ``.points`` (r * (d + 1) rows, one column per parameter) and
        ``.analyze(y)``.
    """
    names, low, high = _parse_bounds(bounds)
    r = _count(trajectories, "trajectories")
    p = _count(levels, "levels", minimum=2)
    if p % 2:
        raise ValueError(f"levels must be even (Delta = p / (2 (p - 1)) is then on the grid), got {p}")
    d = len(names)
    delta = p / (2 * (p - 1))
    starts = np.arange(p // 2) / (p - 1)  # grid levels x with x + Delta <= 1
    rng = np.random.default_rng(seed)
    unit = np.empty((r, d + 1, d))
    for t in range(r):
        base = rng.choice(starts, size=d)
        direction = rng.choice([-1.0, 1.0], size=d)
        order = rng.permutation(d)
        lower_ones = np.tril(np.ones((d + 1, d)), -1)  # B
        steps = (delta / 2) * ((2 * lower_ones - 1) * direction + 1)  # (Delta/2)[(2B - J) D* + J]
        unit[t] = (base + steps)[:, np.argsort(order)]  # P*: factor order[s] moves at step s + 1
    unit = np.clip(unit.reshape(r * (d + 1), d), 0.0, 1.0)
    points = _scaled_frame(unit, names, low, high)
    trajectory = pd.Series(np.repeat(np.arange(r), d + 1), index=points.index, name="_trajectory")
    return MorrisDesign(names=names, trajectories=r, levels=p, delta=delta, points=points,
                        trajectory=trajectory, unit=unit)


def _elementary_effects(design: MorrisDesign, values: np.ndarray) -> np.ndarray:
    """Elementary effects, shape (r, d, k): trajectory, parameter, output."""
    r, d, k = design.trajectories, design.d, values.shape[1]
    unit = np.asarray(design.unit, dtype=float)
    if unit.shape != (r * (d + 1), d):
        raise ValueError(f"design.unit has shape {unit.shape}, expected {(r * (d + 1), d)}")
    moves = np.diff(unit.reshape(r, d + 1, d), axis=1)  # (r, step, parameter)
    moved = np.argmax(np.abs(moves), axis=2)  # parameter moved at each step
    step = np.take_along_axis(moves, moved[..., None], axis=2)[..., 0]
    if not (np.all(np.sort(moved, axis=1) == np.arange(d))
            and np.allclose(np.abs(step), design.delta)
            and np.count_nonzero(np.abs(moves) > 1e-12) == r * d):
        raise ValueError("design is not a set of Morris trajectories (each step must move one parameter by Delta)")
    diffs = np.diff(values.reshape(r, d + 1, k), axis=1)  # (r, step, k)
    ee = np.empty((r, d, k))
    ee[np.arange(r)[:, None], moved] = diffs / step[..., None]
    return ee


def morris_analyze(design: MorrisDesign, y: Any, bootstrap: int = 1000, confidence: float = 0.95,
                   seed: SeedLike = 0) -> pd.DataFrame:
    """Morris screening measures mu, mu* and sigma, with a bootstrap interval of mu*.

    Elementary effects EE_i = (f(x + s Delta e_i) - f(x)) / (s Delta) are
    taken on the unit cube, i.e. in output units per whole parameter range.
    mu_i = mean(EE_i), mu*_i = mean(|EE_i|) (Campolongo et al. 2007),
    sigma_i = sd(EE_i) with ddof 1, over the r trajectories. The interval of
    mu* resamples the trajectories with replacement (percentiles).

    Parameters
    ----------
    design : MorrisDesign
        From :func:`morris_design`.
    y : array-like, pandas.Series or pandas.DataFrame
        Model output at every row of ``design.points``, in row order: shape
        (r * (d + 1),), or (r * (d + 1), k) / a DataFrame for k outputs.
    bootstrap : int, default 1000
        Bootstrap resamples; 0 skips the interval (NaN).
    confidence : float, default 0.95
        Level of the percentile interval.
    seed : None, int or numpy.random.Generator, default 0
        Seed of the resampling.

    Returns
    -------
    pandas.DataFrame
        One row per parameter, in the design's order (per output: a leading
        ``output`` column when ``y`` is 2-d or a DataFrame), columns
        ``parameter, mu, mu_star, mu_star_low, mu_star_high, sigma``.
        ``attrs`` holds ``trajectories``, ``levels``, ``delta``,
        ``bootstrap`` and ``confidence``.

    Raises
    ------
    ValueError
        If ``y`` has the wrong number of rows or holds NaN or infinite values.
    """
    if not isinstance(design, MorrisDesign):
        raise TypeError(f"design must be a MorrisDesign (from morris_design), got {type(design).__name__}")
    bootstrap = _count(bootstrap, "bootstrap", minimum=0)
    confidence = _check_confidence(confidence)
    outputs, values = _outputs(y, design.points.index)
    ee = _elementary_effects(design, values)  # (r, d, k)
    r, d, k = ee.shape
    abs_ee = np.abs(ee)
    mu, mu_star = ee.mean(axis=0), abs_ee.mean(axis=0)
    sigma = ee.std(axis=0, ddof=1) if r > 1 else np.full((d, k), np.nan)

    rng = np.random.default_rng(seed)
    boot = np.empty((d, k, bootstrap))
    for start, size in _bootstrap_chunks(bootstrap, r * d * k):
        idx = rng.integers(0, r, size=(size, r))
        boot[..., start:start + size] = abs_ee[idx].mean(axis=1).transpose(1, 2, 0)
    low, high = _percentile_interval(boot, confidence)

    parts = [pd.DataFrame({
        "parameter": list(design.names),
        "mu": mu[:, j], "mu_star": mu_star[:, j], "mu_star_low": low[:, j], "mu_star_high": high[:, j],
        "sigma": sigma[:, j],
    }) for j in range(k)]
    out = _tidy(parts, outputs)
    out.attrs.update(trajectories=r, levels=design.levels, delta=design.delta,
                     bootstrap=bootstrap, confidence=confidence)
    return out


# ---------------------------------------------------------------------------
# Test functions with analytic indices


def _matrix(x: Any, d: Optional[int], what: str) -> np.ndarray:
    arr = np.asarray(x.to_numpy() if isinstance(x, pd.DataFrame) else x, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or (d is not None and arr.shape[1] != d):
        want = f"(n, {d})" if d is not None else "(n, d)"
        raise ValueError(f"{what}: X must have shape {want}, got {np.shape(x)}")
    return arr


def ishigami(x: Any, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function f = sin(x0) + a sin(x1)^2 + b x2^4 sin(x0).

    Parameters
    ----------
    x : array-like or pandas.DataFrame
        Shape (n, 3); each input uniform on [-pi, pi] for
        :func:`ishigami_indices` to apply. (The literature's x1, x2, x3 are
        columns 0, 1, 2 here.)
    a, b : float, default 7 and 0.1

    Returns
    -------
    numpy.ndarray
        Shape (n,).
    """
    x = _matrix(x, 3, "ishigami")
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> pd.DataFrame:
    """Analytic first- and total-order Sobol' indices of :func:`ishigami`.

    With inputs uniform on [-pi, pi]:
    V0 = (1 + b pi^4 / 5)^2 / 2, V1 = a^2 / 8, V02 = b^2 pi^8 (1/18 - 1/50)
    (= 8 b^2 pi^8 / 225), V = V0 + V1 + V02; S1 = (V0, V1, 0) / V,
    ST = (V0 + V02, V1, V02) / V.

    Parameters
    ----------
    a, b : float, default 7 and 0.1

    Returns
    -------
    pandas.DataFrame
        Columns ``parameter`` (``x0``, ``x1``, ``x2``), ``S1``, ``ST``.
    """
    pi4 = math.pi ** 4
    v0 = 0.5 * (1 + b * pi4 / 5) ** 2
    v1 = a ** 2 / 8
    v02 = b ** 2 * math.pi ** 8 * (1 / 18 - 1 / 50)
    v = v0 + v1 + v02
    return pd.DataFrame({"parameter": ["x0", "x1", "x2"],
                         "S1": [v0 / v, v1 / v, 0.0],
                         "ST": [(v0 + v02) / v, v1 / v, v02 / v]})


def _g_coefficients(a: Any) -> np.ndarray:
    a = np.atleast_1d(np.asarray(a, dtype=float))
    if a.ndim != 1 or a.size == 0 or not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"a must be a non-empty 1-d array of finite values >= 0, got {a!r}")
    return a


def sobol_g(x: Any, a: Any) -> np.ndarray:
    """Sobol's G function f = prod_i (|4 x_i - 2| + a_i) / (1 + a_i).

    Parameters
    ----------
    x : array-like or pandas.DataFrame
        Shape (n, d); inputs uniform on [0, 1] for :func:`sobol_g_indices`
        to apply.
    a : array-like
        Shape (d,), a_i >= 0: the smaller a_i, the more important x_i
        (a_i = 0 very important, a_i = 99 nearly irrelevant).

    Returns
    -------
    numpy.ndarray
        Shape (n,).
    """
    a = _g_coefficients(a)
    x = _matrix(x, a.size, "sobol_g")
    return np.prod((np.abs(4 * x - 2) + a) / (1 + a), axis=1)


def sobol_g_indices(a: Any) -> pd.DataFrame:
    """Analytic first- and total-order Sobol' indices of :func:`sobol_g`.

    V_i = 1 / (3 (1 + a_i)^2), V = prod_i (1 + V_i) - 1,
    S1_i = V_i / V, ST_i = V_i prod_{j != i} (1 + V_j) / V.

    Parameters
    ----------
    a : array-like
        Shape (d,), a_i >= 0.

    Returns
    -------
    pandas.DataFrame
        Columns ``parameter`` (``x0`` ... ``x{d-1}``), ``S1``, ``ST``.
    """
    a = _g_coefficients(a)
    vi = 1.0 / (3.0 * (1.0 + a) ** 2)
    total = np.prod(1.0 + vi)
    v = total - 1.0
    return pd.DataFrame({"parameter": [f"x{i}" for i in range(a.size)],
                         "S1": vi / v,
                         "ST": vi * (total / (1.0 + vi)) / v})


# ---------------------------------------------------------------------------
# Seed noise


class MeanCI(NamedTuple):
    """A mean with its confidence interval (unpacks as ``mean, low, high``)."""

    mean: float
    low: float
    high: float


def _t_halfwidth(sd: Any, n: Any, confidence: float) -> Any:
    """t_{(1+c)/2, n-1} * sd / sqrt(n); NaN for n < 2."""
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        dof = np.where(n >= 2, n - 1, np.nan)
        return stats.t.ppf((1 + confidence) / 2, dof) * np.asarray(sd, dtype=float) / np.sqrt(n)


def mean_ci(values: Any, confidence: float = 0.95, nan_policy: str = "raise") -> MeanCI:
    """Mean over seeds with a Student-t confidence interval.

    mean +/- t_{(1+c)/2, n-1} * s / sqrt(n), s the sample standard deviation
    (ddof 1). Assumes the values are independent (one per seed) and roughly
    normal or numerous.

    Parameters
    ----------
    values : array-like
        One value per seed (any units; the result has the same units).
    confidence : float, default 0.95
    nan_policy : {"raise", "omit"}, default "raise"
        NaN values (e.g. failed runs) raise, or are left out.

    Returns
    -------
    MeanCI
        ``(mean, low, high)``; the interval is NaN for a single value.

    Raises
    ------
    ValueError
        On NaN (with ``nan_policy="raise"``) or when no value is left.
    """
    confidence = _check_confidence(confidence)
    _check_nan_policy(nan_policy)
    x = np.asarray(values, dtype=float).ravel()
    nan = np.isnan(x)
    if nan.any():
        if nan_policy == "raise":
            raise ValueError(f"{int(nan.sum())} of {x.size} values are NaN (use nan_policy='omit' to leave them out)")
        x = x[~nan]
    if x.size == 0:
        raise ValueError("no values to average")
    m = float(x.mean())
    if x.size < 2:
        return MeanCI(m, math.nan, math.nan)
    h = float(_t_halfwidth(x.std(ddof=1), x.size, confidence))
    return MeanCI(m, m - h, m + h)


def summarise(df: pd.DataFrame, by: Union[str, Sequence[str]], value: str, confidence: float = 0.95,
              nan_policy: str = "raise") -> pd.DataFrame:
    """Mean over seeds with a t confidence interval, per group.

    Parameters
    ----------
    df : pandas.DataFrame
        Long table, one row per run (e.g. scenario, step, seed, value).
    by : str or sequence of str
        Grouping column(s); the rows of a group are the seeds.
    value : str
        Column to summarise.
    confidence : float, default 0.95
    nan_policy : {"raise", "omit"}, default "raise"
        NaN values raise, or are left out of their group's ``n``.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``n, mean, sd, low, high`` (sd with ddof
        1; NaN interval where n = 1), one row per group, sorted by group.
        ``attrs`` holds ``value`` and ``confidence``.
    """
    confidence = _check_confidence(confidence)
    _check_nan_policy(nan_policy)
    keys = [by] if isinstance(by, str) else list(by)
    missing = [c for c in keys + [value] if c not in df.columns]
    if missing:
        raise KeyError(f"columns {missing} are not in the table (have: {list(df.columns)})")
    vals = pd.to_numeric(df[value], errors="raise").astype(float)
    if nan_policy == "raise" and vals.isna().any():
        groups = df.loc[vals.isna(), keys].drop_duplicates().head(5).to_dict("records")
        raise ValueError(f"{int(vals.isna().sum())} NaN value(s) of {value!r}, e.g. in groups {groups} "
                         "(use nan_policy='omit' to leave them out)")
    grouped = vals.groupby([df[k] for k in keys], sort=True)
    out = pd.DataFrame({"n": grouped.count(), "mean": grouped.mean(), "sd": grouped.std(ddof=1)})
    half = _t_halfwidth(out["sd"].to_numpy(), out["n"].to_numpy(), confidence)
    out["low"] = out["mean"] - half
    out["high"] = out["mean"] + half
    out = out.reset_index()
    out.attrs.update(value=value, confidence=confidence)
    return out


@dataclass(frozen=True)
class PairedDifference:
    """Policy minus baseline over common seeds (from :func:`paired_difference`).

    Attributes
    ----------
    difference : float
        Mean of the paired differences policy_k - baseline_k.
    low, high : float
        Student-t interval of that mean (NaN when n = 1).
    n : int
        Number of paired seeds.
    sd : float
        Standard deviation of the paired differences (ddof 1).
    seed_sd : float
        Unpaired seed-to-seed standard deviation for reference:
        sqrt((Var(policy) + Var(baseline)) / 2) over the same seeds. When it
        is much larger than ``sd``, pairing on seeds removes most of the noise.
    policy_mean, baseline_mean : float
        Means over the same seeds.
    confidence : float
        Level of the interval.
    exceeds_noise : bool
        True when the interval excludes 0.
    """

    difference: float
    low: float
    high: float
    n: int
    sd: float
    seed_sd: float
    policy_mean: float
    baseline_mean: float
    confidence: float
    exceeds_noise: bool

    def as_series(self) -> pd.Series:
        """The fields as a pandas Series."""
        return pd.Series(asdict(self))


def _pairs(policy: Any, baseline: Any, nan_policy: str) -> Tuple[np.ndarray, np.ndarray, int]:
    """Paired values and the number of seeds present in only one of the two."""
    if isinstance(policy, pd.Series) and isinstance(baseline, pd.Series):
        for name, s in (("policy", policy), ("baseline", baseline)):
            if not s.index.is_unique:
                dup = s.index[s.index.duplicated()].unique()[:5].tolist()
                raise ValueError(f"{name} has several values for seed(s) {dup}")
        common = policy.index.intersection(baseline.index, sort=False)
        unmatched = len(policy) + len(baseline) - 2 * len(common)
        p = policy.loc[common].to_numpy(dtype=float)
        b = baseline.loc[common].to_numpy(dtype=float)
    elif isinstance(policy, pd.Series) or isinstance(baseline, pd.Series):
        raise TypeError("give policy and baseline both as pandas Series indexed by seed, or both as arrays")
    else:
        p = np.asarray(policy, dtype=float).ravel()
        b = np.asarray(baseline, dtype=float).ravel()
        if p.size != b.size:
            raise ValueError(f"policy has {p.size} values and baseline {b.size}: arrays are paired by position")
        unmatched = 0
    nan = np.isnan(p) | np.isnan(b)
    if nan.any():
        if nan_policy == "raise":
            raise ValueError(f"{int(nan.sum())} of {p.size} pairs hold NaN (use nan_policy='omit' to leave them out)")
        p, b = p[~nan], b[~nan]
    if p.size == 0:
        raise ValueError("policy and baseline have no common seed")
    return p, b, unmatched


def _paired(p: np.ndarray, b: np.ndarray, confidence: float) -> PairedDifference:
    diff = p - b
    n = diff.size
    m = float(diff.mean())
    if n >= 2:
        sd = float(diff.std(ddof=1))
        seed_sd = math.sqrt((p.var(ddof=1) + b.var(ddof=1)) / 2)
        h = float(_t_halfwidth(sd, n, confidence))
    else:
        sd = seed_sd = h = math.nan
    low, high = m - h, m + h
    return PairedDifference(difference=m, low=low, high=high, n=n, sd=sd, seed_sd=seed_sd,
                            policy_mean=float(p.mean()), baseline_mean=float(b.mean()),
                            confidence=confidence, exceeds_noise=bool(low > 0 or high < 0))


def paired_difference(policy: Any, baseline: Any, confidence: float = 0.95,
                      nan_policy: str = "raise") -> PairedDifference:
    """Compare a policy with a baseline over common seeds (paired t-interval).

    Runs of the policy and the baseline with the same seed share their
    random numbers, so most seed-to-seed variation cancels in the
    differences d_k = policy_k - baseline_k. Returns
    mean(d) +/- t_{(1+c)/2, n-1} sd(d) / sqrt(n).

    Parameters
    ----------
    policy, baseline : pandas.Series or array-like
        One value per seed. Series are paired on their index (the seed);
        seeds present in only one of them are left out with a warning.
        Arrays are paired by position and must have the same length.
    confidence : float, default 0.95
    nan_policy : {"raise", "omit"}, default "raise"
        Pairs holding NaN raise, or are left out.

    Returns
    -------
    PairedDifference
        ``difference``, ``low``, ``high``, ``n``, ``sd``, ``seed_sd``,
        ``policy_mean``, ``baseline_mean``, ``confidence`` and
        ``exceeds_noise`` (the interval excludes 0).
    """
    confidence = _check_confidence(confidence)
    _check_nan_policy(nan_policy)
    p, b, unmatched = _pairs(policy, baseline, nan_policy)
    if unmatched:
        warnings.warn(f"{unmatched} seed(s) are in only one of policy and baseline and were left out",
                      UserWarning, stacklevel=2)
    return _paired(p, b, confidence)


def compare(df: pd.DataFrame, *, baseline: Any, value: str, by: str = "scenario", pair_on: str = "seed",
            confidence: float = 0.95, nan_policy: str = "raise") -> pd.DataFrame:
    """Every group of ``by`` against a baseline group, paired on ``pair_on``.

    Parameters
    ----------
    df : pandas.DataFrame
        Long table, one row per run, with columns ``by``, ``pair_on`` and
        ``value``.
    baseline : scalar
        The value of ``by`` that is the baseline (e.g. a scenario name).
    value : str
        Column compared.
    by : str, default "scenario"
        Column naming the policy (scenario) of each run.
    pair_on : str, default "seed"
        Column pairing the runs (runs with the same seed share their random
        numbers).
    confidence : float, default 0.95
    nan_policy : {"raise", "omit"}, default "raise"

    Returns
    -------
    pandas.DataFrame
        One row per non-baseline group (sorted), columns ``by``, then the
        fields of :class:`PairedDifference`. ``attrs`` holds ``baseline``,
        ``value`` and ``confidence``.

    Raises
    ------
    ValueError
        If the baseline is missing, a (group, seed) pair occurs twice, or a
        group shares no seed with the baseline.
    """
    confidence = _check_confidence(confidence)
    _check_nan_policy(nan_policy)
    missing = [c for c in (by, pair_on, value) if c not in df.columns]
    if missing:
        raise KeyError(f"columns {missing} are not in the table (have: {list(df.columns)})")
    dup = df.duplicated([by, pair_on])
    if dup.any():
        first = df.loc[dup, [by, pair_on]].iloc[0].to_dict()
        raise ValueError(f"{int(dup.sum())} duplicate ({by}, {pair_on}) row(s), e.g. {first}")
    series = df.set_index(pair_on)[value]
    groups = df[by].to_numpy()
    if not (groups == baseline).any():
        raise ValueError(f"baseline {baseline!r} is not a value of {by!r} (have: {sorted(pd.unique(groups))})")
    base = series[groups == baseline]
    rows = []
    for name in sorted(pd.unique(groups)):
        if name == baseline:
            continue
        try:
            p, b, unmatched = _pairs(series[groups == name], base, nan_policy)
        except ValueError as exc:
            raise ValueError(f"{by}={name!r}: {exc}") from None
        if unmatched:
            warnings.warn(f"{by}={name!r}: {unmatched} seed(s) are in only one of it and the baseline "
                          "and were left out", UserWarning, stacklevel=2)
        rows.append({by: name, **asdict(_paired(p, b, confidence))})
    columns = [by] + list(PairedDifference.__dataclass_fields__)
    out = pd.DataFrame(rows, columns=columns)
    out.attrs.update(baseline=baseline, value=value, confidence=confidence)
    return out


# ---------------------------------------------------------------------------
# Plots


def _axes(ax: Any, figsize: Tuple[float, float]):
    """``ax`` and its figure, or a new pyplot-free figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots()


def _one_output(indices: pd.DataFrame, output: Optional[str]) -> pd.DataFrame:
    if "output" not in indices.columns:
        if output is not None:
            raise ValueError("output given but the table has no 'output' column")
        return indices
    names = list(dict.fromkeys(indices["output"]))
    if output is None:
        if len(names) > 1:
            raise ValueError(f"the table has several outputs {names}: choose one with output=")
        output = names[0]
    if output not in names:
        raise ValueError(f"output {output!r} is not in the table (have: {names})")
    return indices[indices["output"] == output]


def _errors(centre: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Asymmetric error bars (2, n), non-negative, 0 where the interval is unknown."""
    err = np.vstack([centre - low, high - centre])
    return np.where(np.isfinite(err), np.clip(err, 0.0, None), 0.0)


def plot_sobol(indices: pd.DataFrame, ax: Any = None, output: Optional[str] = None):
    """Bars of first- and total-order Sobol' indices with their intervals.

    Parameters
    ----------
    indices : pandas.DataFrame
        From :func:`sobol_analyze` (columns ``parameter, S1, S1_low,
        S1_high, ST, ST_low, ST_high``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; by default a new figure.
    output : str, optional
        Output to show when ``indices`` holds several.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = _one_output(indices, output)
    fig, ax = _axes(ax, (max(5.0, 0.9 * len(table) + 2), 4))
    x = np.arange(len(table))
    width = 0.38
    for shift, key, label in ((-width / 2, "S1", "first order S1"), (width / 2, "ST", "total order ST")):
        centre = table[key].to_numpy(dtype=float)
        err = _errors(centre, table[f"{key}_low"].to_numpy(dtype=float), table[f"{key}_high"].to_numpy(dtype=float))
        ax.bar(x + shift, centre, width, yerr=err, capsize=3, label=label)
    ax.set_xticks(x, [str(p) for p in table["parameter"]], rotation=45 if len(table) > 6 else 0)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_ylabel("Sobol' index (share of output variance)")
    conf = indices.attrs.get("confidence")
    title = "Sobol' indices" + (f" ({conf:.0%} bootstrap intervals)" if conf else "")
    if output is not None:
        title = f"{output}: {title}"
    ax.set_title(title)
    ax.legend(frameon=False)
    ax.grid(True, axis="y", alpha=0.3)
    return fig


def plot_morris(indices: pd.DataFrame, ax: Any = None, output: Optional[str] = None):
    """Morris mu* against sigma, one labelled point per parameter, with the mu* interval.

    Parameters
    ----------
    indices : pandas.DataFrame
        From :func:`morris_analyze` (columns ``parameter, mu_star,
        mu_star_low, mu_star_high, sigma``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; by default a new figure.
    output : str, optional
        Output to show when ``indices`` holds several.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = _one_output(indices, output)
    fig, ax = _axes(ax, (6, 5))
    mu_star = table["mu_star"].to_numpy(dtype=float)
    sigma = table["sigma"].to_numpy(dtype=float)
    err = _errors(mu_star, table["mu_star_low"].to_numpy(dtype=float), table["mu_star_high"].to_numpy(dtype=float))
    ax.errorbar(mu_star, sigma, xerr=err, fmt="o", capsize=3)
    for name, xv, yv in zip(table["parameter"], mu_star, sigma):
        ax.annotate(str(name), (xv, yv), textcoords="offset points", xytext=(5, 5), fontsize=8)
    ax.set_xlabel("mu* (mean |elementary effect|, output per parameter range)")
    ax.set_ylabel("sigma (sd of elementary effects)")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    title = "Morris screening"
    if output is not None:
        title = f"{output}: {title}"
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    return fig


def plot_with_ci(summary: pd.DataFrame, x: str, ax: Any = None, group: Optional[str] = None,
                 label: Optional[str] = None):
    """Mean over seeds as a line with its confidence interval shaded.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`summarise` (columns ``x``, ``mean``, ``low``, ``high``
        and, if given, ``group``).
    x : str
        Column on the horizontal axis (e.g. ``"step"``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; by default a new figure.
    group : str, optional
        Column splitting the rows into one line per value (e.g.
        ``"scenario"``).
    label : str, optional
        Legend label of the line when ``group`` is None.

    Returns
    -------
    matplotlib.figure.Figure
    """
    missing = [c for c in [x, "mean", "low", "high"] + ([group] if group else []) if c not in summary.columns]
    if missing:
        raise KeyError(f"columns {missing} are not in the summary (have: {list(summary.columns)})")
    fig, ax = _axes(ax, (8, 4.5))
    parts = summary.groupby(group, sort=True) if group else [(label, summary)]
    for name, part in parts:
        part = part.sort_values(x)
        line, = ax.plot(part[x], part["mean"], label=None if name is None else str(name))
        ax.fill_between(part[x], part["low"].to_numpy(dtype=float), part["high"].to_numpy(dtype=float),
                        color=line.get_color(), alpha=0.25, linewidth=0)
    ax.set_xlabel(x)
    value = summary.attrs.get("value", "value")
    conf = summary.attrs.get("confidence")
    ax.set_ylabel(f"mean {value}" + (f" ({conf:.0%} interval over seeds)" if conf else ""))
    if group or label:
        ax.legend(frameon=False)
    ax.grid(True, alpha=0.3)
    return fig
