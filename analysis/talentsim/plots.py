"""Plot helpers for talentsim runs and sweeps.

Every helper returns a :class:`matplotlib.figure.Figure` built without
pyplot (``matplotlib.figure.Figure``), so importing this module never picks
or changes a backend, figures are not kept alive by pyplot's registry, and
they work under any backend: save them with ``fig.savefig("x.png")``; in
Jupyter (``%matplotlib inline``) a returned figure is displayed once.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence, Union

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from .run import JOB_SEEKING, Run

__all__ = [
    "plot_top_firms",
    "plot_pay",
    "plot_flows",
    "plot_brain_drain",
    "plot_sweep_heatmap",
    "usd_formatter",
]


def _usd(x: float, _pos: Any = None) -> str:
    ax = abs(x)
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if ax >= div:
            return f"${x / div:g}{suffix}"
    return f"${x:g}"


#: Tick formatter for USD axes ($1k, $2.5M, $1B).
usd_formatter = FuncFormatter(_usd)


def _plain(text: str) -> str:
    """Escape ``$`` so that matplotlib does not read dollar amounts as math."""
    return str(text).replace("$", r"\$")


def _time_axis(run: Run):
    """x values and label: dates when the scenario has a start date, else steps."""
    dates = run.dates
    if dates is not None:
        return dates, "date (weekly steps)"
    return run.steps, "step (week)"


def _x_of_steps(run: Run, steps) -> Any:
    dates = run.dates
    steps = np.asarray(steps, dtype=np.int64)
    if dates is not None:
        return run.date_of(steps)
    return steps


def _timeline_rows(run: Run, targets: Optional[Sequence[str]] = None) -> pd.Series:
    """Timeline labels grouped by step (one entry per step with events)."""
    tl = run.timeline
    if targets is not None and not tl.empty:
        tl = tl[tl["target"].isin(list(targets))]
    if tl.empty:
        return pd.Series([], dtype=object)
    return tl.groupby("step", sort=True)["label"].apply(lambda s: "; ".join(s))


def _mark_timeline(ax, run: Run, key_ax=None, targets: Optional[Sequence[str]] = None) -> None:
    """Mark the scenario's timeline events on a time axis.

    Each step with events gets a dotted vertical line numbered at the top;
    ``key_ax`` (an empty axes below the plot) gets a key mapping numbers to
    dates and labels (long labels would overlap if written along the lines).
    """
    grouped = _timeline_rows(run, targets)
    if grouped.empty:
        return
    steps = grouped.index.to_numpy()
    xs = _x_of_steps(run, steps)
    trans = ax.get_xaxis_transform()
    handles, labels = [], []
    for n, (x, s, label) in enumerate(zip(xs, steps, grouped.to_numpy()), start=1):
        line = ax.axvline(x, color="0.5", linestyle=":", linewidth=0.9, zorder=0)
        ax.text(x, 1.0, str(n), transform=trans, ha="center", va="bottom", fontsize=6.5, color="0.25",
                clip_on=False)
        when = f"{x:%d %b %Y}" if run.start_date is not None else f"step {s}"
        text = label if len(label) <= 70 else label[:67] + "..."
        handles.append(line)
        labels.append(_plain(f"{n}  {when}: {text}"))
    if key_ax is not None:
        key_ax.legend(handles, labels, loc="upper left", ncol=2 if len(handles) > 6 else 1,
                      fontsize=6.5, frameon=False, handlelength=0, handletextpad=0,
                      title="timeline events", title_fontsize=7, alignment="left", borderaxespad=0)


def _figure_with_key(run: Run, timeline: bool, figsize, targets: Optional[Sequence[str]] = None):
    """A figure with the main axes and, for timeline plots, a key area below."""
    n = len(_timeline_rows(run, targets)) if timeline else 0
    if n == 0:
        fig = Figure(figsize=figsize, layout="constrained")
        return fig, fig.subplots(), None
    rows = (n + 1) // 2 if n > 6 else n
    key_h = 0.35 + 0.13 * rows
    fig = Figure(figsize=(figsize[0], figsize[1] + key_h), layout="constrained")
    ax, key_ax = fig.subplots(2, 1, height_ratios=[figsize[1], key_h])
    key_ax.axis("off")
    return fig, ax, key_ax


def _new_figure(figsize=(10, 5.5)) -> Figure:
    return Figure(figsize=figsize, layout="constrained")


def plot_top_firms(run: Run, k: int = 8, by: str = "talent", timeline: bool = True) -> Figure:
    """Talent or headcount of the ``k`` largest firms over time.

    Firms are ranked by the largest value of ``by`` they reach during the
    run (so a fast-growing entrant counts). The scenario's timeline events
    are drawn as dotted vertical lines with their labels.

    Parameters
    ----------
    run : Run
    k : int, default 8
        Number of firms.
    by : {"talent", "headcount"}, default "talent"
        ``talent`` is effective talent T (skill units), ``headcount`` the
        number of researchers employed.
    timeline : bool, default True
        Mark the scenario's timeline events.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if by not in ("talent", "headcount"):
        raise ValueError(f"by must be 'talent' or 'headcount', got {by!r}")
    series = run.firms[by]
    peak = series.max("step").to_series().sort_values(ascending=False)
    top = list(peak.index[:k])
    x, xlabel = _time_axis(run)
    fig, ax, key_ax = _figure_with_key(run, timeline, (10, 5.5))
    for name in top:
        ax.plot(x, series.sel(firm=name).values, label=name, linewidth=1.6)
    units = series.attrs.get("units", "")
    ylabel = {
        "talent": f"effective talent T ({units})",
        "headcount": f"headcount ({units})",
    }[by]
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel)
    ax.set_ylim(bottom=0)
    ax.set_title(f"{run.name}: top {len(top)} firms by peak {by}", pad=12)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    if timeline:
        _mark_timeline(ax, run, key_ax)
    ax.grid(True, alpha=0.3)
    return fig


def plot_pay(run: Run, timeline: bool = False) -> Figure:
    """Median, 99th percentile and maximum package over time (log scale).

    Packages are annual values (salary + (signing + equity) / contract
    years) of employed researchers, in USD/yr.

    Parameters
    ----------
    run : Run
    timeline : bool, default False
        Mark the scenario's timeline events.

    Returns
    -------
    matplotlib.figure.Figure
    """
    m = run.metrics
    x, xlabel = _time_axis(run)
    x = x[: len(m)]
    fig, ax, key_ax = _figure_with_key(run, timeline, (10, 5))
    for col, label, style in (
        ("pay_max", "maximum", "-"),
        ("pay_p99", "99th percentile", "--"),
        ("pay_median", "median", "-."),
    ):
        ax.plot(x, m[col].to_numpy(), style, label=label, linewidth=1.6)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(usd_formatter)
    units = m.attrs.get("units", {}).get("pay_median", "USD/yr")
    ax.set_ylabel(f"annual value of package ({units}, log scale)")
    ax.set_xlabel(xlabel)
    ax.set_title(f"{run.name}: pay of employed researchers", pad=12)
    ax.legend(loc="upper left", fontsize=9)
    if timeline:
        _mark_timeline(ax, run, key_ax)
    ax.grid(True, which="both", alpha=0.3)
    return fig


def plot_flows(run: Run, start: int = 0, stop: Optional[int] = None, top: int = 10,
               kinds: Sequence[str] = ("hire", "poach")) -> Figure:
    """Heat map of moves between firms in ``start <= step < stop``.

    Rows are where researchers came from, columns where they went. The
    ``"job seeking"`` row (hires from the pool; as a column, moves into
    the pool such as layoffs when ``kinds`` includes them) is always shown
    on its own, first, and never pooled. Of the firms, the ``top`` with most
    moves in or out are shown individually and the rest are pooled into
    ``"other firms"``. Empty rows and columns are dropped.

    Parameters
    ----------
    run : Run
    start, stop : int, optional
        Half-open step range (``stop=None``: to the end).
    top : int, default 10
        Number of firms shown individually, not counting the
        ``"job seeking"`` row and the ``"other firms"`` row.
    kinds : sequence of str, default ("hire", "poach")
        Event kinds counted, see :meth:`Run.flows`.

    Returns
    -------
    matplotlib.figure.Figure
        The matrix drawn is ``fig.axes[0].images[0].get_array()`` (rows
        and columns as labelled on the axes).
    """
    stop_ = int(run.steps[-1]) + 1 if stop is None else stop
    m = run.flows(start, stop_, kinds=kinds)
    total = (m.sum(axis=1) + m.sum(axis=0)).drop(JOB_SEEKING)
    total = total[total > 0].sort_values(ascending=False, kind="stable")
    firms = list(total.index[: max(int(top), 0)])
    other = "other firms"
    keep = [JOB_SEEKING] + firms  # the pool is never folded into "other firms"
    labels = keep + ([other] if len(total) > len(firms) else [])

    def fold(lbl):
        return lbl if lbl in keep else other

    agg = m.groupby(m.index.map(fold)).sum().T.groupby(m.columns.map(fold)).sum().T
    agg = agg.reindex(index=labels, columns=labels, fill_value=0)
    agg = agg.loc[agg.sum(axis=1) > 0, agg.sum(axis=0) > 0]
    fig = _new_figure((9, 7.5))
    ax = fig.subplots()
    values = agg.to_numpy()
    vmax = values.max() if values.size else 0
    norm = LogNorm(vmin=1, vmax=max(vmax, 2))
    im = ax.imshow(np.ma.masked_equal(values, 0), cmap="viridis", norm=norm, aspect="auto")
    ax.set_facecolor("0.93")
    ax.set_xticks(range(agg.shape[1]), agg.columns, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(agg.shape[0]), agg.index, fontsize=8)
    ax.set_xlabel("to (destination)")
    ax.set_ylabel("from (origin; 'job seeking' = hired from the pool)")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            if values[i, j]:
                bright = np.log(values[i, j]) > 0.6 * np.log(max(vmax, 2))
                ax.text(j, i, f"{values[i, j]:d}", ha="center", va="center", fontsize=7,
                        color="black" if bright else "white")
    cb = fig.colorbar(im, ax=ax, shrink=0.8)
    cb.set_label(f"researchers moved ({', '.join(kinds)}; log scale)")
    if run.start_date is not None:
        last_day = run.date_of(stop_) - pd.Timedelta(days=1)
        period = f"steps {start}-{stop_ - 1} ({run.date_of(start):%d %b %Y} - {last_day:%d %b %Y})"
    else:
        period = f"steps {start}-{stop_ - 1}"
    ax.set_title(f"{run.name}: moves between firms, {period}", fontsize=10)
    return fig


def plot_brain_drain(run: Run, countries: Optional[Sequence[str]] = None, timeline: bool = False) -> Figure:
    """Brain drain share by country of origin over time.

    The share of employed researchers of each origin who work in another
    country (``metrics/by_country/brain_drain_share``).

    Parameters
    ----------
    run : Run
    countries : sequence of str, optional
        Countries to draw (default: all).
    timeline : bool, default False
        Mark the scenario's country timeline events.

    Returns
    -------
    matplotlib.figure.Figure
    """
    bc = run.by_country["brain_drain_share"]
    names = list(bc["country"].values) if countries is None else list(countries)
    x, xlabel = _time_axis(run)
    fig, ax, key_ax = _figure_with_key(run, timeline, (10, 5), targets=names)
    for c in names:
        ax.plot(x, bc.sel(country=c).values, label=c, linewidth=1.6)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1)
    ax.set_ylabel("employed researchers of that origin working abroad (%)")
    ax.set_xlabel(xlabel)
    ax.set_title(f"{run.name}: brain drain by country of origin", pad=12)
    ax.legend(title="origin", loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    if timeline:
        _mark_timeline(ax, run, key_ax, targets=names)
    ax.grid(True, alpha=0.3)
    return fig


_REDUCERS = {"mean", "median", "std", "min", "max", "count", "sum"}


def plot_sweep_heatmap(
    ds,
    var: str,
    x: str,
    y: str,
    reduce: Union[str, Callable] = "mean",
    step: Optional[int] = -1,
    interval: bool = True,
    **sel: Any,
) -> Figure:
    """Heat map of one sweep variable over two swept parameters.

    Takes ``var`` at one step, groups the runs by the values of the
    coordinates ``x`` and ``y`` and reduces each group (e.g. the mean over
    seeds).

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`talentsim.open_sweep` (a collected sweep: one dimension
        per parameter, plus ``seed``) or :func:`talentsim.stack_runs` (a
        stack of runs: dimension ``run``).
    var : str
        Variable, e.g. ``"talent_hhi"`` or ``"brain_drain_share"``.
    x, y : str
        Parameter coordinates: of a collected sweep, e.g.
        ``"market.taste_noise"`` and ``"seed"``; of a stack of runs, along
        ``run``, e.g. ``"market.taste_noise"`` and ``"run.seed"``.
    reduce : str or callable, default "mean"
        Aggregation over runs sharing (x, y): "mean", "median", "std",
        "min", "max", "count", "sum" or a function of a 1-d array.
    step : int or None, default -1
        Step to show: negative counts from the end (``-1`` = last step),
        otherwise a step number; None if ``var`` has no step dimension.
    interval : bool, default True
        With ``reduce="mean"``, each cell also shows the half-width of the
        95% Student-t interval over its runs (``±h``; cells of one run have
        none), so that differences between cells can be read against the
        seed noise.
    **sel
        Labels for other dimensions, e.g. ``country="US"``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if var not in ds:
        raise KeyError(f"{var!r} is not a variable of the dataset")
    collected = "run" not in ds.dims  # sweep.h5: one dimension per parameter
    for c in (x, y):
        if collected:
            if c not in ds.coords:
                raise KeyError(f"{c!r} is not a coordinate of the sweep (have: {sorted(ds.coords)})")
        elif c not in ds.coords or ds[c].dims != ("run",):
            raise KeyError(f"{c!r} is not a coordinate along 'run' (have: {list(ds.attrs.get('parameters', []))})")
    if isinstance(reduce, str) and reduce not in _REDUCERS:
        raise ValueError(f"reduce must be one of {sorted(_REDUCERS)} or a callable")
    da = ds[var]
    step_label = ""
    if step is not None and "step" in da.dims:
        if step < 0:
            da = da.isel(step=step)
        else:
            da = da.sel(step=step)
        step_label = f" at step {int(da['step'])}"
    if sel:
        da = da.sel(sel)
    if collected:
        if "country" in da.dims:
            raise ValueError(f"{var!r} still has dimension 'country'; select it, e.g. country='US'")
        da = da.stack(run=list(da.dims))
        frame = pd.DataFrame({"x": da[x].values, "y": da[y].values, "v": da.values})
    else:
        extra = [d for d in da.dims if d != "run"]
        if extra:
            raise ValueError(f"{var!r} still has dimension(s) {extra}; select them, e.g. {extra[0]}=...")
        frame = pd.DataFrame({"x": ds[x].values, "y": ds[y].values, "v": da.values})
    table = frame.pivot_table(index="y", columns="x", values="v", aggfunc=reduce, dropna=False)
    counts = frame.pivot_table(index="y", columns="x", values="v", aggfunc="count", dropna=False)
    half = None
    if interval and reduce == "mean":
        from scipy import stats

        sd = frame.pivot_table(index="y", columns="x", values="v", aggfunc="std",
                               dropna=False).reindex_like(table).to_numpy(dtype=float)
        n = counts.reindex_like(table).to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            half = np.where(n >= 2, stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n),
                            np.nan)
    fig = _new_figure((8, 6))
    ax = fig.subplots()
    values = table.to_numpy(dtype=float)
    im = ax.imshow(values, origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(table.shape[1]), [f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in table.columns],
                  rotation=45 if table.shape[1] > 6 else 0)
    ax.set_yticks(range(table.shape[0]), [f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in table.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    finite = values[np.isfinite(values)]
    mid = (finite.min() + finite.max()) / 2 if finite.size else 0
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            if np.isfinite(values[i, j]):
                label = f"{values[i, j]:.3g}"
                if half is not None and np.isfinite(half[i, j]):
                    label += f"\n±{half[i, j]:.2g}"
                ax.text(j, i, label, ha="center", va="center", fontsize=8,
                        color="black" if values[i, j] > mid else "white")
    units = ds[var].attrs.get("units")
    rname = reduce if isinstance(reduce, str) else getattr(reduce, "__name__", "reduce")
    cb = fig.colorbar(im, ax=ax)
    cb.set_label(f"{var}" + (f" ({units})" if units else "") + f", {rname} over runs")
    where = "".join(f", {k}={v}" for k, v in sel.items())
    n = counts.to_numpy(dtype=float)
    n_text = f"{int(np.nanmin(n))}-{int(np.nanmax(n))}" if np.nanmin(n) != np.nanmax(n) else f"{int(np.nanmax(n))}"
    ci = " (±: 95% interval)" if half is not None and np.isfinite(half).any() else ""
    ax.set_title(f"{var}{step_label}{where}: {rname} of {n_text} run(s) per cell{ci}",
                 fontsize=10)
    return fig
