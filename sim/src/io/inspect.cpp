// Reading an output file back: the checks every reader makes first, and the
// human description printed by `talentsim inspect`.

#include <sys/stat.h>
#include <toml++/toml.h>

#include <cerrno>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <sstream>

#include "io/hdf5.hpp"
#include "io/verify.hpp"
#include "talentsim/errors.hpp"
#include "talentsim/output.hpp"
#include "talentsim/simulation.hpp"
#include "util/files.hpp"
#include "util/format.hpp"

namespace talentsim {
namespace {

namespace h5 = detail::h5;

h5::Handle open_checked(const std::string& path) {
  return detail::open_talentsim_file(path, OUTPUT_FORMAT, OUTPUT_SCHEMA_VERSION);
}

std::string describe(const std::string& path, hid_t root) {
  std::ostringstream s;
  const std::int64_t complete = h5::read_int_attribute(root, "complete");
  const std::int64_t steps = h5::read_int_attribute(root, "steps");
  const std::string scenario_text = h5::read_string_attribute(root, "scenario");
  std::string name = "?";
  try {
    const toml::table t = toml::parse(std::string_view(scenario_text));
    name = t["name"].value_or(std::string("?"));
  } catch (const toml::parse_error&) {
  }
  const auto rows = h5::dataset_shape(root, "metrics/talent_hhi").at(0);
  if (rows == 0) throw io_error("no steps recorded");
  const hsize_t last = rows - 1;
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);

  s << path << ": talentsim output, schema " << h5::read_int_attribute(root, "schema_version")
    << (complete == 1 ? ", complete" : ", INCOMPLETE (the run stopped early)") << "\n";
  s << "  written by   talentsim " << h5::read_string_attribute(root, "talentsim_version")
    << " (commit " << h5::read_string_attribute(root, "git_commit") << "), "
    << h5::read_string_attribute(root, "created") << "\n";
  s << "  scenario     " << name << ", seed " << h5::read_int_attribute(root, "seed") << ", "
    << steps << " steps (" << h5::read_int_attribute(root, "steps_per_year")
    << " a year); steps 0.." << last << " recorded\n";

  const auto firm_names = h5::read_strings(root, "firms/name");
  const std::size_t used = static_cast<std::size_t>(std::count_if(
      firm_names.begin(), firm_names.end(), [](const std::string& n) { return !n.empty(); }));
  const auto events = h5::dataset_shape(root, "events/step").at(0);
  const auto researchers = h5::dataset_shape(root, "researchers/skill").at(0);
  const auto snapshots = h5::dataset_shape(root, "researchers/snapshots/step").at(0);
  const auto countries = h5::dataset_shape(root, "countries/name").at(0);
  const std::uint64_t ties =
      h5::exists(root, "network/edges") ? h5::dataset_shape(root, "network/edges").at(0) : 0;
  char size[32];
  std::snprintf(size, sizeof size, "%.1f MB", static_cast<double>(bytes) / 1e6);
  s << "  size         " << size << ": " << detail::format_count(used) << " firms ("
    << detail::format_count(firm_names.size()) << " slots), " << countries << " countries, "
    << detail::format_count(researchers) << " researchers, " << detail::format_count(events)
    << " events, " << snapshots << " snapshots, " << detail::format_count(ties)
    << " network ties\n";

  const auto talent = h5::read_row<double>(root, "firms/series/talent", last);
  const auto headcount = h5::read_row<std::int32_t>(root, "firms/series/headcount", last);
  std::vector<std::size_t> order(talent.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return talent[a] > talent[b] || (talent[a] == talent[b] && a < b);
  });
  s << "  top firms by talent at step " << last << ":\n";
  for (std::size_t i = 0; i < std::min<std::size_t>(5, order.size()); ++i) {
    const std::size_t f = order[i];
    if (talent[f] <= 0) break;
    char line[160];
    std::snprintf(line, sizeof line, "    %zu. %-28s talent %10.1f  headcount %6d\n", i + 1,
                  firm_names[f].c_str(), talent[f], headcount[f]);
    s << line;
  }

  const auto value = h5::read_all<double>(root, "events/annual_value");
  const auto kind = h5::read_all<std::int8_t>(root, "events/kind");
  const auto from = h5::read_all<std::int32_t>(root, "events/from_firm");
  const auto to = h5::read_all<std::int32_t>(root, "events/to_firm");
  const auto step = h5::read_all<std::int32_t>(root, "events/step");
  std::vector<std::size_t> moves;
  for (std::size_t e = 0; e < kind.size(); ++e) {
    if (kind[e] == static_cast<std::int8_t>(EventKind::poach) ||
        kind[e] == static_cast<std::int8_t>(EventKind::hire)) {
      moves.push_back(e);
    }
  }
  std::partial_sort(moves.begin(),
                    moves.begin() + static_cast<long>(std::min<std::size_t>(5, moves.size())),
                    moves.end(), [&](std::size_t a, std::size_t b) {
                      return value[a] > value[b] || (value[a] == value[b] && a < b);
                    });
  const auto firm = [&](std::int32_t f) {
    return f >= 0 && static_cast<std::size_t>(f) < firm_names.size()
               ? firm_names[static_cast<std::size_t>(f)]
               : std::string("job seeking");
  };
  if (!moves.empty()) s << "  biggest moves:\n";
  for (std::size_t i = 0; i < std::min<std::size_t>(5, moves.size()); ++i) {
    const std::size_t e = moves[i];
    s << "    " << detail::format_money(value[e]) << "/yr  " << firm(from[e]) << " -> "
      << firm(to[e]) << "  step " << step[e] << "\n";
  }
  s << "  metrics      step 0 -> step " << last << "\n";
  for (const char* m :
       {"talent_hhi", "top1pct_share_top3", "pay_median", "pay_p99", "pay_max", "pay_gini"}) {
    const auto series = h5::read_all<double>(root, std::string("metrics/") + m);
    const bool usd = std::string(m).starts_with("pay_") && std::string(m) != "pay_gini";
    char line[160];
    if (usd) {
      std::snprintf(line, sizeof line, "    %-20s %12s -> %s\n", m,
                    detail::format_money(series.front()).c_str(),
                    detail::format_money(series[last]).c_str());
    } else {
      std::snprintf(line, sizeof line, "    %-20s %12.3f -> %.3f\n", m, series.front(),
                    series[last]);
    }
    s << line;
  }
  for (const char* m : {"moves", "retentions", "active_startups"}) {
    const auto series = h5::read_all<std::int64_t>(root, std::string("metrics/") + m);
    const std::int64_t total = std::accumulate(series.begin(), series.end(), std::int64_t{0});
    char line[160];
    if (std::string(m) == "active_startups") {
      std::snprintf(line, sizeof line, "    %-20s %12lld -> %lld\n", m,
                    static_cast<long long>(series.front()), static_cast<long long>(series[last]));
    } else {
      std::snprintf(line, sizeof line, "    %-20s %12s in all\n", m,
                    detail::format_count(static_cast<std::uint64_t>(total)).c_str());
    }
    s << line;
  }
  return s.str();
}

}  // namespace

void check_output_file(const std::string& path) {
  open_checked(path);
}

std::string describe_output(const std::string& path) {
  h5::Handle file = open_checked(path);
  try {
    // Nothing is reported from a file that does not hold together.
    detail::verify_run_file(file.id());
    return describe(path, file.id());
  } catch (const io_error& e) {
    throw user_error(path + ": damaged or truncated talentsim file (" + e.what() + ")");
  }
}

}  // namespace talentsim

namespace talentsim {

void check_output_target(const std::string& path, ExistingOutput policy,
                         const std::string& option) {
  namespace fs = std::filesystem;
  if (path.empty()) throw user_error(option + ": the output path is empty");
  if (path.back() == '/') {
    throw user_error(option + " " + path + ": names a directory; give a file name such as " + path +
                     "run.h5");
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      throw user_error(option + " " + path + ": " + detail::errno_text(errno));
    }
    return;  // free
  }
  if (S_ISDIR(st.st_mode)) {
    throw user_error(option + " " + path + ": is a directory; give a file name such as " + path +
                     "/run.h5");
  }
  if (!S_ISREG(st.st_mode)) {
    throw user_error(option + " " + path +
                     ": is not a regular file (a device, FIFO or socket); refusing to replace it");
  }
  bool talentsim = false, complete = false;
  try {
    h5::Handle file = open_checked(path);
    talentsim = true;
    complete = h5::read_int_attribute(file.id(), "complete") == 1;
  } catch (const std::exception&) {
  }
  if (!talentsim) {
    throw user_error(option + " " + path +
                     ": exists and is not a talentsim output; refusing to replace it (remove it "
                     "or choose another path)");
  }
  if (policy == ExistingOutput::replace) return;
  if (!complete && policy == ExistingOutput::replace_incomplete) return;
  throw user_error(option + " " + path + ": holds " +
                   (complete ? std::string("a finished talentsim run")
                             : std::string("an interrupted talentsim run (resume it with "
                                           "'talentsim run --resume " +
                                           path + ".ckpt')")) +
                   "; add --overwrite to replace it, or choose another path");
}

bool is_complete_output(const std::string& path) noexcept {
  try {
    detail::h5::Handle file = open_checked(path);
    return detail::h5::read_int_attribute(file.id(), "complete") == 1;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace talentsim
