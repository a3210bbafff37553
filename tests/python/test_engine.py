"""The engine from Python (issue 12): talentsim.Simulation steps the C++
engine in process; a change made between steps equals a timeline event at
the next step of a `talentsim run`, dataset for dataset; errors are
exceptions with the engine's one-line messages."""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest

import talentsim as ts

from conftest import ROOT, binary_path, assert_same_datasets as assert_same

# Shortened runs of example_small leave its later events out, with a note
# (checked by test_a_shortened_run_warns_once_about_events_it_leaves_out).
pytestmark = pytest.mark.filterwarnings("ignore:.*will not happen:UserWarning")

STORY = ROOT / "scenarios" / "meta_superintelligence_2025.toml"
SMALL = ROOT / "scenarios" / "example_small.toml"


def test_the_engine_module_is_built():
    # `make` builds talentsim._engine into analysis/talentsim (never skipped).
    assert ts.engine_available()






def cli(*args) -> None:
    r = subprocess.run([str(binary_path()), *map(str, args)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr


def test_a_change_between_steps_equals_a_timeline_event(tmp_path):
    py_out = tmp_path / "python.h5"
    sim = ts.Simulation(STORY, seed=1)
    sim.write(py_out)
    assert sim.run(30) == 30 and sim.step_index == 30
    sim.set("countries.CN.retention_subsidy", 5e5)
    sim.run(74)
    assert sim.finished and py_out.exists()
    # The same change as an event of the scenario file, at the next step.
    scenario = tmp_path / "with_event.toml"
    scenario.write_text(STORY.read_text() + '\n[[timeline]]\nstep = 31\nlabel = "CN policy"\n'
                        'country = "CN"\nset = { retention_subsidy = 5.0e5 }\n')
    cli_out = tmp_path / "cli.h5"
    cli("run", scenario, "--seed", "1", "-o", cli_out, "--quiet")
    assert_same(py_out, cli_out)
    # The run's stored scenario records the change as that event.
    with h5py.File(py_out) as f:
        stored = f.attrs["scenario"].decode()
    assert "between steps" in stored and "retention_subsidy = 500000.0" in stored
    # ... and without the change the two differ (the change had an effect).
    plain = tmp_path / "plain.h5"
    cli("run", STORY, "--seed", "1", "-o", plain, "--quiet")
    with h5py.File(plain) as a, h5py.File(cli_out) as b:
        assert not np.array_equal(a["metrics/by_country/employed_home"][()],
                                  b["metrics/by_country/employed_home"][()])


def test_a_python_run_equals_the_cli_run(tmp_path):
    out = tmp_path / "py.h5"
    with ts.Simulation(SMALL, seed=4, threads=1) as sim:
        sim.write(out)
        seen = []
        sim.run(after_step=lambda s: seen.append(s.step_index))
    assert seen == list(range(1, 53))
    ref = tmp_path / "cli.h5"
    cli("run", SMALL, "--seed", "4", "-o", ref, "--quiet")
    assert_same(out, ref)


def test_state_tables_and_metrics(tmp_path):
    sim = ts.Simulation(SMALL, steps=10)
    sim.run(4)
    firms, people = sim.firms, sim.researchers
    assert "Giant A" in firms.index and firms.loc["Giant A", "country"] in ("US", "CN", "EU")
    assert firms["headcount"].sum() == (people["employer"] >= 0).sum()
    assert list(sim.metrics.index) == [0, 1, 2, 3, 4]
    assert (sim.metrics["moves"] == sim.metrics["poaches"] + sim.metrics["hires_from_pool"]).all()
    events = sim.events
    assert set(events["kind"]) <= set(ts.EVENT_KINDS) and (events["step"] == 4).all()


def test_errors_are_exceptions_with_the_engines_message(tmp_path):
    with pytest.raises(ts.InputError, match="market.taste_noise: must be >= 0"):
        ts.Simulation(SMALL, overrides={"market.taste_noise": -1})
    sim = ts.Simulation(SMALL, steps=5)
    with pytest.raises(ts.InputError, match="only firm and country parameters"):
        sim.set("market.taste_noise", 0.3)
    with pytest.raises(ts.InputError, match="alpha"):
        sim.set('firms."Giant A".alpha', 1.5)
    sim.step()
    with pytest.raises(ts.InputError, match="before the first step"):
        sim.write(tmp_path / "late.h5")
    (tmp_path / "notes.txt").write_text("mine\n")
    fresh = ts.Simulation(SMALL, steps=5)
    with pytest.raises(ts.InputError, match="not a talentsim output"):
        fresh.write(tmp_path / "notes.txt")
    with pytest.raises(ts.InputError, match="the run has ended"):
        sim.run()
        sim.set("countries.CN.visa_friction", 0.1)


def test_a_shortened_run_warns_once_about_events_it_leaves_out():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ts.Simulation(SMALL, steps=10)
    assert len(caught) == 1 and "will not happen" in str(caught[0].message)


def test_a_scenario_as_text_and_the_embedded_default():
    sim = ts.Simulation(SMALL.read_text(), steps=3)
    sim.run()
    assert sim.finished
    assert ts.Simulation().scenario["name"] == "meta_superintelligence_2025"


def test_python_tables_have_the_columns_the_output_has(tmp_path):
    # Both come from the one column list of each table (engine/firm_columns.hpp).
    out = tmp_path / "o.h5"
    sim = ts.Simulation(SMALL, steps=2)
    sim.write(out)
    sim.run()
    with h5py.File(out) as f:
        series = set(f["firms/series"])
        exits = {n for n in f["firms"] if n.startswith("exit_")}
        static = {n for n in f["researchers"] if isinstance(f["researchers"][n], h5py.Dataset)}
    assert exits == {"exit_step", "exit_buyer", "exit_reason", "exit_price", "exit_staff"}
    assert set(sim.firms.columns) - {"kind", "country"} == series | exits
    assert static <= set(sim.researchers.columns)
