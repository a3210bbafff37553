"""Edited run files raise TalentsimFormatError naming the dataset, never
IndexError, KeyError or a crash (issue 11, item 18).

Each case edits a copy of a real run (example_small) with h5py, then opens
it and reads every table; the error must be a one-line TalentsimFormatError
that names the dataset (or attribute) at fault.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest

import talentsim as ts
from talentsim import TalentsimFormatError

from conftest import ROOT


def _read_everything(run):
    run.attrs, run.scenario, run.steps, run.countries, run.fields
    run.firm_table, run.firms, run.metrics, run.by_country, run.researchers
    run.events, run.timeline
    for step in run.snapshot_steps:
        run.employer_at(int(step))
    run.employer_at(int(run.steps[-1]))
    run.annual_value_at(int(run.steps[-1]))
    run.flows()
    run.history(0)


def _replace(f: h5py.File, name: str, data) -> None:
    """Replace dataset ``name`` by ``data``, keeping its attributes."""
    attrs = dict(f[name].attrs)
    del f[name]
    f[name] = data
    for k, v in attrs.items():
        f[name].attrs[k] = v


def _edited(tmp_path, small_path, edit):
    p = tmp_path / "edited.h5"
    shutil.copy(small_path, p)
    with h5py.File(p, "r+") as f:
        edit(f)
    return p


def _refused(path, *needles: str) -> str:
    with pytest.raises(TalentsimFormatError) as info:
        with ts.open_run(path) as run:
            _read_everything(run)
    message = str(info.value)
    assert "\n" not in message, message
    for needle in needles:
        assert needle in message, message
    return message


def test_unedited_copy_reads(tmp_path, small_path):
    """The edit helper itself changes nothing when the edit is a no-op."""
    p = _edited(tmp_path, small_path, lambda f: _replace(f, "events/kind", f["events/kind"][()]))
    with ts.open_run(p) as run:
        _read_everything(run)


def _set(name, index, value):
    def edit(f):
        data = f[name][()]
        data[index] = value
        _replace(f, name, data)
    return edit


def _shorten(name, by=1):
    def edit(f):
        _replace(f, name, f[name][()][: len(f[name]) - by])
    return edit


# (case id, edit, words the message must contain)
CASES = [
    ("firm names shorter than the series", _shorten("firms/name", 5), ["/firms/", "firms"]),
    ("firm kinds shorter", _shorten("firms/kind"), ["/firms/kind"]),
    ("firm series of another width",
     lambda f: _replace(f, "firms/series/cash", f["firms/series/cash"][()][:, :-1]), ["/firms/series/cash"]),
    ("firm series of another length",
     lambda f: _replace(f, "firms/series/talent", f["firms/series/talent"][()][:-1]), ["/firms/series/talent"]),
    ("metric of another length", _shorten("metrics/moves"), ["/metrics/moves"]),
    ("by_country of another width",
     lambda f: _replace(f, "metrics/by_country/employed_in", f["metrics/by_country/employed_in"][()][:, :-1]),
     ["/metrics/by_country/employed_in"]),
    ("events columns of unequal length", _shorten("events/salary", 3), ["/events/salary"]),
    ("events column missing", lambda f: f.__delitem__("events/to_firm"), ["/events/to_firm", "missing"]),
    ("researcher index out of range", lambda f: _set("events/researcher", 7, len(f["researchers/skill"]))(f),
     ["/events/researcher", "outside"]),
    ("negative researcher index", _set("events/researcher", 0, -1), ["/events/researcher"]),
    ("from_firm out of range", lambda f: _set("events/from_firm", 3, len(f["firms/name"]) + 5)(f),
     ["/events/from_firm", "outside"]),
    ("to_firm below -1", _set("events/to_firm", 2, -3), ["/events/to_firm", "outside"]),
    ("unknown event kind code", _set("events/kind", 4, 42), ["/events/kind", "42"]),
    ("negative event kind code", _set("events/kind", 4, -1), ["/events/kind"]),
    ("event step past the end", _set("events/step", -1, 10_000), ["/events/step"]),
    ("kind_names attribute damaged", lambda f: f["events/kind"].attrs.__setitem__("kind_names", 3),
     ["/events/kind", "kind_names"]),
    ("field index out of range", _set("researchers/field", 0, 99), ["/researchers/field"]),
    ("origin index out of range", _set("researchers/origin", 1, 99), ["/researchers/origin"]),
    ("firm country out of range", _set("firms/country", 0, 99), ["/firms/country"]),
    ("researcher table shorter", _shorten("researchers/origin"), ["/researchers/origin"]),
    ("snapshot wider than the researcher table",
     lambda f: _replace(f, "researchers/snapshots/employer",
                        np.pad(f["researchers/snapshots/employer"][()], ((0, 0), (0, 4)), constant_values=-2)),
     ["/researchers/snapshots/employer"]),
    ("snapshot steps and rows disagree", _shorten("researchers/snapshots/step"), ["/researchers/snapshots/"]),
    ("snapshot employer one-dimensional",
     lambda f: _replace(f, "researchers/snapshots/employer", f["researchers/snapshots/employer"][()][0]),
     ["/researchers/snapshots/employer", "shape"]),
    ("snapshot employer out of range",
     lambda f: _set("researchers/snapshots/employer", (1, 5), len(f["firms/name"]))(f),
     ["/researchers/snapshots/employer", "outside"]),
    ("snapshot steps out of order",
     lambda f: _replace(f, "researchers/snapshots/step", f["researchers/snapshots/step"][()][::-1]),
     ["/researchers/snapshots/step"]),
    ("string where indices belong",
     lambda f: _replace(f, "events/kind", np.array([b"x"] * len(f["events/kind"]))), ["/events/kind", "dtype"]),
    ("series group empty",
     lambda f: [f.__delitem__("firms/series/" + k) for k in list(f["firms/series"])], ["/firms/series"]),
    ("country names missing", lambda f: f.__delitem__("countries/name"), ["/countries/name"]),
]


@pytest.mark.parametrize("edit,needles", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_edited_dataset_is_refused(tmp_path, small_path, edit, needles):
    _refused(_edited(tmp_path, small_path, edit), *needles)


@pytest.mark.parametrize(
    "value",
    [1.9, 1.0, "1", "1.0", b"1", np.array([1, 0]), True],
    ids=["float 1.9", "float 1.0", "string", "string 1.0", "bytes", "array", "bool"],
)
def test_schema_version_must_be_the_integer_1(tmp_path, small_path, value):
    p = _edited(tmp_path, small_path, lambda f: f.attrs.__setitem__("schema_version", value))
    _refused(p, "schema_version", "integer")


@pytest.mark.parametrize("value", [0, -1])
def test_schema_version_below_1(tmp_path, small_path, value):
    p = _edited(tmp_path, small_path, lambda f: f.attrs.__setitem__("schema_version", np.int64(value)))
    _refused(p, "schema_version")


@pytest.mark.parametrize("name,value", [("scenario", np.int64(3)), ("steps", "many"), ("complete", 0.5),
                                        ("steps_per_year", "52")])
def test_root_attribute_of_the_wrong_type(tmp_path, small_path, name, value):
    p = _edited(tmp_path, small_path, lambda f: f.attrs.__setitem__(name, value))
    _refused(p, f"'{name}'")


FLIP_READER = r'''
import sys, warnings
warnings.simplefilter("ignore")
import talentsim as ts
for path in sys.argv[1:]:
    try:
        with ts.open_run(path) as run:
            run.firms; run.metrics; run.by_country; run.events; run.scenario
            run.employer_at(run.attrs["steps"] // 2); run.flows(0, 5)
        print("ok", path, flush=True)
    except ts.TalentsimFormatError:
        print("refused", path, flush=True)
'''


def test_flipped_bits_never_crash_the_reader(tmp_path, small_path):
    """Damaged copies (a few flipped bits at deterministic places all over
    the file) either read or raise TalentsimFormatError; the reader process
    never dies (schema 2 keeps HDF5 away from its unchecked structures)."""
    data = small_path.read_bytes()
    paths = []
    for k in range(60):
        d = bytearray(data)
        for j in range(4):
            at = (k * 7919 + j * 104729 + k * j * 31) % len(d)
            d[at] ^= 1 << ((k + j) % 8)
        p = tmp_path / f"flip{k}.h5"
        p.write_bytes(bytes(d))
        paths.append(str(p))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "analysis"))
    r = subprocess.run(["/usr/bin/python3", "-c", FLIP_READER, *paths], capture_output=True, text=True,
                       env=env, timeout=300)
    assert r.returncode == 0, (r.returncode, r.stdout[-300:], r.stderr[-2000:])
    results = [line.split()[0] for line in r.stdout.splitlines()]
    assert len(results) == len(paths)
    assert results.count("refused") > 20, results
