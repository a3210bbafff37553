// talentsim export: a run output as CSV files, for R, Stata and spreadsheets
// without Python (docs/cli.md). One file per table, long format, names
// resolved; numbers with 17 significant digits, so they read back exactly.

#include <hdf5.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli/cli.hpp"
#include "io/hdf5.hpp"
#include "io/verify.hpp"
#include "talentsim/errors.hpp"
#include "talentsim/version.hpp"
#include "util/files.hpp"

namespace talentsim::cli {
namespace {

namespace fs = std::filesystem;

// Names of the datasets directly under `group`, in name order.
std::vector<std::string> datasets_in(hid_t group) {
  H5G_info_t info;
  detail::h5::check(H5Gget_info(group, &info), "listing a group");
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t n =
        H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (n < 0) throw io_error("listing a group");
    std::string name(static_cast<std::size_t>(n), '\0');
    H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(),
                       static_cast<std::size_t>(n) + 1, H5P_DEFAULT);
    H5O_info_t obj;
    detail::h5::check(H5Oget_info_by_name2(group, name.c_str(), &obj, H5O_INFO_BASIC, H5P_DEFAULT),
                      "reading " + name);
    if (obj.type == H5O_TYPE_DATASET) names.push_back(name);
  }
  return names;
}

// A numeric column, kept as integers or reals as the file stores it.
struct Column {
  std::string name;
  bool integer = false;
  std::vector<std::int64_t> ints;
  std::vector<double> reals;
  std::size_t size() const { return integer ? ints.size() : reals.size(); }
  void put(std::ostream& out, std::size_t i) const {
    if (integer) {
      out << ints[i];
      return;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", reals[i]);
    out << buf;
  }
};

Column read_column(hid_t group, const std::string& name) {
  namespace h5 = detail::h5;
  Column c;
  c.name = name;
  {
    h5::Handle ds = h5::open_dataset(group, name);
    h5::Handle type(h5::check_id(H5Dget_type(ds.id()), "type of " + name), H5Tclose);
    c.integer = H5Tget_class(type.id()) == H5T_INTEGER;
  }
  if (c.integer) {
    c.ints = h5::read_all<std::int64_t>(group, name);
  } else {
    c.reals = h5::read_all<double>(group, name);
  }
  return c;
}

// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

std::string name_of(const std::vector<std::string>& names, std::int64_t i, const char* what) {
  if (i >= 0 && static_cast<std::size_t>(i) < names.size()) {
    return names[static_cast<std::size_t>(i)];
  }
  throw io_error(std::string("an index of ") + what + " is out of range");
}

// The datasets of `group` as one table: one row per step, or, when
// `labels` is given (datasets [rows, labels]), per step and label, with a
// column `label`; labels left empty (unused spin-out slots) are left out.
void table_csv(std::ostringstream& out, hid_t group, const std::string& label = "",
               const std::vector<std::string>& labels = {}) {
  std::vector<Column> cols;
  for (const std::string& name : datasets_in(group)) cols.push_back(read_column(group, name));
  out << "step" << (label.empty() ? "" : "," + label);
  for (const Column& c : cols) out << "," << field(c.name);
  out << "\n";
  const std::size_t width = label.empty() ? 1 : labels.size();
  if (cols.empty() || width == 0) return;
  const std::size_t rows = cols[0].size() / width;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t k = 0; k < width; ++k) {
      if (!label.empty() && labels[k].empty()) continue;
      out << r;
      if (!label.empty()) out << "," << field(labels[k]);
      for (const Column& c : cols) {
        out << ",";
        c.put(out, r * width + k);
      }
      out << "\n";
    }
  }
}

}  // namespace

int cmd_export(const Command& self, const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("file", po::value<std::string>()->required(),
                        "Run output to export, also the first argument")(
      "output,o", po::value<std::string>()->required(),
      "Directory for the CSV files (created; files already there are replaced)");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse_args(self, args, options, pos, vm)) return EXIT_OK;
  const std::string path = vm["file"].as<std::string>();
  const std::string dir = vm["output"].as<std::string>();
  namespace h5 = detail::h5;
  h5::Handle file = detail::open_talentsim_file(path, OUTPUT_FORMAT, OUTPUT_SCHEMA_VERSION);
  // Every dataset checked first: a damaged file is refused, not half exported.
  detail::verify_run_file(file.id());
  const hid_t root = file.id();
  const auto countries = h5::read_strings(root, "countries/name");
  const auto fields = h5::read_strings(root, "fields/name");
  const auto firms = h5::read_strings(root, "firms/name");
  const auto kinds = h5::read_strings(root, "firms/kind");

  std::vector<std::pair<std::string, std::string>> files;
  const auto table = [&](const char* group, const char* file, const std::string& label = "",
                         const std::vector<std::string>& labels = {}) {
    h5::Handle g = h5::open_group(root, group);
    std::ostringstream out;
    table_csv(out, g.id(), label, labels);
    files.emplace_back(file, out.str());
  };
  table("metrics", "metrics.csv");                                      // per step
  table("metrics/by_country", "by_country.csv", "country", countries);  // per step and country
  table("firms/series", "firms.csv", "firm", firms);                    // per step and firm
  {  // firm_table.csv: the static firm table
    const auto country = h5::read_all<std::int32_t>(root, "firms/country");
    std::ostringstream out;
    out << "firm,name,kind,country\n";
    for (std::size_t f = 0; f < firms.size(); ++f) {
      if (firms[f].empty()) continue;  // a spin-out slot never used
      out << f << "," << field(firms[f]) << "," << field(kinds[f]) << ","
          << field(name_of(countries, country[f], "/firms/country")) << "\n";
    }
    files.emplace_back("firm_table.csv", out.str());
  }
  if (h5::exists(root, "firms/exit_step")) {  // firm_exits.csv: one row per exit (schema 3)
    const auto step = h5::read_all<std::int32_t>(root, "firms/exit_step");
    const auto buyer = h5::read_all<std::int32_t>(root, "firms/exit_buyer");
    const auto reason = h5::read_all<std::int32_t>(root, "firms/exit_reason");
    const auto price = h5::read_all<double>(root, "firms/exit_price");
    const auto staff = h5::read_all<std::int32_t>(root, "firms/exit_staff");
    h5::Handle reason_ds = h5::open_dataset(root, "firms/exit_reason");
    const auto reasons = h5::read_strings_attribute(reason_ds.id(), "reason_names");
    std::vector<std::size_t> order;
    for (std::size_t f = 0; f < firms.size(); ++f) {
      if (step[f] >= 0) order.push_back(f);
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return step[a] < step[b]; });
    std::ostringstream out;
    out << "step,firm,name,kind,reason,outcome,buyer,price,staff\n";
    char buf[32];
    for (const std::size_t f : order) {
      std::snprintf(buf, sizeof buf, "%.17g", price[f]);
      out << step[f] << "," << f << "," << field(firms[f]) << "," << field(kinds[f]) << ","
          << field(name_of(reasons, reason[f], "/firms/exit_reason")) << ","
          << (buyer[f] >= 0 ? "acquisition" : "bankruptcy") << ","
          << (buyer[f] >= 0 ? field(name_of(firms, buyer[f], "/firms/exit_buyer")) : "") << ","
          << buf << "," << staff[f] << "\n";
    }
    files.emplace_back("firm_exits.csv", out.str());
  }
  {  // researchers.csv: the static researcher table
    const auto skill = h5::read_all<double>(root, "researchers/skill");
    const auto field_ix = h5::read_all<std::int32_t>(root, "researchers/field");
    const auto origin = h5::read_all<std::int32_t>(root, "researchers/origin");
    const auto entered = h5::read_all<std::int32_t>(root, "researchers/entered_step");
    std::ostringstream out;
    out << "researcher,skill,field,origin,entered_step\n";
    char buf[32];
    for (std::size_t r = 0; r < skill.size(); ++r) {
      std::snprintf(buf, sizeof buf, "%.17g", skill[r]);
      out << r << "," << buf << "," << field(name_of(fields, field_ix[r], "/researchers/field"))
          << "," << field(name_of(countries, origin[r], "/researchers/origin")) << "," << entered[r]
          << "\n";
    }
    files.emplace_back("researchers.csv", out.str());
  }
  {  // events.csv: one row per event, firm and kind names resolved
    h5::Handle ev = h5::open_group(root, "events");
    h5::Handle kind_ds = h5::open_dataset(ev.id(), "kind");
    const auto kind_names = h5::read_strings_attribute(kind_ds.id(), "kind_names");
    const Column step = read_column(ev.id(), "step"),
                 researcher = read_column(ev.id(), "researcher");
    const Column from = read_column(ev.id(), "from_firm"), to = read_column(ev.id(), "to_firm");
    const Column kind = read_column(ev.id(), "kind"), outreach = read_column(ev.id(), "outreach");
    const std::vector<Column> money = {
        read_column(ev.id(), "salary"), read_column(ev.id(), "signing"),
        read_column(ev.id(), "equity"), read_column(ev.id(), "annual_value")};
    const auto firm = [&](std::int64_t i) -> std::string {
      if (i == -1) return "job seeking";
      if (i == -2) return "";
      return name_of(firms, i, "/events firms");
    };
    std::ostringstream out;
    out << "step,researcher,from_firm,to_firm,kind,salary,signing,equity,annual_value,outreach\n";
    for (std::size_t e = 0; e < step.size(); ++e) {
      // As the Python reader: the side outside the market is empty (where a
      // graduate comes from, where a retiree or a taker of an outside job goes).
      const std::string k = name_of(kind_names, kind.ints[e], "/events/kind");
      out << step.ints[e] << "," << researcher.ints[e] << ","
          << (k == "graduate" ? "" : field(firm(from.ints[e]))) << ","
          << (k == "retirement" || k == "outside" ? "" : field(firm(to.ints[e]))) << ","
          << field(k);
      for (const Column& c : money) {
        out << ",";
        c.put(out, e);
      }
      out << "," << outreach.ints[e] << "\n";
    }
    files.emplace_back("events.csv", out.str());
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    throw user_error("talentsim export: cannot create the directory " + dir + ": " + ec.message());
  }
  for (const auto& [name, text] : files) {
    detail::replace_file((fs::path(dir) / name).string(), text);
    std::cout << (fs::path(dir) / name).string() << "\n";
  }
  return EXIT_OK;
}

}  // namespace talentsim::cli
