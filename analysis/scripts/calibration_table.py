#!/usr/bin/python3
"""Parameter table of a scenario file, from its own source comments.

Every ``key = value  # source`` line of the scenario becomes a row (section,
key, value, source) of a Markdown table; tables and array entries are
named by their ``name``/``label``. With ``--update DOC`` the table replaces
the text between ``<!-- BEGIN PARAMETERS: FILE -->`` and
``<!-- END PARAMETERS -->`` in DOC (docs/calibration.md), so the document
and the scenario cannot drift apart; ``--check`` exits 1 when DOC is stale.

    /usr/bin/python3 analysis/scripts/calibration_table.py scenarios/meta_superintelligence_2025.toml \\
        --update docs/calibration.md
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*(?:#\s*(.*))?$")


def rows(text: str):
    section, name = "(top level)", None
    pending = []
    out = []
    for line in text.split("\n"):
        s = line.strip()
        if s.startswith("["):
            section, name = s.strip("[]"), None
            continue
        m = KEY.match(s)
        if not m:
            continue
        key, value, comment = m.group(1), m.group(2), (m.group(3) or "")
        if key in ("name", "label") and section in ("firms", "firm_groups", "countries",
                                                     "pinned", "timeline"):
            name = value.strip('"')
            continue
        if key in ("format_version", "fields", "description", "name") or not value:
            continue
        if not comment and key in ("kind", "country", "firm", "field", "protocol"):
            continue  # identity, stated in the table's "where"
        # A value that opens a multi-line array: keep the first line.
        where = f"{section} {name}" if name else section
        if section == "timeline" and key == "step":
            comment = comment or ""
        out.append((where, key, value, comment))
    return out


def table(path: Path) -> str:
    lines = ["| where | key | value | source |", "|---|---|---|---|"]
    for where, key, value, comment in rows(path.read_text()):
        v = value.replace("|", "\\|")
        if len(v) > 70:
            v = v[:67] + "..."
        c = comment.replace("|", "\\|")
        lines.append(f"| {where} | `{key}` | `{v}` | {c} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--update", type=Path, help="document to update in place")
    ap.add_argument("--check", action="store_true", help="with --update: only check")
    args = ap.parse_args(argv)
    tab = table(args.scenario)
    if not args.update:
        print(tab)
        return 0
    doc = args.update.read_text()
    begin = f"<!-- BEGIN PARAMETERS: {args.scenario.as_posix()} -->"
    end = "<!-- END PARAMETERS -->"
    i = doc.find(begin)
    j = doc.find(end, i)
    if i < 0 or j < 0:
        print(f"error: {args.update} has no '{begin}' ... '{end}' block", file=sys.stderr)
        return 2
    new = doc[: i + len(begin)] + "\n" + tab + "\n" + doc[j:]
    if args.check:
        if new != doc:
            print(f"{args.update} is stale: run {' '.join(sys.argv[:2])} --update {args.update}",
                  file=sys.stderr)
            return 1
        return 0
    args.update.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
