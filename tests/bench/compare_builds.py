#!/usr/bin/python3
"""Do two builds give the same market within seed noise? (docs/performance.md)

A change that makes the engine faster but changes what it decides (fewer
random draws, another evaluation order) must leave the model's statistics
unchanged within seed noise. This script runs a scenario with build A and
build B on the same N seeds (seeds never used in fitting: 2001 on by
default), computes the same statistics of every run, and compares the two
samples statistic by statistic:

- the statistics: at the last step the pay median and 99th percentile (log
  dollars), the pay Gini, the talent HHI, the top-1% share at the top three
  firms, the active startups, the job-seeking share and each origin's
  share working abroad; over the run the moves, poaches, retentions,
  hires from the pool, layoffs, bankruptcies, acquisitions and spin-outs
  (totals) and the median poaching package (log dollars);
- the test: a two-sample permutation test of the difference of means
  (every relabelling when there are at most 200,000, otherwise 20,000
  random ones from a fixed seed), its p-values adjusted by Holm's method
  over every statistic (fixed before the runs: an identical one counts
  with p = 1); with each the difference in units of the pooled seed
  standard deviation and Welch's 95% interval for B - A in the
  statistic's own units.

A statistic that is equal in every pair of runs is reported as identical
(an exact change gives identical for every statistic); one that B's runs
lack is reported as missing and counts as a difference. The smallest p
the exact test can give is 2 / C(2n, n), which Holm multiplies by the
number of statistics: with about 20 statistics 6 seeds a side are the
fewest that can find a difference at 0.05, and the script warns when the
seeds are too few. Exit status 0 when no statistic differs at the
Holm-adjusted level (--alpha, default 0.05), 1 when one does, 2 on a usage
or run error (one line). Results go to OUT/compare.md and
OUT/compare.json.

    /usr/bin/python3 tests/bench/compare_builds.py --a OLD_BINARY \\
        --b build/release/bin/talentsim --scenario scenarios/bench/global_100k.toml \\
        --steps 104 --seeds 10 --out build/compare
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import functools
import itertools
import json
import math
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "analysis"))

import talentsim as ts  # noqa: E402
from talentsim import labour  # noqa: E402

EXACT_LIMIT = 200_000
RANDOM_PERMUTATIONS = 20_000


def statistics_of(path: Path) -> dict[str, float]:
    """The compared statistics of one run (see the module docstring)."""
    out: dict[str, float] = {}
    with ts.open_run(path) as run:
        m = run.metrics
        last = m.iloc[-1]
        out["pay_median_log"] = math.log(max(float(last["pay_median"]), 1.0))
        out["pay_p99_log"] = math.log(max(float(last["pay_p99"]), 1.0))
        for name in ("pay_gini", "talent_hhi", "top1pct_share_top3", "active_startups"):
            out[name] = float(last[name])
        for name in ("moves", "poaches", "retentions", "hires_from_pool", "bankruptcies",
                     "acquisitions", "spinouts"):
            out[f"{name}_total"] = float(m[name].iloc[1:].sum())
        out["job_seeking_share"] = float(labour.job_seeking_share(run).iloc[-1])
        abroad = labour.abroad_share(run)
        for origin in abroad.columns:
            out[f"abroad_share_{origin}"] = float(abroad[origin].iloc[-1])
        events = run.events
        out["layoffs_total"] = float((events["kind"] == "layoff").sum())
        poach = events.loc[events["kind"] == "poach", "annual_value"]
        out["poach_value_median_log"] = (math.log(max(float(poach.median()), 1.0))
                                         if len(poach) else 0.0)
    return out


@functools.lru_cache(maxsize=4)
def splits(size: int, n: int) -> np.ndarray:
    """Every choice of n of `size` indices, one per row."""
    return np.array(list(itertools.combinations(range(size), n)), dtype=np.int32)


def permutation_p(a: np.ndarray, b: np.ndarray, seed: int = 12345) -> float:
    """Two-sided p-value of the difference of means under relabelling.

    Exact (every split of the pooled sample into groups of len(a) and
    len(b)) when there are at most EXACT_LIMIT splits; otherwise
    RANDOM_PERMUTATIONS random splits from a fixed seed, with the observed
    split counted among them.
    """
    pooled = np.concatenate([a, b])
    n, total = len(a), pooled.sum()
    observed = abs(a.mean() - b.mean())
    # A tolerance so that splits equal to the observed one up to rounding count.
    tol = 1e-12 * max(1.0, float(np.abs(pooled).max()))

    def diff(sum_a: np.ndarray) -> np.ndarray:
        return np.abs(sum_a / n - (total - sum_a) / (len(pooled) - n))

    if math.comb(len(pooled), n) <= EXACT_LIMIT:
        d = diff(pooled[splits(len(pooled), n)].sum(axis=1))
        return float((d >= observed - tol).mean())
    rng = np.random.default_rng(seed)
    sums = np.array([pooled[rng.permutation(len(pooled))[:n]].sum()
                     for _ in range(RANDOM_PERMUTATIONS)])
    return float(((diff(sums) >= observed - tol).sum() + 1) / (RANDOM_PERMUTATIONS + 1))


def holm(p: list[float]) -> list[float]:
    """Holm's step-down adjustment: controls the family-wise error rate."""
    order = sorted(range(len(p)), key=lambda i: p[i])
    adjusted = [0.0] * len(p)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        adjusted[i] = running
    return adjusted


def welch_interval(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Welch's 95% interval for mean(b) - mean(a)."""
    from scipy import stats
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    d = b.mean() - a.mean()
    if se == 0:
        return d, d
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    q = stats.t.ppf(0.975, df)
    return d - q * se, d + q * se


def compare(a: dict[str, list[float]], b: dict[str, list[float]], alpha: float) -> list[dict]:
    """One row per statistic: means, standardized difference, interval, p.

    Holm's family is every statistic, fixed before the data are seen: an
    identical one counts with p = 1 (a permutation test of equal samples
    gives exactly that). A statistic that some run of B lacks is reported
    as missing and counts as a difference.
    """
    rows = []
    for name in a:
        x, y = np.asarray(a[name], float), np.asarray(b.get(name, []), float)
        row = {"statistic": name, "mean_a": float(x.mean()), "sd_a": float(x.std(ddof=1))}
        if len(y) != len(x) or not np.isfinite(y).all():
            row.update(identical=False, missing=True, p=None, p_holm=None, differs=True)
            rows.append(row)
            continue
        row.update(mean_b=float(y.mean()), sd_b=float(y.std(ddof=1)), missing=False)
        if np.array_equal(x, y):
            row.update(identical=True, p=1.0)
        else:
            pooled_sd = math.sqrt((row["sd_a"] ** 2 + row["sd_b"] ** 2) / 2)
            d = row["mean_b"] - row["mean_a"]
            row.update(identical=False, p=permutation_p(x, y),
                       diff_sd=d / pooled_sd if pooled_sd else math.copysign(math.inf, d),
                       interval=list(welch_interval(x, y)))
        rows.append(row)
    tested = [i for i, r in enumerate(rows) if not r["missing"]]
    adjusted = holm([rows[i]["p"] for i in tested])
    for i, p in zip(tested, adjusted):
        rows[i]["p_holm"] = p
        rows[i]["differs"] = p < alpha
    return rows


def smallest_holm_p(seeds: int, statistics: int) -> float:
    """The smallest Holm-adjusted p that `seeds` runs a side can give with
    `statistics` statistics: the exact test's 2 / C(2n, n) times their
    number (1 / (N + 1) for the random splits)."""
    splits = math.comb(2 * seeds, seeds)
    p = 2 / splits if splits <= EXACT_LIMIT else 1 / (RANDOM_PERMUTATIONS + 1)
    return min(1.0, statistics * p)


def finite_or_none(x):
    """For JSON: NaN and infinities become null (not valid JSON numbers)."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: finite_or_none(v) for k, v in x.items()}
    if isinstance(x, list):
        return [finite_or_none(v) for v in x]
    return x


def markdown(rows: list[dict], header: str) -> str:
    lines = [header, "", "| statistic | mean A | mean B | B - A (pooled sd) | 95% interval of "
             "B - A | p | p (Holm) | verdict |", "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        if r["missing"]:
            lines.append(f"| {r['statistic']} | {r['mean_a']:.6g} | - | - | - | - | - "
                         "| **missing in B** |")
            continue
        if r["identical"]:
            lines.append(f"| {r['statistic']} | {r['mean_a']:.6g} | {r['mean_b']:.6g} | 0 | - | "
                         "- | - | identical |")
            continue
        lo, hi = r["interval"]
        lines.append(f"| {r['statistic']} | {r['mean_a']:.6g} | {r['mean_b']:.6g} "
                     f"| {r['diff_sd']:+.2f} | {lo:.4g} to {hi:.4g} | {r['p']:.3g} "
                     f"| {r['p_holm']:.3g} | {'**differs**' if r['differs'] else 'same'} |")
    return "\n".join(lines) + "\n"


def run_one(binary: str, scenario: str, seed: int, steps: int | None, sets: list[str],
            out: Path) -> dict[str, float]:
    try:
        ts.simulate(out, scenario, seed=seed, steps=steps, sets=sets or None, threads=1,
                    binary=binary)
        return statistics_of(out)
    finally:
        out.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", required=True, help="build A: a talentsim binary (the reference)")
    ap.add_argument("--b", required=True, help="build B: a talentsim binary (the change)")
    ap.add_argument("--scenario", required=True, help="scenario file")
    ap.add_argument("--seeds", type=int, default=10, help="runs per build (default 10)")
    ap.add_argument("--first-seed", type=int, default=2001,
                    help="the first seed (default 2001, never used in fitting)")
    ap.add_argument("--steps", type=int, default=None, help="override the scenario's steps")
    ap.add_argument("--a-set", action="append", default=[], metavar="KEY=VALUE",
                    help="--set for build A's runs (repeatable)")
    ap.add_argument("--b-set", action="append", default=[], metavar="KEY=VALUE",
                    help="--set for build B's runs (repeatable)")
    ap.add_argument("--alpha", type=float, default=0.05,
                    help="family-wise level of the Holm-adjusted tests (default 0.05)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="runs at once, one thread each (default: the cores)")
    ap.add_argument("--out", required=True, help="directory for compare.md and compare.json")
    args = ap.parse_args(argv)
    if args.seeds < 2:
        ap.error("--seeds needs at least 2")
    if not 0 < args.alpha < 1:
        ap.error("--alpha must be between 0 and 1")
    for b in (args.a, args.b):
        if not os.access(b, os.X_OK):
            ap.error(f"{b} is not an executable")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    results: dict[str, dict[int, dict]] = {"a": {}, "b": {}}
    pool = cf.ThreadPoolExecutor(max_workers=max(1, args.jobs))
    try:
        futures = {}
        for seed in seeds:
            for build, binary, sets in (("a", args.a, args.a_set), ("b", args.b, args.b_set)):
                f = pool.submit(run_one, binary, args.scenario, seed, args.steps, sets,
                                out / f"{build}_{seed}.h5")
                futures[f] = (build, seed)
        for f in cf.as_completed(futures):
            build, seed = futures[f]
            results[build][seed] = f.result()
    except Exception as e:  # a failed run: one line, exit 2, the runs not started dropped
        pool.shutdown(wait=True, cancel_futures=True)
        print("compare_builds: " + " ".join(str(e).split()), file=sys.stderr)
        return 2
    pool.shutdown()
    names = list(results["a"][seeds[0]])
    a = {k: [results["a"][s][k] for s in seeds] for k in names}
    b = {k: [results["b"][s].get(k, math.nan) for s in seeds] for k in names}
    rows = compare(a, b, args.alpha)
    floor = smallest_holm_p(args.seeds, len(rows))
    power = ""
    if floor >= args.alpha:
        power = (f" With {args.seeds} seeds a side and {len(rows)} statistics the smallest "
                 f"Holm-adjusted p is {floor:.3g}, not below {args.alpha}: no difference can "
                 "be found; use more seeds.")
        print("compare_builds: warning:" + power, file=sys.stderr)
    differs = [r["statistic"] for r in rows if r["differs"]]
    identical = sum(r["identical"] for r in rows)
    b_names = set().union(*(r.keys() for r in results["b"].values()))
    extra = sorted(b_names - set(names))
    header = (f"{Path(args.scenario).name}, {args.seeds} seeds ({seeds[0]}-{seeds[-1]}), "
              f"steps {args.steps or 'as in the scenario'}; A = {args.a} "
              f"{' '.join(args.a_set)}, B = {args.b} {' '.join(args.b_set)}. "
              f"Permutation test of the difference of means, Holm-adjusted over "
              f"{len(rows)} statistics, level {args.alpha}: "
              + (f"**differs** in {', '.join(differs)}" if differs else
                 ("identical in every statistic and seed" if identical == len(rows) else
                  "no statistic differs"))
              + (f". Only in B: {', '.join(extra)}" if extra else "") + "." + power)
    text = markdown(rows, header)
    (out / "compare.md").write_text(text)
    (out / "compare.json").write_text(json.dumps(finite_or_none(
        {"scenario": args.scenario, "seeds": seeds, "steps": args.steps, "a": args.a,
         "b": args.b, "a_set": args.a_set, "b_set": args.b_set, "alpha": args.alpha,
         "smallest_holm_p": floor, "only_in_b": extra, "rows": rows,
         "runs": {k: {str(s): v for s, v in r.items()} for k, r in results.items()}}),
        indent=2, allow_nan=False))
    print(text)
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
