#pragma once
//! The HDF5 output file (layout in docs/output.md): an observer of a
//! Simulation that writes each step as it happens, from one thread.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "talentsim/simulation.hpp"
#include "talentsim/version.hpp"

namespace talentsim {

//! Checks that `path` is a talentsim output file this build reads; throws
//! user_error (exit status 2) for a missing, foreign, truncated or newer file.
void check_output_file(const std::string& path);
//! True when `path` is a readable talentsim output marked complete.
bool is_complete_output(const std::string& path) noexcept;
//! What a run may replace at its output path (docs/cli.md, "Output files").
enum class ExistingOutput {
  refuse,              //!< nothing: the path must be free
  replace_incomplete,  //!< an interrupted talentsim run (a resume, a sweep task)
  replace,             //!< any talentsim output (--overwrite)
};
//! Checks, before a run starts, that it may write `path`: not empty, not a
//! directory, device or FIFO, and free unless what is there is a talentsim
//! output that `policy` lets it replace. Never a file of another kind.
//! Throws user_error (exit status 2) naming the path and what to do.
void check_output_target(const std::string& path, ExistingOutput policy,
                         const std::string& option = "-o");
//! Names of the datasets under /metrics and /metrics/by_country.
const std::vector<std::string>& metric_names();
const std::vector<std::string>& country_metric_names();
//! What `talentsim inspect` prints: provenance, sizes and a short summary.
std::string describe_output(const std::string& path);

//! Where a writer stands after flush(): rows, events and snapshots written.
struct OutputState {
  std::size_t rows = 0, events = 0, snapshots = 0;
};

class OutputWriter {
 public:
  //! Creates `path` + ".tmp", writes provenance and the initial state (step
  //! 0). The temporary file is locked for the life of the writer: a second
  //! process writing the same output fails (io_error) before touching it.
  OutputWriter(const std::string& path, const Simulation& sim);
  //! Without finish(), the temporary file is removed: no partial file is left.
  ~OutputWriter();
  OutputWriter(const OutputWriter&) = delete;
  OutputWriter& operator=(const OutputWriter&) = delete;

  //! Restores the temporary file `path` + ".tmp" of an interrupted run
  //! (its bytes at the checkpoint) and continues writing at `state`.
  OutputWriter(const std::string& path, const Simulation& sim, const OutputState& state,
               const std::string& bytes);
  //! Writes everything buffered and flushes the file so that its bytes on
  //! disk are a consistent HDF5 file (checkpoints copy them).
  OutputState flush();
  //! The temporary file being written.
  const std::string& temp_path() const noexcept;

  //! Records the step the simulation just made.
  void write_step(const Simulation& sim);
  //! Writes the static tables, marks the file complete when every step ran,
  //! and renames it to its final name.
  void finish(const Simulation& sim);
  //! Empty, or how many values written so far are not finite numbers and
  //! in which datasets (also stored as root attributes nonfinite_values and
  //! nonfinite_datasets; a run prints it as a warning).
  std::string nonfinite_summary() const;
  //! Path of the file (final name).
  const std::string& path() const noexcept;
  //! Seconds the background writer thread has spent compressing and writing
  //! (it overlaps the simulation; 0 when the run has one thread and writes
  //! on it; see docs/output.md).
  double background_seconds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace talentsim
