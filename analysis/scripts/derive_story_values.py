#!/usr/bin/python3
"""Derive firms' ai_value, comp_budget_share (and academic income) from week-0 pay.

The story scenarios state each firm's people, pay and money and derive the
rest by three rules (docs/calibration.md, "Value and budget rules"):

- value rule: ``ai_value = (m / alpha) * payroll0``: the talent share of a
  firm's AI value is ``m`` times its week-0 wage bill, so each firm values its
  researchers at ``m`` times their pay at the margin;
- budget rule: ``comp_budget_share = b * payroll0 / (income + cash0 / runway_years)``:
  the comp budget leaves room to grow the payroll by ``b - 1``;
- break-even rule (academia and state labs, which cannot fail):
  ``income = b * payroll0 + capex + opex_per_gpu * compute0``.

``payroll0`` (and ``cash0``, ``compute0``) come from week 0 of short runs of
the scenario itself (the mean over ``--seeds`` seeds; for a group, over its
firms and seeds). The script rewrites those keys in place in the named
firms' and the non-startup groups' blocks, keeping every comment, and prints
a table. Startups keep their hand-set distributions (their comments give the
rule's median).

    PYTHONPATH=analysis /usr/bin/python3 analysis/scripts/derive_story_values.py \\
        scenarios/meta_superintelligence_2025.toml --margin 1.25 --headroom 1.1
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "analysis"))

import talentsim as ts  # noqa: E402


def fmt(x: float) -> str:
    """A short float literal with 4 significant digits (TOML)."""
    s = f"{x:.4g}"
    if "e" in s:
        mant, exp = s.split("e")
        if "." not in mant:
            mant += ".0"
        return f"{mant}e{int(exp)}"
    return s if "." in s else s + ".0"


def blocks(lines):
    """Yield (start, end, header, name) for each table block of a TOML file."""
    starts = [i for i, ln in enumerate(lines) if re.match(r"^\s*\[", ln)]
    starts.append(len(lines))
    for a, b in zip(starts, starts[1:]):
        header = lines[a].strip()
        name = None
        for ln in lines[a:b]:
            m = re.match(r'^name\s*=\s*"([^"]*)"', ln)
            if m:
                name = m.group(1)
                break
        yield a, b, header, name


def set_key(lines, a, b, key, value, note):
    """Replace ``key = ...`` inside lines[a:b] (keep or add the comment)."""
    pat = re.compile(rf"^({re.escape(key)}\s*=\s*)([^#\n]*?)(\s*)(#.*)?$")
    for i in range(a, b):
        m = pat.match(lines[i])
        if m:
            comment = m.group(4) or f"# {note}"
            pad = max(1, 29 - len(m.group(1)) - len(value))
            lines[i] = f"{m.group(1)}{value}{' ' * pad}{comment}"
            return
    # Not present: add after the name line.
    for i in range(a, b):
        if lines[i].startswith("name"):
            ins = f"{key} = {value}"
            lines.insert(i + 1, f"{ins}{' ' * max(1, 29 - len(ins))}# {note}")
            return


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--margin", type=float, default=1.25, help="m of the value rule")
    ap.add_argument("--headroom", type=float, default=1.1, help="b of the budget rule")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--dry-run", action="store_true", help="print, do not rewrite")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        runs = [ts.open_run(ts.simulate(Path(tmp) / f"w0_{s}.h5", args.scenario, seed=s, steps=1,
                                          sets=["timeline=[]"]))
                for s in range(1, args.seeds + 1)]
        sc = runs[0].scenario
        ft = runs[0].firm_table
        pay = np.mean([r.firms.payroll.isel(step=0).values for r in runs], axis=0)
        cash = np.mean([r.firms.cash.isel(step=0).values for r in runs], axis=0)
        comp = np.mean([r.firms["compute"].isel(step=0).values for r in runs], axis=0)
        names = list(runs[0].firms.firm.values)
        for r in runs:
            r.close()

    by_name = {n: i for i, n in enumerate(names)}
    entries = []  # (name, is_group, params, member indices)
    for f in sc.get("firms", []):
        entries.append((f["name"], False, f, [by_name[f["name"]]]))
    for g in sc.get("firm_groups", []):
        members = [by_name[f"{g['name']} {k}"] for k in range(1, int(g["count"]) + 1)]
        entries.append((g["name"], True, g, members))

    def num(p, key):
        v = p.get(key)
        return float(v) if isinstance(v, (int, float)) else None

    results = {}
    print(f"{'firm':<26} {'kind':<9} {'payroll0':>10} {'ai_value':>10} {'income':>10} {'share':>8}")
    for name, is_group, p, idx in entries:
        kind = p.get("kind")
        if kind == "startup":
            continue
        payroll0 = float(np.mean(pay[idx]))
        if payroll0 <= 0:
            continue
        alpha, runway = num(p, "alpha"), num(p, "runway_years")
        income, capex, opex = num(p, "income"), num(p, "capex"), num(p, "opex_per_gpu")
        if None in (alpha, runway, income, capex, opex):
            print(f"skip {name}: a parameter is a distribution", file=sys.stderr)
            continue
        out = {"ai_value": args.margin / alpha * payroll0}
        if kind in ("academia", "state"):
            income = args.headroom * payroll0 + capex + opex * float(np.mean(comp[idx]))
            out["income"] = income
        c0 = float(np.mean(cash[idx]))
        out["comp_budget_share"] = min(1.0, args.headroom * payroll0 / (income + max(0.0, c0) / runway))
        results[name] = out
        print(f"{name:<26} {kind:<9} {payroll0:10.3g} {out['ai_value']:10.3g} {income:10.3g} "
              f"{out['comp_budget_share']:8.4f}")

    if args.dry_run:
        return 0
    lines = args.scenario.read_text().split("\n")
    # Edit from the bottom so insertions do not shift the blocks still to edit.
    for a, b, header, name in reversed(list(blocks(lines))):
        if header not in ("[[firms]]", "[[firm_groups]]") or name not in results:
            continue
        for key, val in results[name].items():
            rule = {"ai_value": f"fitted: value rule, {args.margin} / alpha x week-0 payroll",
                    "income": "fitted: break-even budget",
                    "comp_budget_share": f"fitted: budget rule, {args.headroom} x week-0 payroll"}[key]
            set_key(lines, a, b, key, fmt(val), rule)
    args.scenario.write_text("\n".join(lines))
    print(f"rewrote {args.scenario}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
