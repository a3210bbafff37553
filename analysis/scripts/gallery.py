#!/usr/bin/python3
"""Runs every gallery scenario over seeds, writes the figures and the numbers.

For seeds 1..N it runs the story, its counterfactual without Meta's lab, the
three policy scenarios (each compared with the story run of the same seed)
and the backtest; it draws the gallery figures into docs/figures/ (PNG) and
rewrites the result blocks of docs/scenarios-gallery.md (between
``<!-- BEGIN RESULTS: key -->`` and ``<!-- END RESULTS -->``), so figures and
numbers always come from the same runs.

Uncertainty (docs/uncertainty.md, "Seed noise"): every figure that compares
scenarios shows the mean over the seeds with its 95% Student-t interval
(``sa.summarise``, ``sa.plot_with_ci``). A policy is compared with its
baseline on the seeds both have: each effect in the text is
``sa.paired_difference(policy, baseline)`` over those seeds, with its paired
95% interval, and "exceeds seed noise" when that interval excludes 0. The
figures' difference panels are the same paired interval at every date
(``sa.summarise`` of the per-seed differences policy_k - baseline_k, which
is the same t-interval). The "effects" block lists every effect.

    PYTHONPATH=analysis /usr/bin/python3 analysis/scripts/gallery.py [--seeds 10] [--reuse]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "analysis"))

import talentsim as ts  # noqa: E402
from talentsim import sensitivity as sa  # noqa: E402
from talentsim import story  # noqa: E402

SCEN = ROOT / "scenarios"
RUNS = {
    "lab": SCEN / "meta_superintelligence_2025.toml",
    "nolab": SCEN / "meta_superintelligence_2025_no_lab.toml",
    "china": SCEN / "china_talent_policy.toml",
    "visa": SCEN / "us_visa_tightening.toml",
    "squeeze": SCEN / "startup_squeeze.toml",
    "backtest": SCEN / "backtest_2019_2022.toml",
}
US_LABS = ("OpenAI", "Anthropic", "xAI", "Meta", "Microsoft", "Apple", "Nvidia",
           "Safe Superintelligence", "Thinking Machines")
CONFIDENCE = 0.95
BASE_COLOR, POLICY_COLOR, DIFF_COLOR = "C0", "C3", "C2"


# Posterior ensembles (issue 14): seed k of every scenario built on the story
# runs with draw k of the story's posterior (the counterfactual with the
# draw's non-timeline values: it has no launch), the backtest with draw k of
# its own; so each paired difference compares two runs with one draw.
POSTERIORS = {
    "story": SCEN / "calibration" / "story_2025_posterior.csv",
    "backtest": SCEN / "calibration" / "backtest_2019_2022_posterior.csv",
}
FAMILY = {"lab": "story", "nolab": "story", "china": "story", "visa": "story", "squeeze": "story",
          "backtest": "backtest"}


def draw_sets(seeds, posterior: bool):
    """{(run key, seed): overrides} for the posterior ensemble (empty without)."""
    from talentsim.calibration import posterior_draws, without_timeline

    out = {}
    if not posterior:
        return out
    draws = {fam: posterior_draws(path, len(seeds), seeds[0]) for fam, path in POSTERIORS.items()}
    for key, fam in FAMILY.items():
        for s, d in zip(seeds, draws[fam]):
            out[(key, s)] = without_timeline(d) if key == "nolab" else d
    return out


def run_all(out: Path, seeds, reuse: bool, jobs: int, posterior: bool = True):
    binary = str(ts.default_binary())
    sets = draw_sets(seeds, posterior)
    todo = []
    tag = "_post" if posterior else ""  # --reuse never mixes the two ensembles
    for key, scen in RUNS.items():
        for s in seeds:
            path = out / f"{key}_s{s}{tag}.h5"
            if not (reuse and path.exists()):
                path.unlink(missing_ok=True)  # talentsim run refuses to overwrite a finished run
                todo.append((path, scen, s, sets.get((key, s))))
    with cf.ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(lambda a: ts.simulate(a[0], a[1], seed=a[2], binary=binary, threads=1,
                                            sets=a[3]), todo))
    return {key: [ts.open_run(out / f"{key}_s{s}{tag}.h5") for s in seeds] for key in RUNS}


def save(fig: Figure, name: str) -> str:
    path = ROOT / "docs" / "figures" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return f"figures/{name}"


# --- intervals ------------------------------------------------------------------
def per_seed(values: Sequence[float], seeds: Sequence[int], scale: float = 1.0) -> pd.Series:
    """One value per seed, indexed by seed (what ``sa.paired_difference`` pairs on)."""
    return pd.Series(np.asarray(values, dtype=float) * scale, index=pd.Index(list(seeds), name="seed"))


def verdict(d: sa.PairedDifference) -> str:
    if d.exceeds_noise:
        return "exceeds seed noise"
    return f"within seed noise: not distinguishable from 0 on {d.n} seeds"


def interval(d: sa.PairedDifference, unit: str = "", digits: int = 1) -> str:
    return f"{d.low:+.{digits}f} .. {d.high:+.{digits}f}{unit}"


class Effects:
    """Paired effects (policy minus baseline over common seeds) and their table."""

    posterior = True  # each seed with its own posterior draw (set by main)

    def __init__(self, seeds: Sequence[int]):
        self.seeds = list(seeds)
        self.rows: List[Dict[str, str]] = []

    def paired(self, section: str, what: str, policy, baseline, *, unit: str = "", scale: float = 1.0,
               digits: int = 1, relative_to: Optional[str] = None) -> str:
        """``sa.paired_difference`` of ``policy`` and ``baseline`` (one value per seed, in seed order).

        With ``relative_to`` the effect is led by the relative one: each seed's
        policy in % of the same seed's baseline, paired with 100%
        (``sa.paired_difference(100 * policy / baseline, 100)``).
        """
        d = sa.paired_difference(per_seed(policy, self.seeds, scale), per_seed(baseline, self.seeds, scale),
                                 confidence=CONFIDENCE)
        text = f"{d.difference:+.{digits}f}{unit} (95% CI {interval(d, unit, digits)}; {verdict(d)})"
        mean, ci, exceeds = f"{d.difference:+.{digits}f}{unit}", interval(d, unit, digits), d.exceeds_noise
        if relative_to:
            ratio = 100 * np.asarray(policy, dtype=float) / np.asarray(baseline, dtype=float)
            r = sa.paired_difference(per_seed(ratio, self.seeds), per_seed(np.full(len(self.seeds), 100.0), self.seeds),
                                     confidence=CONFIDENCE)
            both = verdict(r) if r.exceeds_noise == d.exceeds_noise else f"{verdict(r)}; in units: {verdict(d)}"
            text = (f"{r.difference:+.1f}% of {relative_to} of the same seed (95% CI {interval(r, '%')}; {both}), "
                    f"that is {d.difference:+.{digits}f}{unit} (95% CI {interval(d, unit, digits)}) on a "
                    f"baseline of {d.baseline_mean:.{digits}f}{unit}")
            mean = f"{r.difference:+.1f}% ({mean})"
            ci = f"{interval(r, '%')} ({ci})"
            exceeds = r.exceeds_noise and d.exceeds_noise
        self.rows.append({"section": section, "what": what, "mean": mean, "ci": ci,
                          "noise": "**yes**" if exceeds else "no", "n": str(d.n)})
        return text

    def table(self) -> str:
        lines = [
            f"Every effect below is a paired difference over seeds {self.seeds[0]}..{self.seeds[-1]} "
            "(`sa.paired_difference`): a scenario minus its baseline run with the same seed (the policies "
            "minus the 2025 story; the story with minus without Meta's lab), or the two quantities the row "
            "names, seed by seed. \"Exceeds seed noise\" means that its 95% interval excludes 0."
            + (" Each seed runs with its own draw of the scenario's calibrated posterior "
               "(scenarios/calibration/*_posterior.csv; both runs of a pair with the same draw), so "
               "the intervals cover parameter uncertainty as well as seed noise, on seeds no "
               "calibration used." if self.posterior else
               " Every seed runs at the scenario's own values: the intervals are seed noise only."),
            "",
            "| comparison | effect | mean | 95% CI | exceeds seed noise | seeds |",
            "|---|---|---|---|---|---|",
        ]
        lines += [f"| {r['section']} | {r['what']} | {r['mean']} | {r['ci']} | {r['noise']} | {r['n']} |"
                  for r in self.rows]
        noise = [r["what"] for r in self.rows if r["noise"] == "no"]
        lines += ["", (f"Within seed noise ({len(noise)} of {len(self.rows)}): " + "; ".join(noise) + "."
                       if noise else "Every effect exceeds seed noise.")]
        return "\n".join(lines)


def series_table(series: Dict[str, Sequence[np.ndarray]], x, seeds) -> pd.DataFrame:
    """Long table (scenario, seed, x, value) of one time series per seed and scenario."""
    frames = [pd.DataFrame({"scenario": label, "seed": s, "x": x, "value": np.asarray(v, dtype=float)})
              for label, runs in series.items() for s, v in zip(seeds, runs)]
    return pd.concat(frames, ignore_index=True)


def plot_levels(ax, x, series: Dict[str, Sequence[np.ndarray]], colors: Sequence[str], seeds, scale=1.0):
    """Mean over seeds of each scenario with its shaded 95% interval."""
    summary = sa.summarise(series_table({k: [scale * v for v in runs] for k, runs in series.items()}, x, seeds),
                           ["scenario", "x"], "value", confidence=CONFIDENCE)
    for (label, _), color in zip(series.items(), colors):
        ax.set_prop_cycle(color=[to_hex(color)])
        sa.plot_with_ci(summary[summary.scenario == label], "x", ax=ax, label=label)
    ax.set_xlabel("")
    return summary


def plot_paired(ax, x, policy: Sequence[np.ndarray], baseline: Sequence[np.ndarray], seeds, label: str,
                scale=1.0, relative=False, color=DIFF_COLOR):
    """Mean of the per-seed differences policy_k - baseline_k with its paired 95% interval.

    With ``relative`` each seed's difference is divided by the same seed's
    baseline (in %), as in the text.
    """
    diffs = [scale * (np.asarray(p, dtype=float) - np.asarray(b, dtype=float)) for p, b in zip(policy, baseline)]
    if relative:
        diffs = [100 * d / (scale * np.asarray(b, dtype=float)) for d, b in zip(diffs, baseline)]
    summary = sa.summarise(series_table({"diff": diffs}, x, seeds), "x", "value", confidence=CONFIDENCE)
    ax.set_prop_cycle(color=[to_hex(color)])
    sa.plot_with_ci(summary, "x", ax=ax, label=label)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xlabel("")
    return summary


def two_rows(title: str, figsize=(9, 7)):
    fig = Figure(figsize=figsize, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    fig.suptitle(title)
    return fig, top, bottom


def interval_note(seeds) -> str:
    return f"mean and 95% interval over seeds {seeds[0]}..{seeds[-1]}"


# --- the story ----------------------------------------------------------------
def retention_counts(r) -> np.ndarray:
    ev = r.events
    won = ev[(ev.kind == "retention") & (ev.from_firm == "OpenAI")]
    return np.cumsum(won.groupby("step").size().reindex(r.steps, fill_value=0).values)


def story_results(R, seeds, E: Effects):
    lab, nolab = R["lab"], R["nolab"]
    ms = [story.story_measures(a, b) for a, b in zip(lab, nolab)]
    L = ms[0]["launch_step"]
    run = lab[0]
    save(ts.plot_top_firms(run, k=8, by="headcount"), "story_top_firms.png")
    save(ts.plot_pay(run, timeline=True), "story_pay.png")
    save(ts.plot_flows(run, L, L + 2, top=12), "story_flows_launch.png")
    save(ts.plot_brain_drain(run), "story_brain_drain.png")
    x = run.dates
    launch = run.date_of(L)

    # The double harm: progress with and without the lab, and the paired difference of the
    # progress made since the launch (the quantity of the text), in % of the counterfactual's.
    fig, ax, ax2 = two_rows(f"The double harm: OpenAI's progress ({interval_note(seeds)})")
    prog = {k: [r.firms.progress.sel(firm="OpenAI").values.astype(float) for r in R[k]] for k in ("lab", "nolab")}
    plot_levels(ax, x, {"with Meta's lab": prog["lab"], "without (counterfactual)": prog["nolab"]},
                (POLICY_COLOR, BASE_COLOR), seeds, scale=1e-6)
    ax.set_ylabel("OpenAI cumulative progress\n(million output units)")
    since = slice(L, None)
    gl = [p[since] - p[L - 1] for p in prog["lab"]]
    gn = [p[since] - p[L - 1] for p in prog["nolab"]]
    plot_paired(ax2, x[since], gl, gn, seeds, "with minus without, paired over seeds", relative=True)
    week26 = min(L + 25, len(x) - 1)
    d26 = sa.paired_difference(per_seed([100 * m["leader_growth"] / m["leader_growth_nolab"] for m in ms], seeds),
                               per_seed(np.full(len(seeds), 100.0), seeds), confidence=CONFIDENCE)
    ax2.errorbar([x[week26]], [d26.difference], yerr=[[d26.difference - d26.low], [d26.high - d26.difference]],
                 fmt="o", color="k", capsize=4, label="26 weeks after the launch (text)")
    ax2.set_ylabel("progress since the launch,\nwith minus without\n(% of the counterfactual)")
    ax2.legend(frameon=False, loc="upper right")
    for a in (ax, ax2):
        a.axvline(launch, color="k", ls=":", lw=1)
    save(fig, "story_double_harm.png")

    fig, ax, ax2 = two_rows(f"OpenAI's retention counter-offers ({interval_note(seeds)})")
    ret = {k: [retention_counts(r).astype(float) for r in R[k]] for k in ("lab", "nolab")}
    plot_levels(ax, x, {"with Meta's lab": ret["lab"], "without": ret["nolab"]}, (POLICY_COLOR, BASE_COLOR), seeds)
    ax.set_ylabel("counter-offers won\n(cumulative)")
    plot_paired(ax2, x, ret["lab"], ret["nolab"], seeds, "with minus without, paired over seeds")
    ax2.set_ylabel("with minus without\n(cumulative count)")
    for a in (ax, ax2):
        a.axvline(launch, color="k", ls=":", lw=1)
    save(fig, "story_retentions.png")

    top = [m["largest_package"] / 1e6 for m in ms]
    sec = "2025 story"
    cn = E.paired(sec, "Chinese-origin share, Meta's launch hires minus the pool",
                  [m["cn_share_hires"] for m in ms], [m["cn_share_pool"] for m in ms], unit=" pp", scale=100)
    retentions = E.paired(sec, "OpenAI counter-offers won in the 8 weeks from the launch, with minus without the lab",
                          [m["retentions_after"] for m in ms], [m["retentions_after_nolab"] for m in ms],
                          digits=1)
    harm = E.paired(sec, "OpenAI progress in the 26 weeks from the launch, with minus without the lab",
                    [m["leader_growth"] for m in ms], [m["leader_growth_nolab"] for m in ms], scale=1e-6,
                    unit=" M output units", digits=3, relative_to="the counterfactual's progress")
    exits = E.paired(sec, "startup exits in the 52 weeks from the launch, with minus without the lab",
                     [m["startup_exits"] for m in ms], [m["startup_exits_nolab"] for m in ms], digits=2)
    n = len(seeds)
    lines = [
        f"Over seeds {seeds[0]}..{seeds[-1]} (launch week {L}, 23 Jun 2025):",
        "",
        f"- Meta hires {np.mean([m['leader_to_entrant'] for m in ms]):.1f} OpenAI researchers on average "
        f"in the two weeks from the launch (min {min(m['leader_to_entrant'] for m in ms)}), "
        f"{np.mean([m['core_to_entrant'] for m in ms]):.1f} of them from the 10-person core team; "
        f"no core member is poached before the launch in any seed.",
        f"- Largest package ${min(top):.0f}M-${max(top):.0f}M a year "
        f"(${4 * min(top):.0f}M-${4 * max(top):.0f}M over the 4-year contract); ordinary frontier-lab "
        f"pay (median) ${min(m['frontier_median_min'] for m in ms) / 1e6:.2f}M-"
        f"${max(m['frontier_median_max'] for m in ms) / 1e6:.2f}M; the star package is "
        f"{min(m['star_ratio'] for m in ms):.0f}-{max(m['star_ratio'] for m in ms):.0f}x ordinary pay "
        f"(ranges over the {n} seeds).",
        f"- OpenAI's retention counter-offers in the 8 weeks before -> after the launch: "
        f"{sum(m['retentions_before'] for m in ms)} -> {sum(m['retentions_after'] for m in ms)} "
        f"(all seeds; {sum(m['retentions_after_nolab'] for m in ms)} in the same weeks without the lab). "
        f"Per seed, with minus without the lab in the 8 weeks from the launch: {retentions}.",
        f"- Chinese-origin share of Meta's 2-week hires {100 * np.mean([m['cn_share_hires'] for m in ms]):.0f}% "
        f"vs {100 * np.mean([m['cn_share_pool'] for m in ms]):.0f}% in the pool: {cn}.",
        f"- Double harm: OpenAI's progress over the 26 weeks from the launch, with minus without "
        f"the lab: {harm}.",
        f"- Startup exits over 52 weeks, with minus without: {exits}"
        " (startups fold when they lose 85% of their peak talent: `exit_talent_share`, docs/calibration.md).",
        "",
        f"The first three figures and the brain-drain figure show one run (seed {seeds[0]}, with its "
        "posterior draw) and compare no scenarios; the double-harm and counter-offer figures show both scenarios (mean over the seeds, "
        "95% interval shaded) and, below, their paired difference with its 95% interval.",
        "",
        "![Headcount of the largest firms](figures/story_top_firms.png)",
        "![Pay](figures/story_pay.png)",
        "![Moves in the two launch weeks](figures/story_flows_launch.png)",
        "![OpenAI progress with and without the lab](figures/story_double_harm.png)",
        "![OpenAI counter-offers](figures/story_retentions.png)",
        "![Brain drain](figures/story_brain_drain.png)",
    ]
    return "\n".join(lines)


# --- policies -------------------------------------------------------------------
def cn_home(run):
    bc = run.by_country
    return bc.employed_home.sel(country="CN").values.astype(float)


def cn_abroad_pct(run):
    return 100 * run.by_country.brain_drain_share.sel(country="CN").values.astype(float)


def china_results(R, seeds, E: Effects):
    base, pol = R["lab"], R["china"]
    last = -1
    bd_b = [cn_abroad_pct(r)[last] for r in base]
    bd_p = [cn_abroad_pct(r)[last] for r in pol]
    home_b = [cn_home(r)[last] for r in base]
    home_p = [cn_home(r)[last] for r in pol]
    # Subsidy paid (USD) over the run: employed-at-home nationals x subsidy / 52 a week.
    paid_b, paid_p = [], []
    for b, p in zip(base, pol):
        sub_p = np.where(p.steps >= 8, 250e3, 50e3)
        paid_p.append(float((cn_home(p)[1:] * sub_p[1:]).sum() / 52))
        paid_b.append(float((cn_home(b)[1:] * 50e3).sum() / 52))
    retained = np.subtract(home_p, home_b)
    costs = np.subtract(paid_p, paid_b)
    per = sa.mean_ci([c / r for c, r in zip(costs, retained) if r > 0], confidence=CONFIDENCE)

    fig, ax, ax2 = two_rows(f"China talent policy: brain drain ({interval_note(seeds)})")
    x = base[0].dates
    lv = {"2025 story (subsidy $50k)": [cn_abroad_pct(r) for r in base],
          "China talent policy (subsidy $250k from March 2025)": [cn_abroad_pct(r) for r in pol]}
    plot_levels(ax, x, lv, (BASE_COLOR, POLICY_COLOR), seeds)
    ax.set_ylabel("Chinese-origin researchers\nworking abroad (% of employed)")
    plot_paired(ax2, x, lv["China talent policy (subsidy $250k from March 2025)"], lv["2025 story (subsidy $50k)"],
                seeds, "policy minus story, paired over seeds")
    ax2.set_ylabel("policy minus story (pp)")
    save(fig, "policy_china.png")
    sec = "China talent policy minus 2025 story"
    bd = E.paired(sec, "Chinese-origin researchers working abroad, end of 2026 (pp of employed)",
                  bd_p, bd_b, unit=" pp")
    home = E.paired(sec, "Chinese-origin researchers employed in China, end of 2026", home_p, home_b, digits=0)
    cost = E.paired(sec, "subsidy paid over 2025-2026 ($B)", paid_p, paid_b, unit=" $B", scale=1e-9, digits=2)
    return "\n".join([
        f"Over seeds {seeds[0]}..{seeds[-1]}, end of 2026, policy minus the 2025 story of the same seed:",
        "",
        f"- Brain drain (share of employed Chinese-origin researchers working abroad): "
        f"{np.mean(bd_b):.1f}% -> {np.mean(bd_p):.1f}%, change {bd}.",
        f"- Chinese-origin researchers employed in China: {np.mean(home_b):.0f} -> {np.mean(home_p):.0f}, "
        f"change {home}.",
        f"- Extra subsidy paid over the two years: {cost}; per extra researcher at home "
        f"${per.mean / 1e6:.2f}M (mean over seeds of cost / extra researchers, 95% CI "
        f"${per.low / 1e6:.2f}M .. ${per.high / 1e6:.2f}M; most of the money goes to nationals "
        "who would have stayed anyway).",
        "",
        "![China's brain drain under the policy](figures/policy_china.png)",
    ])


def visa_results(R, seeds, E: Effects):
    base, pol = R["lab"], R["visa"]
    countries = [str(c) for c in base[0].countries]
    emp_b = np.array([b.by_country.employed_in.values[-1] for b in base], dtype=float)
    emp_p = np.array([p.by_country.employed_in.values[-1] for p in pol], dtype=float)
    by_country = {c: sa.paired_difference(per_seed(emp_p[:, i], seeds), per_seed(emp_b[:, i], seeds),
                                          confidence=CONFIDENCE)
                  for i, c in enumerate(countries)}
    sec = "US visa tightening minus 2025 story"
    for i, c in enumerate(countries):
        E.paired(sec, f"researchers employed in {c}, end of 2026", emp_p[:, i], emp_b[:, i], digits=0)
    us_b = [float(b.firms.progress.sel(firm=list(US_LABS)).values[-1].sum()) for b in base]
    us_p = [float(p.firms.progress.sel(firm=list(US_LABS)).values[-1].sum()) for p in pol]
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    ax = fig.add_subplot()
    d = [by_country[c] for c in countries]
    m = np.array([v.difference for v in d])
    err = np.array([[v.difference - v.low for v in d], [v.high - v.difference for v in d]])
    colors = [POLICY_COLOR if v.exceeds_noise else "0.6" for v in d]
    ax.bar(countries, m, yerr=err, color=colors, capsize=4, ecolor="k")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_ylabel("researchers employed there,\npolicy minus story (end of 2026)")
    ax.set_title(f"US visa tightening: where researchers work\n(paired difference over seeds "
                 f"{seeds[0]}..{seeds[-1]}, mean and 95% interval; grey: within seed noise)")
    ax.grid(True, axis="y", alpha=0.3)
    save(fig, "policy_us_visa.png")
    table = ["| country | policy minus story | 95% CI | seed noise |", "|---|---|---|---|"]
    table += [f"| {c} | {v.difference:+.0f} | {v.low:+.0f} .. {v.high:+.0f} | {verdict(v)} |"
              for c, v in zip(countries, d)]
    abroad = E.paired(sec, "Chinese-origin researchers working abroad, end of 2026 (pp of employed)",
                      [cn_abroad_pct(p)[-1] for p in pol], [cn_abroad_pct(b)[-1] for b in base], unit=" pp")
    prog = E.paired(sec, "cumulative progress of the US labs, end of 2026",
                    us_p, us_b, scale=1e-6, unit=" M output units", digits=3, relative_to="the story's progress")
    return "\n".join([
        f"Over seeds {seeds[0]}..{seeds[-1]}, end of 2026, policy minus the 2025 story of the same seed:",
        "",
        "- Researchers employed by country (paired over seeds):",
        "",
        *table,
        "",
        f"- Share of Chinese-origin researchers working abroad: {abroad}.",
        f"- Cumulative progress of the US frontier and big-tech labs ({', '.join(US_LABS)}): {prog}.",
        "",
        "![Where researchers work under the US visa tightening](figures/policy_us_visa.png)",
    ])


def squeeze_results(R, seeds, E: Effects):
    base, pol = R["lab"], R["squeeze"]
    ex_b = [story.startup_exits(r, 1, 105) for r in base]
    ex_p = [story.startup_exits(r, 1, 105) for r in pol]
    hhi_b = [float(r.metrics.talent_hhi.values[-1]) for r in base]
    hhi_p = [float(r.metrics.talent_hhi.values[-1]) for r in pol]
    top_b = [float(r.metrics.top1pct_share_top3.values[-1]) for r in base]
    top_p = [float(r.metrics.top1pct_share_top3.values[-1]) for r in pol]
    heads = [sa.mean_ci([float(p.firms.headcount.sel(firm=f).values[-1]) for p in pol], confidence=CONFIDENCE)
             for f in ("Entrant A", "Entrant B")]

    fig = Figure(figsize=(11, 7), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    fig.suptitle(f"Startup squeeze: two big entrants ({interval_note(seeds)})")
    x = base[0].dates
    for col, (name, get, ylabel) in enumerate((
            ("active startups", lambda r: r.metrics.active_startups.values.astype(float), "active startups"),
            ("talent HHI", lambda r: r.metrics.talent_hhi.values.astype(float), "talent HHI"))):
        top_ax, diff_ax = axes[0, col], axes[1, col]
        b, p = [get(r) for r in base], [get(r) for r in pol]
        plot_levels(top_ax, x, {"2025 story": b, "two big entrants": p}, (BASE_COLOR, POLICY_COLOR), seeds)
        top_ax.set_ylabel(ylabel)
        plot_paired(diff_ax, x, p, b, seeds, "entrants minus story, paired over seeds")
        diff_ax.set_ylabel(f"{name}:\nentrants minus story")
        for label in diff_ax.get_xticklabels():
            label.set_rotation(30)
            label.set_horizontalalignment("right")
    save(fig, "policy_startup_squeeze.png")
    sec = "Startup squeeze minus 2025 story"
    exits = E.paired(sec, "startup exits over 2025-2026", ex_p, ex_b, digits=2)
    hhi = E.paired(sec, "talent HHI, end of 2026", hhi_p, hhi_b, digits=4)
    top = E.paired(sec, "share of the top-1% researchers at the 3 firms holding most, end of 2026",
                   top_p, top_b, digits=3)
    return "\n".join([
        f"Over seeds {seeds[0]}..{seeds[-1]}, the whole run (2025-2026), with the two entrants minus the 2025 story:",
        "",
        f"- Startup exits (bankruptcies and acquisitions): {np.mean(ex_b):.1f} -> {np.mean(ex_p):.1f}, "
        f"change {exits}.",
        f"- Talent HHI at the end: {np.mean(hhi_b):.4f} -> {np.mean(hhi_p):.4f}, change {hhi}.",
        f"- Share of the top-1% researchers at the 3 firms holding most: {np.mean(top_b):.3f} -> "
        f"{np.mean(top_p):.3f}, change {top}.",
        f"- The entrants end with {heads[0].mean:.0f} (95% CI {heads[0].low:.0f} .. {heads[0].high:.0f}) and "
        f"{heads[1].mean:.0f} ({heads[1].low:.0f} .. {heads[1].high:.0f}) researchers.",
        "",
        "![Startups and concentration with two big entrants](figures/policy_startup_squeeze.png)",
    ])


def backtest_results(R, seeds):
    runs = R["backtest"]

    def share(r, c):
        e = r.by_country.employed_in
        return 100 * e.sel(country=c).values.astype(float) / e.values.sum(1)

    def abroad(r):
        a = float(r.by_country.employed_abroad.values[-1].sum())
        return 100 * a / (a + float(r.by_country.employed_home.values[-1].sum()))

    fig = Figure(figsize=(12, 4.8), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
    fig.suptitle(f"Backtest 2019-2022 against MacroPolo ({interval_note(seeds)})")
    x = runs[0].dates
    targets = (("US", 59, 42), ("CN", 11, 28))
    plot_levels(ax, x, {f"work in {c} (model)": [share(r, c) for r in runs] for c, _, _ in targets},
                (BASE_COLOR, POLICY_COLOR), seeds)
    for (c, t19, t22), color in zip(targets, (BASE_COLOR, POLICY_COLOR)):
        ax.plot([x[0], x[-1]], [t19, t22], "o", color=color, ms=8, mfc="none", label=f"MacroPolo 2019/2022, {c}")
    ax.set_ylabel("% of employed top-tier researchers")
    ax.legend(ncol=2, frameon=False)

    parts, ok, gaps = [], True, []
    for what, short, vals, target in (
            ("work in the US", "work in US", [share(r, "US")[-1] for r in runs], 42.0),
            ("in China", "work in CN", [share(r, "CN")[-1] for r in runs], 28.0),
            ("outside their origin country", "outside\norigin", [abroad(r) for r in runs], 42.0)):
        # Model minus the data, seed by seed: the interval of the gap.
        g = sa.paired_difference(per_seed(vals, seeds), per_seed(np.full(len(seeds), target), seeds),
                                 confidence=CONFIDENCE)
        gaps.append((short, g))
        ok &= abs(g.difference) < 5
        noise = "larger than seed noise" if g.exceeds_noise else "within seed noise"
        parts.append(f"{what} {g.policy_mean:.1f}% (95% CI {g.low + target:.1f} .. {g.high + target:.1f}) "
                     f"[{target:.0f}%], gap {g.difference:+.1f} pp (95% CI {g.low:+.1f} .. {g.high:+.1f}; {noise})")
    pos = np.arange(len(gaps))
    ax2.axhspan(-5, 5, color="0.9", label="\u00b15 pp (backtest check)")
    ax2.errorbar(pos, [g.difference for _, g in gaps],
                 yerr=[[g.difference - g.low for _, g in gaps], [g.high - g.difference for _, g in gaps]],
                 fmt="o", color="k", capsize=5, label="mean and 95% interval")
    ax2.axhline(0, color="k", lw=0.8)
    ax2.set_xticks(pos, [s for s, _ in gaps])
    ax2.set_xlim(-0.5, len(gaps) - 0.5)
    lim = max(6.0, 1 + max(max(abs(g.low), abs(g.high)) for _, g in gaps))
    ax2.set_ylim(-lim, lim)
    ax2.set_ylabel("model minus MacroPolo 2022 (pp)")
    ax2.set_title("after 156 weeks: gap to the data", fontsize=10)
    ax2.legend(frameon=False, fontsize=8, loc="upper right")
    ax2.grid(True, axis="y", alpha=0.3)
    save(fig, "backtest_shares.png")

    return "\n".join([
        f"Over seeds {seeds[0]}..{seeds[-1]}, after 156 weeks, mean over the seeds with its 95% interval "
        f"(MacroPolo 2022 in brackets; the gap is model minus MacroPolo): " + "; ".join(parts) + "; "
        + ("all gaps within 5 pp." if ok else "NOT all gaps within 5 pp.")
        + " A gap larger than seed noise is a model error that more seeds would not remove.",
        "",
        "![Work location, backtest vs MacroPolo](figures/backtest_shares.png)",
    ])


def update_doc(blocks):
    doc = ROOT / "docs" / "scenarios-gallery.md"
    text = doc.read_text()
    for key, body in blocks.items():
        begin = f"<!-- BEGIN RESULTS: {key} -->"
        end = "<!-- END RESULTS -->"
        i = text.find(begin)
        j = text.find(end, i)
        if i < 0 or j < 0:
            print(f"warning: no block {key} in {doc}", file=sys.stderr)
            continue
        text = text[: i + len(begin)] + "\n" + body + "\n" + text[j:]
    doc.write_text(text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=1001,
                    help="first seed (default 1001: never used by any calibration)")
    ap.add_argument("--no-posterior", action="store_true",
                    help="run every seed at the scenario's own values, not a posterior draw each")
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "gallery")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args(argv)
    if args.seeds < 2:
        ap.error("--seeds must be at least 2: intervals need an estimate of the seed noise")
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    args.out.mkdir(parents=True, exist_ok=True)
    R = run_all(args.out, seeds, args.reuse, args.jobs, posterior=not args.no_posterior)
    Effects.posterior = not args.no_posterior
    E = Effects(seeds)
    blocks = {
        "story": story_results(R, seeds, E),
        "china_talent_policy": china_results(R, seeds, E),
        "us_visa_tightening": visa_results(R, seeds, E),
        "startup_squeeze": squeeze_results(R, seeds, E),
        "backtest": backtest_results(R, seeds),
    }
    blocks = {"effects": E.table(), **blocks}
    update_doc(blocks)
    for key, body in blocks.items():
        print(f"== {key}\n{body}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
