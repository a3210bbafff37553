#!/usr/bin/python3
"""What a calibrated scenario's headline depends on: Morris screening over
the posterior.

For a calibration file (and its shipped posterior), runs a Morris design
(``talentsim.sensitivity.morris_design``) whose factors are the calibration's
free parameters, each over its posterior 90% interval (not the prior: the
question is which of the remaining uncertainties moves the outputs), with
every other value at the scenario's (the posterior medians written into it)
and the calibration's fixed ``[set]`` applied. The outputs are the
calibration's targets (fitted and held out) plus any ``--extra`` labour
moments. For each output it prints the factors by mu* (mean absolute
elementary effect over the whole interval, in the output's units, with a
bootstrap interval) and sigma (interactions / non-linearity), and the
output's spread over the design against its seed noise at the medians.

A second calibration (``--stage2``, e.g. the baseline's geography stage)
adds its parameters as factors, over its own posterior's intervals.

    PYTHONPATH=analysis TALENTSIM_BINARY=$PWD/build/release/bin/talentsim \\
        /usr/bin/python3 analysis/scripts/calibration_sensitivity.py \\
        scenarios/calibration/baseline_2025.toml \\
        --stage2 scenarios/calibration/baseline_2025_geography.toml \\
        --extra abroad_change_max_pp -o runs/sa_baseline

Results for the shipped calibrations are in docs/calibration.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "analysis"))

import talentsim as ts  # noqa: E402
from talentsim import labour  # noqa: E402
from talentsim import sensitivity as sa  # noqa: E402


def posterior_of(calibration: Path) -> Path:
    """The shipped posterior next to a calibration file: NAME_posterior.csv."""
    return calibration.with_name(calibration.stem + "_posterior.csv")


def factors(cal, posterior: pd.DataFrame) -> Dict[str, Tuple[float, float]]:
    """Each free parameter's posterior 90% interval."""
    out = {}
    for p in cal.parameters:
        lo, hi = np.quantile(posterior[p.path].to_numpy(dtype=float), [0.05, 0.95])
        if p.integer:
            lo, hi = float(np.floor(lo)), float(np.ceil(hi))
        out[p.path] = (float(lo), float(hi))
    return out


def run(args) -> Tuple[pd.DataFrame, pd.DataFrame, Dict[str, Tuple[float, float]], List[str]]:
    cal = ts.load_calibration(args.calibration)
    bounds = factors(cal, pd.read_csv(args.posterior or posterior_of(args.calibration)))
    fixed = dict(cal.fixed)
    reporters = {t.name: t.reporter for t in cal.targets}
    integer = {p.path for p in cal.parameters if p.integer}
    if args.stage2:
        cal2 = ts.load_calibration(args.stage2)
        bounds.update(factors(cal2, pd.read_csv(posterior_of(args.stage2))))
        fixed.update(cal2.fixed)
        reporters.update({t.name: t.reporter for t in cal2.targets})
        integer |= {p.path for p in cal2.parameters if p.integer}
    for name in args.extra:
        reporters[name] = labour.moment(name)
    for path in bounds:
        fixed.pop(path, None)
    design = sa.morris_design(bounds, trajectories=args.trajectories, levels=4, seed=args.seed)
    points = design.points.copy()
    for path in integer:
        points[path] = points[path].round().astype(int)
    out = Path(args.out)
    exp = ts.Experiment(cal.base, points, seeds=[args.run_seed], fixed=fixed, reporters=reporters,
                        directory=out / "morris")
    df = exp.run(jobs=args.jobs, threads=1)
    if not df["complete"].all():
        raise RuntimeError(f"{exp.sweep_dir}: {int((~df['complete']).sum())} runs did not finish")
    df = df.sort_values("point").reset_index(drop=True)
    outputs = list(reporters)
    indices = design.analyze(df[outputs], bootstrap=1000, seed=0)
    noise = ts.Experiment(cal.base, None, seeds=list(range(args.run_seed, args.run_seed + 10)),
                          fixed={k: v for k, v in fixed.items()}, reporters=reporters,
                          directory=out / "noise").run(jobs=args.jobs, threads=1)
    spread = pd.DataFrame({
        "design_sd": df[outputs].std(ddof=1),
        "seed_sd": noise[outputs].std(ddof=1),
    })
    return indices, spread, bounds, outputs


def markdown(indices: pd.DataFrame, spread: pd.DataFrame, bounds, outputs: List[str],
             top: int) -> str:
    lines = ["| output | spread over the design (sd) | seed noise at the medians (sd) "
             "| largest effects: factor mu* [95% CI] (sigma) |", "|---|---|---|---|"]
    for o in outputs:
        rows = indices[indices["output"] == o].sort_values("mu_star", ascending=False)
        effects = "; ".join(
            f"`{r.parameter}` {r.mu_star:.3g} [{r.mu_star_low:.3g}, {r.mu_star_high:.3g}] "
            f"({r.sigma:.2g})" for r in rows.head(top).itertuples())
        lines.append(f"| {o} | {spread.loc[o, 'design_sd']:.3g} | {spread.loc[o, 'seed_sd']:.3g} "
                     f"| {effects} |")
    lines += ["", "Factors (posterior 90% intervals): " + ", ".join(
        f"`{k}` {lo:.3g}-{hi:.3g}" for k, (lo, hi) in bounds.items()) + "."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("calibration", type=Path)
    ap.add_argument("--posterior", type=Path, default=None,
                    help="default: NAME_posterior.csv beside the calibration file")
    ap.add_argument("--stage2", type=Path, default=None,
                    help="a second-stage calibration whose parameters are factors too")
    ap.add_argument("--extra", nargs="*", default=[], help="labour moments reported as well")
    ap.add_argument("--trajectories", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1, help="seed of the Morris design")
    ap.add_argument("--run-seed", type=int, default=1001,
                    help="simulation seed of every design run (never used in fitting); "
                         "seed noise is measured on this seed and the 9 after it")
    ap.add_argument("--top", type=int, default=3, help="factors listed per output")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("-o", "--out", required=True)
    args = ap.parse_args(argv)
    try:
        indices, spread, bounds, outputs = run(args)
    except (OSError, ValueError, RuntimeError) as e:
        print(f"calibration_sensitivity: {e}", file=sys.stderr)
        return 2
    text = markdown(indices, spread, bounds, outputs, args.top)
    Path(args.out, "sensitivity.md").write_text(text)
    indices.to_csv(Path(args.out, "morris.csv"), index=False)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
