// Commands whose options are fixed by INTERFACES.md but whose implementation
// has not landed yet: they parse their options (so --help documents them and
// mistakes are caught) and then say plainly that they are not available.

#include <iostream>

#include "cli/cli.hpp"
#include "talentsim/errors.hpp"

namespace talentsim::cli {
namespace {

int not_available(const Command& self) {
  throw io_error("talentsim " + std::string(self.name) +
                 " is not implemented in this version yet; 'talentsim validate' is");
}

int parse_then_refuse(const Command& self, const std::vector<std::string>& args,
                      po::options_description& options, po::positional_options_description& pos) {
  po::variables_map vm;
  if (!parse_args(self, args, options, pos, vm)) return EXIT_OK;
  return not_available(self);
}

}  // namespace

int cmd_sweep_plan(const Command& self, const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("sweep", po::value<std::string>()->required(), "Sweep file")(
      "output,o", po::value<std::string>()->required(), "Sweep directory to create");
  po::positional_options_description pos;
  pos.add("sweep", 1);
  return parse_then_refuse(self, args, options, pos);
}

int cmd_sweep_run_local(const Command& self, const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("dir", po::value<std::string>()->required(), "Sweep directory")(
      "jobs,j", po::value<int>(), "Concurrent runs (default: number of cores)");
  po::positional_options_description pos;
  pos.add("dir", 1);
  return parse_then_refuse(self, args, options, pos);
}

int cmd_sweep_run_task(const Command& self, const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("dir", po::value<std::string>()->required(), "Sweep directory")(
      "task-id", po::value<long>(), "Task index (default: $SLURM_ARRAY_TASK_ID)");
  po::positional_options_description pos;
  pos.add("dir", 1);
  return parse_then_refuse(self, args, options, pos);
}

int cmd_sweep_status(const Command& self, const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("dir", po::value<std::string>()->required(), "Sweep directory");
  po::positional_options_description pos;
  pos.add("dir", 1);
  return parse_then_refuse(self, args, options, pos);
}

int cmd_sweep_collect(const Command& self, const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("dir", po::value<std::string>()->required(), "Sweep directory");
  po::positional_options_description pos;
  pos.add("dir", 1);
  return parse_then_refuse(self, args, options, pos);
}

}  // namespace talentsim::cli
