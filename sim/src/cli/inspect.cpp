// talentsim inspect: what is in a run output or a collected sweep.

#include <iostream>

#include "cli/cli.hpp"
#include "io/verify.hpp"
#include "sweep/sweep.hpp"
#include "talentsim/output.hpp"

namespace talentsim::cli {

int cmd_inspect(const Command& self, const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("file", po::value<std::string>()->required(),
                        "Run output or collected sweep (sweep.h5) to describe, also the first "
                        "argument");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse_args(self, args, options, pos, vm)) return EXIT_OK;
  const std::string path = vm["file"].as<std::string>();
  if (detail::hdf5_format_of(path) == SWEEP_FORMAT) {
    std::cout << detail::describe_sweep(path);
  } else {
    std::cout << describe_output(path);
  }
  return EXIT_OK;
}

}  // namespace talentsim::cli
