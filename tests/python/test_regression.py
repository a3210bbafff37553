"""Golden regression cases (tests/regression/): each case's whole output,
dataset by dataset, equals its stored reference. An intended change of the
model updates the references deliberately:
``/usr/bin/python3 tests/regression/harness.py --update`` (see harness.py)."""

from __future__ import annotations

import importlib.util

import pytest

from conftest import ROOT, binary_path

_spec = importlib.util.spec_from_file_location("harness", ROOT / "tests" / "regression" / "harness.py")
harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)


def test_there_are_golden_cases():
    assert len(harness.cases()) >= 5


@pytest.mark.parametrize("case", harness.cases(), ids=lambda p: p.name)
def test_output_equals_the_reference(case):
    got = harness.run_case(case, binary_path())
    changed = harness.diff((case / "reference.txt").read_text(), got)
    assert not changed, (
        f"{case.name}: {len(changed)} datasets differ from tests/regression/{case.name}/"
        "reference.txt (if the change is intended: /usr/bin/python3 tests/regression/harness.py "
        f"--update {case.name}, and say why in the commit)\n" + "\n".join(changed[:10]))
