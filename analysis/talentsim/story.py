"""Measures of the 2025 talent-war story (project issue 5, section 1).

Each function reads one run (and, for the counterfactual, its twin without
the launch events) and returns plain numbers, so that a check script, a test
or a notebook can print or assert them::

    import talentsim as ts
    from talentsim import story
    with ts.open_run("lab.h5") as lab, ts.open_run("nolab.h5") as nolab:
        m = story.story_measures(lab, nolab)
    m["leader_to_entrant"], m["largest_package"], m["progress_diff"]

Definitions (also in docs/calibration.md):

- **launch step** ``L``: the step of the first timeline event that changes a
  firm's ``ai_value`` (the entrant's belief in AI rises); the entrant is that
  event's firm. The same rule finds the launch in the engine's story test.
- **window**: the ``window`` weekly steps ``L .. L + window - 1`` (two weeks).
- **after the spree**: ``entrant_growth_late``, the entrant's headcount
  after step ``L + late_start + late_weeks`` minus after ``L + late_start``
  (ten weeks from the week the spree ended, 22 Oct 2025): the spree is over
  when the entrant only replaces leavers.
- **core team**: the researchers pinned at the leader at week 0 (the first
  researchers of its block, in the order of ``[[pinned]]``).
- **ordinary frontier-lab pay**: the median annual value of the employees of
  the frontier labs (``FRONTIER_LABS``) at a step.
- **largest package**: the largest annual value any employed researcher
  holds at any step (metric ``pay_max``), and over the contract that value
  times ``market.contract_years``.
- **retention counter-offers**: ``retention`` events at the leader in the
  ``retention_window`` steps before ``L`` and from ``L`` on.
- **double harm**: the leader's progress growth ``P[L + 25] - P[L - 1]`` (the
  26 weeks from the event), with the launch minus without it.
- **startup exits**: startups (spin-outs included) that become inactive
  (bankruptcy or acquisition) in steps ``L .. L + 51``.
"""

from __future__ import annotations

import math
from typing import Dict, Iterable, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    "FRONTIER_LABS",
    "launch_event",
    "pinned_researchers",
    "frontier_median_pay",
    "startup_exits",
    "story_measures",
    "moment",
    "mean_ci",
]

#: Firms whose median pay is "ordinary frontier-lab pay".
FRONTIER_LABS: Tuple[str, ...] = (
    "OpenAI",
    "Anthropic",
    "Google DeepMind",
    "Meta",
    "xAI",
    "Safe Superintelligence",
    "Thinking Machines",
)


def launch_event(run) -> Tuple[int, str]:
    """(step, firm) of the first timeline event that changes a firm's ai_value.

    Raises
    ------
    ValueError
        If no event changes a firm's ``ai_value``.
    """
    events = run.scenario.get("timeline", [])
    for ev in sorted(events, key=lambda e: e["step"]):  # stable: file order within a step
        if not ev.get("firm"):
            continue
        for op in ("set", "add", "scale"):
            if "ai_value" in (ev.get(op) or {}):
                return int(ev["step"]), str(ev["firm"])
    raise ValueError(f"{run.name}: no timeline event changes a firm's ai_value")


def pinned_researchers(run, firm: str) -> np.ndarray:
    """Researcher ids pinned at ``firm`` at week 0 (in ``[[pinned]]`` order).

    Researchers are generated firm by firm, each firm's pinned researchers
    first (docs/model.md, "Initial state"), so they are the first ids of the
    firm's block at step 0.
    """
    n = 0
    for p in run.scenario.get("pinned", []):
        if p.get("firm") == firm:
            n += int(p.get("count", 1))
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    ids = np.flatnonzero(run.employer_at(0) == run.firm_index(firm))
    return np.sort(ids)[:n]


def _firm_ids(run, names: Iterable[str]) -> np.ndarray:
    present = set(run.firm_table["name"])
    return np.array([run.firm_index(n) for n in names if n in present], dtype=np.int64)


def frontier_median_pay(run, step: int, labs: Sequence[str] = FRONTIER_LABS) -> float:
    """Median annual value (USD/yr) of the frontier labs' employees at ``step``."""
    emp = run.employer_at(step)
    val = run.annual_value_at(step)
    mask = np.isin(emp, _firm_ids(run, labs))
    return float(np.median(val[mask])) if mask.any() else math.nan


def startup_exits(run, start: int, stop: int) -> int:
    """Startups that exit (bankruptcy or acquisition) in steps ``start .. stop - 1``."""
    active = run.firms.active.values  # [step, firm]
    kinds = np.asarray(run.firms.kind.values)
    stop = min(stop, active.shape[0])
    start = max(start, 1)
    left = (active[start - 1 : stop - 1] == 1) & (active[start:stop] == 0)
    return int(left[:, kinds == "startup"].sum())


def mean_ci(values: Sequence[float], level: float = 0.95) -> Tuple[float, float, float]:
    """Mean and two-sided Student-t confidence interval over seeds."""
    x = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    if x.size == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if x.size == 1:
        return m, math.nan, math.nan
    from scipy import stats

    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return m, m - half, m + half


def story_measures(
    lab,
    nolab=None,
    *,
    leader: str = "OpenAI",
    window: int = 2,
    retention_window: int = 8,
    progress_weeks: int = 26,
    exit_weeks: int = 52,
    late_start: int = 18,
    late_weeks: int = 10,
    labs: Sequence[str] = FRONTIER_LABS,
) -> Dict[str, object]:
    """Every measure of the story for one seed.

    Parameters
    ----------
    lab : Run
        The story run.
    nolab : Run, optional
        The same scenario and seed without the launch events.
    leader : str
        The firm raided (whose pinned researchers are the core team).

    Returns
    -------
    dict
        Keys are documented in the module docstring and in the check script.
    """
    L, entrant = launch_event(lab)
    out: Dict[str, object] = {"launch_step": L, "entrant": entrant, "leader": leader}
    ev = lab.events
    lead_id, ent_id = lab.firm_index(leader), lab.firm_index(entrant)
    core = pinned_researchers(lab, leader)
    out["core_size"] = int(core.size)

    in_win = (ev.step >= L) & (ev.step < L + window)
    joins = ev[in_win & ev.kind.isin(["hire", "poach"]) & (ev.to_firm_id == ent_id)]
    from_leader = joins[joins.from_firm_id == lead_id]
    out["entrant_hires"] = int(len(joins))
    # After the spree (it ended 22 Oct 2025 = L + 18): the entrant's net
    # headcount change over ten weeks, so that hires that only replace
    # leavers do not count: headcount after step L + late_start +
    # late_weeks minus after step L + late_start (the changes of steps
    # L+19 .. L+28). NaN when the run is too short.
    head = lab.firms.headcount.sel(firm=entrant).values
    a, b = L + late_start, L + late_start + late_weeks
    out["entrant_growth_late"] = int(head[b] - head[a]) if b < len(head) else math.nan
    out["leader_to_entrant"] = int(len(from_leader))
    out["core_to_entrant"] = int(np.isin(from_leader.researcher.values, core).sum())
    # Before the launch, did anyone take the core team?
    pre = ev[ev.step < L]
    out["core_poached_before"] = int(np.isin(
        pre[(pre.kind == "poach") & (pre.from_firm_id == lead_id)].researcher.unique(), core).sum())
    gone = pre[pre.kind.isin(["layoff", "bankruptcy", "retirement", "outside"])]
    out["core_lost_before"] = int(np.isin(gone.researcher.unique(), core).sum())

    # Packages.
    mt = lab.metrics
    h = float(lab.scenario.get("market", {}).get("contract_years", 4.0))
    s_max = int(mt.pay_max.idxmax())
    out["largest_package"] = float(mt.pay_max.max())
    out["largest_package_step"] = s_max
    out["largest_contract"] = out["largest_package"] * h
    movers = ev[ev.kind.isin(["hire", "poach", "retention"])]
    if len(movers):
        top = movers.loc[movers.annual_value.idxmax()]
        out["largest_event"] = (
            f"{top.kind} {top.from_firm}->{top.to_firm} week {int(top.step)}"
        )
    win_pkgs = joins.annual_value.values
    out["entrant_top_package"] = float(win_pkgs.max()) if win_pkgs.size else 0.0
    out["entrant_mean_package"] = float(win_pkgs.mean()) if win_pkgs.size else 0.0

    # Ordinary frontier-lab pay over the run.
    last = int(lab.steps[-1])
    checks = sorted({0, L, min(L + window, last), s_max, last} | set(
        int(s) for s in lab.snapshot_steps))
    med = {s: frontier_median_pay(lab, s, labs) for s in checks}
    out["frontier_median_min"] = float(min(med.values()))
    out["frontier_median_max"] = float(max(med.values()))
    out["frontier_median_at_largest"] = med[s_max]
    out["star_ratio"] = out["largest_package"] / med[s_max]

    # The leader's retention counter-offers.
    ret = ev[(ev.kind == "retention") & (ev.from_firm_id == lead_id)]
    before = ret[(ret.step >= L - retention_window) & (ret.step < L)]
    after = ret[(ret.step >= L) & (ret.step < L + retention_window)]
    out["retentions_before"] = int(len(before))
    out["retentions_after"] = int(len(after))
    out["retention_value_before"] = float(before.annual_value.sum())
    out["retention_value_after"] = float(after.annual_value.sum())

    # Origin of the entrant's hires vs the pool.
    origin = lab.researchers.origin.values
    present = lab.employer_at(L) != -2
    out["cn_share_pool"] = float((origin[present] == "CN").mean())
    ids = joins.researcher.values
    out["cn_share_hires"] = float((origin[ids] == "CN").mean()) if ids.size else math.nan
    out["cn_hires"] = int((origin[ids] == "CN").sum())

    # Week-0 geography (MacroPolo 2022 targets are checked by the caller).
    bc = lab.by_country
    o0 = bc.origin_count.isel(step=0).to_pandas()
    e0 = bc.employed_in.isel(step=0).to_pandas()
    out["origin_share0"] = {str(k): float(v) for k, v in (o0 / o0.sum()).items()}
    out["work_share0"] = {str(k): float(v) for k, v in (e0 / e0.sum()).items()}
    abroad = float(bc.employed_abroad.isel(step=0).sum())
    home = float(bc.employed_home.isel(step=0).sum())
    out["abroad_share0"] = abroad / (abroad + home)

    # The counterfactual.
    def growth(run) -> float:
        p = run.firms.progress.sel(firm=leader).values
        return float(p[min(L + progress_weeks - 1, len(p) - 1)] - p[L - 1])

    out["leader_growth"] = growth(lab)
    out["startup_exits"] = startup_exits(lab, L, L + exit_weeks)
    if nolab is not None:
        out["leader_growth_nolab"] = growth(nolab)
        out["progress_diff"] = out["leader_growth"] - out["leader_growth_nolab"]
        out["progress_diff_rel"] = out["progress_diff"] / out["leader_growth_nolab"]
        out["startup_exits_nolab"] = startup_exits(nolab, L, L + exit_weeks)
        out["exits_diff"] = out["startup_exits"] - out["startup_exits_nolab"]
        ev0 = nolab.events
        ret0 = ev0[(ev0.kind == "retention") & (ev0.from_firm_id == lead_id)]
        out["retentions_after_nolab"] = int(
            ((ret0.step >= L) & (ret0.step < L + retention_window)).sum())
    # Turnover, for calibration.
    out["poaches"] = int((ev.kind == "poach").sum())
    out["hires_from_pool"] = int((ev.kind == "hire").sum())
    out["retentions"] = int((ev.kind == "retention").sum())
    return out


def moment(name: str, **options):
    """A number of :func:`story_measures` (one run, no counterfactual) as an
    Experiment/calibration reporter: ``entrant_hires``, ``leader_to_entrant``,
    ``core_to_entrant``, ``largest_package``, ``cn_share_hires``, ...

    The measures of a run are computed once and kept with the run, so
    several targets cost one pass. ``options`` go to :func:`story_measures`.
    """
    from .experiment import Reporter

    def fn(run) -> float:
        key = ("story_measures", tuple(sorted(options.items())))
        cache = run._cache
        if key not in cache:
            cache[key] = story_measures(run, **options)
        measures = cache[key]
        value = measures.get(name)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            numeric = [k for k, v in measures.items()
                       if isinstance(v, (int, float)) and not isinstance(v, bool)]
            raise KeyError(f"no numeric story measure {name!r}; measures: {', '.join(numeric)}")
        return float(value)

    return Reporter(fn, f"story measure {name}")
