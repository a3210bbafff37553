// The sweep directory: plan.toml (the expanded sweep), base.toml, a readable
// manifest, and Slurm array scripts. Writing is idempotent.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "sweep/sweep.hpp"
#include "talentsim/errors.hpp"
#include "talentsim/version.hpp"
#include "util/files.hpp"
#include "util/toml_write.hpp"

namespace talentsim::detail {
namespace {

namespace fs = std::filesystem;

std::string padded(const char* prefix, std::size_t i, const char* suffix) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%06zu%s", prefix, i, suffix);
  return buf;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes only when the content differs, atomically.
void write_if_changed(const std::string& path, const std::string& text) {
  std::error_code ec;
  if (fs::exists(path, ec) && read_text(path) == text) return;
  replace_file(path, text);
}

toml::array strings(const std::vector<std::string>& v) {
  toml::array a;
  for (const auto& s : v) a.push_back(s);
  return a;
}

std::vector<std::string> strings_of(const toml::node* n) {
  std::vector<std::string> out;
  if (n != nullptr && n->is_array()) {
    for (const auto& x : *n->as_array()) {
      if (const auto* s = x.as_string()) out.push_back(s->get());
    }
  }
  return out;
}

std::string plan_toml(const SweepPlan& p) {
  toml::table t;
  t.insert("format_version", SWEEP_PLAN_FORMAT_VERSION);
  t.insert("name", p.name);
  t.insert("description", p.description);
  t.insert("base_dir", p.base_dir);
  toml::table fixed;
  for (const Override& o : p.fixed) fixed.insert(o.path, o.value);
  t.insert("fixed", std::move(fixed));
  toml::array seeds;
  for (auto s : p.seeds) seeds.push_back(static_cast<std::int64_t>(s));
  t.insert("seeds", std::move(seeds));
  toml::array dims;
  for (const SweepDim& d : p.dims) {
    toml::array values;
    for (const auto& row : d.values) values.push_back(strings(row));
    dims.push_back(
        toml::table{{"name", d.name}, {"paths", strings(d.paths)}, {"values", std::move(values)}});
  }
  t.insert("dims", std::move(dims));
  t.insert("collect", toml::table{{"metrics", strings(p.collect.metrics)},
                                  {"by_country", strings(p.collect.by_country)},
                                  {"final_only", p.collect.final_only}});
  const SlurmSpec& s = p.slurm;
  t.insert("slurm", toml::table{{"partition", s.partition},
                                {"time", s.time},
                                {"mem", s.mem},
                                {"account", s.account},
                                {"cpus_per_task", s.cpus_per_task},
                                {"throttle", s.throttle},
                                {"points_per_task", s.points_per_task},
                                {"max_array_size", s.max_array_size},
                                {"checkpoint_every", s.checkpoint_every},
                                {"extra", strings(s.extra)}});
  std::ostringstream out;
  out << "# Expanded sweep written by talentsim sweep plan; read by the other sweep commands.\n"
      << toml_document(t);
  return out.str();
}

// A manifest field: tabs, newlines and backslashes escaped as in
// PostgreSQL's text COPY format, so every row stays one line of N fields.
std::string tsv_field(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A literal path inside a Slurm filename pattern (%a, %j... are Slurm's).
std::string slurm_pattern(const std::string& path) {
  std::string out;
  for (char c : path) out += c == '%' ? std::string("%%") : std::string(1, c);
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::size_t SweepPlan::points() const noexcept {
  std::size_t n = seeds.size();
  for (const SweepDim& d : dims) n *= d.size();
  return n;
}

std::size_t SweepPlan::tasks() const noexcept {
  const auto per = static_cast<std::size_t>(slurm.points_per_task);
  return (points() + per - 1) / per;
}

std::vector<std::size_t> SweepPlan::coordinates(std::size_t p) const {
  // Row-major over (dims..., seed): the seed varies fastest.
  std::vector<std::size_t> c(dims.size() + 1);
  c.back() = p % seeds.size();
  p /= seeds.size();
  for (std::size_t i = dims.size(); i-- > 0;) {
    c[i] = p % dims[i].size();
    p /= dims[i].size();
  }
  return c;
}

std::uint64_t SweepPlan::seed_of(std::size_t p) const {
  return seeds[coordinates(p).back()];
}

std::vector<Override> SweepPlan::overrides_of(std::size_t p) const {
  const auto c = coordinates(p);
  std::vector<Override> o;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    for (std::size_t k = 0; k < dims[i].paths.size(); ++k) {
      o.push_back({dims[i].paths[k], dims[i].values[c[i]][k]});
    }
  }
  o.push_back({"run.seed", std::to_string(seeds[c.back()])});
  return o;
}

std::pair<std::size_t, std::size_t> SweepPlan::task_points(std::size_t t) const {
  const auto per = static_cast<std::size_t>(slurm.points_per_task);
  return {t * per, std::min(points(), (t + 1) * per)};
}

std::string SweepDir::sbatch(std::size_t part) const {
  return part == 0 ? root + "/sweep.sbatch"
                   : root + "/sweep_part" + std::to_string(part) + ".sbatch";
}
std::string SweepDir::run(std::size_t point) const {
  return root + padded("/runs/p", point, ".h5");
}
std::string SweepDir::failed(std::size_t task) const {
  return root + padded("/status/t", task, ".failed");
}
std::string SweepDir::running(std::size_t task) const {
  return root + padded("/status/t", task, ".running");
}
std::string SweepDir::log(std::size_t task) const {
  return root + padded("/logs/t", task, "");
}

std::string compress_ranges(const std::vector<std::size_t>& ids) {
  std::string out;
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(ids[i]);
    if (j > i) out += "-" + std::to_string(ids[j]);
    i = j + 1;
  }
  return out;
}

std::vector<std::string> write_plan(const SweepPlan& plan, const std::string& dir,
                                    const std::string& binary) {
  // The directory's path goes into the Slurm script's #SBATCH comments,
  // which a control character would end.
  if (dir.empty()) throw user_error("talentsim sweep plan: -o needs a directory");
  for (char c : dir) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '"' || c == '\\') {
      throw user_error("talentsim sweep plan: the directory " + toml_string(dir) +
                       " holds a control character, a double quote or a backslash (Slurm "
                       "cannot take them in #SBATCH paths); choose another name");
    }
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw io_error("cannot create " + dir + ": " + ec.message());
  const SweepDir d{fs::absolute(dir).lexically_normal().string()};
  const std::string text = plan_toml(plan);
  if (fs::exists(d.plan(), ec) && read_text(d.plan()) != text) {
    throw user_error(dir +
                     " holds a different sweep (plan.toml differs); plan into a new "
                     "directory or remove it");
  }
  for (const char* sub : {"/runs", "/status", "/logs"}) fs::create_directories(d.root + sub, ec);
  write_if_changed(d.base(), plan.base_text);
  write_if_changed(d.plan(), text);

  std::ostringstream manifest;
  manifest << "task\tpoint\tseed";
  for (const SweepDim& dim : plan.dims)
    for (const auto& p : dim.paths) manifest << "\t" << tsv_field(p);
  manifest << "\toutput\n";
  for (std::size_t t = 0; t < plan.tasks(); ++t) {
    const auto [first, last] = plan.task_points(t);
    for (std::size_t p = first; p < last; ++p) {
      manifest << t << "\t" << p << "\t" << plan.seed_of(p);
      const auto c = plan.coordinates(p);
      for (std::size_t i = 0; i < plan.dims.size(); ++i)
        for (const auto& v : plan.dims[i].values[c[i]]) manifest << "\t" << tsv_field(v);
      manifest << "\t" << tsv_field(d.run(p)) << "\n";
    }
  }
  write_if_changed(d.manifest(), manifest.str());

  // One array script per max_array_size tasks.
  std::vector<std::string> scripts;
  const SlurmSpec& s = plan.slurm;
  const auto max = static_cast<std::size_t>(s.max_array_size);
  for (std::size_t part = 0, offset = 0; offset < plan.tasks(); ++part, offset += max) {
    const std::size_t count = std::min(max, plan.tasks() - offset);
    std::ostringstream sh;
    sh << "#!/bin/bash\n"
       << "# Slurm array job for sweep '" << plan.name << "', tasks " << offset << ".."
       << offset + count - 1 << " (written by talentsim sweep plan).\n"
       << "# Resubmit only some tasks with: sbatch --array=<ids> " << d.sbatch(part) << "\n"
       << "#SBATCH --job-name=talentsim-" << plan.name << "\n"
       << "#SBATCH --array=0-" << count - 1;
    if (s.throttle > 0) sh << "%" << s.throttle;
    // Quoted for Slurm (a path with spaces), '%' doubled (Slurm's patterns).
    sh << "\n#SBATCH --output=\"" << slurm_pattern(d.root) << "/logs/t%a.out\"\n"
       << "#SBATCH --error=\"" << slurm_pattern(d.root) << "/logs/t%a.err\"\n"
       << "#SBATCH --time=" << s.time << "\n#SBATCH --mem=" << s.mem << "\n"
       << "#SBATCH --cpus-per-task=" << s.cpus_per_task << "\n";
    if (!s.partition.empty()) sh << "#SBATCH --partition=" << s.partition << "\n";
    if (!s.account.empty()) sh << "#SBATCH --account=" << s.account << "\n";
    for (const auto& line : s.extra) sh << line << "\n";
    sh << "set -euo pipefail\n"
       << "exec " << shell_quote(binary) << " sweep run-task " << shell_quote(d.root)
       << " --task-offset " << offset << "\n";
    write_if_changed(d.sbatch(part), sh.str());
    fs::permissions(d.sbatch(part),
                    fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                        fs::perms::others_read | fs::perms::others_exec,
                    ec);
    scripts.push_back(d.sbatch(part));
  }
  return scripts;
}

SweepPlan read_plan(const std::string& dir) {
  const SweepDir d{dir};
  std::error_code ec;
  if (!fs::exists(d.plan(), ec)) throw user_error(dir + ": not a sweep directory (no plan.toml)");
  toml::table t;
  try {
    t = toml::parse_file(d.plan());
  } catch (const toml::parse_error& e) {
    throw user_error(d.plan() + ": damaged plan (" + std::string(e.description()) + ")");
  }
  if (t["format_version"].value_or(std::int64_t{0}) != SWEEP_PLAN_FORMAT_VERSION) {
    throw user_error(d.plan() + ": written by another talentsim (plan format_version " +
                     std::to_string(t["format_version"].value_or(std::int64_t{0})) +
                     ", this build reads " + std::to_string(SWEEP_PLAN_FORMAT_VERSION) +
                     "); plan the sweep again");
  }
  SweepPlan p;
  p.name = t["name"].value_or(std::string());
  p.description = t["description"].value_or(std::string());
  p.base_dir = t["base_dir"].value_or(std::string("."));
  p.base_text = read_text(d.base());
  if (const auto* fixed = t["fixed"].as_table()) {
    for (const auto& [k, v] : *fixed) {
      p.fixed.push_back({std::string(k.str()), v.value_or(std::string())});
    }
  }
  if (const auto* seeds = t["seeds"].as_array()) {
    for (const auto& s : *seeds)
      p.seeds.push_back(static_cast<std::uint64_t>(s.value_or(std::int64_t{0})));
  }
  if (const auto* dims = t["dims"].as_array()) {
    for (const auto& node : *dims) {
      const auto* dt = node.as_table();
      if (dt == nullptr) continue;
      SweepDim dim;
      dim.name = (*dt)["name"].value_or(std::string());
      dim.paths = strings_of(dt->get("paths"));
      if (const auto* values = (*dt)["values"].as_array()) {
        for (const auto& row : *values) dim.values.push_back(strings_of(&row));
      }
      p.dims.push_back(std::move(dim));
    }
  }
  p.collect.metrics = strings_of(t.at_path("collect.metrics").node());
  p.collect.by_country = strings_of(t.at_path("collect.by_country").node());
  p.collect.final_only = t.at_path("collect.final_only").value_or(false);
  SlurmSpec& s = p.slurm;
  s.partition = t.at_path("slurm.partition").value_or(std::string());
  s.time = t.at_path("slurm.time").value_or(std::string("01:00:00"));
  s.mem = t.at_path("slurm.mem").value_or(std::string("2G"));
  s.account = t.at_path("slurm.account").value_or(std::string());
  s.cpus_per_task = t.at_path("slurm.cpus_per_task").value_or(std::int64_t{1});
  s.throttle = t.at_path("slurm.throttle").value_or(std::int64_t{0});
  s.points_per_task = t.at_path("slurm.points_per_task").value_or(std::int64_t{1});
  s.max_array_size = t.at_path("slurm.max_array_size").value_or(std::int64_t{1000});
  s.checkpoint_every = t.at_path("slurm.checkpoint_every").value_or(std::int64_t{0});
  s.extra = strings_of(t.at_path("slurm.extra").node());
  if (p.seeds.empty() || p.slurm.points_per_task < 1 || p.slurm.max_array_size < 1) {
    throw user_error(d.plan() + ": damaged plan");
  }
  for (const SweepDim& dim : p.dims) {
    if (dim.values.empty()) throw user_error(d.plan() + ": damaged plan (empty dimension)");
  }
  return p;
}

}  // namespace talentsim::detail
