#pragma once
//! Checkpoints: the whole state of a run, the scenario, and the output
//! written so far, in one file written atomically (temporary file, fsync,
//! rename), so a run can be resumed exactly after it was stopped or killed.

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
ResumedRun resume_run(const std::string& path, const std::string& output = "");

//! The resolved scenario stored in a checkpoint (same checks as resume_run).
std::string checkpoint_scenario(const std::string& path);

}  // namespace talentsim
