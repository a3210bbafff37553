"""talentsim.simulate / ensure_run drive the binary."""

from __future__ import annotations

import pytest

import talentsim as ts
from conftest import SMALL, binary_path


def test_simulate_and_ensure_run(tmp_path):
    out = tmp_path / "sub" / "r.h5"
    path = ts.ensure_run(out, SMALL, binary=binary_path(), seed=11, sets={"market.taste_noise": 0.3})
    assert path == out and out.is_file()
    mtime = out.stat().st_mtime_ns
    ts.ensure_run(out, SMALL, binary=binary_path())  # exists: not run again
    assert out.stat().st_mtime_ns == mtime
    with ts.open_run(out) as run:
        assert run.scenario["run"]["seed"] == 11 == run.attrs["seed"]
        assert run.scenario["market"]["taste_noise"] == 0.3


def test_simulate_reports_errors(tmp_path):
    with pytest.raises(RuntimeError, match="market.taste_noise"):
        ts.simulate(tmp_path / "bad.h5", SMALL, binary=binary_path(), sets=["market.taste_noise=-1"])


def test_default_binary_env(monkeypatch, tmp_path):
    monkeypatch.setenv("TALENTSIM_BINARY", str(tmp_path / "x"))
    assert ts.default_binary() == tmp_path / "x"
    monkeypatch.delenv("TALENTSIM_BINARY")
    assert ts.find_repo_root() is not None
