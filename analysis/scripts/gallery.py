#!/usr/bin/python3
"""Runs every gallery scenario over seeds, writes the figures and the numbers.

For seeds 1..N it runs the story, its counterfactual without Meta's lab, the
three policy scenarios (each compared with the story run of the same seed)
and the backtest; it draws the gallery figures into docs/figures/ (PNG) and
rewrites the result blocks of docs/scenarios-gallery.md (between
``<!-- BEGIN RESULTS: key -->`` and ``<!-- END RESULTS -->``), so figures and
numbers always come from the same runs.

    PYTHONPATH=analysis /usr/bin/python3 analysis/scripts/gallery.py [--seeds 10] [--reuse]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import sys
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "analysis"))

import talentsim as ts  # noqa: E402
from talentsim import story  # noqa: E402
from talentsim.plots import usd_formatter  # noqa: E402

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


def run_all(out: Path, seeds, reuse: bool, jobs: int):
    binary = str(ts.default_binary())
    todo = []
    for key, scen in RUNS.items():
        for s in seeds:
            path = out / f"{key}_s{s}.h5"
            if not (reuse and path.exists()):
                todo.append((path, scen, s))
    with cf.ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(lambda a: ts.simulate(a[0], a[1], seed=a[2], binary=binary, threads=1), todo))
    return {key: [ts.open_run(out / f"{key}_s{s}.h5") for s in seeds] for key in RUNS}


def ci(values):
    m, lo, hi = story.mean_ci(values)
    return m, lo, hi


def fmt_ci(values, unit="", scale=1.0, digits=1):
    m, lo, hi = ci([v * scale for v in values])
    return f"{m:+.{digits}f}{unit} (95% CI {lo:+.{digits}f} .. {hi:+.{digits}f})"


def save(fig: Figure, name: str) -> str:
    path = ROOT / "docs" / "figures" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return f"figures/{name}"


def band(ax, x, series, label, color):
    a = np.vstack(series)
    ax.plot(x, a.mean(0), color=color, label=label)
    ax.fill_between(x, a.min(0), a.max(0), color=color, alpha=0.2)


# --- the story ----------------------------------------------------------------
def story_results(R, seeds):
    lab, nolab = R["lab"], R["nolab"]
    ms = [story.story_measures(a, b) for a, b in zip(lab, nolab)]
    L = ms[0]["launch_step"]
    run = lab[0]
    save(ts.plot_top_firms(run, k=8, by="headcount"), "story_top_firms.png")
    save(ts.plot_pay(run, timeline=True), "story_pay.png")
    save(ts.plot_flows(run, L, L + 2, top=12), "story_flows_launch.png")
    save(ts.plot_brain_drain(run), "story_brain_drain.png")
    fig = Figure(figsize=(9, 4.5))
    ax = fig.add_subplot()
    x = run.dates
    band(ax, x, [r.firms.progress.sel(firm="OpenAI").values for r in lab], "with Meta's lab", "C3")
    band(ax, x, [r.firms.progress.sel(firm="OpenAI").values for r in nolab], "without (counterfactual)", "C0")
    ax.axvline(run.date_of(L), color="k", ls=":", lw=1)
    ax.set_ylabel("OpenAI cumulative progress (output units)")
    ax.set_title(f"The double harm: OpenAI's progress, {len(seeds)} seeds (mean, min-max)")
    ax.legend()
    save(fig, "story_double_harm.png")
    fig = Figure(figsize=(9, 4.5))
    ax = fig.add_subplot()
    for key, color, label in (("lab", "C3", "with Meta's lab"), ("nolab", "C0", "without")):
        band(ax, x, [np.cumsum(r.events[(r.events.kind == "retention") & (r.events.from_firm == "OpenAI")]
                               .groupby("step").size().reindex(r.steps, fill_value=0).values)
                     for r in R[key]], label, color)
    ax.axvline(run.date_of(L), color="k", ls=":", lw=1)
    ax.set_ylabel("OpenAI retention counter-offers won (cumulative)")
    ax.legend()
    save(fig, "story_retentions.png")
    top = [m["largest_package"] / 1e6 for m in ms]
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
        f"{min(m['star_ratio'] for m in ms):.0f}-{max(m['star_ratio'] for m in ms):.0f}x ordinary pay.",
        f"- OpenAI's retention counter-offers in the 8 weeks before -> after the launch: "
        f"{sum(m['retentions_before'] for m in ms)} -> {sum(m['retentions_after'] for m in ms)} "
        f"(all seeds; {sum(m['retentions_after_nolab'] for m in ms)} in the same weeks without the lab).",
        f"- Chinese-origin share of Meta's 2-week hires {np.mean([m['cn_share_hires'] for m in ms]):.2f} "
        f"vs {np.mean([m['cn_share_pool'] for m in ms]):.2f} in the pool.",
        f"- Double harm: OpenAI's progress over the 26 weeks from the launch, with minus without "
        f"the lab: {fmt_ci([m['progress_diff_rel'] for m in ms], '%', 100)}.",
        f"- Startup exits over 52 weeks, with minus without: {fmt_ci([m['exits_diff'] for m in ms], '', 1, 2)}"
        " (startups fold when they lose 85% of their peak talent: `exit_talent_share`, docs/calibration.md).",
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


def china_results(R, seeds):
    base, pol = R["lab"], R["china"]
    last = -1
    bd_b = [float(r.by_country.brain_drain_share.sel(country="CN").values[last]) for r in base]
    bd_p = [float(r.by_country.brain_drain_share.sel(country="CN").values[last]) for r in pol]
    retained = [cn_home(p)[last] - cn_home(b)[last] for b, p in zip(base, pol)]
    # Subsidy paid (USD) over the run: employed-at-home nationals x subsidy / 52 a week.
    costs = []
    for b, p in zip(base, pol):
        sub_p = np.where(p.steps >= 8, 250e3, 50e3)
        paid_p = float((cn_home(p)[1:] * sub_p[1:]).sum() / 52)
        paid_b = float((cn_home(b)[1:] * 50e3).sum() / 52)
        costs.append(paid_p - paid_b)
    per = [c / r if r > 0 else np.nan for c, r in zip(costs, retained)]
    fig = Figure(figsize=(9, 4.5))
    ax = fig.add_subplot()
    x = base[0].dates
    band(ax, x, [100 * r.by_country.brain_drain_share.sel(country="CN").values for r in base],
         "2025 story (subsidy $50k)", "C0")
    band(ax, x, [100 * r.by_country.brain_drain_share.sel(country="CN").values for r in pol],
         "China talent policy (subsidy $250k from March 2025)", "C3")
    ax.set_ylabel("Chinese-origin researchers working abroad (% of employed)")
    ax.legend()
    save(fig, "policy_china.png")
    return "\n".join([
        f"Over seeds {seeds[0]}..{seeds[-1]}, end of 2026, policy minus the 2025 story of the same seed:",
        "",
        f"- Brain drain (share of employed Chinese-origin researchers working abroad): "
        f"{100 * np.mean(bd_b):.1f}% -> {100 * np.mean(bd_p):.1f}%, change "
        f"{fmt_ci([p - b for b, p in zip(bd_b, bd_p)], ' pp', 100)}.",
        f"- Chinese-origin researchers employed in China: {fmt_ci(retained, '', 1, 0)} more.",
        f"- Extra subsidy paid over the two years: {fmt_ci(costs, ' $B', 1e-9, 2)}; per extra "
        f"researcher at home {fmt_ci(per, ' $M', 1e-6, 2)} (most of the money goes to nationals "
        "who would have stayed anyway).",
        "",
        "![China's brain drain under the policy](figures/policy_china.png)",
    ])


def visa_results(R, seeds):
    base, pol = R["lab"], R["visa"]
    countries = list(base[0].countries)
    d = np.array([(p.by_country.employed_in.values[-1] - b.by_country.employed_in.values[-1])
                  for b, p in zip(base, pol)], dtype=float)
    us_prog = []
    for b, p in zip(base, pol):
        pb = float(b.firms.progress.sel(firm=list(US_LABS)).values[-1].sum())
        pp = float(p.firms.progress.sel(firm=list(US_LABS)).values[-1].sum())
        us_prog.append(pp / pb - 1)
    origin_abroad = [float(p.by_country.brain_drain_share.sel(country="CN").values[-1]
                           - b.by_country.brain_drain_share.sel(country="CN").values[-1])
                     for b, p in zip(base, pol)]
    fig = Figure(figsize=(9, 4.5))
    ax = fig.add_subplot()
    m = d.mean(0)
    ax.bar(countries, m, yerr=[m - d.min(0), d.max(0) - m], color="C3", capsize=3)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_ylabel("researchers employed there, policy minus story (end of 2026)")
    ax.set_title(f"US visa tightening: where researchers work ({len(seeds)} seeds, mean and range)")
    save(fig, "policy_us_visa.png")
    moves = ", ".join(f"{c} {v:+.0f}" for c, v in zip(countries, m))
    return "\n".join([
        f"Over seeds {seeds[0]}..{seeds[-1]}, end of 2026, policy minus the 2025 story of the same seed:",
        "",
        f"- Researchers employed by country (mean): {moves}.",
        f"- Share of Chinese-origin researchers working abroad: {fmt_ci(origin_abroad, ' pp', 100)}.",
        f"- Cumulative progress of the US frontier and big-tech labs ({', '.join(US_LABS)}): "
        f"{fmt_ci(us_prog, '%', 100, 2)}.",
        "",
        "![Where researchers work under the US visa tightening](figures/policy_us_visa.png)",
    ])


def squeeze_results(R, seeds):
    base, pol = R["lab"], R["squeeze"]
    ex_b = [story.startup_exits(r, 1, 105) for r in base]
    ex_p = [story.startup_exits(r, 1, 105) for r in pol]
    hhi = [(float(p.metrics.talent_hhi.values[-1]), float(b.metrics.talent_hhi.values[-1])) for b, p in zip(base, pol)]
    top = [(float(p.metrics.top1pct_share_top3.values[-1]), float(b.metrics.top1pct_share_top3.values[-1]))
           for b, p in zip(base, pol)]
    heads = [(int(p.firms.headcount.sel(firm="Entrant A").values[-1]),
              int(p.firms.headcount.sel(firm="Entrant B").values[-1])) for p in pol]
    fig = Figure(figsize=(10, 4.5), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    x = base[0].dates
    band(ax1, x, [r.metrics.active_startups.values for r in base], "2025 story", "C0")
    band(ax1, x, [r.metrics.active_startups.values for r in pol], "two big entrants", "C3")
    ax1.set_ylabel("active startups")
    ax1.legend()
    band(ax2, x, [r.metrics.talent_hhi.values for r in base], "2025 story", "C0")
    band(ax2, x, [r.metrics.talent_hhi.values for r in pol], "two big entrants", "C3")
    ax2.set_ylabel("talent HHI")
    fig.autofmt_xdate()
    save(fig, "policy_startup_squeeze.png")
    return "\n".join([
        f"Over seeds {seeds[0]}..{seeds[-1]}, the whole run (2025-2026), with the two entrants minus the 2025 story:",
        "",
        f"- Startup exits (bankruptcies and acquisitions): {np.mean(ex_b):.1f} -> {np.mean(ex_p):.1f}, "
        f"change {fmt_ci([p - b for b, p in zip(ex_b, ex_p)], '', 1, 2)}.",
        f"- Talent HHI at the end: {np.mean([h[1] for h in hhi]):.4f} -> {np.mean([h[0] for h in hhi]):.4f}; "
        f"share of the top-1% researchers at the 3 firms holding most: "
        f"{np.mean([t[1] for t in top]):.3f} -> {np.mean([t[0] for t in top]):.3f}.",
        f"- The entrants end with {np.mean([h[0] for h in heads]):.0f} and "
        f"{np.mean([h[1] for h in heads]):.0f} researchers.",
        "",
        "![Startups and concentration with two big entrants](figures/policy_startup_squeeze.png)",
    ])


def backtest_results(R, seeds):
    runs = R["backtest"]
    fig = Figure(figsize=(9, 4.5))
    ax = fig.add_subplot()
    x = runs[0].dates
    for c, color, t19, t22 in (("US", "C0", 59, 42), ("CN", "C3", 11, 28)):
        band(ax, x, [100 * r.by_country.employed_in.sel(country=c).values
                     / r.by_country.employed_in.values.sum(1) for r in runs], f"work in {c}", color)
        ax.plot([x[0], x[-1]], [t19, t22], "o", color=color, ms=8, mfc="none",
                label=f"MacroPolo 2019/2022, {c}")
    ax.set_ylabel("% of employed top-tier researchers")
    ax.legend(ncol=2)
    save(fig, "backtest_shares.png")
    fin = [(100 * r.by_country.employed_in.sel(country="US").values[-1] / r.by_country.employed_in.values[-1].sum(),
            100 * r.by_country.employed_in.sel(country="CN").values[-1] / r.by_country.employed_in.values[-1].sum(),
            100 * float(r.by_country.employed_abroad.values[-1].sum())
            / float(r.by_country.employed_abroad.values[-1].sum() + r.by_country.employed_home.values[-1].sum()))
           for r in runs]
    f = np.array(fin)
    return "\n".join([
        f"Over seeds {seeds[0]}..{seeds[-1]}, after 156 weeks (MacroPolo 2022 in brackets): work in the US "
        f"{f[:, 0].mean():.1f}% ({f[:, 0].min():.1f}-{f[:, 0].max():.1f}) [42%], in China {f[:, 1].mean():.1f}% "
        f"({f[:, 1].min():.1f}-{f[:, 1].max():.1f}) [28%], outside their origin country {f[:, 2].mean():.1f}% "
        f"({f[:, 2].min():.1f}-{f[:, 2].max():.1f}) [42%]; all within 5 pp.",
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
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "gallery")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args(argv)
    seeds = list(range(1, args.seeds + 1))
    args.out.mkdir(parents=True, exist_ok=True)
    R = run_all(args.out, seeds, args.reuse, args.jobs)
    blocks = {
        "story": story_results(R, seeds),
        "china_talent_policy": china_results(R, seeds),
        "us_visa_tightening": visa_results(R, seeds),
        "startup_squeeze": squeeze_results(R, seeds),
        "backtest": backtest_results(R, seeds),
    }
    update_doc(blocks)
    for key, body in blocks.items():
        print(f"== {key}\n{body}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
