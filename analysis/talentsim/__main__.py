"""Command line: ``/usr/bin/python3 -m talentsim plot RUN.h5 [-o OUT.png]``
and ``/usr/bin/python3 -m talentsim calibrate FILE -o DIR``.

A figure of a run file written to a PNG without a display, the shortest way
from ``make run`` to a picture (README, "First plot in two minutes")::

    export PYTHONPATH=$PWD/analysis
    /usr/bin/python3 -m talentsim plot runs/meta_superintelligence_2025.h5 -o runs/top_firms.png

``calibrate`` runs a calibration file (docs/uncertainty.md, "Calibration"):
each history-matching wave is an experiment (a sweep in DIR/waveN), run here
or, with ``--slurm``, submitted as Slurm array jobs; without ``--wait`` it
then stops, and running the same command again when the jobs are done
continues. At the end it writes DIR/posterior.csv and DIR/report.md.

Exit status: 0 written (for ``calibrate --slurm``: also when a wave was
submitted; the message says so); 2 bad input (no such run, not a readable
talentsim run, a bad calibration file, a bad option); 1 the figure could not
be written, or the calibration failed.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, Dict, Optional, Sequence

from matplotlib.backend_bases import FigureCanvasBase

from . import plots
from .errors import TalentsimFormatError
from .run import Run, open_run

#: Figures ``plot --kind`` draws, each from a run with its default arguments.
KINDS: Dict[str, Callable[[Run], object]] = {
    "top_firms": lambda run: plots.plot_top_firms(run, by="talent"),
    "headcount": lambda run: plots.plot_top_firms(run, by="headcount"),
    "pay": lambda run: plots.plot_pay(run, timeline=True),
    "flows": lambda run: plots.plot_flows(run),
    "brain_drain": lambda run: plots.plot_brain_drain(run),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python3 -m talentsim",
        description="Plots of talentsim run files (see docs/analysis.md).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    plot = commands.add_parser(
        "plot",
        help="draw one figure of a run into a PNG",
        description="Draw one figure of a run file into a PNG (no display needed).",
    )
    plot.add_argument("run", metavar="RUN.h5", help="run file written by `talentsim run`")
    plot.add_argument("-o", "--output", metavar="OUT.png",
                      help="image to write (default: RUN_<kind>.png next to the run); "
                           "the format follows the extension (.png, .svg, .pdf)")
    plot.add_argument("-k", "--kind", choices=sorted(KINDS), default="top_firms",
                      help="figure: top_firms (effective talent of the top firms, default), headcount, "
                           "pay, flows (all hires and poaches), brain_drain")
    plot.add_argument("--dpi", type=int, default=120, help="resolution (default 120)")
    cal = commands.add_parser(
        "calibrate",
        help="calibrate parameters to targets (history matching + MCMC)",
        description="Run a calibration file: design waves as sweeps, Gaussian-process "
                    "emulators, history matching, MCMC, posterior predictive check.")
    cal.add_argument("file", metavar="FILE.toml", help="calibration file")
    cal.add_argument("-o", "--output", metavar="DIR", required=True,
                     help="directory of the waves, the posterior and the report")
    cal.add_argument("-j", "--jobs", type=int, default=None,
                     help="concurrent runs on this machine (default: the cores)")
    cal.add_argument("--slurm", action="store_true",
                     help="run each wave as Slurm array jobs (sbatch) instead of here")
    cal.add_argument("--wait", action="store_true",
                     help="with --slurm: wait for each wave instead of stopping after submitting")
    return parser


def _calibrate(args: argparse.Namespace) -> int:
    from .calibration import Submitted, calibrate, load_calibration

    try:
        spec = load_calibration(args.file)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        result = calibrate(spec, args.output, backend="slurm" if args.slurm else "local",
                           jobs=args.jobs, wait=args.wait or not args.slurm,
                           progress=sys.stderr.isatty())
    except Submitted as exc:
        print(str(exc))
        return 0
    except (RuntimeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(result.report())
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 written, 1 the figure could not be written, 2 bad
        input.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a bad option (2)
        return int(exc.code or 0)
    if args.command == "calibrate":
        return _calibrate(args)
    output = args.output or os.path.splitext(args.run)[0] + f"_{args.kind}.png"
    ext = os.path.splitext(output)[1].lstrip(".").lower()
    formats = FigureCanvasBase.get_supported_filetypes()
    if ext not in formats:
        print(f"error: -o {output}: unknown image format {ext!r} (use one of "
              f"{', '.join('.' + f for f in sorted(formats))})", file=sys.stderr)
        return 2
    try:
        with open_run(args.run) as run:
            fig = KINDS[args.kind](run)
    except (FileNotFoundError, TalentsimFormatError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        fig.savefig(output, dpi=args.dpi)
    except OSError as exc:
        print(f"error: cannot write {output}: {exc}", file=sys.stderr)
        return 1
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
