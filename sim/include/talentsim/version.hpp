#pragma once

#include <cstdint>
#include <string_view>

namespace talentsim {

// Every format talentsim reads or writes, with its version, in one place.
// A reader takes versions up to its own (and says "newer" beyond).

//! Scenario files: `format_version` (docs/scenarios.md).
inline constexpr std::int64_t SCENARIO_FORMAT_VERSION = 1;
//! Sweep files: `format_version` (docs/sweeps.md).
inline constexpr std::int64_t SWEEP_FILE_FORMAT_VERSION = 1;
//! A sweep directory's plan.toml, written by `sweep plan`.
inline constexpr std::int64_t SWEEP_PLAN_FORMAT_VERSION = 1;
//! Run outputs: `format` and `schema_version` (docs/output.md). 2: strings
//! fixed-length and the HDF5 1.8 metadata format; 3: the firm exit columns
//! /firms/exit_*; 4: event kind 9 `outside`; readers take 1 to 4.
inline constexpr const char* OUTPUT_FORMAT = "talentsim";
inline constexpr std::int64_t OUTPUT_SCHEMA_VERSION = 4;
//! Collected sweeps DIR/sweep.h5 (docs/sweeps.md); 2 as for run outputs.
inline constexpr const char* SWEEP_FORMAT = "talentsim-sweep";
inline constexpr std::int64_t SWEEP_SCHEMA_VERSION = 2;
//! Checkpoints (docs/reliability.md); 2: digests of the input files; 3: firm exits.
inline constexpr std::uint32_t CHECKPOINT_FORMAT_VERSION = 3;

//! Program version (semantic versioning), e.g. "0.1.0".
std::string_view version() noexcept;
//! Git commit the binary was built from, "-dirty" appended for local changes.
std::string_view git_commit() noexcept;

}  // namespace talentsim
