"""Labour-market moments of a run (project issue 14).

Each function takes a :class:`talentsim.Run` and returns plain numbers, so
it can serve as an Experiment or calibration reporter. The moments are the
ones a labour economist checks first in a model of a job market:

- :func:`job_seeking_share`: researchers present without a job / present,
  at every step (from the metrics, no scan of the researchers);
- :func:`abroad_share`: by origin, employed outside the origin country /
  employed (MacroPolo's "working outside the undergraduate country");
- :func:`sector_headcount`: employees by firm kind at every step;
- :func:`geography`: MacroPolo's work-location, origin and working-abroad
  shares at a step;
- :func:`graduate_placement`: of the graduates who entered by a given
  step, the share with a job in the market (``placed``) and with any job,
  in the market or outside it (``employed``: an ``outside`` event,
  ``flows.outside_rate``), within 13, 26 and 52 weeks of entering, and the
  share of first jobs in the market that are in industry (bigtech, lab,
  startup) rather than academia or a state lab.

:func:`baseline_moments` gathers what the steady-baseline check of issue 14
looks at, as one flat dictionary.
"""

from __future__ import annotations

from typing import Dict, Iterable, Optional

import numpy as np
import pandas as pd

INDUSTRY_KINDS = ("bigtech", "lab", "startup")
SECTORS = ("academia", "startup", "lab", "bigtech", "state")
# Event kinds that start a researcher's first job in the market after
# graduating, and the kind of taking a job outside it.
_FIRST_JOB_KINDS = ("hire", "spinout")
_OUTSIDE_KIND = "outside"


def job_seeking_share(run) -> pd.Series:
    """Share of researchers present who have no job, per step."""
    bc = run.by_country
    present = bc.origin_count.sum("country").values.astype(float)
    employed = (bc.employed_home + bc.employed_abroad).sum("country").values.astype(float)
    share = np.where(present > 0, 1.0 - employed / np.maximum(present, 1.0), 0.0)
    return pd.Series(share, index=pd.Index(run.steps, name="step"), name="job_seeking_share")


def abroad_share(run) -> pd.DataFrame:
    """Employed abroad / employed, by origin (columns) and step (rows)."""
    bc = run.by_country
    return bc.brain_drain_share.to_pandas()


def foreign_share(run, steps: Optional[Iterable[int]] = None) -> pd.DataFrame:
    """Share of the researchers employed in each country (columns) whose
    origin is another country, at ``steps`` (rows; default the first and
    the last step). Where ``abroad_share`` follows each origin's people,
    this follows each country's workforce: who fills its seats."""
    if steps is None:
        steps = (int(run.steps[0]), int(run.steps[-1]))
    countries = list(run.by_country.country.values)
    firm_country = pd.Index(countries).get_indexer(run.firms.country.values)
    origin = pd.Index(countries).get_indexer(run.researchers["origin"].astype(str).to_numpy())
    rows = {}
    for step in steps:
        emp = np.asarray(run.employer_at(int(step)))
        who = np.flatnonzero(emp >= 0)
        where = firm_country[emp[who]]
        home = origin[who] == where
        total = np.bincount(where, minlength=len(countries)).astype(float)
        foreign = np.bincount(where[~home], minlength=len(countries)).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            rows[int(step)] = foreign / total
    return pd.DataFrame.from_dict(rows, orient="index", columns=countries)


def sector_headcount(run) -> pd.DataFrame:
    """Employees by firm kind (columns, every kind in :data:`SECTORS`) per step."""
    firms = run.firms
    head = firms.headcount.groupby("kind").sum("firm").to_pandas()
    for kind in SECTORS:
        if kind not in head.columns:
            head[kind] = 0
    return head[list(SECTORS)]


def graduate_placement(run, entered_by: Optional[int] = None,
                       within: Iterable[int] = (13, 26, 52)) -> Dict[str, float]:
    """How fast graduates find their first job, and where.

    Graduates are researchers with ``entered_step > 0``; those who entered
    by ``entered_by`` (default: the last step minus the longest of
    ``within``, so each has had that long) are counted. Returns
    ``graduates`` (the count) and, for each ``w`` of ``within`` (``w``
    must not exceed the time every counted graduate has had):

    - ``placed_within_<w>``: share whose first job in the market (``hire``
      or ``spinout``) came at most ``w`` steps after entering;
    - ``employed_within_<w>``: share with a job at most ``w`` steps after
      entering, in the market or outside it (an ``outside`` event: the
      graduate took its outside option, a job outside the top tier);

    and ``never_placed`` (no job in the market by the end of the run),
    ``outside_share`` (share whose first job was outside the market) and
    ``industry_share`` (share of first jobs in the market at a bigtech, lab
    or startup, over every first job in the market of a graduate who
    entered by ``entered_by``). Files without ``outside`` events have
    ``employed`` equal to ``placed``.
    """
    last = int(run.steps[-1])
    within = tuple(within)
    if entered_by is None:
        entered_by = last - max(within)
    res = run.researchers
    entered = res["entered_step"].to_numpy()
    grads = np.flatnonzero((entered > 0) & (entered <= entered_by))
    out: Dict[str, float] = {"graduates": float(len(grads))}
    ev = run.events
    kinds = ev["kind"].astype(str).to_numpy()
    never = np.iinfo(np.int64).max

    def first_wait(selected: np.ndarray):
        rows = ev[selected]
        rows = rows[rows["researcher"].isin(grads)].drop_duplicates("researcher", keep="first")
        wait = np.full(len(res), never, dtype=np.int64)
        who = rows["researcher"].to_numpy()
        wait[who] = rows["step"].to_numpy() - entered[who]
        return rows, wait[grads]

    first, waits = first_wait(np.isin(kinds, _FIRST_JOB_KINDS))
    _, any_waits = first_wait(np.isin(kinds, _FIRST_JOB_KINDS + (_OUTSIDE_KIND,)))
    _, outside_waits = first_wait(kinds == _OUTSIDE_KIND)
    n = len(grads)
    nan = float("nan")
    for w in within:
        if w > last - entered_by:
            raise ValueError(f"within={w} is longer than the {last - entered_by} steps every "
                             f"graduate entered by step {entered_by} has had")
        out[f"placed_within_{w}"] = float(np.count_nonzero(waits <= w)) / n if n else nan
        out[f"employed_within_{w}"] = float(np.count_nonzero(any_waits <= w)) / n if n else nan
    out["never_placed"] = float(np.count_nonzero(waits == never)) / n if n else nan
    out["outside_share"] = (float(np.count_nonzero((outside_waits < never) & (waits == never))) / n
                            if n else nan)
    kind_of = run.firm_table["kind"]
    to_kind = kind_of.reindex(first["to_firm_id"].to_numpy()).to_numpy()
    out["industry_share"] = (float(np.isin(to_kind, INDUSTRY_KINDS).mean()) if len(first) else nan)
    return out


def baseline_moments(run, entered_by: int = 78) -> Dict[str, float]:
    """The moments of the steady-baseline check (issue 14) as one dictionary.

    Keys: ``abroad_change_max_pp`` (largest absolute change of any origin's
    working-abroad share from the first to the last step, percentage
    points) and ``abroad_change_<origin>``; ``foreign_change_max_pp`` and
    ``foreign_change_<country>`` (change of the foreign-born share of the
    researchers working in a country, :func:`foreign_share`, percentage
    points); ``sector_change_<kind>``
    (relative headcount change, first to last step) and
    ``sector_change_max`` over the four market sectors (academia, startup,
    lab, bigtech); ``job_seeking_max`` (over snapshot steps) and
    ``job_seeking_first`` / ``job_seeking_last``; the
    :func:`graduate_placement` moments of graduates who entered by
    ``entered_by``; and the :func:`geography` shares at the last step.
    """
    out: Dict[str, float] = {}
    ab = abroad_share(run)
    change = 100.0 * (ab.iloc[-1] - ab.iloc[0])
    for origin, value in change.items():
        out[f"abroad_change_{origin}"] = float(value)
    out["abroad_change_max_pp"] = float(change.abs().max())
    foreign = foreign_share(run)
    foreign_change = 100.0 * (foreign.iloc[-1] - foreign.iloc[0])
    for country, value in foreign_change.items():
        out[f"foreign_change_{country}"] = float(value)
    out["foreign_change_max_pp"] = float(foreign_change.abs().max())
    head = sector_headcount(run)
    rel = {}
    for kind in ("academia", "startup", "lab", "bigtech"):
        h0 = float(head[kind].iloc[0])
        rel[kind] = (float(head[kind].iloc[-1]) - h0) / h0 if h0 > 0 else 0.0
        out[f"sector_change_{kind}"] = rel[kind]
    out["sector_change_max"] = max(abs(v) for v in rel.values())
    js = job_seeking_share(run)
    snaps = run.snapshot_steps
    out["job_seeking_first"] = float(js.iloc[0])
    out["job_seeking_last"] = float(js.iloc[-1])
    out["job_seeking_max"] = float(js.loc[snaps].max())
    out.update(graduate_placement(run, entered_by=entered_by, within=(13, 26)))
    out.update(geography(run))
    return out


def geography(run, step: int = -1) -> Dict[str, float]:
    """MacroPolo's shares at one step (default the last), as fractions:
    ``work_share_<country>`` (employed in the country / employed),
    ``origin_share_<country>`` (present of that origin / present) and
    ``abroad_share`` (employed outside their origin country / employed)."""
    bc = run.by_country
    work = bc.employed_in.isel(step=step).to_pandas().astype(float)
    origin = bc.origin_count.isel(step=step).to_pandas().astype(float)
    abroad = float(bc.employed_abroad.isel(step=step).sum())
    home = float(bc.employed_home.isel(step=step).sum())
    out: Dict[str, float] = {}
    for c, v in work.items():
        out[f"work_share_{c}"] = float(v / work.sum()) if work.sum() > 0 else float("nan")
    for c, v in origin.items():
        out[f"origin_share_{c}"] = float(v / origin.sum()) if origin.sum() > 0 else float("nan")
    out["abroad_share"] = abroad / (abroad + home) if abroad + home > 0 else float("nan")
    return out


def moment(name: str, entered_by: int = 78):
    """A :func:`baseline_moments` value as an Experiment/calibration reporter.

    The moments of a run are computed once and kept with the run, so
    several targets of one run cost one pass over its events.
    """
    from .experiment import Reporter

    def fn(run) -> float:
        key = ("labour_moments", entered_by)
        cache = run._cache
        if key not in cache:
            cache[key] = baseline_moments(run, entered_by=entered_by)
        moments = cache[key]
        if name not in moments:
            raise KeyError(f"no labour moment {name!r}; moments: {', '.join(moments)}")
        return float(moments[name])

    return Reporter(fn, f"labour moment {name} (graduates entered by step {entered_by})")
