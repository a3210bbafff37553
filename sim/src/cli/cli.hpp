#pragma once
// The talentsim command line: a dispatcher over subcommands, each with its own
// Boost.Program_Options description and --help.

#include <boost/program_options.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "talentsim/scenario.hpp"

namespace talentsim::cli {

namespace po = boost::program_options;

//! Exit statuses (INTERFACES.md).
inline constexpr int EXIT_OK = 0;
inline constexpr int EXIT_FAILURE_RUNTIME = 1;
inline constexpr int EXIT_BAD_INPUT = 2;
inline constexpr int EXIT_INTERRUPTED = 130;

struct Command {
  std::string_view name;     //!< e.g. "validate" or "sweep plan"
  std::string_view usage;    //!< arguments after the name
  std::string_view summary;  //!< one line for the command list
  int (*run)(const Command& self, const std::vector<std::string>& args);
};

//! Parses `args` with `options` (plus --help) and `positional`. Returns false
//! when --help was given (help printed). Throws user_error on bad options.
bool parse_args(const Command& command, const std::vector<std::string>& args,
                po::options_description& options,
                const po::positional_options_description& positional, po::variables_map& vm);

//! Adds the scenario options that `run` and `validate` share: the positional
//! SCENARIO (alias --scenario), --set, --steps and --seed.
void add_scenario_options(po::options_description& options,
                          po::positional_options_description& positional);

//! Loads the scenario named on the command line (or the embedded default)
//! with its overrides (--set in order, then --steps and --seed, then
//! `extra`).
Scenario load_command_scenario(const po::variables_map& vm, const std::vector<Override>& extra);

//! Prints the loader's notes to stderr ("note: ..."), once the command is
//! past its checks (an error stays the one line on stderr).
void print_notes(const Scenario& scenario);

//! Prints the help of one command.
void print_help(const Command& command, const po::options_description& options);

//! Commands, defined in their own files.
int cmd_validate(const Command& self, const std::vector<std::string>& args);
int cmd_run(const Command& self, const std::vector<std::string>& args);
int cmd_inspect(const Command& self, const std::vector<std::string>& args);
int cmd_export(const Command& self, const std::vector<std::string>& args);
int cmd_calibrate(const Command& self, const std::vector<std::string>& args);
int cmd_sweep_plan(const Command& self, const std::vector<std::string>& args);
int cmd_sweep_run_local(const Command& self, const std::vector<std::string>& args);
int cmd_sweep_run_task(const Command& self, const std::vector<std::string>& args);
int cmd_sweep_status(const Command& self, const std::vector<std::string>& args);
int cmd_sweep_collect(const Command& self, const std::vector<std::string>& args);

//! Entry point of the executable: returns the exit status; never throws.
int main(int argc, char** argv);
//! Runs one command line (without the program name): the exit status,
//! with every error turned into one line on stderr.
int run_command(const std::vector<std::string>& args);

}  // namespace talentsim::cli
