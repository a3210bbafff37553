#!/usr/bin/python3
"""Derive ``countries[].study_at`` from where each origin's researchers work at week 0.

A stationary world needs entrants who look like the stock they join: if the
graduates of an origin studied (and so search) at home more than that
origin's employees work at home, its working-abroad share drifts down for
no reason but the starting point (issue 14: the UK and rest-of-world shares
fell 2-4 pp in the no-shock baseline with assumed study locations). For the
origins with no data on where their graduates studied, this script sets
``study_at`` to the week-0 distribution of that origin's employees over
countries of work: the mean over ``--seeds`` week-0 states of the scenario,
rounded to 0.01 and shares below 0.01 dropped. Origins with data (``--keep``,
default CN: MacroPolo's 51% in China, 36% in the US) are left alone.

The script rewrites the ``study_at`` lines in place, keeping the rest of the
file, with a comment that says the values are derived; ``--check`` exits 1
when the file differs from what it would write.

    PYTHONPATH=analysis /usr/bin/python3 analysis/scripts/derive_study_at.py \\
        scenarios/meta_superintelligence_2025.toml
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "analysis"))

import talentsim as ts  # noqa: E402

COMMENT = ("derived (stationarity): week-0 countries of work of this origin's employees, "
           "analysis/scripts/derive_study_at.py")


def work_shares(binary: str, scenario: Path, seeds) -> dict:
    """{origin: {country: share}} of employed researchers at week 0, mean over seeds."""
    totals = None
    countries = None
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            out = Path(tmp) / f"w0_{seed}.h5"
            cmd = [binary, "run", str(scenario), "--seed", str(seed), "--steps", "1", "-o", str(out),
                   "--overwrite", "--quiet"]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr.strip())
            with ts.open_run(out) as run:
                countries = [str(c) for c in run.countries]
                emp = run.employer_at(0)
                origin = run.researchers["origin"].astype(str).to_numpy()
                firm_country = run.firm_table["country"].astype(str).to_numpy()
                employed = emp >= 0
                where = firm_country[emp[employed]]
                counts = np.zeros((len(countries), len(countries)))
                index = {c: i for i, c in enumerate(countries)}
                for o, w in zip(origin[employed], where):
                    counts[index[o], index[w]] += 1
                totals = counts if totals is None else totals + counts
    out = {}
    for i, o in enumerate(countries):
        row = totals[i] / max(1.0, totals[i].sum())
        out[o] = {c: float(row[j]) for j, c in enumerate(countries)}
    return out


def rounded(shares: dict) -> dict:
    """Shares rounded to 0.01, those below 0.01 dropped, the largest absorbing the rest."""
    kept = {c: round(v, 2) for c, v in shares.items() if round(v, 2) >= 0.01}
    top = max(kept, key=kept.get)
    kept[top] = round(kept[top] + 1.0 - sum(kept.values()), 2)
    return dict(sorted(kept.items(), key=lambda kv: -kv[1]))


def rewrite(text: str, derived: dict, keep) -> str:
    """The scenario text with the study_at line of each [[countries]] block replaced."""
    blocks = re.split(r"(?m)^(?=\[)", text)
    out = []
    for b in blocks:
        m = re.match(r'\[\[countries\]\]\s*\nname\s*=\s*"([^"]+)"', b)
        # An origin with no employees at week 0 has no work locations: left alone.
        if (m and m.group(1) not in keep and m.group(1) in derived
                and sum(derived[m.group(1)].values()) > 0):
            shares = rounded(derived[m.group(1)])
            inner = ", ".join(f"{c} = {v:.2f}" for c, v in shares.items())
            line = f'study_at = {{ dist = "categorical", shares = {{ {inner} }} }}   # {COMMENT}'
            if re.search(r"(?m)^study_at\s*=.*$", b):
                b = re.sub(r"(?m)^study_at\s*=.*$", lambda _: line, b, count=1)
            else:
                b = b.rstrip("\n") + "\n" + line + "\n\n"
        out.append(b)
    return "".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--seeds", type=int, default=5, help="week-0 states averaged (default 5)")
    ap.add_argument("--keep", default="CN", help="comma-separated origins with data, left alone")
    ap.add_argument("--binary", default=None)
    ap.add_argument("--check", action="store_true", help="exit 1 if the file would change")
    args = ap.parse_args(argv)
    try:
        binary = str(args.binary or ts.default_binary())
        text = args.scenario.read_text()
        derived = work_shares(binary, args.scenario, range(1, args.seeds + 1))
    except (OSError, RuntimeError, FileNotFoundError) as e:
        print(f"derive_study_at: {e}", file=sys.stderr)
        return 2
    keep = {k for k in args.keep.split(",") if k}
    new = rewrite(text, derived, keep)
    for o, shares in derived.items():
        if o in keep:
            tag = "kept (data)"
        elif sum(shares.values()) > 0:
            tag = ", ".join(f"{c} {v:.2f}" for c, v in rounded(shares).items())
        else:
            tag = "no employees at week 0: left as it is"
        print(f"{o:>6}: {tag}")
    if args.check:
        if new != text:
            print(f"derive_study_at: {args.scenario} is stale", file=sys.stderr)
            return 1
        return 0
    args.scenario.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
