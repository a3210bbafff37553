"""Known-truth study of talentsim.calibrate (the longer version of
tests/python/test_calibrate.py; results in docs/uncertainty.md).

For K parameter vectors drawn from the prior box (a Latin hypercube), the
targets are simulated at the truth (mean of seeds 501-504, 5% uncertainty),
the calibration is run from scratch, and the script reports, per parameter,
how often the truth lies in the 90% posterior interval (coverage) and how
wide that interval is relative to the prior's.

    PYTHONPATH=analysis /usr/bin/python3 analysis/scripts/calibration_coverage.py \\
        --truths 8 -o runs/calibration_coverage
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

import talentsim as ts
from talentsim import calibration as tc
from talentsim import sensitivity as sa

ROOT = Path(__file__).resolve().parents[2]
BASE = str(ROOT / "scenarios" / "example_small.toml")
FIXED = {"run.steps": 26}
PARAMETERS = [
    tc.Parameter("flows.layoff_rate", 0.01, 0.2),
    tc.Parameter("market.taste_noise", 0.05, 0.8),
    tc.Parameter('firms."Giant A".ai_value', 1e10, 1.5e11, prior="log_uniform"),
]
REPORTERS = {
    "hires": ts.metric("hires_from_pool", window=(6, 26)),
    "retentions": ts.metric("retentions", window=(6, 26)),
    "pay_median": ts.metric("pay_median", window=(6, 26)),
    "poaches": ts.metric("poaches", window=(6, 26)),  # held out
}
HELD_OUT = {"poaches"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truths", type=int, default=8)
    ap.add_argument("--seed", type=int, default=7, help="seed of the truths' design")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("-o", "--output", default="runs/calibration_coverage")
    args = ap.parse_args()
    out = Path(args.output)
    unit = sa.latin_hypercube(args.truths, [(0.1, 0.9)] * len(PARAMETERS), seed=args.seed)
    truths = pd.DataFrame({p.path: p.from_unit(unit.iloc[:, i].to_numpy())
                           for i, p in enumerate(PARAMETERS)})
    rows = []
    for k, truth in truths.iterrows():
        t0 = time.time()
        sim = ts.Experiment(BASE, pd.DataFrame([truth]), seeds=[501, 502, 503, 504], fixed=FIXED,
                            reporters=REPORTERS, directory=out / f"truth{k}" / "truth")
        observed = sim.run(jobs=args.jobs, progress=False)[list(REPORTERS)].mean()
        targets = [tc.Target(n, r, float(observed[n]), 0.05 * abs(float(observed[n])),
                             "simulated at the truth", held_out=n in HELD_OUT)
                   for n, r in REPORTERS.items()]
        cal = tc.Calibration(base=BASE, fixed=FIXED, parameters=PARAMETERS, targets=targets,
                             seeds=[1, 2], check_seeds=[901, 902], points=40, waves=2,
                             steps=2000, burn=500, check_draws=10)
        res = tc.calibrate(cal, out / f"truth{k}", jobs=args.jobs, progress=False,
                           log=lambda line: None)
        iv = res.interval(0.9).set_index("parameter")
        held = res.fit.set_index("target").loc["poaches"]
        for p in PARAMETERS:
            rows.append({"truth": k, "parameter": p.path, "value": truth[p.path],
                         "low": iv.loc[p.path, "low"], "high": iv.loc[p.path, "high"],
                         "covered": bool(iv.loc[p.path, "low"] <= truth[p.path]
                                         <= iv.loc[p.path, "high"]),
                         "width_ratio": iv.loc[p.path, "width_ratio"],
                         "held_out_inside_90": bool(held["inside_90"]),
                         "min_r2": float(res.validation["r2"].min()),
                         "seconds": time.time() - t0})
        print(f"truth {k}: " + ", ".join(f"{r['parameter']} {r['value']:.4g} in "
                                         f"[{r['low']:.4g}, {r['high']:.4g}]"
                                         for r in rows[-len(PARAMETERS):]), flush=True)
    df = pd.DataFrame(rows)
    df.to_csv(out / "coverage.csv", index=False)
    summary = df.groupby("parameter", sort=False).agg(
        truths=("truth", "size"), covered=("covered", "sum"),
        width_ratio_median=("width_ratio", "median"), width_ratio_max=("width_ratio", "max"))
    print(summary.to_string())
    per_truth = df.groupby("truth").first()
    print(f"held-out target inside its 90% interval: {int(per_truth.held_out_inside_90.sum())}"
          f"/{len(per_truth)}; smallest emulator R^2 {df.min_r2.min():.3f}; "
          f"{df.groupby('truth').seconds.first().mean():.0f} s per calibration")


if __name__ == "__main__":
    main()
