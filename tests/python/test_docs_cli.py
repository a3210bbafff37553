"""docs/cli.md keeps up with the binary: every option that any command's
--help prints is documented there (issue 11, item 10), and every Markdown
table in docs/ has a header row, so it renders."""

from __future__ import annotations

import re
import subprocess

import pytest

from conftest import ROOT, binary_path

COMMANDS = ["run", "validate", "inspect", "export", "sweep plan", "sweep run-local", "sweep run-task",
            "sweep status", "sweep collect"]
CLI_DOC = ROOT / "docs" / "cli.md"


def help_options(command: str) -> set[str]:
    out = subprocess.run([str(binary_path()), *command.split(), "--help"], capture_output=True,
                         text=True, check=True).stdout
    options = set()
    for line in out.splitlines():
        m = re.match(r"^\s+(?:-(\w) \[ )?--([\w-]+)", line)
        if m:
            if m.group(1):
                options.add("-" + m.group(1))
            options.add("--" + m.group(2))
    assert "--help" in options, out
    return options


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_of_help_is_in_cli_md(command):
    doc = CLI_DOC.read_text()
    blocks = doc.split("```")
    prose = " ".join(blocks[0::2])  # outside ``` blocks
    text = " ".join(re.findall(r"`([^`]+)`", prose))
    missing = [o for o in sorted(help_options(command))
               if not re.search(r"(?<![\w-])" + re.escape(o) + r"(?![\w-])", text)]
    assert not missing, f"talentsim {command} --help options not in docs/cli.md: {missing}"


def test_the_synopsis_names_every_command_and_its_options():
    synopsis = CLI_DOC.read_text().split("```")[1]
    for command in COMMANDS:
        lines = [l for l in synopsis.splitlines() if f"talentsim {command} " in l + " "]
        assert lines, command
    for option in ("--checkpoint ", "--max-memory", "--profile", "--overwrite", "--task-offset",
                   "--threads T", "--quiet"):
        assert option in synopsis, option


@pytest.mark.parametrize("doc", sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"],
                         ids=lambda p: p.name)
def test_every_markdown_table_has_a_header_row(doc):
    lines = doc.read_text().splitlines()
    in_code = False
    i = 0
    while i < len(lines):
        if lines[i].startswith("```"):
            in_code = not in_code
        if not in_code and lines[i].startswith("|") and (i == 0 or not lines[i - 1].startswith("|")):
            assert i + 1 < len(lines) and re.match(r"^\|(\s*:?-+:?\s*\|)+\s*$", lines[i + 1]), \
                f"{doc.name}:{i + 1}: a table without a header row: {lines[i][:60]}"
        i += 1
