#!/usr/bin/python3
"""Table of the backtest fit sweep (analysis/scripts/backtest_fit_sweep.toml).

For each point: the final work-location shares of the US and China and the
share working outside their origin country (means over seeds), and the
largest gap to MacroPolo 2022 (US 42%, China 28%, outside origin 42%); the
best points first.

    PYTHONPATH=analysis /usr/bin/python3 analysis/scripts/backtest_fit_report.py runs/backtest_fit
"""

import itertools
import sys

import numpy as np
import talentsim as ts

TARGET = {"US": 42.0, "CN": 28.0, "abroad": 42.0}


def main(argv):
    ds = ts.open_sweep(argv[1])
    if "step" in ds.dims:
        ds = ds.isel(step=-1)
    emp = ds.employed_in
    share = 100 * emp / emp.sum("country")
    abroad = 100 * ds.employed_abroad.sum("country") / (
        ds.employed_abroad.sum("country") + ds.employed_home.sum("country"))
    dims = [d for d in emp.dims if d not in ("seed", "country")]
    rows = []
    for idx in itertools.product(*(range(ds.sizes[d]) for d in dims)):
        sel = dict(zip(dims, idx))
        us = float(share.sel(country="US").isel(**sel).mean("seed"))
        cn = float(share.sel(country="CN").isel(**sel).mean("seed"))
        ab = float(abroad.isel(**sel).mean("seed"))
        worst = max(abs(us - TARGET["US"]), abs(cn - TARGET["CN"]), abs(ab - TARGET["abroad"]))
        label = []
        for d, i in sel.items():
            v = ds[d].values[i] if d in ds.coords else i
            if d == "cn_attention":
                v = int(ds["firms.Baidu.attention"].values[i])
            label.append(f"{d}={v:g}")
        rows.append((worst, us, cn, ab, ", ".join(label)))
    rows.sort()
    print("largest gap (pp)   US    CN   outside   point")
    for worst, us, cn, ab, label in rows[:12]:
        print(f"{worst:15.1f} {us:6.1f} {cn:5.1f} {ab:8.1f}   {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
