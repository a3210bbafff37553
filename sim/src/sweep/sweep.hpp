#pragma once
// Parameter sweeps: a sweep file expands to points (one scenario with
// overrides and a seed each), grouped into tasks that Slurm array jobs or
// local processes run, collected into one HDF5 dataset.

#include <cstdint>
#include <string>
#include <vector>

#include "talentsim/scenario.hpp"

namespace talentsim::detail {

//! One dimension of the sweep: one key path (grid) or several that vary
//! together (zip, sample). values[i][k] is the TOML text of path k at index i.
struct SweepDim {
  std::string name;
  std::vector<std::string> paths;
  std::vector<std::vector<std::string>> values;
  std::size_t size() const noexcept { return values.size(); }
};

struct CollectSpec {
  std::vector<std::string> metrics;     //!< empty = all
  std::vector<std::string> by_country;  //!< empty = all
  bool final_only = false;
};

struct SlurmSpec {
  std::string partition, time = "01:00:00", mem = "2G", account;
  std::int64_t cpus_per_task = 1, throttle = 0, points_per_task = 1, max_array_size = 1000;
  std::int64_t checkpoint_every = 0;
  std::vector<std::string> extra;
};

//! A sweep, fully expanded: what `sweep plan` writes and every other
//! command reads back (DIR/plan.toml).
struct SweepPlan {
  std::string name, description;
  std::vector<Override> fixed;     //!< [set]: overrides of every point (already in base_text)
  std::vector<std::string> notes;  //!< the base scenario's notes (not stored)
  std::string base_text;           //!< the base scenario's TOML (stored as DIR/base.toml)
  std::string base_dir;            //!< folder that relative paths in swept values resolve against
  std::vector<std::uint64_t> seeds;
  std::vector<SweepDim> dims;  //!< parameter dimensions; seed is the last dimension
  CollectSpec collect;
  SlurmSpec slurm;

  std::size_t points() const noexcept;
  std::size_t tasks() const noexcept;
  //! Index along each parameter dimension, then the seed index, of point p.
  std::vector<std::size_t> coordinates(std::size_t p) const;
  std::uint64_t seed_of(std::size_t p) const;
  std::vector<Override> overrides_of(std::size_t p) const;
  //! Points of task t: [first, last).
  std::pair<std::size_t, std::size_t> task_points(std::size_t t) const;
};

//! The most points a sweep may have (docs/sweeps.md): planning and
//! checking each point costs time and the manifest a line per point.
inline constexpr std::size_t MAX_SWEEP_POINTS = 1'000'000;
//! The product of `sizes`, or MAX_SWEEP_POINTS + 1 when it is larger.
std::size_t checked_points(const std::vector<std::size_t>& sizes);

//! Reads and validates a sweep file; every point is loaded with the scenario
//! loader, so a value the scenario would reject fails here. Throws
//! scenario_error (exit 2).
SweepPlan load_sweep_file(const std::string& path);

//! Sweep directory layout.
struct SweepDir {
  std::string root;
  std::string plan() const { return root + "/plan.toml"; }
  std::string base() const { return root + "/base.toml"; }
  std::string manifest() const { return root + "/manifest.tsv"; }
  std::string sbatch(std::size_t part) const;
  std::string run(std::size_t point) const;
  std::string failed(std::size_t task) const;
  std::string running(std::size_t task) const;
  std::string log(std::size_t task) const;
  std::string collected() const { return root + "/sweep.h5"; }
};

//! Writes DIR (plan, base scenario, manifest, Slurm scripts); idempotent:
//! planning the same sweep into the same DIR again changes nothing, and a
//! DIR holding a different sweep is refused. Returns the scripts written.
std::vector<std::string> write_plan(const SweepPlan& plan, const std::string& dir,
                                    const std::string& binary);
//! Reads DIR/plan.toml back (user_error when DIR is not a sweep directory).
SweepPlan read_plan(const std::string& dir);

enum class TaskState { done, running, failed, missing };
struct TaskStatus {
  TaskState state = TaskState::missing;
  std::string error;  //!< for failed tasks
};
TaskStatus task_status(const SweepPlan& plan, const SweepDir& dir, std::size_t task);

enum class TaskResult { done, failed, interrupted };
//! Runs task t's points (skipping finished ones, resuming a point from its
//! checkpoint). On failure the failure marker holds the error; when SIGINT or
//! SIGTERM arrives, the current point is checkpointed and `interrupted`
//! returned (no failure marker: resubmitting continues it).
TaskResult run_task(const SweepPlan& plan, const SweepDir& dir, std::size_t task);

//! Merges the runs into DIR/sweep.h5; returns the number of missing points.
std::size_t collect_sweep(const SweepPlan& plan, const SweepDir& dir);

//! What `talentsim inspect` prints for a collected sweep (DIR/sweep.h5),
//! after checking the file throughout; user_error for a damaged one.
std::string describe_sweep(const std::string& path);

//! "0-3,7,9-10" for sorted task ids.
std::string compress_ranges(const std::vector<std::size_t>& ids);

}  // namespace talentsim::detail
