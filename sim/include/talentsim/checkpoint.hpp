#pragma once
//! Checkpoints: the whole state of a run, the scenario, and the output
//! written so far, in one file written atomically (temporary file, fsync,
//! rename), so a run can be resumed exactly after it was stopped or killed.

#include <functional>
#include <memory>
#include <string>

#include "talentsim/output.hpp"
#include "talentsim/simulation.hpp"

namespace talentsim {

//! Writes a checkpoint of `sim` and of `writer`'s file to `path`; the
//! previous checkpoint at `path` stays valid until the new one is complete.
void write_checkpoint(const std::string& path, const Simulation& sim, OutputWriter& writer);

struct ResumedRun {
  std::unique_ptr<Simulation> sim;
  std::unique_ptr<OutputWriter> writer;
};

//! Rebuilds a run from a checkpoint; the output continues at `output`
//! (empty: where the checkpointed run was writing). Throws user_error (exit
//! status 2) for a file that is not a checkpoint, is damaged or truncated,
//! or comes from another talentsim version or commit.
//! `before_writing`, when given, is called with the stored scenario and the
//! output path once the checkpoint is read and checked, before anything is
//! built or written (a caller checks its paths there).
ResumedRun resume_run(
    const std::string& path, const std::string& output = "",
    const std::function<void(const Scenario&, const std::string&)>& before_writing = {});

//! Checks that `path` may receive checkpoints: free, or a talentsim
//! checkpoint (never a file of another kind, a directory or a device).
//! Throws user_error (exit status 2) naming `option`.
void check_checkpoint_target(const std::string& path, const std::string& option);

//! The resolved scenario stored in a checkpoint (same checks as resume_run).
std::string checkpoint_scenario(const std::string& path);

}  // namespace talentsim
