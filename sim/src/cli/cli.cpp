#include "cli/cli.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <iostream>

#include "io/hdf5.hpp"
#include "talentsim/errors.hpp"
#include "talentsim/version.hpp"
#include "util/suggest.hpp"

namespace talentsim::cli {
namespace {

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      {"run", "[SCENARIO.toml] [options]", "Run a scenario (the embedded 2025 story by default).",
       cmd_run},
      {"validate", "[SCENARIO.toml] [options]", "Check a scenario and print what it describes.",
       cmd_validate},
      {"inspect", "FILE.h5", "Describe a run output or a collected sweep (sweep.h5).", cmd_inspect},
      {"export", "RUN.h5 -o DIR", "Write a run output as CSV files (for R, Stata, spreadsheets).",
       cmd_export},
      {"calibrate", "FILE.toml -o DIR", "Calibrate parameters to targets (Python toolkit).",
       cmd_calibrate},
      {"sweep plan", "SWEEP.toml -o DIR", "Expand a sweep into tasks and a Slurm array script.",
       cmd_sweep_plan},
      {"sweep run-local", "DIR [-j N]", "Run every missing task of a sweep on this machine.",
       cmd_sweep_run_local},
      {"sweep run-task", "DIR [--task-id I]", "Run one task (default: $SLURM_ARRAY_TASK_ID).",
       cmd_sweep_run_task},
      {"sweep status", "DIR", "Count done, running, failed and missing tasks.", cmd_sweep_status},
      {"sweep collect", "DIR", "Merge the tasks' outputs into DIR/sweep.h5.", cmd_sweep_collect},
  };
  return all;
}

void print_usage(std::ostream& out) {
  out << "talentsim " << version()
      << " - agent-based simulator of the market for AI researchers\n\n"
      << "Usage: talentsim <command> [options]\n\nCommands:\n";
  for (const Command& c : commands()) {
    std::string head = "  " + std::string(c.name);
    head.resize(20, ' ');
    out << head << c.summary << "\n";
  }
  out << "\nOptions:\n  --help, -h          Show this help\n"
      << "  --version           Show version and git commit\n\n"
      << "Run 'talentsim <command> --help' for the options of a command.\n"
      << "Exit status: 0 success, 2 bad input, 1 runtime or I/O failure, 130 interrupted.\n";
}

}  // namespace

bool parse_args(const Command& command, const std::vector<std::string>& args,
                po::options_description& options,
                const po::positional_options_description& positional, po::variables_map& vm) {
  options.add_options()("help,h", "Show this help");
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    if (vm.count("help") != 0) {
      print_help(command, options);
      return false;
    }
    po::notify(vm);
  } catch (const po::required_option& e) {
    // A missing positional argument is named as the usage names it (DIR),
    // not by the option behind it (--dir).
    std::string name = e.get_option_name();
    while (!name.empty() && name.front() == '-') name.erase(name.begin());
    for (unsigned i = 0; i < positional.max_total_count() && i < 16; ++i) {
      if (positional.name_for_position(i) == name) {
        std::string upper = name;
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        throw user_error("talentsim " + std::string(command.name) + ": missing argument " + upper +
                         " (usage: talentsim " + std::string(command.name) + " " +
                         std::string(command.usage) + ")");
      }
    }
    throw user_error("talentsim " + std::string(command.name) + ": " + e.what() +
                     " (see 'talentsim " + std::string(command.name) + " --help')");
  } catch (const po::error& e) {
    throw user_error("talentsim " + std::string(command.name) + ": " + e.what() +
                     " (see 'talentsim " + std::string(command.name) + " --help')");
  }
  return true;
}

void add_scenario_options(po::options_description& options,
                          po::positional_options_description& positional) {
  options.add_options()("scenario", po::value<std::string>(),
                        "Scenario file, also the first argument (default: the embedded 2025 "
                        "story scenario)")("set",
                                           po::value<std::vector<std::string>>()->composing(),
                                           "Override a key: key.path=value (repeatable)")(
      "steps", po::value<long>(), "Override run.steps")("seed", po::value<long>(),
                                                        "Override run.seed");
  positional.add("scenario", 1);
}

Scenario load_command_scenario(const po::variables_map& vm, const std::vector<Override>& extra) {
  std::vector<Override> overrides;
  if (vm.count("set") != 0) {
    for (const std::string& s : vm["set"].as<std::vector<std::string>>()) {
      overrides.push_back(parse_override(s));
    }
  }
  if (vm.count("steps") != 0)
    overrides.push_back({"run.steps", std::to_string(vm["steps"].as<long>())});
  if (vm.count("seed") != 0)
    overrides.push_back({"run.seed", std::to_string(vm["seed"].as<long>())});
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  Scenario scenario;
  if (vm.count("scenario") != 0) {
    scenario = load_scenario(vm["scenario"].as<std::string>(), overrides);
  } else {
    const EmbeddedScenario& e = default_scenario();
    scenario = load_scenario_text(e.text, "<embedded:" + std::string(e.name) + ">", overrides);
  }
  return scenario;
}

void print_notes(const Scenario& scenario) {
  for (const std::string& note : scenario.notes) std::cerr << "note: " << note << "\n";
}

void print_help(const Command& command, const po::options_description& options) {
  std::cout << "Usage: talentsim " << command.name << " " << command.usage << "\n\n"
            << command.summary << "\n\n"
            << options << "\n";
}

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  detail::h5::no_exit_handler();
  const int status = run_command(args);
  // HDF5 is shut down only after a clean run: after a failed write it may
  // hold a half-closed file that its shutdown crashes on, and the process
  // is ending anyway.
  if (status == EXIT_OK) detail::h5::shutdown();
  return status;
}

int run_command(const std::vector<std::string>& args) {
  try {
    if (args.empty()) {
      print_usage(std::cerr);
      return EXIT_BAD_INPUT;
    }
    const std::string& first = args.front();
    if (first == "--help" || first == "-h" || first == "help") {
      print_usage(std::cout);
      return EXIT_OK;
    }
    if (first == "--version" || first == "-V") {
      std::cout << "talentsim " << version() << " (commit " << git_commit() << ")\n";
      return EXIT_OK;
    }
    std::string name = first;
    std::size_t consumed = 1;
    if (first == "sweep") {
      if (args.size() < 2 || args[1].starts_with("-")) {
        if (args.size() >= 2 && (args[1] == "--help" || args[1] == "-h")) {
          std::cout << "Usage: talentsim sweep <plan|run-local|run-task|status|collect> ...\n\n";
          for (const Command& c : commands())
            if (c.name.starts_with("sweep "))
              std::cout << "  " << c.name << " " << c.usage << "\n      " << c.summary << "\n";
          return EXIT_OK;
        }
        throw user_error(
            "talentsim sweep: missing subcommand; allowed: plan, run-local, run-task, status, "
            "collect");
      }
      name += " " + args[1];
      consumed = 2;
    }
    std::vector<std::string_view> names;
    for (const Command& c : commands()) {
      names.push_back(c.name);
      if (c.name == name) {
        const int status = c.run(
            c, std::vector<std::string>(args.begin() + static_cast<long>(consumed), args.end()));
        // What a command printed must have reached its destination (a full
        // disk, a closed pipe): a result nobody can read is not a success.
        errno = 0;
        std::cout.flush();
        if (!std::cout) {
          throw io_error(std::string("cannot write to standard output") +
                         (errno != 0 ? std::string(": ") + std::strerror(errno) : ""));
        }
        return status;
      }
    }
    throw user_error("talentsim: unknown command '" + name + "'" +
                     detail::did_you_mean(name, names) + " (see 'talentsim --help')");
  } catch (const user_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return EXIT_BAD_INPUT;
  } catch (const io_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return EXIT_FAILURE_RUNTIME;
  } catch (const internal_error& e) {
    std::cerr << "internal error (a bug in talentsim, please report it): " << e.what() << "\n";
    return EXIT_FAILURE_RUNTIME;
  } catch (const std::bad_alloc&) {
    std::cerr << "error: out of memory\n";
    return EXIT_FAILURE_RUNTIME;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return EXIT_FAILURE_RUNTIME;
  }
}

}  // namespace talentsim::cli
