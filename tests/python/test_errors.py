"""TalentsimFormatError for files that are not readable talentsim runs."""

from __future__ import annotations

import shutil
import warnings

import h5py
import numpy as np
import pytest

import talentsim as ts
from talentsim import TalentsimFormatError


def _touch_everything(run):
    run.firms, run.metrics, run.by_country, run.events, run.researchers
    run.employer_at(int(run.steps[-1]))


def test_error_is_value_error():
    assert issubclass(TalentsimFormatError, ValueError)


def test_foreign_hdf5(tmp_path):
    p = tmp_path / "foreign.h5"
    with h5py.File(p, "w") as f:
        f["data"] = np.arange(10)
        f.attrs["creator"] = "someone else"
    with pytest.raises(TalentsimFormatError, match="not a talentsim output"):
        ts.open_run(p)
    q = tmp_path / "other_format.h5"
    with h5py.File(q, "w") as f:
        f.attrs["format"] = "netcdf"
        f.attrs["schema_version"] = 1
    with pytest.raises(TalentsimFormatError, match="'netcdf'"):
        ts.open_run(q)


def test_not_hdf5(tmp_path):
    p = tmp_path / "text.h5"
    p.write_text("this is not HDF5\n")
    with pytest.raises(TalentsimFormatError, match="not a readable HDF5"):
        ts.open_run(p)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        ts.open_run(tmp_path / "nope.h5")


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.999])
def test_truncated_copy(tmp_path, small_path, fraction):
    data = small_path.read_bytes()
    p = tmp_path / "truncated.h5"
    p.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(TalentsimFormatError):
        run = ts.open_run(p)
        _touch_everything(run)


def test_newer_schema(tmp_path, small_path):
    p = tmp_path / "newer.h5"
    shutil.copy(small_path, p)
    with h5py.File(p, "r+") as f:
        f.attrs["schema_version"] = np.int64(ts.SUPPORTED_SCHEMA_MAJOR + 1)
    with pytest.raises(TalentsimFormatError, match="newer"):
        ts.open_run(p)


def test_missing_schema_version(tmp_path, small_path):
    p = tmp_path / "noschema.h5"
    shutil.copy(small_path, p)
    with h5py.File(p, "r+") as f:
        del f.attrs["schema_version"]
    with pytest.raises(TalentsimFormatError, match="schema_version"):
        ts.open_run(p)


def test_incomplete_run_warns(tmp_path, small_path):
    p = tmp_path / "incomplete.h5"
    shutil.copy(small_path, p)
    with h5py.File(p, "r+") as f:
        f.attrs["complete"] = np.int64(0)
    with pytest.warns(ts.IncompleteRunWarning):
        run = ts.open_run(p)
    run.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ts.open_run(small_path).close()
