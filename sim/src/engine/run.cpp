// The step loop with its observers, and FileRun: a run into an output file
// with periodic checkpoints, a checkpoint and an incomplete output when
// stopped, and the checkpoint removed at the end.

#include "talentsim/run.hpp"

#include <chrono>
#include <filesystem>

#include "talentsim/checkpoint.hpp"
#include "talentsim/errors.hpp"
#include "util/fault.hpp"
#include "util/stop.hpp"

namespace talentsim {
namespace {

using Clock = std::chrono::steady_clock;

template <class F>
void timed(double& into, F&& f) {
  const auto t0 = Clock::now();
  f();
  into += std::chrono::duration<double>(Clock::now() - t0).count();
}

// The output writer as an observer of the step loop.
class WriterObserver final : public Observer {
 public:
  WriterObserver(OutputWriter& writer, double& seconds) : writer_(writer), seconds_(seconds) {}
  void after_step(const Simulation& sim) override {
    timed(seconds_, [&] { writer_.write_step(sim); });
  }

 private:
  OutputWriter& writer_;
  double& seconds_;
};

// Periodic checkpoints (never after the last step: the run is then done).
class CheckpointObserver final : public Observer {
 public:
  CheckpointObserver(const std::string& path, std::int64_t every, OutputWriter& writer,
                     double& seconds)
      : path_(path), every_(every), writer_(writer), seconds_(seconds) {}
  void after_step(const Simulation& sim) override {
    if (every_ > 0 && sim.step_index() % every_ == 0 && !sim.finished()) {
      timed(seconds_, [&] { write_checkpoint(path_, sim, writer_); });
    }
  }

 private:
  const std::string& path_;
  std::int64_t every_;
  OutputWriter& writer_;
  double& seconds_;
};

}  // namespace

void request_stop() noexcept {
  detail::request_stop();
}

RunEnd run_steps(Simulation& sim, std::int64_t steps, const std::vector<Observer*>& observers) {
  for (std::int64_t k = 0; k < steps && !sim.finished(); ++k) {
    sim.step();
    for (Observer* o : observers) o->after_step(sim);
    detail::fault_point("step");
    // Stop requests are looked at in this one place, after a whole step.
    if (detail::stop_requested()) return RunEnd::interrupted;
  }
  return RunEnd::reached;
}

FileRun::FileRun(Scenario scenario, RunFiles files)
    : FileRun(std::make_unique<Simulation>(std::move(scenario)), std::move(files)) {}

FileRun::FileRun(std::unique_ptr<Simulation> sim, RunFiles files)
    : sim_(std::move(sim)), files_(std::move(files)) {
  if (sim_->step_index() != 0) {
    throw internal_error("FileRun: the simulation has made steps already");
  }
  if (files_.checkpoint.empty()) files_.checkpoint = files_.output + ".ckpt";
  timed(output_s_, [&] { writer_ = std::make_unique<OutputWriter>(files_.output, *sim_); });
}

std::unique_ptr<FileRun> FileRun::resume(
    const std::string& from, RunFiles files,
    const std::function<void(const Scenario&, const std::string&)>& before_writing) {
  std::unique_ptr<FileRun> r(new FileRun());
  if (files.checkpoint.empty()) files.checkpoint = from;
  ResumedRun resumed = resume_run(from, files.output, before_writing);
  r->sim_ = std::move(resumed.sim);
  r->writer_ = std::move(resumed.writer);
  r->files_ = std::move(files);
  r->files_.output = r->writer_->path();
  r->resumed_ = true;
  return r;
}

FileRun::~FileRun() = default;

RunEnd FileRun::run(const std::vector<Observer*>& extra) {
  return run(sim_->scenario().run.steps, extra);
}

RunEnd FileRun::run(std::int64_t steps, const std::vector<Observer*>& extra) {
  WriterObserver writer(*writer_, output_s_);
  CheckpointObserver checkpoints(files_.checkpoint, files_.checkpoint_every, *writer_,
                                 checkpoint_s_);
  std::vector<Observer*> observers = {&writer, &checkpoints};
  observers.insert(observers.end(), extra.begin(), extra.end());
  detail::StopSignals signals;
  const RunEnd end = run_steps(*sim_, steps, observers);
  if (end == RunEnd::interrupted && !sim_->finished()) {
    // Keep everything computed: a checkpoint, then a valid file marked
    // incomplete (SIGTERM comes from Slurm before a time limit).
    timed(checkpoint_s_, [&] { write_checkpoint(files_.checkpoint, *sim_, *writer_); });
    timed(output_s_, [&] { writer_->finish(*sim_); });
    return RunEnd::interrupted;
  }
  if (!sim_->finished()) return RunEnd::reached;  // more steps to come
  timed(output_s_, [&] { writer_->finish(*sim_); });
  // The run is complete; a checkpoint would only be a stale copy.
  if (files_.checkpoint_every > 0 || resumed_) {
    std::error_code ec;
    std::filesystem::remove(files_.checkpoint, ec);
  }
  return RunEnd::reached;
}

}  // namespace talentsim
