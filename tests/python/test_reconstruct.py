"""employer_at / annual_value_at from sparse snapshots equal dense snapshots at every step."""

from __future__ import annotations

import h5py
import numpy as np

import talentsim as ts


def test_sparse_reconstruction_equals_dense_snapshots(dense_path, sparse_path):
    with h5py.File(dense_path, "r") as f:
        dense_steps = f["researchers/snapshots/step"][()]
        dense_emp = f["researchers/snapshots/employer"][()]
        dense_val = f["researchers/snapshots/annual_value"][()]
        steps = int(f.attrs["steps"])
    np.testing.assert_array_equal(dense_steps, np.arange(steps + 1))  # ground truth at every step
    with ts.open_run(sparse_path) as sparse, ts.open_run(dense_path) as dense:
        np.testing.assert_array_equal(sparse.snapshot_steps, [0, 20, 40, 52])
        # same simulation: snapshots are output only
        assert sparse.events.drop(columns="date").equals(dense.events.drop(columns="date"))
        n_checked = 0
        for i, step in enumerate(dense_steps):
            emp = sparse.employer_at(int(step))
            val = sparse.annual_value_at(int(step))
            assert emp.dtype == np.int32 and emp.shape == dense_emp[i].shape
            bad = np.flatnonzero(emp != dense_emp[i])
            assert bad.size == 0, (
                f"step {step}: {bad.size} employers differ, e.g. researcher {bad[0]}: "
                f"reconstructed {emp[bad[0]]}, snapshot {dense_emp[i][bad[0]]}"
            )
            np.testing.assert_array_equal(val, dense_val[i], err_msg=f"annual value at step {step}")
            n_checked += 1
        assert n_checked == steps + 1
        # every kind of state occurs
        last = sparse.employer_at(steps)
        assert (last == -2).any() and (last == -1).any() and (last >= 0).any()
        first = sparse.employer_at(0)
        assert (first == ts.NOT_PRESENT).sum() == (sparse.researchers.entered_step > 0).sum()
