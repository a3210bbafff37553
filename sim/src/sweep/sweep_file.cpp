// Reading a sweep file: dimensions (grid, zip, sample), seeds, what to
// collect and Slurm resources; every expanded point is checked with the
// scenario loader before anything runs.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <regex>
#include <sstream>

#include "random/rng.hpp"
#include "scenario/reader.hpp"
#include "sweep/sweep.hpp"
#include "talentsim/errors.hpp"
#include "util/toml_write.hpp"

namespace talentsim::detail {
namespace {

namespace fs = std::filesystem;

std::string number_text(double x) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  std::string s(buf, end);
  if (ec != std::errc()) s = std::to_string(x);
  return s;
}

// A TOML value as the text `--set` would take.
std::string value_text(const toml::node& v, const std::string& file, const std::string& key) {
  if (const auto* i = v.as_integer()) return std::to_string(i->get());
  if (const auto* f = v.as_floating_point()) {
    if (!std::isfinite(f->get())) fail_at(&v, file, key, "must be a finite number");
    return number_text(f->get());
  }
  if (const auto* b = v.as_boolean()) return b->get() ? "true" : "false";
  if (v.is_table()) {
    fail_at(&v, file, key, "a table value is not supported in a sweep; sweep its keys instead");
  }
  if (v.is_string() || v.is_array()) return toml_value(v);
  fail_at(&v, file, key, "expected a number, string or boolean");
}

// The first 16 dimensions of Joe and Kuo's Sobol direction numbers
// (new-joe-kuo-6.21201): degree s, coefficients a, initial m_1..m_s.
struct SobolDim {
  unsigned s, a;
  unsigned m[6];
};
constexpr SobolDim SOBOL[] = {
    {1, 0, {1}},
    {2, 1, {1, 3}},
    {3, 1, {1, 3, 1}},
    {3, 2, {1, 1, 1}},
    {4, 1, {1, 1, 3, 3}},
    {4, 4, {1, 3, 5, 13}},
    {5, 2, {1, 1, 5, 5, 17}},
    {5, 4, {1, 1, 5, 5, 5}},
    {5, 7, {1, 1, 7, 11, 19}},
    {5, 11, {1, 1, 5, 1, 1}},
    {5, 13, {1, 1, 1, 3, 11}},
    {5, 14, {1, 3, 5, 5, 31}},
    {6, 1, {1, 3, 3, 9, 7, 49}},
    {6, 13, {1, 1, 1, 15, 21, 21}},
    {6, 16, {1, 3, 1, 13, 27, 49}},
};
constexpr unsigned SOBOL_BITS = 32;

// Point i of a Sobol sequence in dimension j (0 = van der Corput), as a
// 32-bit integer; a digital shift (XOR) keeps its stratification.
std::uint32_t sobol(std::size_t i, std::size_t j) {
  std::uint32_t v[SOBOL_BITS];
  if (j == 0) {
    for (unsigned k = 0; k < SOBOL_BITS; ++k) v[k] = 1u << (31 - k);
  } else {
    const SobolDim& d = SOBOL[j - 1];
    for (unsigned k = 0; k < SOBOL_BITS; ++k) {
      if (k < d.s) {
        v[k] = d.m[k] << (31 - k);
      } else {
        v[k] = v[k - d.s] ^ (v[k - d.s] >> d.s);
        for (unsigned b = 1; b < d.s; ++b) {
          if ((d.a >> (d.s - 1 - b)) & 1u) v[k] ^= v[k - b];
        }
      }
    }
  }
  std::uint32_t x = 0;
  // Gray-code free form: XOR the direction numbers of the set bits of i.
  for (unsigned k = 0; k < SOBOL_BITS && (i >> k) != 0; ++k) {
    if ((i >> k) & 1u) x ^= v[k];
  }
  return x;
}

std::vector<std::vector<double>> design(const std::string& method, std::size_t n, std::size_t d,
                                        std::uint64_t seed) {
  std::vector<std::vector<double>> u(n, std::vector<double>(d));
  if (method == "latin_hypercube") {
    for (std::size_t j = 0; j < d; ++j) {
      CounterRng rng(seed, Stream::sweep, j);
      std::vector<std::size_t> perm(n);
      std::iota(perm.begin(), perm.end(), 0);
      for (std::size_t i = n; i > 1; --i) {
        const auto k = static_cast<std::size_t>(rng.uniform() * static_cast<double>(i));
        std::swap(perm[i - 1], perm[std::min(k, i - 1)]);
      }
      for (std::size_t i = 0; i < n; ++i) {
        u[i][j] = (static_cast<double>(perm[i]) + rng.uniform()) / static_cast<double>(n);
      }
    }
  } else {
    for (std::size_t j = 0; j < d; ++j) {
      CounterRng rng(seed, Stream::sweep, 1000 + j);
      const auto shift = static_cast<std::uint32_t>(rng() >> 32);
      for (std::size_t i = 0; i < n; ++i) {
        u[i][j] = static_cast<double>(sobol(i, j) ^ shift) * 0x1.0p-32;
      }
    }
  }
  return u;
}

std::vector<std::string> read_values(Reader& r, std::string_view key) {
  const toml::node* n = r.node(key);
  std::vector<std::string> out;
  if (n == nullptr) return out;
  const auto* arr = n->as_array();
  if (arr == nullptr) r.fail(key, "expected an array of values");
  for (const auto& v : *arr) out.push_back(value_text(v, r.file(), r.key_path(key)));
  return out;
}

// Where the base scenario comes from: a file, or a scenario compiled in.
struct BaseSource {
  std::string path;  //!< the file (empty for an embedded scenario)
  const EmbeddedScenario* embedded = nullptr;

  Scenario load(const std::vector<Override>& overrides, const std::string& base_dir) const {
    if (embedded != nullptr) {
      return load_scenario_text(embedded->text, "embedded:" + std::string(embedded->name),
                                overrides, base_dir);
    }
    return load_scenario(path, overrides);
  }
};

BaseSource find_base(const std::string& base, const std::string& sweep_file, Reader& r) {
  BaseSource b;
  if (base.starts_with("embedded:")) {
    const std::string name = base.substr(9);
    for (const EmbeddedScenario& e : embedded_scenarios()) {
      if (e.name == name) b.embedded = &e;
    }
    if (b.embedded == nullptr) r.fail("base", "no embedded scenario named '" + name + "'");
    return b;
  }
  fs::path path(base);
  if (path.is_relative()) path = fs::path(sweep_file).parent_path() / path;
  b.path = path.lexically_normal().string();
  return b;
}

// Fixed overrides ([set]): every leaf of the table, as `--set path=value`.
// A key is a key path as --set takes it, so `"run.steps" = 26` and
// `run.steps = 26` (a nested table) say the same.
void read_fixed(const toml::table& t, const std::string& prefix, const std::string& file,
                std::vector<std::pair<Override, const toml::node*>>& out) {
  for (const auto& [k, v] : t) {
    const std::string key =
        prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = v.as_table()) {
      read_fixed(*sub, key, file, out);
    } else {
      out.push_back({Override{key, value_text(v, file, "set." + key)}, &v});
    }
  }
}

bool safe_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

bool matches(std::string_view s, const std::regex& re) {
  return std::regex_match(s.begin(), s.end(), re);
}

// Slurm values reach a generated shell script: each must be what Slurm
// expects and nothing else (no newline can end the #SBATCH comment).
void check_slurm(const SlurmSpec& s, Reader& r) {
  static const std::regex time_re(R"((\d+-)?\d+(:\d+){0,2})");
  static const std::regex mem_re(R"(\d+([KMGT]B?)?)", std::regex::icase);
  static const std::regex list_re(R"([A-Za-z0-9_.,+-]*)");
  if (!matches(s.time, time_re)) {
    r.fail("time",
           "expected a Slurm time such as 01:00:00, 90 or 2-00:00:00, got " + toml_string(s.time));
  }
  if (!matches(s.mem, mem_re)) {
    r.fail("mem", "expected a Slurm memory size such as 2G or 500M, got " + toml_string(s.mem));
  }
  if (!matches(s.partition, list_re)) {
    r.fail("partition", "expected partition names (letters, digits, '_', '-', '.', ','), got " +
                            toml_string(s.partition));
  }
  if (!matches(s.account, list_re)) {
    r.fail("account", "expected an account name (letters, digits, '_', '-', '.'), got " +
                          toml_string(s.account));
  }
  for (const std::string& line : s.extra) {
    const bool control = std::any_of(line.begin(), line.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (control)
      r.fail("extra",
             "an extra line must not hold control characters (a newline would "
             "end the #SBATCH comment): " +
                 toml_string(line));
    if (!line.starts_with("#SBATCH ")) {
      r.fail("extra", "each extra line must start with '#SBATCH ', got " + toml_string(line));
    }
  }
}

}  // namespace

std::size_t checked_points(const std::vector<std::size_t>& sizes) {
  std::size_t n = 1;
  for (std::size_t k : sizes) {
    if (k != 0 && n > MAX_SWEEP_POINTS / k) return MAX_SWEEP_POINTS + 1;
    n *= k;
  }
  return n;
}

namespace {}  // namespace

SweepPlan load_sweep_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw scenario_error(path, 0, 0, "", "cannot open sweep file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  toml::table doc;
  try {
    doc = toml::parse(std::string_view(buffer.str()), std::string_view(path));
  } catch (const toml::parse_error& e) {
    throw scenario_error(path, e.source().begin.line, e.source().begin.column, "",
                         "TOML syntax error: " + std::string(e.description()));
  }
  const Schema* schema = &sweep_schema();
  Reader root(doc, "", {""}, path, schema);
  SweepPlan plan;
  (void)root.integer("format_version");
  plan.name = root.string("name");
  plan.description = root.string("description");
  if (!safe_name(plan.name)) {
    root.fail("name", "must be letters, digits, '_', '-' or '.' (it names the Slurm job), got " +
                          toml_string(plan.name));
  }
  const BaseSource base = find_base(root.string("base"), path, root);
  const std::string sweep_dir = fs::path(path).parent_path().string();
  plan.base_dir = fs::absolute(sweep_dir.empty() ? fs::path(".") : fs::path(sweep_dir))
                      .lexically_normal()
                      .string();

  // Fixed overrides, applied to every point: folded into the base.
  std::vector<std::pair<Override, const toml::node*>> fixed;
  if (const toml::table* set = root.subtable("set")) read_fixed(*set, "", path, fixed);
  for (const auto& [o, node] : fixed) plan.fixed.push_back(o);
  try {
    const Scenario resolved = base.load(plan.fixed, plan.base_dir);
    // Layered, so that a point's override of a defaults key reaches every
    // firm that inherits it (test RoundTrip.ADefaultsOverride...).
    plan.base_text = to_toml(resolved, TomlForm::layered);
    plan.notes = resolved.notes;
  } catch (const scenario_error& e) {
    for (const auto& [o, node] : fixed) {
      if (e.file() == "--set " + o.path + "=" + o.value) {
        fail_at(node, path, "set." + o.path,
                (e.key().empty() || e.key() == o.path ? "" : e.key() + ": ") + e.message());
      }
    }
    root.fail("base", std::string("the base scenario is invalid: ") + e.what());
  }
  // Seeds: explicit list, or `replicates` consecutive seeds from `seed`.
  const std::int64_t replicates = root.integer("replicates");
  const std::int64_t seed = root.integer("seed");
  if (const toml::node* seeds = root.node("seeds")) {
    const auto* arr = seeds->as_array();
    if (arr == nullptr || arr->empty())
      root.fail("seeds", "expected a non-empty array of integers");
    for (const auto& s : *arr) {
      if (!s.is_integer() || s.as_integer()->get() < 0) {
        fail_at(&s, path, "seeds", "seeds must be integers >= 0");
      }
      const auto seed_value = static_cast<std::uint64_t>(s.as_integer()->get());
      if (std::find(plan.seeds.begin(), plan.seeds.end(), seed_value) != plan.seeds.end()) {
        fail_at(&s, path, "seeds",
                "seed " + std::to_string(seed_value) +
                    " is listed twice (a replicate with the same seed is the same run)");
      }
      plan.seeds.push_back(seed_value);
    }
  } else {
    for (std::int64_t k = 0; k < replicates; ++k)
      plan.seeds.push_back(static_cast<std::uint64_t>(seed + k));
  }

  // Where each override path came from, for messages.
  std::vector<std::pair<std::string, const toml::node*>> origin;
  const auto tables = root.tables("parameters");
  for (std::size_t i = 0; i < tables.size(); ++i) {
    Reader r(*tables[i], join_key("parameters", std::to_string(i)), {"parameters[]"}, path, schema);
    SweepDim dim;
    dim.name = r.string("path");
    dim.paths = {dim.name};
    std::vector<std::string> values = read_values(r, "values");
    if (const toml::table* range = r.subtable("range")) {
      if (r.has("values")) r.fail("range", "give either 'values' or 'range', not both");
      const auto num = [&](const char* k) -> std::optional<double> {
        const toml::node* n = range->get(k);
        if (n == nullptr) return std::nullopt;
        return as_number(*n, path, join_key(r.key_path("range"), k));
      };
      for (const auto& [k, v] : *range) {
        const std::string_view name = k.str();
        if (name != "start" && name != "stop" && name != "num" && name != "step") {
          fail_at(&v, path, join_key(r.key_path("range"), name),
                  "unknown key; a range takes start, stop and num or step");
        }
      }
      const auto start = num("start"), stop = num("stop"), n = num("num"), step = num("step");
      if (!start || !stop || (!n == !step)) {
        r.fail("range", "a range needs start, stop and exactly one of num or step");
      }
      if (n) {
        if (*n < 1 || *n != std::floor(*n) || *n > 1e6)
          r.fail("range", "num must be a whole number 1..1e6");
        for (int k = 0; k < static_cast<int>(*n); ++k) {
          values.push_back(
              number_text(*n == 1 ? *start : *start + (*stop - *start) * k / (*n - 1)));
        }
      } else {
        if (!(*step > 0) || !(*stop >= *start)) r.fail("range", "need step > 0 and stop >= start");
        if ((*stop - *start) / *step > 1e6) r.fail("range", "more than a million values");
        for (double x = *start; x <= *stop + 1e-12 * std::abs(*step); x += *step) {
          values.push_back(number_text(x));
        }
      }
    }
    if (values.empty())
      r.fail(r.has("values") ? "values" : "path", "this dimension has no values (an empty grid)");
    for (const std::string& v : values) dim.values.push_back({v});
    origin.emplace_back(dim.name, tables[i]->get("path"));
    r.finish();
    plan.dims.push_back(std::move(dim));
  }
  const auto zips = root.tables("zip");
  for (std::size_t i = 0; i < zips.size(); ++i) {
    Reader r(*zips[i], join_key("zip", std::to_string(i)), {"zip[]"}, path, schema);
    SweepDim dim;
    dim.name = r.has("name") ? r.string("name") : "zip" + std::to_string(i);
    dim.paths = r.string_list("paths");
    if (dim.paths.empty()) r.fail("paths", "needs at least one key path");
    const toml::node* values = r.node("values");
    const auto* arr = values != nullptr ? values->as_array() : nullptr;
    if (arr == nullptr || arr->empty()) r.fail("values", "expected a non-empty array of arrays");
    for (const auto& row : *arr) {
      const auto* items = row.as_array();
      if (items == nullptr || items->size() != dim.paths.size()) {
        fail_at(&row, path, r.key_path("values"),
                "each entry must be an array of " + std::to_string(dim.paths.size()) +
                    " values, one per path");
      }
      std::vector<std::string> point;
      for (const auto& v : *items) point.push_back(value_text(v, path, r.key_path("values")));
      dim.values.push_back(std::move(point));
    }
    for (const auto& p : dim.paths) origin.emplace_back(p, zips[i]->get("paths"));
    r.finish();
    plan.dims.push_back(std::move(dim));
  }
  if (const toml::table* sample = root.subtable("sample")) {
    Reader r(*sample, "sample", {"sample"}, path, schema);
    const std::string method = r.string("method");
    if (method != "latin_hypercube" && method != "sobol") {
      r.fail("method", "unknown method '" + method + "'; allowed: latin_hypercube, sobol");
    }
    const auto n = static_cast<std::size_t>(r.integer("points"));
    const auto sample_seed = static_cast<std::uint64_t>(r.integer("seed"));
    struct Bound {
      std::string path;
      double low, high;
      bool integer;
    };
    std::vector<Bound> bounds;
    const auto params = r.tables("parameters");
    if (params.empty()) r.fail("parameters", "a sample needs at least one parameter");
    if (method == "sobol" && params.size() > std::size(SOBOL) + 1) {
      r.fail("parameters", "sobol supports at most " + std::to_string(std::size(SOBOL) + 1) +
                               " parameters; use latin_hypercube");
    }
    for (std::size_t j = 0; j < params.size(); ++j) {
      Reader q(*params[j], join_key("sample.parameters", std::to_string(j)),
               {"sample.parameters[]"}, path, schema);
      Bound b{q.string("path"), q.real("low"), q.real("high"), q.boolean("integer")};
      if (!(b.high > b.low)) q.fail("high", "must be greater than low");
      origin.emplace_back(b.path, params[j]->get("path"));
      q.finish();
      bounds.push_back(b);
    }
    r.finish();
    SweepDim dim;
    dim.name = "sample";
    for (const Bound& b : bounds) dim.paths.push_back(b.path);
    for (const auto& u : design(method, n, bounds.size(), sample_seed)) {
      std::vector<std::string> point;
      for (std::size_t j = 0; j < bounds.size(); ++j) {
        double x = bounds[j].low + (bounds[j].high - bounds[j].low) * u[j];
        if (bounds[j].integer)
          point.push_back(std::to_string(std::llround(x)));
        else
          point.push_back(number_text(x));
      }
      dim.values.push_back(std::move(point));
    }
    plan.dims.push_back(std::move(dim));
  }

  const toml::table* collect = root.subtable("collect");
  {
    const toml::table empty;
    Reader r(collect ? *collect : empty, "collect", {"collect"}, path, schema);
    if (r.has("metrics")) plan.collect.metrics = r.string_list("metrics");
    if (r.has("by_country")) plan.collect.by_country = r.string_list("by_country");
    plan.collect.final_only = r.boolean("final_only");
    r.finish();
  }
  const toml::table* slurm = root.subtable("slurm");
  {
    const toml::table empty;
    Reader r(slurm ? *slurm : empty, "slurm", {"slurm"}, path, schema);
    SlurmSpec& s = plan.slurm;
    s.partition = r.string("partition");
    s.time = r.string("time");
    s.mem = r.string("mem");
    s.cpus_per_task = r.integer("cpus_per_task");
    s.account = r.string("account");
    s.throttle = r.integer("throttle");
    s.points_per_task = r.integer("points_per_task");
    s.max_array_size = r.integer("max_array_size");
    s.checkpoint_every = r.integer("checkpoint_every");
    s.extra = r.string_list("extra");
    check_slurm(s, r);
    r.finish();
  }
  root.finish();

  // Names of dimensions must be unique and not those collect adds (they
  // become dataset dimensions); a key is varied by one dimension at most.
  for (std::size_t i = 0; i < plan.dims.size(); ++i) {
    const std::string& name = plan.dims[i].name;
    if (name == "seed" || name == "step" || name == "country") {
      root.fail("", "a dimension cannot be named '" + name +
                        "' (sweep collect adds the seed, step and country dimensions)");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (name == plan.dims[j].name) root.fail("", "two dimensions are named '" + name + "'");
    }
  }
  {
    std::vector<std::pair<std::string, const toml::node*>> seen;
    for (const auto& [key, node] : origin) {
      for (const auto& [other, first] : seen) {
        if (other == key) {
          fail_at(node, path, "",
                  "the key " + key + " is varied twice (here and at line " +
                      std::to_string(first != nullptr ? first->source().begin.line : 0) +
                      "); one dimension per key");
        }
      }
      for (const auto& [o, fixed_node] : fixed) {
        if (o.path == key) {
          fail_at(node, path, "",
                  "the key " + key + " is both varied and fixed in [set] (line " +
                      std::to_string(fixed_node->source().begin.line) + ")");
        }
      }
      seen.emplace_back(key, node);
    }
  }
  {
    std::vector<std::size_t> sizes{plan.seeds.size()};
    for (const SweepDim& d : plan.dims) sizes.push_back(d.size());
    const std::size_t n = checked_points(sizes);
    if (n > MAX_SWEEP_POINTS) {
      std::string shape;
      for (const SweepDim& d : plan.dims) shape += std::to_string(d.size()) + " x ";
      root.fail("", "the sweep has more than " + std::to_string(MAX_SWEEP_POINTS) + " points (" +
                        shape + std::to_string(plan.seeds.size()) +
                        " seeds); split it into several sweeps");
    }
  }

  // Every point through the scenario loader, before anything runs. A
  // mistake is reported where the user can see it: at the sweep key that
  // set the value, else in the user's own base file (not the resolved copy).
  for (std::size_t p = 0; p < plan.points(); ++p) {
    try {
      (void)load_scenario_text(plan.base_text, "base scenario", plan.overrides_of(p),
                               plan.base_dir);
    } catch (const scenario_error& e) {
      std::string values;
      for (const Override& o : plan.overrides_of(p)) {
        if (o.path != "run.seed") values += (values.empty() ? "" : ", ") + o.path + " = " + o.value;
      }
      const std::string point = "point " + std::to_string(p) + " (" + values + ")";
      for (const auto& [key, node] : origin) {
        if (e.file().find("--set " + key + "=") == 0 || e.key() == key) {
          fail_at(node, path, "",
                  point + ": " + e.key() + (e.key().empty() ? "" : ": ") + e.message());
        }
      }
      std::vector<Override> all = plan.fixed;
      for (const Override& o : plan.overrides_of(p)) all.push_back(o);
      try {
        (void)base.load(all, plan.base_dir);
      } catch (const scenario_error& in_base) {
        throw scenario_error(path, 0, 0, "", point + ": " + in_base.what());
      }
      throw scenario_error(path, 0, 0, "",
                           point + ": " + (e.key().empty() ? "" : e.key() + ": ") + e.message());
    }
  }
  return plan;
}

}  // namespace talentsim::detail
