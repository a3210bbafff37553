// talentsim inspect: what is in an output file.

#include <iostream>

#include "cli/cli.hpp"
#include "talentsim/output.hpp"

namespace talentsim::cli {

int cmd_inspect(const Command& self, const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("file", po::value<std::string>()->required(), "Output file to describe");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse_args(self, args, options, pos, vm)) return EXIT_OK;
  std::cout << describe_output(vm["file"].as<std::string>());
  return EXIT_OK;
}

}  // namespace talentsim::cli
