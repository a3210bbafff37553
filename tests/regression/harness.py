#!/usr/bin/env python3
"""Golden regression cases: each folder under tests/regression/ holds a
``case.toml`` (a scenario and the command-line arguments of the run) and a
``reference.txt``, the run's whole output boiled down to one line per
dataset: path, dtype, shape, SHA-256 of its bytes and, for numbers, min, max
and sum. ``tests/python/test_regression.py`` runs every case and compares.

An intended change of the model changes references. Regenerate them
deliberately, review the diff (which datasets changed, and by how much) and
commit it with the change that explains it::

    /usr/bin/python3 tests/regression/harness.py --update [CASE ...]

(``--talentsim PATH`` picks the binary; default build/release/bin/talentsim.)
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import h5py
import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def cases() -> list[Path]:
    return sorted(p.parent for p in HERE.glob("*/case.toml"))


def summarise(path: Path) -> str:
    """One line per dataset of an output file, in path order."""
    lines = []

    def visit(name: str, obj) -> None:
        if not isinstance(obj, h5py.Dataset):
            return
        data = np.ascontiguousarray(obj[()])
        digest = hashlib.sha256(data.tobytes()).hexdigest()[:16]
        line = f"/{name} {data.dtype.str} {list(data.shape)} sha256:{digest}"
        if data.dtype.kind in "fiu" and data.size > 0:
            values = data.astype(np.float64)
            line += (f" min={np.nanmin(values):.9g} max={np.nanmax(values):.9g}"
                     f" sum={np.nansum(values):.9g}")
        lines.append(line)

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return "\n".join(sorted(lines)) + "\n"


def run_case(case: Path, talentsim: Path) -> str:
    spec = tomllib.loads((case / "case.toml").read_text())
    scenario = (case / spec["scenario"]).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.h5"
        cmd = [str(talentsim), "run", str(scenario), "-o", str(out), "--quiet",
               *[str(a) for a in spec.get("args", [])]]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=case, timeout=600)
        if r.returncode != 0:
            raise RuntimeError(f"{case.name}: {' '.join(cmd)} -> {r.returncode}: {r.stderr}")
        return summarise(out)


def diff(expected: str, got: str) -> list[str]:
    """Datasets whose lines differ (or appear on one side only)."""
    a = {l.split(" ", 1)[0]: l for l in expected.splitlines()}
    b = {l.split(" ", 1)[0]: l for l in got.splitlines()}
    out = []
    for name in sorted(set(a) | set(b)):
        if a.get(name) != b.get(name):
            out.append(f"{name}\n  reference: {a.get(name, '(absent)')}\n  now:       "
                       f"{b.get(name, '(absent)')}")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", help="case folder names (default: all)")
    parser.add_argument("--update", action="store_true", help="rewrite the references")
    parser.add_argument("--talentsim", type=Path, default=ROOT / "build/release/bin/talentsim")
    args = parser.parse_args(argv)
    selected = [c for c in cases() if not args.cases or c.name in args.cases]
    failed = 0
    for case in selected:
        got = run_case(case, args.talentsim)
        ref = case / "reference.txt"
        if args.update:
            ref.write_text(got)
            print(f"{case.name}: reference written ({len(got.splitlines())} datasets)")
            continue
        changed = diff(ref.read_text() if ref.exists() else "", got)
        print(f"{case.name}: {'ok' if not changed else f'{len(changed)} datasets differ'}")
        for line in changed:
            print("  " + line.replace("\n", "\n  "))
        failed += bool(changed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
