#!/usr/bin/python3
"""Sobol' indices of the 2025 story's headline outputs (worked example).

Runs a Saltelli design over 10 uncertain inputs of the story (the six
factors of Meta's launch event, two attributes of OpenAI's 10-person core
team, two market parameters) on ``scenarios/meta_superintelligence_2025.toml``
and on its counterfactual without Meta's lab (same rows without the launch
columns, same seed), computes first- and total-order Sobol' indices with
bootstrap intervals for each headline output, draws the figures
``docs/figures/sa_story_*.png`` and prints the tables (Markdown) that
docs/sensitivity-story.md shows.

The outputs are the quantities the gallery reports (analysis/scripts/gallery.py,
definitions in analysis/talentsim/story.py): Meta's hires from OpenAI in the
two launch weeks (and how many of them are core-team members), the largest
package, OpenAI's progress over the 26 weeks from the launch with minus
without the lab, startup exits over the 52 weeks from the launch with minus
without the lab, and the brain drain of three origins (CN, EU, IN) at the end
of 2026, with the lab and with minus without it. For each output it also
prints its spread over the design against seed noise at the scenario's
values (10 seeds), and the share of the design where each of the story's
check criteria (analysis/checks/story_checks.py) still holds.

Everything runs through ``talentsim.Experiment`` directories under ``-o``
(resumable: re-running skips finished runs; the reporters' table of each
experiment is cached next to it as ``table.csv``)::

    PYTHONPATH=analysis TALENTSIM_BINARY=$PWD/build/release/bin/talentsim \\
        /usr/bin/python3 analysis/scripts/story_sensitivity.py --n 128 --seed 1 --jobs 2 -o runs/sa_story

See docs/sensitivity-story.md (results) and docs/uncertainty.md (methods).
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "analysis"))

import talentsim as ts  # noqa: E402
from talentsim import sensitivity as sa  # noqa: E402
from talentsim import story  # noqa: E402

LAB = ROOT / "scenarios" / "meta_superintelligence_2025.toml"
NOLAB = ROOT / "scenarios" / "meta_superintelligence_2025_no_lab.toml"
FIGURES = ROOT / "docs" / "figures"
LEADER = "OpenAI"
WINDOW, PROGRESS_WEEKS, EXIT_WEEKS = 2, 26, 52  # as story.story_measures
ORIGINS = ("CN", "EU", "IN")
NOISE_SEEDS = 10  # seeds of the base point, for the seed-noise reference
CONFIDENCE = 0.95


# --- the scenario's launch event and core team ------------------------------------
def launch_index(scenario: dict) -> int:
    """Position (file order) of the launch event: the first timeline event that
    changes a firm's ai_value (the rule of story.launch_event)."""
    events = scenario.get("timeline", [])
    order = sorted(range(len(events)), key=lambda k: events[k]["step"])  # stable
    for k in order:
        ev = events[k]
        if ev.get("firm") and any("ai_value" in (ev.get(op) or {}) for op in ("set", "add", "scale")):
            return k
    raise ValueError("no timeline event changes a firm's ai_value")


def core_team(scenario: dict, leader: str = LEADER) -> List[dict]:
    return [p for p in scenario.get("pinned", []) if p.get("firm") == leader]


# --- factors -----------------------------------------------------------------------
@dataclass
class Factor:
    name: str                 # column of the Sobol' tables
    low: float                # sampling range (uniform)
    high: float
    base: float               # the scenario's value
    expand: Callable[[np.ndarray], Dict[str, np.ndarray]]  # values -> {key path: values}
    launch: bool = False      # a column of the launch event (absent from the counterfactual)
    integer: bool = False     # rounded to whole numbers (range low..high inclusive)
    shown: str = ""           # range as printed

    def bounds(self):
        # Whole numbers low..high equally likely: sample [low - 0.5, high + 0.5) and round.
        return (self.low - 0.5, self.high + 0.5) if self.integer else (self.low, self.high)


def factors(scenario: dict) -> List[Factor]:
    k = launch_index(scenario)
    ev = scenario["timeline"][k]
    core = core_team(scenario)
    if not core:
        raise ValueError(f"no researcher is pinned at {LEADER}")
    labels = [p["label"] for p in core]
    ranks = [p.get("skill_quantile") for p in core]
    if any(r is None for r in ranks):
        raise ValueError(f"the core team at {LEADER} must be pinned by rank (skill_quantile)")
    rank = float(np.median(ranks))
    skill = scenario["population"]["skill"]

    def event(op, key, integer=False):
        path = f"timeline.{k}.{op}.{key}"
        return lambda v: {path: (np.rint(v).astype(np.int64) if integer else v)}

    def pinned(key):
        def expand(v):
            return {f'pinned."{lab}".{key}': v for lab in labels}
        return expand

    s, t = ev["scale"], ev["set"]
    m = scenario["market"]
    out = [
        # Launch factors over the 90% posterior intervals of the story's
        # calibration (scenarios/calibration/story_2025.toml).
        Factor("launch ai_value x", 1.8, 7.7, s["ai_value"], event("scale", "ai_value"), launch=True),
        Factor("launch budget x", 1.6, 9.5, s["comp_budget_share"], event("scale", "comp_budget_share"),
               launch=True),
        Factor("outreach", 2, 29, t["outreach"], event("set", "outreach", True), launch=True, integer=True),
        Factor("bid_markup", 0.13, 2.8, t["bid_markup"], event("set", "bid_markup"), launch=True),
        Factor("max_hires_per_step", 4, 11, t["max_hires_per_step"], event("set", "max_hires_per_step", True),
               launch=True, integer=True),
        Factor("plan_seats", 13, 139, ev["add"]["plan_seats"], event("add", "plan_seats", True),
               launch=True, integer=True),
        Factor("denial_weight", 0.5, 1.5, t["denial_weight"], event("set", "denial_weight"), launch=True),
        # The core team's rank in the skill distribution (one value for all
        # ten) and the tail index of skill (90% posterior interval).
        Factor("core rank (quantile)", 0.99, 0.9995, rank, pinned("skill_quantile")),
        Factor("skill tail_shape", 3.1, 7.8, float(skill["tail_shape"]),
               lambda v: {"population.skill.tail_shape": v}),
        Factor("taste_noise", 0.05, 0.2, m["taste_noise"], lambda v: {"market.taste_noise": v}),
        Factor("knowledge_loss", 0.075, 0.225, m["knowledge_loss"], lambda v: {"market.knowledge_loss": v}),
    ]
    for f in out:
        f.shown = f"{f.low:g}-{f.high:g}" + (" (whole numbers)" if f.integer else "")
    return out


def expand(points: pd.DataFrame, fs: Sequence[Factor], launch: bool) -> pd.DataFrame:
    """The Experiment design: one column per scenario key path."""
    cols: Dict[str, np.ndarray] = {}
    for f in fs:
        if f.launch and not launch:
            continue
        cols.update(f.expand(points[f.name].to_numpy(dtype=float)))
    return pd.DataFrame(cols)


# --- outputs (definitions of analysis/talentsim/story.py) --------------------------
@dataclass
class Output:
    key: str
    label: str
    unit: str
    definition: str
    zero: Optional[float] = None  # a reference value (the sign of an effect)
    digits: int = 1


OUTPUTS = [
    Output("launch_hires", "launch hires from OpenAI", "researchers",
           "OpenAI researchers Meta hires in the two launch weeks (story.story_measures: leader_to_entrant)",
           digits=1),
    Output("core_hires", "core members among them", "of 10",
           "of those, members of OpenAI's 10 pinned core researchers (core_to_entrant)", digits=2),
    Output("largest_package", "largest package", "$M/yr",
           "largest annual value any researcher holds at any step (max of metric pay_max; largest_package)"),
    Output("progress_diff", "OpenAI progress, with - without", "% of counterfactual",
           "OpenAI's progress P[L+25] - P[L-1] with the lab minus without it, in % of the counterfactual's "
           "(progress_diff_rel)", zero=0.0, digits=2),
    Output("exits_diff", "startup exits, with - without", "startups",
           "startups that exit in weeks L..L+51, with the lab minus without it (exits_diff)", zero=0.0),
    *[Output(f"brain_drain_{c}", f"brain drain {c}", "% of employed",
             f"share of employed {c}-origin researchers working outside {c} at the end of 2026 "
             "(by_country brain_drain_share, last step), with the lab", digits=2) for c in ORIGINS],
    *[Output(f"drain_diff_{c}", f"brain drain {c}, with - without", "pp",
             "the same share with the lab minus without it", zero=0.0, digits=2) for c in ORIGINS],
]


def make_reporter(L: int, lab: bool):
    """One reporter returning every per-run quantity (one file open per run)."""

    def report(run) -> Dict[str, float]:
        out: Dict[str, float] = {}
        p = run.firms.progress.sel(firm=LEADER).values
        out["leader_growth"] = float(p[min(L + PROGRESS_WEEKS - 1, len(p) - 1)] - p[L - 1])
        out["exits"] = float(story.startup_exits(run, L, L + EXIT_WEEKS))
        bd = run.by_country.brain_drain_share.isel(step=-1).to_pandas()
        for c in ORIGINS:
            out[f"bd_{c}"] = 100.0 * float(bd[c])
        if lab:
            ev = run.events
            lead, ent = run.firm_index(LEADER), run.firm_index(entrant_of(run))
            win = ev[(ev.step >= L) & (ev.step < L + WINDOW) & ev.kind.isin(["hire", "poach"])
                     & (ev.to_firm_id == ent)]
            from_leader = win[win.from_firm_id == lead]
            core = story.pinned_researchers(run, LEADER)
            out["launch_hires"] = float(len(from_leader))
            out["core_hires"] = float(np.isin(from_leader.researcher.values, core).sum())
            out["largest_package"] = float(run.metrics.pay_max.max()) / 1e6
        return out

    return report


def entrant_of(run) -> str:
    return story.launch_event(run)[1]


# --- runs -------------------------------------------------------------------------
def experiment_table(exp: ts.Experiment, jobs: int, reread: bool) -> pd.DataFrame:
    cache = exp.directory / "table.csv"
    exp.plan()
    if cache.exists() and not reread:
        df = pd.read_csv(cache, float_precision="round_trip")
        if len(df) == exp.n_runs and df["complete"].all() and exp.finished() == exp.n_runs:
            return df
    df = exp.run(jobs=jobs, threads=1)
    if not df["complete"].all():
        raise RuntimeError(f"{exp.directory}: {int((~df['complete']).sum())} runs did not finish")
    df.to_csv(cache, index=False)
    return df


def combine(lab: pd.DataFrame, nolab: pd.DataFrame) -> pd.DataFrame:
    """Per (lab row, seed): the outputs, pairing each lab run with the
    counterfactual run of the same non-launch inputs and seed."""
    out = pd.DataFrame({"seed": lab["seed"].to_numpy()})
    for k in ("launch_hires", "core_hires", "largest_package"):
        out[k] = lab[f"m.{k}"].to_numpy()
    g_lab, g_no = lab["m.leader_growth"].to_numpy(), nolab["m.leader_growth"].to_numpy()
    out["progress_diff"] = 100.0 * (g_lab - g_no) / g_no
    out["exits_diff"] = lab["m.exits"].to_numpy() - nolab["m.exits"].to_numpy()
    for c in ORIGINS:
        out[f"brain_drain_{c}"] = lab[f"m.bd_{c}"].to_numpy()
    for c in ORIGINS:
        out[f"drain_diff_{c}"] = lab[f"m.bd_{c}"].to_numpy() - nolab[f"m.bd_{c}"].to_numpy()
    out["exits_lab"] = lab["m.exits"].to_numpy()
    return out


def run_all(args) -> dict:
    scenario = tomllib.loads(LAB.read_text())
    fs = factors(scenario)
    L = int(scenario["timeline"][launch_index(scenario)]["step"])
    seeds = list(range(args.seed, args.seed + args.replicates))
    design = sa.saltelli_design({f.name: f.bounds() for f in fs}, args.n, seed=args.design_seed)
    for f in fs:  # the analysis sees the values the runs used (integers rounded)
        if f.integer:
            design.points[f.name] = np.rint(design.points[f.name])
    lab_design = expand(design.points, fs, launch=True)
    no_full = expand(design.points, fs, launch=False)
    # The counterfactual only sees the non-launch columns: rows that differ only in
    # launch factors (A and AB_i of a launch factor) are the same run. Run each once.
    key = pd.MultiIndex.from_frame(no_full.round(12))
    uniq = ~key.duplicated()
    no_design = no_full[uniq].reset_index(drop=True)
    no_row = pd.Index(key[uniq]).get_indexer(key)

    tag = f"n{args.n}_d{args.design_seed}_s{seeds[0]}" + (f"x{len(seeds)}" if len(seeds) > 1 else "")
    base = Path(args.out) / tag
    # A private copy of the simulator: the checkout's binary may be rebuilt while the
    # runs go (a run started during a relink fails), and a resumed study must use the
    # same binary as its first runs.
    base.mkdir(parents=True, exist_ok=True)
    binary = base / "talentsim"
    if not binary.exists():
        shutil.copy2(ts.default_binary(), binary)
    got = subprocess.run([str(binary), "--version"], capture_output=True, text=True)
    if got.returncode != 0:
        raise RuntimeError(f"{binary} --version failed: {got.stderr.strip()}")
    version = got.stdout.strip()
    common = dict(seeds=seeds, fixed={}, binary=binary)
    t0 = time.monotonic()
    lab = experiment_table(ts.Experiment(LAB, lab_design, reporters={"m": make_reporter(L, True)},
                                         directory=base / "lab", **common), args.jobs, args.reread)
    t1 = time.monotonic()
    nolab = experiment_table(ts.Experiment(NOLAB, no_design, reporters={"m": make_reporter(L, False)},
                                           directory=base / "nolab", **common), args.jobs, args.reread)
    t2 = time.monotonic()
    # Seed noise at the scenario's own values: NOISE_SEEDS seeds, paired lab / no lab.
    noise_seeds = list(range(1, NOISE_SEEDS + 1))
    nlab = experiment_table(ts.Experiment(LAB, None, seeds=noise_seeds, reporters={"m": make_reporter(L, True)},
                                          directory=base / "noise" / "lab", binary=binary),
                            args.jobs, args.reread)
    nno = experiment_table(ts.Experiment(NOLAB, None, seeds=noise_seeds, reporters={"m": make_reporter(L, False)},
                                         directory=base / "noise" / "nolab", binary=binary),
                           args.jobs, args.reread)
    t3 = time.monotonic()

    # Map the counterfactual back onto the lab rows, run by run (point-major, then seed).
    ns = len(seeds)
    idx = (no_row[:, None] * ns + np.arange(ns)[None, :]).ravel()
    nolab_rows = nolab.iloc[idx].reset_index(drop=True)
    assert (nolab_rows["seed"].to_numpy() == lab["seed"].to_numpy()).all()
    per_run = combine(lab, nolab_rows)
    per_run["row"] = np.repeat(np.arange(len(lab_design)), ns)
    y = per_run.groupby("row", sort=True)[[o.key for o in OUTPUTS] + ["exits_lab"]].mean()
    noise = combine(nlab, nno)
    return dict(factors=fs, design=design, y=y, per_run=per_run, noise=noise, seeds=seeds, L=L,
                runs=(len(lab), len(nolab), len(nlab) + len(nno)),
                times=(t1 - t0, t2 - t1, t3 - t2), base=base, version=version)


# --- analysis ---------------------------------------------------------------------
def analyse(R, bootstrap: int) -> pd.DataFrame:
    design, y = R["design"], R["y"]
    keys = [o.key for o in OUTPUTS]
    table = design.analyze(y[keys].to_numpy(), bootstrap=bootstrap, confidence=CONFIDENCE, seed=0)
    table["output"] = np.repeat(keys, design.d)
    return table


def variance_summary(R) -> pd.DataFrame:
    """Per output: spread over the design (the A and B rows: 2N points of the
    box), the seed noise at the base point, and its share of the variance."""
    n, y, noise, k = R["design"].n, R["y"], R["noise"], len(R["seeds"])
    rows = []
    for o in OUTPUTS:
        v = y[o.key].to_numpy()[: 2 * n]
        s = noise[o.key].to_numpy()
        V = float(np.var(v))
        seed_var = float(np.var(s, ddof=1))
        row = dict(output=o.key, base_mean=float(np.mean(s)), seed_sd=math.sqrt(seed_var),
                   mean=float(np.mean(v)), sd=math.sqrt(V), min=float(np.min(v)),
                   p05=float(np.quantile(v, 0.05)), median=float(np.median(v)),
                   p95=float(np.quantile(v, 0.95)), max=float(np.max(v)),
                   noise_share=(seed_var / k) / V if V > 0 else math.nan)
        if o.zero is not None:
            row["share_below_0"] = float(np.mean(v < o.zero))
            row["share_above_0"] = float(np.mean(v > o.zero))
        rows.append(row)
    return pd.DataFrame(rows)


# The pass criteria of analysis/checks/story_checks.py that these outputs decide.
CRITERIA = [
    ("Meta hires >= 5 OpenAI researchers in 2 weeks (held out)", lambda y: y.launch_hires >= 5),
    (">= 4 of them from OpenAI's core team (held out)", lambda y: y.core_hires >= 4),
    ("largest package in the star tier, $25-125M/yr (fitted)",
     lambda y: (y.largest_package >= 25) & (y.largest_package <= 125)),
    ("largest package over the 4-year contract >= $300M", lambda y: 4 * y.largest_package >= 300),
    ("OpenAI's progress lower with the lab", lambda y: y.progress_diff < 0),
    ("more startup exits with the lab", lambda y: y.exits_diff > 0),
    *[(f"brain drain {c} higher with the lab", (lambda c: lambda y: y[f"drain_diff_{c}"] > 0)(c))
      for c in ORIGINS],
]


def criteria(R) -> pd.DataFrame:
    """Share of the 2N design points (A and B) where each story criterion holds,
    and where it fails: the pass share in the lowest and highest third of the
    factor whose thirds differ most."""
    n = R["design"].n
    y, pts = R["y"].iloc[: 2 * n], R["design"].points.iloc[: 2 * n]
    noise = R["noise"]
    rows = []
    for label, test in CRITERIA:
        ok = np.asarray(test(y), dtype=bool)
        at_base = np.asarray(test(noise), dtype=bool)
        best = ("-", math.nan, math.nan)  # none: the criterion holds (or fails) in every third
        for f in R["factors"]:
            lo_b, hi_b = f.bounds()
            u = (pts[f.name].to_numpy() - lo_b) / (hi_b - lo_b)
            lo, hi = ok[u < 1 / 3].mean(), ok[u > 2 / 3].mean()
            if abs(hi - lo) > (abs(best[2] - best[1]) if best[0] != "-" else 0.0):
                best = (f.name, lo, hi)
        rows.append(dict(criterion=label, base=f"{int(at_base.sum())}/{len(at_base)}",
                         share=float(ok.mean()), factor=best[0], low_third=best[1], high_third=best[2]))
    return pd.DataFrame(rows)


# --- figures ----------------------------------------------------------------------
def save(fig: Figure, name: str) -> Path:
    FIGURES.mkdir(parents=True, exist_ok=True)
    path = FIGURES / name
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def heatmap(table: pd.DataFrame, summary: pd.DataFrame, R) -> Path:
    names = [f.name for f in R["factors"]]
    st = np.array([[table[(table.output == o.key) & (table.parameter == p)].ST.iloc[0] for p in names]
                   for o in OUTPUTS])
    lo = np.array([[table[(table.output == o.key) & (table.parameter == p)].ST_low.iloc[0] for p in names]
                   for o in OUTPUTS])
    hi = np.array([[table[(table.output == o.key) & (table.parameter == p)].ST_high.iloc[0] for p in names]
                   for o in OUTPUTS])
    fig = Figure(figsize=(14, 9), layout="constrained")
    ax = fig.subplots()
    im = ax.imshow(np.clip(st, 0, 1), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i in range(st.shape[0]):
        for j in range(st.shape[1]):
            dark = st[i, j] > 0.55
            ax.text(j, i - 0.12, f"{st[i, j]:.2f}", ha="center", va="center", fontsize=9,
                    color="white" if dark else "black", fontweight="bold")
            ax.text(j, i + 0.22, f"{lo[i, j]:.2f}-{hi[i, j]:.2f}", ha="center", va="center", fontsize=6.5,
                    color="white" if dark else "0.25")
    noise = summary.set_index("output").noise_share
    ax.set_yticks(range(len(OUTPUTS)),
                  [f"{o.label}\n(seed-noise share {noise[o.key]:.2f})" for o in OUTPUTS], fontsize=8.5)
    ax.set_xticks(range(len(names)), names, rotation=35, ha="right")
    ax.set_title(f"Total-order Sobol' indices ST of the story's headline outputs "
                 f"(N = {R['design'].n}, {len(R['seeds'])} seed(s) a row; small: 95% bootstrap interval)",
                 fontsize=10)
    fig.colorbar(im, ax=ax, shrink=0.8, label="ST (share of output variance, with interactions)")
    return save(fig, "sa_story_st_heatmap.png")


def bars(table: pd.DataFrame, R) -> Path:
    fig = Figure(figsize=(20, 12), layout="constrained")
    axes = fig.subplots(3, 4, sharey=True).ravel()
    for ax, o in zip(axes, OUTPUTS):
        sa.plot_sobol(table, ax=ax, output=o.key)
        ax.set_title(f"{o.label} ({o.unit})", fontsize=10)
        ax.set_ylabel("")
        ax.tick_params(axis="x", labelsize=7.5)
        for lab in ax.get_xticklabels():
            lab.set_rotation(40)
            lab.set_horizontalalignment("right")
        ax.legend().set_visible(ax is axes[0])
    for ax in axes[len(OUTPUTS):]:
        ax.set_visible(False)
    for ax in axes[::4]:
        ax.set_ylabel("Sobol' index")
    top = float(np.nanmax(table[["ST_high", "S1_high"]].to_numpy()))
    axes[0].set_ylim(-0.3, min(1.3, max(1.05, top + 0.05)))  # shared; wider intervals are cut
    fig.suptitle(f"First- (S1) and total-order (ST) Sobol' indices with 95% bootstrap intervals "
                 f"(N = {R['design'].n}, {len(R['seeds'])} seed(s) a row)")
    return save(fig, "sa_story_bars.png")


def distributions(R) -> Path:
    n, y, noise = R["design"].n, R["y"], R["noise"]
    fig = Figure(figsize=(18, 11), layout="constrained")
    axes = fig.subplots(3, 4).ravel()
    for ax, o in zip(axes, OUTPUTS):
        v = y[o.key].to_numpy()[: 2 * n]
        s = noise[o.key].to_numpy()
        ax.hist(v, bins=30, color="C0", alpha=0.8, label=f"{2 * n} design points (A and B)")
        lo, hi = np.min(s), np.max(s)
        ax.axvspan(lo, hi, color="C3", alpha=0.25, label=f"scenario values, seeds 1-{len(s)} (range)")
        ax.axvline(np.mean(s), color="C3", lw=1.5)
        if o.zero is not None:
            ax.axvline(o.zero, color="k", lw=1, ls=":")
        ax.set_title(o.label, fontsize=10)
        ax.set_xlabel(o.unit)
        ax.grid(True, alpha=0.3)
    axes[0].legend(frameon=False, fontsize=8)
    for ax in axes[len(OUTPUTS):]:
        ax.set_visible(False)
    fig.suptitle("The headline outputs over the plausible ranges of the 10 inputs "
                 "(blue) against seed noise at the scenario's values (red)")
    return save(fig, "sa_story_outputs.png")


def drivers(table: pd.DataFrame, R) -> Path:
    """Each output of the story's conclusions against its two factors of largest ST."""
    keys = ["launch_hires", "core_hires", "largest_package", "progress_diff", "exits_diff", "drain_diff_CN"]
    n, y, pts = R["design"].n, R["y"], R["design"].points
    fig = Figure(figsize=(18, 9.5), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    for ax, key in zip(axes, keys):
        o = next(o for o in OUTPUTS if o.key == key)
        t = table[table.output == key].sort_values("ST", ascending=False)
        f1, f2 = t.parameter.iloc[0], t.parameter.iloc[1]
        x, c, v = pts[f1].to_numpy()[: 2 * n], pts[f2].to_numpy()[: 2 * n], y[key].to_numpy()[: 2 * n]
        sc = ax.scatter(x, v, c=c, cmap="viridis", s=14, alpha=0.85)
        edges = np.linspace(x.min(), x.max(), 9)
        mid = 0.5 * (edges[1:] + edges[:-1])
        which = np.clip(np.digitize(x, edges) - 1, 0, len(mid) - 1)
        means = [v[which == i].mean() if (which == i).any() else np.nan for i in range(len(mid))]
        ax.plot(mid, means, color="C3", lw=2, label="mean in bins of " + f1)
        if o.zero is not None:
            ax.axhline(o.zero, color="k", lw=0.8, ls=":")
        ax.set_xlabel(f"{f1} (ST {t.ST.iloc[0]:.2f})")
        ax.set_ylabel(o.unit)
        ax.set_title(o.label, fontsize=10)
        ax.grid(True, alpha=0.3)
        fig.colorbar(sc, ax=ax, label=f"{f2} (ST {t.ST.iloc[1]:.2f})")
    axes[0].legend(frameon=False, fontsize=8)
    fig.suptitle(f"What moves the story: each output against its two most influential inputs "
                 f"({2 * n} design points, A and B)")
    return save(fig, "sa_story_drivers.png")


# --- tables -----------------------------------------------------------------------
def fmt(x: float, d: int = 2) -> str:
    return f"{x:.{d}f}"


def markdown(table: pd.DataFrame, summary: pd.DataFrame, crit: pd.DataFrame, R) -> str:
    names = [f.name for f in R["factors"]]
    lines = []
    for i, (col, title) in enumerate((("ST", "Total-order indices ST"),
                                      ("S1", "First-order indices S1"))):
        lines.append(("\n" if i else "") + f"### {title} (95% bootstrap interval)\n")
        lines.append("| output | " + " | ".join(names) + f" | sum {col} |")
        lines.append("|---|" + "---|" * (len(names) + 1))
        for o in OUTPUTS:
            t = table[table.output == o.key].set_index("parameter")
            cells = [f"{t[col][p]:.2f} [{t[col + '_low'][p]:.2f}, {t[col + '_high'][p]:.2f}]"
                     for p in names]
            lines.append(f"| {o.label} | " + " | ".join(cells) + f" | {t[col].sum():.2f} |")
    lines.append("\n### The outputs over the design and at the scenario's values\n")
    lines.append("| output | unit | scenario, seeds 1-10: mean (sd) | design: mean (sd) | min | 5% | median | 95% | max "
                 "| seed-noise share | design points < 0 / > 0 |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for o, (_, r) in zip(OUTPUTS, summary.iterrows()):
        d = o.digits
        side = (f"{100 * r.share_below_0:.1f}% / {100 * r.share_above_0:.1f}%"
                if o.zero is not None else "")
        lines.append(f"| {o.label} | {o.unit} | {r.base_mean:.{d}f} ({r.seed_sd:.{d}f}) | "
                     f"{r['mean']:.{d}f} ({r.sd:.{d}f}) | {r['min']:.{d}f} | {r.p05:.{d}f} | "
                     f"{r['median']:.{d}f} | {r.p95:.{d}f} | {r['max']:.{d}f} | {r.noise_share:.2f} | {side} |")
    n = R["design"].n
    core = R["y"].core_hires.to_numpy()[: 2 * n]
    lines.append(f"\nCore members among the launch hires, over the {2 * n} design points: "
                 f"{100 * np.mean(core >= 8):.1f}% of points 8-10, {100 * np.mean(core <= 2):.1f}% 0-2, "
                 f"{100 * np.mean((core > 2) & (core < 8)):.1f}% in between.")
    lines.append("\n### Where the outputs move: mean over the design points (A and B) in each quarter "
                 "of the range of the two inputs with the largest ST\n")
    lines.append("| output | input | 1st quarter | 2nd | 3rd | 4th |")
    lines.append("|---|---|---|---|---|---|")
    n = R["design"].n
    pts, y = R["design"].points.iloc[: 2 * n], R["y"].iloc[: 2 * n]
    byname = {f.name: f for f in R["factors"]}
    for o in OUTPUTS:
        t = table[table.output == o.key].sort_values("ST", ascending=False)
        for name in t.parameter.iloc[:2]:
            f = byname[name]
            lo, hi = f.bounds()
            q = np.clip(((pts[name].to_numpy() - lo) / (hi - lo) * 4).astype(int), 0, 3)
            v = y[o.key].to_numpy()
            edges = np.linspace(lo, hi, 5)
            cells = [f"{v[q == i].mean():.{o.digits}f}" for i in range(4)]
            lines.append(f"| {o.label} | {name} ({edges[0]:g}-{edges[-1]:g}) | " + " | ".join(cells) + " |")
    lines.append(f"\n### The story's criteria over the design ({2 * R['design'].n} points, A and B)\n")
    lines.append("| criterion | scenario, seeds 1-10 | design points where it holds | factor that matters most "
                 "| ... in its lowest third | ... in its highest third |")
    lines.append("|---|---|---|---|---|---|")
    for _, r in crit.iterrows():
        if r.factor == "-":
            lines.append(f"| {r.criterion} | {r.base} | {100 * r.share:.1f}% | - | - | - |")
        else:
            lines.append(f"| {r.criterion} | {r.base} | {100 * r.share:.1f}% | {r.factor} | "
                         f"{100 * r.low_third:.0f}% | {100 * r.high_third:.0f}% |")
    lines.append("\n### Factors\n")
    lines.append("| factor | scenario value | range |")
    lines.append("|---|---|---|")
    for f in R["factors"]:
        lines.append(f"| {f.name} | {f.base:g} | {f.shown} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=128, help="Saltelli base rows N (a power of 2); N (d + 2) runs")
    ap.add_argument("--seed", type=int, default=1, help="the common simulation seed of every row")
    ap.add_argument("--replicates", type=int, default=1,
                    help="seeds a row (seed .. seed + replicates - 1), averaged per row")
    ap.add_argument("--design-seed", type=int, default=0, help="scrambling seed of the Sobol' sequence")
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("-o", "--out", default=str(ROOT / "runs" / "sa_story"))
    ap.add_argument("--reread", action="store_true", help="re-evaluate the reporters (ignore table.csv)")
    ap.add_argument("--no-figures", action="store_true")
    args = ap.parse_args(argv)
    if args.n < 2 or args.n & (args.n - 1):
        ap.error("--n must be a power of 2, at least 2")

    start = time.monotonic()
    R = run_all(args)
    table = analyse(R, args.bootstrap)
    summary = variance_summary(R)
    crit = criteria(R)
    if not args.no_figures:
        for p in (heatmap(table, summary, R), bars(table, R), distributions(R), drivers(table, R)):
            print(f"wrote {p.relative_to(ROOT)}", file=sys.stderr)
    lab_runs, no_runs, noise_runs = R["runs"]
    tl, tn, tz = R["times"]
    print(f"## Sobol' indices of the story (N = {args.n}, d = {R['design'].d}, seeds {R['seeds']}, "
          f"design seed {args.design_seed}; {R['version']})\n")
    print(f"Runs: {lab_runs} with the lab, {no_runs} without (rows that differ only in launch factors "
          f"share one counterfactual run), {noise_runs} for the seed noise (seeds 1-{NOISE_SEEDS}, "
          f"scenario values). Wall time of this invocation: lab {tl:.0f} s, no lab {tn:.0f} s, noise {tz:.0f} s, "
          f"total {time.monotonic() - start:.0f} s (finished runs are not rerun; cached tables are reused).\n")
    print(markdown(table, summary, crit, R))
    table.to_csv(R["base"] / "sobol.csv", index=False)
    summary.to_csv(R["base"] / "outputs.csv", index=False)
    R["y"].assign(**{c: R["design"].points[c].to_numpy() for c in R["design"].points.columns}) \
        .to_csv(R["base"] / "design_outputs.csv", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
