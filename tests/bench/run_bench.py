#!/usr/bin/python3
"""End-to-end benchmarks of talentsim (make bench; docs/performance.md).

Runs the scenarios of scenarios/bench/ with `talentsim run --profile`,
several times each with 2 threads and with 1 thread, the two alternating
run by run, and reports medians: wall time, setup time, steps/s,
researcher-steps/s, offers/s, peak RSS, HDF5 bytes written, the output's
share of the wall time and the 1-thread / 2-thread ratio (of the medians,
and of each pair of runs). A second table, the scaling curve, runs every
size (10k to 10M researchers) for the same number of steps,
--scaling-repeat rounds of all sizes, and reports each size's median run's
step time per researcher-step (the slower middle run for an even count),
also within each round. A size whose
step time is short (the 10k world's 52 steps take about 0.05 s, where a
millisecond of the machine's jitter is 2%) runs several times a round, so
that its runs add up to at least --scaling-min-seconds of step time (at
most --scaling-max-runs runs). Results go to OUT/results.md and
OUT/results.json and are printed.

With ``--baseline BINARY`` (``make bench`` builds the baseline commit, see
the Makefile) every end-to-end configuration is also run with a second
build, the two alternating run by run (A B B A A B ...), so that the slow
drifts of a shared machine fall on both alike; the A/B table reports each
build's median and the ratio of medians (baseline / this build: the
speedup).
"""

import argparse
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "scenarios" / "bench"
PROFILE_ROW = re.compile(r"^\s+(?:profile\s+)?([a-z]+(?:\.[a-z]+)?)\s+([0-9.]+)\s+([0-9.]+)%$")
STEP_PHASES = ["timeline", "flows", "neighbours", "scouting", "rounds", "settle", "production",
               "exits", "spinouts", "budgets", "metrics"]
# Parts of scouting and rounds (inside those phases, not added to the step time).
PHASE_PARTS = ["scouting.draw", "scouting.pairs", "scouting.value", "scouting.utility",
               "rounds.open", "rounds.offers", "rounds.decide", "rounds.counter"]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}"


def run_once(talentsim: str, scenario: Path, out: Path, threads: int, steps: int | None) -> dict:
    """One run; returns wall, peak RSS, the --profile rows and output facts."""
    out.unlink(missing_ok=True)
    cmd = [talentsim, "run", str(scenario), "-o", str(out), "-q", "--profile",
           "--threads", str(threads)]
    if steps is not None:
        cmd += ["--steps", str(steps)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"run_bench: {' '.join(cmd)} failed (exit {code}): {stderr.strip()}")
    profile = {}
    for line in stdout.splitlines():
        m = PROFILE_ROW.match(line)
        if m:
            profile[m.group(1)] = float(m.group(2))
    with h5py.File(out, "r") as f:
        offers = int(np.asarray(f["firms/series/offers_made"][()], dtype=np.int64).sum())
        present = np.asarray(f["metrics/by_country/origin_count"][()]).sum(axis=1)
        run_steps = int(f.attrs["steps"])
        firms = int(f["firms/series/active"].shape[1])
    # Researcher-steps: researchers present at each step that was run.
    researcher_steps = float(present[1:].sum())
    return {"wall": wall, "rss_bytes": usage.ru_maxrss * 1024, "profile": profile,
            "hdf5_bytes": out.stat().st_size, "offers": offers, "steps": run_steps,
            "researchers": int(present[0]), "firms": firms, "researcher_steps": researcher_steps}


def runs_per_round(step_s: float, args: argparse.Namespace) -> int:
    """How often a size of the scaling curve runs each round: enough that
    its runs add up to --scaling-min-seconds of step time, at most
    --scaling-max-runs over all rounds, at least once."""
    cap = args.scaling_max_runs // args.scaling_repeat
    if args.scaling_min_seconds <= 0:
        return 1
    wanted = args.scaling_min_seconds / (args.scaling_repeat * max(step_s, 1e-6))
    return max(1, min(cap, math.ceil(wanted)))


def ns_per_researcher_step(r: dict) -> float:
    return 1e9 * r["step_s"] / r["researcher_steps"]


def upper_median(values) -> float:
    """The median, the larger middle value for an even count (as the
    scaling curve's median run is the slower middle one)."""
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def round_spread(runs_by_size: dict[str, list[dict]], i: int) -> float:
    """Largest over smallest time per researcher-step within round i, each
    size's value the median of its runs in that round (the slower middle
    one): sizes measured minutes apart, not hours."""
    values = [upper_median(ns_per_researcher_step(r) for r in runs if r["round"] == i)
              for runs in runs_by_size.values()]
    return max(values) / min(values)


def median_run(runs: list[dict]) -> dict:
    med = dict(runs[0])
    for key in ("wall", "rss_bytes", "hdf5_bytes"):
        med[key] = statistics.median(r[key] for r in runs)
    med["profile"] = {k: statistics.median(r["profile"].get(k, 0.0) for r in runs)
                      for k in runs[0]["profile"]}
    med["runs"] = [r["wall"] for r in runs]
    return med


def summarise(name: str, two: dict, one: dict | None) -> dict:
    p = two["profile"]
    step_s = sum(p.get(k, 0.0) for k in STEP_PHASES)
    row = {
        "scenario": name,
        "researchers": two["researchers"],
        "firms": two["firms"],
        "steps": two["steps"],
        "wall_s": two["wall"],
        "walls_s": two["runs"],
        "setup_s": p.get("setup", 0.0),
        "step_s": step_s,
        "output_s": p.get("output", 0.0),
        "steps_per_s": two["steps"] / two["wall"],
        "researcher_steps_per_s": two["researcher_steps"] / two["wall"],
        "offers_per_s": two["offers"] / two["wall"],
        "peak_rss_bytes": two["rss_bytes"],
        "hdf5_bytes": two["hdf5_bytes"],
        "output_share": p.get("output", 0.0) / two["wall"],
        "phases_s": p,
    }
    if one is not None:
        row["wall_1thread_s"] = one["wall"]
        row["walls_1thread_s"] = one["runs"]
        row["phases_1thread_s"] = one["profile"]
        row["speedup_2_vs_1"] = one["wall"] / two["wall"]
    return row


def ab_order(repeat: int, first="baseline", second="current") -> list:
    """The run order of an A/B comparison: A B, B A, A B, ... (each pair
    reversed after the last), so neither side always runs first. The
    sides are the two builds, or the two thread counts of the end-to-end
    table."""
    order = []
    for i in range(repeat):
        order += [first, second] if i % 2 == 0 else [second, first]
    return order


def ab_rows(args, out: Path) -> list[dict]:
    """The alternating A/B runs of every end-to-end scenario and thread count."""
    rows = []
    for name in [s for s in args.scenarios.split(",") if s]:
        scenario = BENCH / f"{name}.toml"
        for threads in [int(t) for t in args.ab_threads.split(",") if t]:
            runs: dict[str, list[dict]] = {"baseline": [], "current": []}
            for build in ab_order(args.repeat):
                binary = args.baseline if build == "baseline" else args.talentsim
                r = run_once(binary, scenario, out / f"{name}_ab.h5", threads, args.steps)
                print(f"  A/B {name}: {threads} thread(s), {build}: {r['wall']:.2f} s", flush=True)
                runs[build].append(r)
            (out / f"{name}_ab.h5").unlink(missing_ok=True)
            base, cur = median_run(runs["baseline"]), median_run(runs["current"])
            rows.append({"scenario": name, "threads": threads,
                         "baseline_s": base["wall"], "baseline_runs_s": base["runs"],
                         "current_s": cur["wall"], "current_runs_s": cur["runs"],
                         "speedup": base["wall"] / cur["wall"],
                         "baseline_rss_bytes": base["rss_bytes"],
                         "current_rss_bytes": cur["rss_bytes"]})
    return rows


def ab_markdown(rows: list[dict], baseline: str) -> str:
    lines = [f"A/B against the baseline build {baseline} (runs alternating; medians):", "",
             "| scenario | threads | baseline | this build | speedup | baseline runs "
             "| this build's runs | peak RSS (baseline / this) |",
             "|---|---:|---:|---:|---:|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['scenario']} | {r['threads']} | {r['baseline_s']:.1f} s | {r['current_s']:.1f} s "
            f"| {r['speedup']:.2f}x | {', '.join(f'{w:.1f}' for w in r['baseline_runs_s'])} "
            f"| {', '.join(f'{w:.1f}' for w in r['current_runs_s'])} "
            f"| {fmt_bytes(r['baseline_rss_bytes'])} / {fmt_bytes(r['current_rss_bytes'])} |")
    return "\n".join(lines) + "\n"


def fmt_bytes(n: float) -> str:
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def markdown(rows: list[dict], scaling: list[dict], header: str,
             round_spreads: list[float] = ()) -> str:
    lines = [header, "",
             "| scenario | researchers | firms | steps | wall (2 thr) | setup | steps/s "
             "| researcher-steps/s | offers/s | peak RSS | HDF5 | output share | 1 thr / 2 thr |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        speed = f"{r['speedup_2_vs_1']:.2f}x" if "speedup_2_vs_1" in r else "-"
        if r.get("pair_ratios"):
            speed += " (pairs " + ", ".join(f"{x:.2f}" for x in r["pair_ratios"]) + ")"
        lines.append(
            f"| {r['scenario']} | {r['researchers']:,} | {r['firms']:,} | {r['steps']} "
            f"| {r['wall_s']:.1f} s | {r['setup_s']:.2f} s | {r['steps_per_s']:.1f} "
            f"| {r['researcher_steps_per_s'] / 1e6:.1f} M | {r['offers_per_s'] / 1e3:.0f} k "
            f"| {fmt_bytes(r['peak_rss_bytes'])} | {fmt_bytes(r['hdf5_bytes'])} "
            f"| {100 * r['output_share']:.1f}% | {speed} |")
    lines += ["", "Where the time goes (seconds, median run, 2 threads):", "",
              "| scenario | " + " | ".join(["setup"] + STEP_PHASES + ["output"]) + " |",
              "|---|" + "---:|" * (len(STEP_PHASES) + 2)]
    for r in rows:
        p = r["phases_s"]
        cells = [f"{p.get(k, 0.0):.2f}" for k in ["setup"] + STEP_PHASES + ["output"]]
        lines.append(f"| {r['scenario']} | " + " | ".join(cells) + " |")
    lines += ["", "Parts of scouting and rounds (seconds, same runs):", "",
              "| scenario | " + " | ".join(PHASE_PARTS) + " |",
              "|---|" + "---:|" * len(PHASE_PARTS)]
    for r in rows:
        p = r["phases_s"]
        lines.append(f"| {r['scenario']} | " +
                     " | ".join(f"{p.get(k, 0.0):.2f}" for k in PHASE_PARTS) + " |")
    if scaling:
        base = scaling[0]["ns_per_researcher_step"]
        lines += ["", "Scaling (same number of steps for every size, 2 threads, each size's "
                  "median run by step time, the sizes taken in turn, a short size several "
                  "times a round; step time = the phases of the step, without setup and "
                  "output):", "",
                  "| scenario | researchers | steps | setup | step time | ns per researcher-step "
                  "| runs | runs (ns) | vs smallest | peak RSS |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for s in scaling:
            ns = s.get("runs_ns", [])
            if len(ns) <= 5:
                runs = ", ".join(f"{x:.0f}" for x in ns)
            else:
                q1, _, q3 = statistics.quantiles(ns, n=4)
                runs = f"{min(ns):.0f}-{max(ns):.0f}, quartiles {q1:.0f}-{q3:.0f}"
            lines.append(
                f"| {s['scenario']} | {s['researchers']:,} | {s['steps']} | {s['setup_s']:.1f} s "
                f"| {s['step_s']:.2f} s | {s['ns_per_researcher_step']:.0f} | {len(ns)} | {runs} "
                f"| {s['ns_per_researcher_step'] / base:.2f}x | {fmt_bytes(s['peak_rss_bytes'])} |")
        spread = (max(s["ns_per_researcher_step"] for s in scaling) /
                  min(s["ns_per_researcher_step"] for s in scaling))
        lines += ["", f"Largest over smallest time per researcher-step: {spread:.2f}x"]
        if round_spreads:
            each = ", ".join(f"{x:.2f}x" for x in round_spreads)
            lines += ["", "The same within each round (each size's median run of the round): "
                      f"{each}; median {upper_median(round_spreads):.2f}x"]
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--talentsim", required=True, help="the talentsim binary (Release)")
    ap.add_argument("--out", required=True, help="directory for outputs and results")
    ap.add_argument("--scenarios", default="global_10k,global_100k,global_1m",
                    help="end-to-end scenarios (names in scenarios/bench), full length")
    ap.add_argument("--repeat", type=int, default=3, help="runs per configuration (median)")
    ap.add_argument("--steps", type=int, default=None, help="override the scenarios' steps")
    ap.add_argument("--scaling", default="global_10k,global_100k,global_1m,global_10m",
                    help="sizes for the scaling curve ('' to skip)")
    ap.add_argument("--scaling-steps", type=int, default=52)
    ap.add_argument("--scaling-repeat", type=int, default=3,
                    help="rounds of the scaling curve (each size at least once a round; "
                         "median by step time)")
    ap.add_argument("--scaling-min-seconds", type=float, default=3.0,
                    help="step time each size's runs add up to at least, by running a short "
                         "size several times a round (0: once a round)")
    ap.add_argument("--scaling-max-runs", type=int, default=60,
                    help="most runs of one size of the scaling curve, over all rounds")
    ap.add_argument("--baseline", default=None,
                    help="a second talentsim binary: A/B runs alternating with --talentsim")
    ap.add_argument("--ab-threads", default="2",
                    help="thread counts of the A/B runs (comma-separated, default 2)")
    ap.add_argument("--ab-only", action="store_true",
                    help="with --baseline: only the A/B runs (no 1/2-thread table, no scaling)")
    args = ap.parse_args()
    if args.ab_only and not args.baseline:
        ap.error("--ab-only needs --baseline")
    if args.scaling_repeat < 1:
        ap.error("--scaling-repeat needs at least 1")
    if not args.scaling_min_seconds >= 0:  # also NaN
        ap.error("--scaling-min-seconds must be a number >= 0")
    if args.scaling_max_runs < args.scaling_repeat:
        ap.error("--scaling-max-runs must be at least --scaling-repeat")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    header = (f"talentsim benchmarks, {time.strftime('%Y-%m-%d')}, machine: {machine()}; "
              f"median of {args.repeat} runs")
    print(header, flush=True)
    ab = ab_rows(args, out) if args.baseline else []
    rows = []
    for name in [s for s in args.scenarios.split(",") if s and not args.ab_only]:
        scenario = BENCH / f"{name}.toml"
        # 1 and 2 threads alternate run by run (1 2, 2 1, 1 2, ...: the
        # order of an A/B), so that a slow spell of the machine falls on
        # both and each pair is a ratio measured minutes apart.
        runs: dict[int, list[dict]] = {2: [], 1: []}
        for threads in ab_order(args.repeat, 1, 2):
            r = run_once(args.talentsim, scenario, out / f"{name}.h5", threads, args.steps)
            print(f"  {name}: {threads} thread(s), run {len(runs[threads]) + 1}/{args.repeat}: "
                  f"{r['wall']:.2f} s", flush=True)
            runs[threads].append(r)
        row = summarise(name, median_run(runs[2]), median_run(runs[1]))
        row["pair_ratios"] = [one["wall"] / two["wall"] for two, one in zip(runs[2], runs[1])]
        rows.append(row)
    scaling = []
    sizes = [s for s in args.scaling.split(",") if s and not args.ab_only]
    # Rounds over the sizes (each size at least once a round), so that a slow spell
    # of the machine falls on every size rather than on one; each size's
    # median run by step time is reported.
    # A short size runs `per_round[name]` times a round, set by its first
    # run, so that its runs add up to --scaling-min-seconds of step time.
    runs_by_size: dict[str, list[dict]] = {name: [] for name in sizes}
    per_round: dict[str, int] = {}
    for i in range(args.scaling_repeat if sizes else 0):
        for name in sizes:
            j = 0
            while j < per_round.get(name, 1):
                r = run_once(args.talentsim, BENCH / f"{name}.toml", out / f"{name}_scaling.h5",
                             2, args.scaling_steps)
                (out / f"{name}_scaling.h5").unlink(missing_ok=True)
                r["step_s"] = sum(r["profile"].get(k, 0.0) for k in STEP_PHASES)
                r["round"] = i
                runs_by_size[name].append(r)
                if name not in per_round:
                    per_round[name] = runs_per_round(r["step_s"], args)
                j += 1
                print(f"  scaling {name}, round {i + 1}/{args.scaling_repeat}, run {j}/"
                      f"{per_round[name]}: {r['wall']:.1f} s", flush=True)
    for name in sizes:
        runs = sorted(runs_by_size[name], key=lambda r: r["step_s"])
        r = runs[len(runs) // 2]  # the median; the slower middle run for an even count
        scaling.append({"scenario": name, "researchers": r["researchers"], "steps": r["steps"],
                        "setup_s": r["profile"].get("setup", 0.0), "step_s": r["step_s"],
                        "ns_per_researcher_step": ns_per_researcher_step(r),
                        "runs_ns": [ns_per_researcher_step(x) for x in runs_by_size[name]],
                        "runs_round": [x["round"] for x in runs_by_size[name]],
                        "peak_rss_bytes": r["rss_bytes"], "wall_s": r["wall"]})
    round_spreads = [round_spread(runs_by_size, i) for i in range(args.scaling_repeat)
                     if len(sizes) > 1]
    for name in [s for s in args.scenarios.split(",") if s]:
        (out / f"{name}.h5").unlink(missing_ok=True)
    text = (markdown(rows, scaling, header, round_spreads) if rows or scaling
            else header + "\n")
    if ab:
        text += "\n" + ab_markdown(ab, args.baseline)
    (out / "results.md").write_text(text)
    (out / "results.json").write_text(json.dumps(
        {"machine": machine(), "repeat": args.repeat, "end_to_end": rows, "scaling": scaling,
         "scaling_round_spreads": round_spreads,
         "ab": ab, "baseline": args.baseline}, indent=2))
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
