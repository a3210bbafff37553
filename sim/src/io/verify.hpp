#pragma once
// Opening talentsim's HDF5 files for reading, and checking a run file before
// anything reports on it: the shapes that must agree, the index ranges, and
// every byte of every dataset readable (compressed chunks decode).

#include <cstdint>
#include <string>

#include "io/hdf5.hpp"

namespace talentsim::detail {

//! Opens `path` read-only and checks that its `format` attribute is
//! `format` with an integer `schema_version` in 1..`max_schema`. Throws
//! user_error (exit status 2) naming what is wrong. `schema` receives the
//! version.
h5::Handle open_talentsim_file(const std::string& path, const std::string& format,
                               std::int64_t max_schema, std::int64_t* schema = nullptr);

//! The `format` attribute of an HDF5 file ("" when it has none); user_error
//! for a missing file, a directory or a file that is not HDF5.
std::string hdf5_format_of(const std::string& path);

//! Checks a run file (docs/output.md) throughout: every dataset present
//! with the shape the others imply, every index within its table, every
//! dataset read in full. Throws io_error naming the dataset and the fault.
void verify_run_file(hid_t root);

//! Reads every dataset under `root` in full, in blocks of bounded size, so
//! that a chunk that does not decode is found. Throws io_error.
void read_every_dataset(hid_t root);

}  // namespace talentsim::detail
