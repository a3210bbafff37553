"""Morris screening of a calibrated scenario over its posterior
(analysis/scripts/calibration_sensitivity.py; docs/uncertainty.md), on the
backtest with two trajectories."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd

from conftest import ROOT, binary_path

SCRIPT = ROOT / "analysis" / "scripts" / "calibration_sensitivity.py"
CAL = ROOT / "scenarios" / "calibration" / "backtest_2019_2022.toml"


def test_factors_span_the_posterior_90_percent_intervals():
    sys.path.insert(0, str(ROOT / "analysis" / "scripts"))
    import calibration_sensitivity as cs
    import talentsim as ts

    cal = ts.load_calibration(CAL)
    post = pd.read_csv(cs.posterior_of(CAL))
    bounds = cs.factors(cal, post)
    assert list(bounds) == [p.path for p in cal.parameters]
    for p in cal.parameters:
        lo, hi = bounds[p.path]
        q5, q95 = np.quantile(post[p.path], [0.05, 0.95])
        assert p.low <= lo <= q5 + 1e-12 and q95 - 1e-12 <= hi <= p.high
        assert lo < hi


def test_a_small_screening_reports_every_target_and_factor(tmp_path):
    out = tmp_path / "sa"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), str(CAL), "--trajectories", "2", "-o", str(out), "-j", "2"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
        env={"TALENTSIM_BINARY": str(binary_path()), "PYTHONPATH": str(ROOT / "analysis"),
             "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    morris = pd.read_csv(out / "morris.csv")
    import talentsim as ts

    cal = ts.load_calibration(CAL)
    assert set(morris["output"]) == {t.name for t in cal.targets}
    assert set(morris["parameter"]) == {p.path for p in cal.parameters}
    assert (morris["mu_star"] >= 0).all() and (morris["mu_star"] >= morris["mu"].abs() - 1e-12).all()
    text = (out / "sensitivity.md").read_text()
    for t in cal.targets:
        assert f"| {t.name} |" in text
