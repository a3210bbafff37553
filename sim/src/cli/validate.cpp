// talentsim validate: load a scenario with every check, then say what it
// describes (or print it resolved, or print the key reference).

#include <iostream>
#include <sstream>

#include "cli/cli.hpp"
#include "scenario/schema.hpp"
#include "talentsim/errors.hpp"
#include "talentsim/scenario.hpp"
#include "util/format.hpp"

namespace talentsim::cli {
namespace {

void print_summary(const Scenario& s, std::ostream& out) {
  const std::int64_t employed = s.initial_employed();
  std::int64_t pinned = 0;
  for (const PinnedResearcher& p : s.pinned) pinned += p.count;
  out << s.source << ": valid\n"
      << "  scenario   " << s.name << (s.description.empty() ? "" : " - " + s.description) << "\n"
      << "  run        " << s.run.steps << " weekly steps, seed " << s.run.seed
      << (s.run.start_date.empty() ? "" : ", week 0 = " + s.run.start_date) << "\n"
      << "  world      " << s.fields.size() << " fields, " << s.countries.size() << " countries, "
      << detail::format_count(static_cast<std::int64_t>(s.firms.size())) << " firms ("
      << s.named_firms.size() << " named, " << s.firm_groups.size() << " groups)\n"
      << "  people     " << detail::format_count(s.population.count) << " researchers ("
      << detail::format_count(employed) << " employed, "
      << detail::format_count(s.population.count - employed) << " seeking), " << pinned
      << " pinned\n"
      << "  market     " << to_string(s.market.protocol) << ", up to " << s.market.auction_rounds
      << " rounds per step, " << s.timeline.size() << " timeline events\n"
      << "  output     " << s.output.path << " (snapshots every " << s.output.snapshot_every
      << " steps)\n";
}

}  // namespace

int cmd_validate(const Command& self, const std::vector<std::string>& args) {
  po::options_description options("Options");
  po::positional_options_description pos;
  add_scenario_options(options, pos);
  options.add_options()("print", "Print the resolved scenario as TOML (every key explicit)")(
      "schema", "Print the reference of every scenario key (Markdown) and exit")(
      "quiet,q", "Print nothing on success");
  po::variables_map vm;
  if (!parse_args(self, args, options, pos, vm)) return EXIT_OK;

  if (vm.count("schema") != 0) {
    std::cout << detail::schema_markdown();
    return EXIT_OK;
  }
  const Scenario scenario = load_command_scenario(vm, {});
  if (vm.count("quiet") == 0) print_notes(scenario);
  if (vm.count("print") != 0) {
    std::cout << to_toml(scenario);
  } else if (vm.count("quiet") == 0) {
    print_summary(scenario, std::cout);
  }
  return EXIT_OK;
}

}  // namespace talentsim::cli
