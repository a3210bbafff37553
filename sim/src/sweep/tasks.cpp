// Running one task of a sweep, and telling a task's state from the files it
// leaves: complete outputs (done), a .running marker (running, or gone when
// its process on this host no longer exists), a .failed marker (failed).

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sweep/sweep.hpp"
#include "talentsim/checkpoint.hpp"
#include "talentsim/errors.hpp"
#include "talentsim/output.hpp"
#include "talentsim/run.hpp"
#include "talentsim/simulation.hpp"
#include "util/files.hpp"
#include "util/stop.hpp"

namespace talentsim::detail {
namespace {

namespace fs = std::filesystem;

std::string hostname() {
  char buf[256] = {0};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const std::string& path, const std::string& text) {
  replace_file(path, text);
}

// When process `pid` started (field 22 of /proc/PID/stat, clock ticks since
// boot), or 0 when it does not exist. With the pid it names one process:
// a pid reused by another process has another start time.
std::uint64_t start_time(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return 0;
  // The command name (field 2) is in parentheses and may hold spaces.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  for (int i = 3; i < 22 && rest >> field; ++i) {
  }
  std::uint64_t ticks = 0;
  rest >> ticks;
  return ticks;
}

struct Interrupted {};

// One point: the same FileRun as `talentsim run`, so an interrupted point
// leaves the same checkpoint and incomplete output, and a rerun resumes it.
void run_point(const SweepPlan& plan, const SweepDir& dir, std::size_t p) {
  RunFiles files;
  files.output = dir.run(p);
  files.checkpoint = files.output + ".ckpt";
  files.checkpoint_every = plan.slurm.checkpoint_every;
  std::unique_ptr<FileRun> run;
  std::error_code ec;
  if (fs::exists(files.checkpoint, ec)) {
    run = FileRun::resume(files.checkpoint, files);
  } else {
    run = std::make_unique<FileRun>(
        load_scenario_text(plan.base_text, dir.base(), plan.overrides_of(p), plan.base_dir), files);
  }
  if (run->run() == RunEnd::interrupted) throw Interrupted{};
}

}  // namespace

TaskStatus task_status(const SweepPlan& plan, const SweepDir& dir, std::size_t task) {
  const auto [first, last] = plan.task_points(task);
  bool all = true;
  for (std::size_t p = first; p < last && all; ++p) all = is_complete_output(dir.run(p));
  if (all) return {TaskState::done, ""};
  std::error_code ec;
  if (fs::exists(dir.failed(task), ec)) return {TaskState::failed, read_text(dir.failed(task))};
  if (fs::exists(dir.running(task), ec)) {
    std::istringstream marker(read_text(dir.running(task)));
    std::string host;
    long pid = 0;
    std::uint64_t started = 0;
    marker >> host >> pid >> started;
    if (host == hostname() && pid > 0) {
      const bool gone = ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
      // A live pid that another process now has (the pid was reused).
      const bool reused = !gone && started != 0 && start_time(pid) != started;
      if (gone || reused) {
        return {TaskState::failed, "the process running it (pid " + std::to_string(pid) +
                                       ") is gone: killed or crashed"};
      }
    }
    return {TaskState::running, ""};
  }
  return {TaskState::missing, ""};
}

TaskResult run_task(const SweepPlan& plan, const SweepDir& dir, std::size_t task) {
  std::error_code ec;
  fs::remove(dir.failed(task), ec);
  write_text(dir.running(task), hostname() + " " + std::to_string(::getpid()) + " " +
                                    std::to_string(start_time(::getpid())) + "\n");
  StopSignals signals;
  const auto [first, last] = plan.task_points(task);
  for (std::size_t p = first; p < last; ++p) {
    if (is_complete_output(dir.run(p))) continue;  // re-running a finished point is a no-op
    try {
      run_point(plan, dir, p);
    } catch (const Interrupted&) {
      fs::remove(dir.running(task), ec);
      return TaskResult::interrupted;
    } catch (const std::exception& e) {
      write_text(dir.failed(task), "point " + std::to_string(p) + ": " + e.what() + "\n");
      fs::remove(dir.running(task), ec);
      return TaskResult::failed;
    }
  }
  fs::remove(dir.running(task), ec);
  return TaskResult::done;
}

}  // namespace talentsim::detail
