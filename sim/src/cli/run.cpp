// talentsim run: load (or take the embedded default), simulate every step,
// write the HDF5 output, and print a summary.

#include <tbb/global_control.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <tuple>

#include "cli/cli.hpp"
#include "talentsim/checkpoint.hpp"
#include "talentsim/errors.hpp"
#include "talentsim/output.hpp"
#include "talentsim/run.hpp"
#include "talentsim/simulation.hpp"
#include "util/files.hpp"
#include "util/format.hpp"

namespace talentsim::cli {
namespace {

class Progress final : public Observer {
 public:
  explicit Progress(bool on, std::int64_t total) : on_(on), total_(total) {}
  void after_step(const Simulation& sim) override { update(sim.step_index()); }
  void update(std::int64_t step) {
    if (!on_) return;
    const auto now = std::chrono::steady_clock::now();
    if (step != total_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(step) / elapsed : 0;
    const double eta = rate > 0 ? static_cast<double>(total_ - step) / rate : 0;
    const int width = 30;
    const int filled = static_cast<int>(width * step / std::max<std::int64_t>(1, total_));
    std::fprintf(stderr, "\r[%s%s] step %lld/%lld  %.1f steps/s  ETA %.0fs ",
                 std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), '.').c_str(),
                 static_cast<long long>(step), static_cast<long long>(total_), rate, eta);
    if (step == total_) std::fprintf(stderr, "\n");
  }

 private:
  bool on_;
  std::int64_t total_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_{};
};

struct Totals final : public Observer {
  std::int64_t poaches = 0, hires = 0, retentions = 0, bankruptcies = 0, acquisitions = 0,
               spinouts = 0;
  std::vector<Event> top;  // largest packages of market moves
  void after_step(const Simulation& sim) override { add(sim); }
  void add(const Simulation& sim) {
    const StepMetrics& m = sim.metrics();
    poaches += m.poaches;
    hires += m.hires_from_pool;
    retentions += m.retentions;
    bankruptcies += m.bankruptcies;
    acquisitions += m.acquisitions;
    spinouts += m.spinouts;
    for (const Event& e : sim.events()) {
      if (e.kind != EventKind::poach && e.kind != EventKind::hire) continue;
      top.push_back(e);
    }
    // Only the first five are kept: a partial sort (a step at 1M has some
    // 10,000 moves, and this runs on the main thread after every step).
    // The order is total, so which five are kept never depends on the sort.
    const auto keep = std::min<std::size_t>(5, top.size());
    std::partial_sort(
        top.begin(), top.begin() + static_cast<std::ptrdiff_t>(keep), top.end(),
        [](const Event& a, const Event& b) {
          return std::tie(b.annual_value, a.researcher, a.step, a.from_firm, a.to_firm) <
                 std::tie(a.annual_value, b.researcher, b.step, b.from_firm, b.to_firm);
        });
    top.resize(keep);
  }
};

std::uint64_t parse_memory(const std::string& text) {
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  std::string unit(end);
  double scale = 1;
  if (unit == "K" || unit == "k")
    scale = 1024.0;
  else if (unit == "M" || unit == "m")
    scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "g")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "t")
    scale = 1024.0 * 1024 * 1024 * 1024;
  else if (!unit.empty())
    scale = -1;
  if (end == text.c_str() || scale < 0 || !(x > 0)) {
    throw user_error("talentsim run: --max-memory expects a size such as 8G or 512M, got '" + text +
                     "'");
  }
  return static_cast<std::uint64_t>(x * scale);
}

std::uint64_t available_memory() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit) {
    if (key == "MemAvailable:") return kb * 1024;
  }
  return 0;
}

// "312 MiB", "12.3 GiB", "4.1e+09 GiB", "more than 1e+15 GiB": a size with
// its unit, never a 40-digit number.
std::string gib(double bytes) {
  const double m = bytes / (1024.0 * 1024), g = m / 1024;
  char buf[48];
  if (!std::isfinite(g) || g >= 1e15) return "more than 1e+15 GiB";
  if (g < 1) {
    std::snprintf(buf, sizeof buf, "%.0f MiB", m);
  } else {
    std::snprintf(buf, sizeof buf, g < 1e5 ? "%.1f GiB" : "%.2g GiB", g);
  }
  return buf;
}

// Refuses a scenario whose estimated memory exceeds the limit (or what the
// machine has available), before anything large is allocated, naming the
// key that drives the largest allocation.
void check_memory(const Scenario& sc, std::uint64_t limit) {
  const double estimate = estimated_memory_bytes(sc);
  const std::uint64_t available = limit > 0 ? limit : available_memory();
  if (available > 0 && !(estimate <= static_cast<double>(available))) {
    const MemoryPart top = estimated_memory_parts(sc).front();
    throw user_error("scenario needs an estimated " + gib(estimate) + " of memory (" +
                     gib(top.bytes) + " for " + top.what + ", from " + top.key + ") but " +
                     (limit > 0 ? "--max-memory allows " : "this machine has ") +
                     gib(static_cast<double>(available)) + (limit > 0 ? "" : " available") +
                     "; reduce " + top.key);
  }
}

void create_parent(const std::string& path) {
  if (const auto parent = std::filesystem::path(path).parent_path(); !parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw io_error("cannot create directory " + parent.string() + ": " + ec.message());
  }
}

// One line per phase: seconds and share of the run's wall time (the rows
// add up to it); under scouting and rounds, their parts ("scouting.draw",
// ...: counted in the phase above them, not again in the total). A resumed
// run counts only the steps run since the resume.
void print_profile(std::ostream& s, const PhaseTimes& t, double output_s, double checkpoint_s,
                   double wall) {
  const std::pair<const char*, double> rows[] = {
      {"setup", t.setup},
      {"timeline", t.timeline},
      {"flows", t.flows},
      {"neighbours", t.neighbours},
      {"scouting", t.scouting},
      {"scouting.draw", t.scouting_draw},
      {"scouting.pairs", t.scouting_pairs},
      {"scouting.value", t.scouting_value},
      {"scouting.utility", t.scouting_utility},
      {"rounds", t.rounds},
      {"rounds.open", t.rounds_open},
      {"rounds.offers", t.rounds_offers},
      {"rounds.decide", t.rounds_decide},
      {"rounds.counter", t.rounds_counter},
      {"settle", t.settle},
      {"production", t.production},
      {"exits", t.exits},
      {"spinouts", t.spinouts},
      {"budgets", t.budgets},
      {"metrics", t.metrics},
      {"output", output_s},
      {"checkpoints", checkpoint_s},
      {"other", std::max(0.0, wall - t.total() - output_s - checkpoint_s)}};
  s << "  profile        phase               seconds   share\n";
  for (const auto& [name, seconds] : rows) {
    const bool part = std::strchr(name, '.') != nullptr;
    char line[112];
    std::snprintf(line, sizeof line, "                 %s%-*s %9.3f  %5.1f%%\n", part ? "  " : "",
                  part ? 16 : 18, name, seconds, wall > 0 ? 100.0 * seconds / wall : 0.0);
    s << line;
  }
}

}  // namespace

int cmd_run(const Command& self, const std::vector<std::string>& args) {
  po::options_description options("Options");
  po::positional_options_description pos;
  add_scenario_options(options, pos);
  options.add_options()("output,o", po::value<std::string>(),
                        "Output HDF5 file (default: output.path)")(
      "threads", po::value<int>(), "Worker threads (never changes results; default: all cores)")(
      "quiet,q", "No progress bar")("checkpoint-every", po::value<long>(),
                                    "Write a checkpoint every N steps")(
      "checkpoint", po::value<std::string>(), "Checkpoint file (default: OUTPUT.ckpt)")(
      "resume", po::value<std::string>(), "Continue from a checkpoint")(
      "max-memory", po::value<std::string>(),
      "Refuse scenarios whose estimated memory exceeds this (e.g. 8G; default: available memory)")(
      "profile", "Print where the time went: each phase of the step, output, checkpoints")(
      "overwrite", "Replace an existing talentsim output at the output path (never another file)");
  po::variables_map vm;
  if (!parse_args(self, args, options, pos, vm)) return EXIT_OK;
  long checkpoint_every = 0;
  if (vm.count("checkpoint-every") != 0) {
    checkpoint_every = vm["checkpoint-every"].as<long>();
    if (checkpoint_every < 1) throw user_error("talentsim run: --checkpoint-every must be >= 1");
  }
  const bool resuming = vm.count("resume") != 0;
  if (resuming && (vm.count("set") != 0 || vm.count("steps") != 0 || vm.count("seed") != 0)) {
    throw user_error(
        "talentsim run: --resume continues the checkpointed run as it was; "
        "--set, --steps and --seed cannot change it");
  }

  // The stored scenario names the file it was written to.
  std::vector<Override> output_override;
  if (vm.count("output") != 0) {
    output_override.push_back(string_override("output.path", vm["output"].as<std::string>()));
  }
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (vm.count("threads") != 0) {
    threads = vm["threads"].as<int>();
    if (threads < 1 || threads > 1024) {
      throw user_error("talentsim run: --threads must be between 1 and 1024, got " +
                       std::to_string(threads));
    }
  }
  Scenario scenario;
  if (!resuming || vm.count("scenario") != 0) {
    scenario = load_command_scenario(vm, output_override);
  }
  if (!resuming) {
    std::uint64_t limit = 0;
    if (vm.count("max-memory") != 0) limit = parse_memory(vm["max-memory"].as<std::string>());
    check_memory(scenario, limit);
  }
  const ExistingOutput policy = vm.count("overwrite") != 0 ? ExistingOutput::replace
                                : resuming                 ? ExistingOutput::replace_incomplete
                                                           : ExistingOutput::refuse;
  // Every path of the run, checked against the others before anything is
  // written: what it writes must be writable and distinct, and none of it
  // may be one of its inputs.
  const auto check_paths = [&](const Scenario& sc, const std::string& out) {
    const std::string option = vm.count("output") != 0 ? "-o" : "output.path";
    const std::string ckpt = vm.count("checkpoint") != 0 ? vm["checkpoint"].as<std::string>()
                             : resuming                  ? vm["resume"].as<std::string>()
                                                         : out + ".ckpt";
    const std::vector<std::pair<std::string, std::string>> written = {
        {out, "the output (" + option + ")"},
        {out + ".tmp", "the output's temporary file"},
        {ckpt, "the checkpoint"},
        {ckpt + ".tmp", "the checkpoint's temporary file"}};
    std::vector<std::pair<std::string, std::string>> inputs;
    if (vm.count("scenario") != 0)
      inputs.emplace_back(vm["scenario"].as<std::string>(), "the scenario");
    if (sc.network.source == NetworkSource::edge_list) {
      inputs.emplace_back(sc.network.edge_list, "the edge list");
    }
    for (std::size_t i = 0; i < written.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (detail::same_file(written[i].first, written[j].first)) {
          throw user_error("talentsim run: " + written[i].second + " (" + written[i].first +
                           ") would be " + written[j].second + "; choose another path");
        }
      }
      for (const auto& [path, what] : inputs) {
        if (detail::same_file(written[i].first, path)) {
          throw user_error("talentsim run: " + written[i].second + " (" + written[i].first +
                           ") is " + what + "; a run never writes over its own inputs");
        }
      }
      if (resuming && i < 2 &&
          detail::same_file(written[i].first, vm["resume"].as<std::string>())) {
        throw user_error("talentsim run: " + written[i].second + " (" + written[i].first +
                         ") is the checkpoint being resumed; choose another path");
      }
    }
    check_output_target(out, policy, option);
    if (vm.count("checkpoint") != 0) check_checkpoint_target(ckpt, "--checkpoint");
  };
  std::string out;
  if (!resuming) {
    out = vm.count("output") != 0 ? vm["output"].as<std::string>() : scenario.output.path;
    check_paths(scenario, out);
    create_parent(out);
  }
  print_notes(scenario);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  RunFiles files;
  files.output = out;
  files.checkpoint = vm.count("checkpoint") != 0 ? vm["checkpoint"].as<std::string>() : "";
  files.checkpoint_every = checkpoint_every;
  std::unique_ptr<FileRun> run;
  if (resuming) {
    const std::string ckpt = vm["resume"].as<std::string>();
    files.output = vm.count("output") != 0 ? vm["output"].as<std::string>() : std::string();
    run = FileRun::resume(ckpt, files, [&](const Scenario& stored, const std::string& resumed_out) {
      if (vm.count("scenario") != 0) {
        // A scenario given with --resume must be the checkpoint's (output path aside).
        Scenario a = stored, b = scenario;
        a.output.path = b.output.path = "";
        if (to_toml(a) != to_toml(b)) {
          throw user_error(ckpt + ": this checkpoint belongs to another scenario than " +
                           vm["scenario"].as<std::string>());
        }
      }
      check_paths(stored, resumed_out);
      create_parent(resumed_out);
    });
  } else {
    run = std::make_unique<FileRun>(std::move(scenario), files);
  }
  Simulation& sim = run->simulation();
  OutputWriter& writer = run->writer();
  const StepMetrics first = sim.metrics();
  Progress progress(vm.count("quiet") == 0 && ::isatty(STDERR_FILENO) != 0,
                    sim.scenario().run.steps);
  Totals totals;
  if (run->run({&totals, &progress}) == RunEnd::interrupted) {
    std::cerr << "\ninterrupted at step " << sim.step_index() << ": checkpoint "
              << run->files().checkpoint << ", incomplete output " << writer.path()
              << " (resume with talentsim run --resume " << run->files().checkpoint << ")\n";
    return EXIT_INTERRUPTED;
  }
  if (const std::string bad = writer.nonfinite_summary(); !bad.empty()) {
    std::cerr << "warning: " << writer.path() << ": " << bad
              << "; a scenario value is too large or too small for this model\n";
  }
  const double output_s = run->output_seconds(), checkpoint_s = run->checkpoint_seconds();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const StepMetrics& last = sim.metrics();
  const Scenario& sc = sim.scenario();
  const auto& names = sim.firm_names();
  const auto firm = [&](std::int32_t f) {
    return f >= 0 ? names[static_cast<std::size_t>(f)] : std::string("job seeking");
  };
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(3);
  s << "talentsim run: " << sc.name << ", " << sc.run.steps << " steps, seed " << sc.run.seed
    << " (" << std::setprecision(1) << seconds << " s, " << threads << " threads)\n";
  s.precision(3);
  s << "  moves          " << detail::format_count(totals.poaches + totals.hires) << " ("
    << detail::format_count(totals.poaches) << " firm to firm, "
    << detail::format_count(totals.hires) << " from job seeking), "
    << detail::format_count(totals.retentions) << " kept by counter-offers\n";
  s << "  firms          " << totals.bankruptcies << " bankruptcies, " << totals.acquisitions
    << " acquisitions, " << totals.spinouts << " spin-outs; " << last.active_startups
    << " startups active at the end\n";
  for (std::size_t i = 0; i < totals.top.size(); ++i) {
    const Event& e = totals.top[i];
    s << (i == 0 ? "  top packages   " : "                 ")
      << detail::format_money(e.annual_value) << "/yr  " << firm(e.to_firm) << " <- "
      << firm(e.from_firm) << "  week " << e.step << (e.outreach ? "  (personal outreach)" : "")
      << "\n";
  }
  s << "  pay            median " << detail::format_money(last.pay_median) << "/yr, p99 "
    << detail::format_money(last.pay_p99) << "/yr, max " << detail::format_money(last.pay_max)
    << "/yr, Gini " << last.pay_gini << "\n";
  s << "  concentration  talent HHI " << first.talent_hhi << " -> " << last.talent_hhi
    << "; top-1% researchers at the top 3 firms " << first.top1pct_share_top3 << " -> "
    << last.top1pct_share_top3 << "\n";
  s << "  brain drain   ";
  for (std::size_t c = 0; c < sc.countries.size(); ++c) {
    s << " " << sc.countries[c].name << " " << std::setprecision(2) << first.brain_drain_share[c]
      << "->" << last.brain_drain_share[c];
  }
  s << "\n  output         " << writer.path() << "\n";
  if (vm.count("profile") != 0 && writer.background_seconds() > 0) {
    char line[160];
    std::snprintf(line, sizeof line,
                  "  writer thread  %.3f s compressing and writing, overlapping the steps\n",
                  writer.background_seconds());
    s << line;
  }
  if (vm.count("profile") != 0)
    print_profile(s, sim.phase_times(), output_s, checkpoint_s, seconds);
  std::cout << s.str();
  return EXIT_OK;
}

}  // namespace talentsim::cli
