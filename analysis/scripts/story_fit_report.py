#!/usr/bin/python3
"""Table of the star-package fit sweep (analysis/scripts/story_fit_sweep.toml).

For each point (core switching cost x Meta's launch premium): the largest
package of the run (max over steps of pay_max) across seeds, and how many
seeds land in the target $100-125M/yr.

    PYTHONPATH=analysis /usr/bin/python3 analysis/scripts/story_fit_report.py runs/story_fit
"""

import sys

import numpy as np
import talentsim as ts


def main(argv):
    ds = ts.open_sweep(argv[1])
    top = ds.pay_max.max("step") / 1e6          # (core_switch_cost, markup, seed)
    sc = ds["pinned.0.switch_cost"].values
    mk = ds["timeline.6.set.bid_markup"].values
    print("core switch_cost  Meta premium   largest package $M/yr (min..max over seeds)  in 100-125")
    for i, s in enumerate(sc):
        for j, m in enumerate(mk):
            v = top.isel(core_switch_cost=i, **{"timeline.6.set.bid_markup": j}).values
            ok = int(((v >= 100) & (v <= 125)).sum())
            print(f"{s:16.2f}  {m:12.2f}   {v.min():8.1f} .. {v.max():8.1f}"
                  f"{'':27s}{ok}/{v.size}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
