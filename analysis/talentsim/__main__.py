"""Command line: ``/usr/bin/python3 -m talentsim plot RUN.h5 [-o OUT.png]``.

A figure of a run file written to a PNG without a display, the shortest way
from ``make run`` to a picture (README, "First plot in two minutes")::

    export PYTHONPATH=$PWD/analysis
    /usr/bin/python3 -m talentsim plot runs/meta_superintelligence_2025.h5 -o runs/top_firms.png

Exit status: 0 written; 2 bad input (no such run, not a readable talentsim
run, a bad option); 1 the figure could not be written.
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
    return parser


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
