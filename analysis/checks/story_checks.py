#!/usr/bin/python3
"""The 10-seed checks of the 2025 story (project issue 5, section 1).

Runs the story scenario and its counterfactual without the launch events
for each seed, measures every criterion with ``talentsim.story`` and prints
one row per criterion with its value for each seed, how many seeds pass and
whether the criterion holds (in at least ``--need`` of the seeds). Exit
status 0 when every criterion holds, 1 otherwise, 2 on a usage or run error.

    PYTHONPATH=analysis /usr/bin/python3 analysis/checks/story_checks.py
    PYTHONPATH=analysis /usr/bin/python3 analysis/checks/story_checks.py --seeds 3 --need 3

Seeds start at 1001 (the story's calibration used 1-4 to fit and 901-903 to
check). With ``--posterior CSV`` (default: the story's shipped posterior
draws, ``--posterior none`` for the scenario's own values) each seed runs
with its own posterior draw, so the verdicts are over the posterior
ensemble x seeds (issue 14); the counterfactual takes the same draw's
non-timeline values (its timeline has no launch).

Run files go to ``--out`` (default runs/story_checks); ``--reuse`` keeps run
files that already exist (same scenario files and seeds).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import math
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "analysis"))

import talentsim as ts  # noqa: E402
from talentsim import story  # noqa: E402

LAB = ROOT / "scenarios" / "meta_superintelligence_2025.toml"
NOLAB = ROOT / "scenarios" / "meta_superintelligence_2025_no_lab.toml"
POSTERIOR = ROOT / "scenarios" / "calibration" / "story_2025_posterior.csv"
FIRST_SEED = 1001


def posterior_sets(path, n: int, seed: int):
    """n posterior draws (talentsim.calibration.posterior_draws) as lists of
    "KEY=VALUE" for the story and for its counterfactual (the counterfactual
    has no launch event, so no ``timeline.*`` values)."""
    from talentsim.calibration import posterior_draws, without_timeline

    def args(d):
        return [f"{k}={v!r}" for k, v in d.items()]

    return [(args(d), args(without_timeline(d))) for d in posterior_draws(path, n, seed)]


def _m(x: float) -> str:
    return f"{x / 1e6:.1f}"


# (key, label, format of one seed's value, pass test or None for report-only)
# MacroPolo Global AI Talent Tracker 2022 (TT, shared/spec/CALIBRATION.md):
# undergraduate origin and work location of top-tier researchers, percent.
MACROPOLO_2022 = {"origin": {"CN": 47, "US": 18}, "work": {"US": 42, "CN": 28}, "abroad": 42}


def geo_gap(m) -> float:
    """Largest week-0 gap to MacroPolo 2022, percentage points."""
    gaps = [abs(100 * m["origin_share0"][c] - v) for c, v in MACROPOLO_2022["origin"].items()]
    gaps += [abs(100 * m["work_share0"][c] - v) for c, v in MACROPOLO_2022["work"].items()]
    return max(gaps)


CRITERIA = [
    ("geo", "week 0 origin/work shares vs MacroPolo 2022, gap <= 2 pp",
     lambda m: f"{geo_gap(m):.1f}",
     lambda m: geo_gap(m) <= 2.0),
    ("raid", "Meta's launch hires in 2 weeks in 6-16 (PRESS: 11 named)",
     lambda m: f"{m['entrant_hires']}",
     lambda m: 6 <= m["entrant_hires"] <= 16),
    ("largest", "largest package in the star tier, $25-125M/yr ($M/yr)",
     lambda m: _m(m["largest_package"]),
     lambda m: 2.5e7 <= m["largest_package"] <= 1.25e8),
    ("spree_over", "Meta's headcount 10 wk after 27 Oct 2025 within +-5",
     lambda m: f"{m['entrant_growth_late']:+.0f}",
     lambda m: abs(m["entrant_growth_late"]) <= 5),
    ("hires", "Meta hires from OpenAI in 2 weeks >= 5 (PRESS: 7-8)",
     lambda m: f"{m['leader_to_entrant']}",
     lambda m: m["leader_to_entrant"] >= 5),
    ("core", "of them, OpenAI's core team (10 pinned by rank) >= 4 (source: 7)",
     lambda m: f"{m['core_to_entrant']}",
     lambda m: m["core_to_entrant"] >= 4),
    ("core_kept", "core poached before the launch (other losses)",
     lambda m: f"{m['core_poached_before']}({m['core_lost_before']})",
     lambda m: m["core_poached_before"] == 0),
    ("contract", "largest package over the contract >= $300M (source: $400M)",
     lambda m: _m(m["largest_contract"]),
     lambda m: m["largest_contract"] >= 3e8),
    ("median", "frontier-lab median pay in $0.5-2M, min..max ($M/yr)",
     lambda m: f"{m['frontier_median_min'] / 1e6:.2f}..{m['frontier_median_max'] / 1e6:.2f}",
     lambda m: 5e5 <= m["frontier_median_min"] and m["frontier_median_max"] <= 2e6),
    ("ratio", "star package / frontier median >= 50",
     lambda m: f"{m['star_ratio']:.0f}",
     lambda m: m["star_ratio"] >= 50),
    ("retention", "OpenAI retentions 8 wk before -> after (no lab)",
     lambda m: f"{m['retentions_before']}->{m['retentions_after']}({m.get('retentions_after_nolab', '-')})",
     lambda m: m["retentions_after"] > m["retentions_before"]),
    ("retention_value", "OpenAI retention packages 8 wk before -> after ($M/yr)",
     lambda m: f"{m['retention_value_before'] / 1e6:.0f}->{m['retention_value_after'] / 1e6:.0f}",
     lambda m: m["retention_value_after"] > m["retention_value_before"]),
    ("cn", "CN share of Meta's 2-week hires vs pool (report)",
     lambda m: f"{m['cn_share_hires']:.2f}/{m['cn_share_pool']:.2f}",
     None),
    ("entrant", "Meta hires in 2 weeks; top package ($M/yr) (report)",
     lambda m: f"{m['entrant_hires']};{_m(m['entrant_top_package'])}",
     None),
    ("progress", "OpenAI progress growth 26 wk, lab - no lab (%)",
     lambda m: f"{100 * m['progress_diff_rel']:+.1f}",
     lambda m: m["progress_diff"] < 0),
    ("exits", "startup exits 52 wk, lab - no lab",
     lambda m: f"{m['startup_exits']}-{m['startup_exits_nolab']}",
     lambda m: m["exits_diff"] > 0),
    ("turnover", "firm-to-firm moves / hires from pool, 104 wk (report)",
     lambda m: f"{m['poaches']}/{m['hires_from_pool']}",
     None),
]


# Which criteria are evidence (issue 14). Consistency: the scenario's inputs,
# identities and the targets its parameters were fitted to come out as put in
# (useful, not evidence). Validation: what no parameter was chosen for, here
# the responses and counterfactual contrasts.
CONSISTENCY = {
    "geo": "week-0 shares are the scenario's input",
    "raid": "the launch parameters were fitted to it (story_2025 calibration)",
    "largest": "the launch parameters and the skill tail were fitted to it",
    "spree_over": "the lab's seats were fitted to it",
    "median": "frontier-lab pay levels are the scenario's input",
    "ratio": "follows from 'largest' and 'median'",
}
# Held-out targets of the story's calibration, and responses and
# counterfactual contrasts no parameter was chosen for.
VALIDATION = {"hires", "core", "core_kept", "contract", "retention", "retention_value",
              "progress", "exits"}


def run_pair(binary: str, out: Path, seed: int, lab: Path, nolab: Path, reuse: bool, sets=(),
             draw=((), ())):
    paths = []
    # Files of a posterior draw and of the scenario's own values differ in
    # name, so --reuse never mixes the two.
    tag = "_post" if draw[0] else ""
    for scen, stem, extra in ((lab, "lab", draw[0]), (nolab, "nolab", draw[1])):
        path = out / f"{stem}_s{seed}{tag}.h5"
        if not (reuse and path.exists()):
            ts.simulate(path, scen, seed=seed, binary=binary, threads=1,
                        sets=list(extra) + list(sets))
        paths.append(path)
    with ts.open_run(paths[0]) as a, ts.open_run(paths[1]) as b:
        return story.story_measures(a, b)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=10, help="seeds 1..N (default 10)")
    ap.add_argument("--first-seed", type=int, default=FIRST_SEED)
    ap.add_argument("--posterior", default=str(POSTERIOR),
                    help="posterior draws CSV, one draw per seed ('none': the scenario's values)")
    ap.add_argument("--need", type=int, default=None,
                    help="seeds that must pass each criterion (default: 8 of 10, i.e. 80%%)")
    ap.add_argument("--scenario", type=Path, default=LAB)
    ap.add_argument("--counterfactual", type=Path, default=NOLAB)
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "story_checks")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--reuse", action="store_true", help="keep run files that exist")
    ap.add_argument("--binary", default=None)
    ap.add_argument("--json", type=Path, default=None, help="also write the measures as JSON")
    ap.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                    help="override applied to both scenarios (repeatable), as talentsim run --set")
    args = ap.parse_args(argv)

    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    need = args.need if args.need is not None else math.ceil(0.8 * len(seeds))
    try:
        binary = str(args.binary or ts.default_binary())
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    draws = [((), ())] * len(seeds)
    if args.posterior != "none":
        try:
            draws = posterior_sets(args.posterior, len(seeds), args.first_seed)
        except (OSError, ValueError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    with cf.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futs = {s: pool.submit(run_pair, binary, args.out, s, args.scenario,
                               args.counterfactual, args.reuse, args.sets, d)
                for s, d in zip(seeds, draws)}
        try:
            res = {s: f.result() for s, f in futs.items()}
        except RuntimeError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2

    first = res[seeds[0]]
    ensemble = ("the scenario's own values" if args.posterior == "none"
                else f"one posterior draw of {Path(args.posterior).name} per seed")
    print(f"story checks: {args.scenario.name} vs {args.counterfactual.name}, seeds "
          f"{seeds[0]}..{seeds[-1]}, {ensemble}; launch week {first['launch_step']} "
          f"({first['entrant']}); a criterion holds when at least {need} of {len(seeds)} seeds pass")
    width = max(len(c[1]) for c in CRITERIA)
    cols = [f"s{s}" for s in seeds]
    cw = max(9, *(len(c[2](res[s])) for c in CRITERIA for s in seeds))
    print(f"{'criterion':<{width}}  " + " ".join(f"{c:>{cw}}" for c in cols) + "   pass  verdict")
    failed = []
    sections = [
        ("consistency: inputs, identities and fitted targets come out as put in (not evidence)",
         [c for c in CRITERIA if c[0] in CONSISTENCY]),
        ("validation: held-out targets, responses and counterfactual contrasts no parameter was "
         "fitted to",
         [c for c in CRITERIA if c[0] in VALIDATION]),
        ("reported", [c for c in CRITERIA if c[0] not in CONSISTENCY and c[0] not in VALIDATION]),
    ]
    for title, rows in sections:
        print(f"-- {title}")
        for key, label, fmt, test in rows:
            cells = [fmt(res[s]) for s in seeds]
            if test is None:
                verdict, count = "report", ""
            else:
                ok = [bool(test(res[s])) for s in seeds]
                cells = [c + ("" if o else "*") for c, o in zip(cells, ok)]
                count = f"{sum(ok)}/{len(seeds)}"
                verdict = "PASS" if sum(ok) >= need else "FAIL"
                if verdict == "FAIL":
                    failed.append(key)
            print(f"{label:<{width}}  " + " ".join(f"{c:>{cw}}" for c in cells)
                  + f"  {count:>5}  {verdict}")
    print("(* = this seed fails the criterion)")
    # Counterfactual summaries: mean difference and 95% interval over seeds.
    pd_ = [res[s]["progress_diff"] for s in seeds]
    pr = [100 * res[s]["progress_diff_rel"] for s in seeds]
    ed = [res[s]["exits_diff"] for s in seeds]
    m, lo, hi = story.mean_ci(pd_)
    mr, lor, hir = story.mean_ci(pr)
    print(f"OpenAI progress growth over 26 weeks, lab - no lab: mean {m:.4g} "
          f"(95% CI {lo:.4g} .. {hi:.4g}) output units; {mr:+.2f}% (95% CI {lor:+.2f} .. {hir:+.2f})")
    m, lo, hi = story.mean_ci(ed)
    print(f"startup exits over 52 weeks, lab - no lab: mean {m:+.2f} (95% CI {lo:+.2f} .. {hi:+.2f})")
    cn = [res[s]["cn_hires"] for s in seeds]
    hires = [res[s]["entrant_hires"] for s in seeds]
    pool = sum(res[s]["cn_share_pool"] for s in seeds) / len(seeds)
    m0 = res[seeds[0]]
    print("week-0 shares (seed %d), percent: origin " % seeds[0]
          + ", ".join(f"{c} {100 * v:.1f}" for c, v in m0["origin_share0"].items())
          + "; work location " + ", ".join(f"{c} {100 * v:.1f}" for c, v in m0["work_share0"].items())
          + f"; outside origin {100 * m0['abroad_share0']:.1f} (MacroPolo 2022: origin CN 47, US 18;"
          " work US 42, CN 28; outside origin 42)")
    print(f"Chinese-origin share of Meta's 2-week hires: {sum(cn)}/{sum(hires)} = "
          f"{sum(cn) / max(1, sum(hires)):.2f} over all seeds (pool {pool:.2f})")
    print("overall: " + ("PASS" if not failed else "FAIL (" + ", ".join(failed) + ")"))
    if args.json:
        args.json.write_text(json.dumps({str(s): res[s] for s in seeds}, indent=1, default=float))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
