// talentsim sweep plan | run-task | run-local | status | collect

#include <sys/wait.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include "cli/cli.hpp"
#include "scenario/schema.hpp"
#include "sweep/sweep.hpp"
#include "talentsim/errors.hpp"
#include "util/format.hpp"
#include "util/stop.hpp"

namespace talentsim::cli {
namespace {

namespace fs = std::filesystem;
using detail::SweepDir;
using detail::SweepPlan;
using detail::TaskState;

std::string self_binary() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("talentsim") : p.string();
}

SweepDir sweep_dir(const std::string& dir) {
  return SweepDir{fs::absolute(dir).lexically_normal().string()};
}

int cores() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// The commands that take a sweep directory: adds DIR, parses, reads the plan.
// Returns false when --help was given.
bool parse_sweep_command(const Command& self, const std::vector<std::string>& args,
                         po::options_description& options, po::variables_map& vm, SweepDir& dir,
                         SweepPlan& plan) {
  options.add_options()("dir", po::value<std::string>()->required(),
                        "Sweep directory, also the first argument");
  po::positional_options_description pos;
  pos.add("dir", 1);
  if (!parse_args(self, args, options, pos, vm)) return false;
  dir = sweep_dir(vm["dir"].as<std::string>());
  plan = detail::read_plan(dir.root);
  return true;
}

}  // namespace

int cmd_sweep_plan(const Command& self, const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("sweep", po::value<std::string>(), "Sweep file, also the first argument")(
      "output,o", po::value<std::string>(), "Sweep directory to create")(
      "schema", "Print the reference of every sweep-file key (Markdown) and exit");
  po::positional_options_description pos;
  pos.add("sweep", 1);
  po::variables_map vm;
  if (!parse_args(self, args, options, pos, vm)) return EXIT_OK;
  if (vm.count("schema") != 0) {
    std::cout << detail::schema_markdown(detail::sweep_schema());
    return EXIT_OK;
  }
  if (vm.count("sweep") == 0 || vm.count("output") == 0) {
    throw user_error("talentsim sweep plan: give a sweep file and -o DIR (see --help)");
  }
  const SweepPlan plan = detail::load_sweep_file(vm["sweep"].as<std::string>());
  for (const std::string& note : plan.notes) std::cerr << "note: " << note << "\n";
  const std::string dir = vm["output"].as<std::string>();
  const auto scripts = detail::write_plan(plan, dir, self_binary());
  std::cout << "sweep '" << plan.name << "': " << plan.points() << " points (" << plan.dims.size()
            << " dimensions x " << plan.seeds.size() << " seeds) in " << plan.tasks()
            << " tasks -> " << sweep_dir(dir).root << "\n";
  for (const auto& s : scripts) std::cout << "  submit: sbatch " << s << "\n";
  if (scripts.size() > 1) {
    std::cout << "  (split into " << scripts.size() << " arrays of at most "
              << plan.slurm.max_array_size << " tasks)\n";
  }
  std::cout << "  or run here: talentsim sweep run-local " << dir << "\n";
  return EXIT_OK;
}

int cmd_sweep_run_task(const Command& self, const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("task-id", po::value<long>(), "Task index (default: $SLURM_ARRAY_TASK_ID)")(
      "task-offset", po::value<long>(),
      "Added to $SLURM_ARRAY_TASK_ID (the array scripts of a sweep split into parts)")(
      "threads", po::value<int>(),
      "Threads (default: $SLURM_CPUS_PER_TASK or slurm.cpus_per_task)");
  po::variables_map vm;
  SweepDir dir;
  SweepPlan plan;
  if (!parse_sweep_command(self, args, options, vm, dir, plan)) return EXIT_OK;
  long task = -1;
  if (vm.count("task-id") != 0) {
    task = vm["task-id"].as<long>();
  } else if (const char* env = std::getenv("SLURM_ARRAY_TASK_ID")) {
    // Strictly a whole number: anything else is not from Slurm.
    const std::string_view text(env);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), task);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
      throw user_error("talentsim sweep run-task: SLURM_ARRAY_TASK_ID must be a task number, got " +
                       std::string("'") + std::string(text) + "'");
    }
    if (vm.count("task-offset") != 0) {
      const long offset = vm["task-offset"].as<long>();
      if (offset < 0 || task > LONG_MAX - offset) {
        throw user_error("talentsim sweep run-task: --task-offset must be >= 0");
      }
      task += offset;
    }
  } else {
    throw user_error("talentsim sweep run-task: give --task-id (or run it in a Slurm array job)");
  }
  if (task < 0 || static_cast<std::size_t>(task) >= plan.tasks()) {
    throw user_error("talentsim sweep run-task: task " + std::to_string(task) +
                     " does not exist (0.." + std::to_string(plan.tasks() - 1) + ")");
  }
  int threads = static_cast<int>(plan.slurm.cpus_per_task);
  if (const char* env = std::getenv("SLURM_CPUS_PER_TASK")) threads = std::atoi(env);
  if (vm.count("threads") != 0) threads = vm["threads"].as<int>();
  threads = std::max(1, threads);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  const auto result = detail::run_task(plan, dir, static_cast<std::size_t>(task));
  if (result == detail::TaskResult::interrupted) {
    std::cerr << "task " << task << " interrupted: its current run is checkpointed; "
              << "resubmitting the task continues it\n";
    return EXIT_INTERRUPTED;
  }
  if (result == detail::TaskResult::failed) {
    const auto st = detail::task_status(plan, dir, static_cast<std::size_t>(task));
    std::cerr << "error: task " << task << " failed: " << st.error;
    return EXIT_FAILURE_RUNTIME;
  }
  return EXIT_OK;
}

int cmd_sweep_run_local(const Command& self, const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("jobs,j", po::value<int>(), "Concurrent runs (default: number of cores)")(
      "threads", po::value<int>(),
      "Threads of each run (never changes results; default: cores / jobs, at least 1)")(
      "quiet,q", "No progress line");
  po::variables_map vm;
  SweepDir dir;
  SweepPlan plan;
  if (!parse_sweep_command(self, args, options, vm, dir, plan)) return EXIT_OK;
  const int jobs = vm.count("jobs") != 0 ? vm["jobs"].as<int>() : cores();
  if (jobs < 1 || jobs > 4096) {
    throw user_error("talentsim sweep run-local: -j must be between 1 and 4096, got " +
                     std::to_string(jobs));
  }
  // Threads per run so that jobs x threads does not oversubscribe the machine.
  int threads = std::max(1, cores() / jobs);
  if (vm.count("threads") != 0) {
    threads = vm["threads"].as<int>();
    if (threads < 1 || threads > 1024) {
      throw user_error("talentsim sweep run-local: --threads must be between 1 and 1024, got " +
                       std::to_string(threads));
    }
  }
  std::vector<std::size_t> todo;
  std::size_t done = 0, elsewhere = 0;
  for (std::size_t t = 0; t < plan.tasks(); ++t) {
    const auto st = detail::task_status(plan, dir, t);
    if (st.state == TaskState::done)
      ++done;
    else if (st.state == TaskState::running)
      ++elsewhere;
    else
      todo.push_back(t);
  }
  const bool progress = vm.count("quiet") == 0 && ::isatty(STDERR_FILENO) != 0;
  const std::string binary = self_binary();
  std::map<pid_t, std::size_t> children;
  std::size_t next = 0, failed = 0, finished = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto show = [&] {
    if (!progress) return;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string eta = "ETA --";
    if (finished > 0) {
      // Tasks still to finish here, at the rate of those finished so far.
      const double left =
          static_cast<double>(todo.size() - finished) * elapsed / static_cast<double>(finished);
      eta = "ETA " + detail::format_duration(left);
    }
    std::fprintf(stderr, "\rsweep %s: %zu/%zu tasks done, %zu running, %zu failed, %s   ",
                 plan.name.c_str(), done, plan.tasks(), children.size(), failed, eta.c_str());
  };
  detail::StopSignals signals;
  bool forwarded = false;
  while ((next < todo.size() && !detail::stop_requested()) || !children.empty()) {
    while (next < todo.size() && children.size() < static_cast<std::size_t>(jobs) &&
           !detail::stop_requested()) {
      const std::size_t t = todo[next++];
      const std::string id = std::to_string(t), th = std::to_string(threads);
      const pid_t pid = ::fork();
      if (pid < 0) throw io_error("cannot start a process (fork failed)");
      if (pid == 0) {
        ::execl(binary.c_str(), binary.c_str(), "sweep", "run-task", dir.root.c_str(), "--task-id",
                id.c_str(), "--threads", th.c_str(), static_cast<char*>(nullptr));
        std::_Exit(127);
      }
      children[pid] = t;
      show();
    }
    if (detail::stop_requested() && !forwarded) {
      // Ctrl-C reaches the children from the terminal; a SIGTERM sent to
      // this process alone is passed on, so that every run checkpoints.
      for (const auto& [pid, t] : children) ::kill(pid, SIGTERM);
      forwarded = true;
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) break;
    children.erase(pid);
    ++finished;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
      ++done;
    else if (!(WIFEXITED(status) && WEXITSTATUS(status) == EXIT_INTERRUPTED))
      ++failed;
    show();
  }
  if (progress) std::fprintf(stderr, "\n");
  if (detail::stop_requested()) {
    std::cerr << "sweep '" << plan.name << "' interrupted: " << done << "/" << plan.tasks()
              << " tasks done; the interrupted runs are checkpointed: run "
              << "'talentsim sweep run-local " << dir.root << "' again to continue\n";
    return EXIT_INTERRUPTED;
  }
  std::cout << "sweep '" << plan.name << "': " << done << "/" << plan.tasks() << " tasks done, "
            << failed << " failed";
  if (elsewhere > 0) std::cout << ", " << elsewhere << " running in other processes (not started)";
  std::cout << (failed > 0 || elsewhere > 0 ? " (see talentsim sweep status)" : "") << "\n";
  // Success only when every task is done.
  return done == plan.tasks() ? EXIT_OK : EXIT_FAILURE_RUNTIME;
}

int cmd_sweep_status(const Command& self, const std::vector<std::string>& args) {
  po::options_description options("Options");
  po::variables_map vm;
  SweepDir dir;
  SweepPlan plan;
  if (!parse_sweep_command(self, args, options, vm, dir, plan)) return EXIT_OK;
  std::size_t counts[4] = {0, 0, 0, 0};
  std::vector<std::size_t> redo;
  std::vector<std::pair<std::size_t, std::string>> errors;
  for (std::size_t t = 0; t < plan.tasks(); ++t) {
    const auto st = detail::task_status(plan, dir, t);
    ++counts[static_cast<int>(st.state)];
    if (st.state == TaskState::failed || st.state == TaskState::missing) redo.push_back(t);
    if (st.state == TaskState::failed) errors.emplace_back(t, st.error);
  }
  std::cout << "sweep '" << plan.name << "' (" << plan.points() << " points, " << plan.tasks()
            << " tasks): " << counts[0] << " done, " << counts[1] << " running, " << counts[2]
            << " failed, " << counts[3] << " missing\n";
  for (const auto& [t, e] : errors) {
    std::cout << "  task " << t << " failed: " << e;
    if (e.empty() || e.back() != '\n') std::cout << "\n";
  }
  if (!redo.empty()) {
    // Resubmit per array script: ids are relative to each script's offset.
    const auto max = static_cast<std::size_t>(plan.slurm.max_array_size);
    std::map<std::size_t, std::vector<std::size_t>> by_part;
    for (std::size_t t : redo) by_part[t / max].push_back(t % max);
    std::cout << "run the failed and missing tasks on a cluster with:\n";
    for (const auto& [part, ids] : by_part) {
      std::cout << "  sbatch --array=" << detail::compress_ranges(ids) << " " << dir.sbatch(part)
                << "\n";
    }
    std::cout << "or on this machine with:\n  talentsim sweep run-local " << dir.root << "\n";
  }
  return EXIT_OK;
}

int cmd_sweep_collect(const Command& self, const std::vector<std::string>& args) {
  po::options_description options("Options");
  po::variables_map vm;
  SweepDir dir;
  SweepPlan plan;
  if (!parse_sweep_command(self, args, options, vm, dir, plan)) return EXIT_OK;
  const std::size_t missing = detail::collect_sweep(plan, dir);
  std::cout << "collected " << plan.points() - missing << "/" << plan.points() << " points into "
            << dir.collected();
  if (missing > 0)
    std::cout << " (" << missing << " missing or failed: NaN, listed in /points/missing)";
  std::cout << "\n";
  return EXIT_OK;
}

}  // namespace talentsim::cli
