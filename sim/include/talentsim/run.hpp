#pragma once
//! Running a simulation: the step loop with observers, and a run into an
//! output file with checkpoints and interruption handling, shared by
//! `talentsim run`, `talentsim sweep run-task` and embedding programs.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "talentsim/output.hpp"
#include "talentsim/simulation.hpp"

namespace talentsim {

//! Watches a run: told after every step (the simulation is consistent and
//! its events and metrics are those of that step).
class Observer {
 public:
  virtual ~Observer() = default;
  //! After each step.
  virtual void after_step(const Simulation& sim) = 0;
};

//! How Simulation::run ended.
enum class RunEnd {
  reached,      //!< the requested steps were made (or the run's last step)
  interrupted,  //!< a stop was requested (SIGINT/SIGTERM, or request_stop())
};

//! Steps `sim` `steps` times (fewer when its run ends first), calling every
//! observer after each step, in order. A stop request (SIGINT or SIGTERM
//! while a StopSignals is installed, or request_stop()) ends the loop after
//! the step in progress. Observers are not owned.
RunEnd run_steps(Simulation& sim, std::int64_t steps, const std::vector<Observer*>& observers = {});

//! Asks the run loop to stop after the step in progress (thread-safe; what
//! SIGINT and SIGTERM do).
void request_stop() noexcept;

//! Where a run writes: the output file, and its checkpoints.
struct RunFiles {
  std::string output;                 //!< final path of the HDF5 output
  std::string checkpoint;             //!< checkpoint path; empty: output + ".ckpt"
  std::int64_t checkpoint_every = 0;  //!< 0: only when interrupted
};

//! A run to its last step into an output file: the writer and checkpoints
//! are observers of the step loop. On a stop request it writes a checkpoint
//! and finishes the output marked incomplete (a valid file under its final
//! name), then returns `interrupted`; at the end it finishes the output and
//! removes its checkpoint. Both `talentsim run` and `sweep run-task` run
//! this, so they behave the same when interrupted.
class FileRun {
 public:
  //! A fresh run of `scenario`.
  FileRun(Scenario scenario, RunFiles files);
  //! A run of `sim`, which has made no step yet (the file holds every step).
  FileRun(std::unique_ptr<Simulation> sim, RunFiles files);
  //! A run continued from the checkpoint `from`: the output goes to its
  //! stored path unless `files.output` is given, later checkpoints to
  //! `files.checkpoint` (default: `from`). `before_writing` is called with
  //! the stored scenario and the output path before anything is written.
  static std::unique_ptr<FileRun> resume(
      const std::string& from, RunFiles files,
      const std::function<void(const Scenario&, const std::string&)>& before_writing = {});
  ~FileRun();

  Simulation& simulation() noexcept { return *sim_; }
  OutputWriter& writer() noexcept { return *writer_; }
  const RunFiles& files() const noexcept { return files_; }

  //! Runs to the end (or to a stop request), `extra` observers after the
  //! writer and the checkpointer.
  RunEnd run(const std::vector<Observer*>& extra = {});
  //! Runs at most `steps` more steps. The output is finished when the run
  //! reaches its last step, or (with a checkpoint) when a stop is
  //! requested; otherwise it stays open for the next call.
  RunEnd run(std::int64_t steps, const std::vector<Observer*>& extra = {});

  //! Seconds spent writing the output and the checkpoints (for --profile).
  double output_seconds() const noexcept { return output_s_; }
  double checkpoint_seconds() const noexcept { return checkpoint_s_; }

 private:
  FileRun() = default;
  std::unique_ptr<Simulation> sim_;
  std::unique_ptr<OutputWriter> writer_;
  RunFiles files_;
  bool resumed_ = false;
  double output_s_ = 0, checkpoint_s_ = 0;
};

}  // namespace talentsim
