// Reading a sweep file: dimensions (grid, zip, sample), seeds, what to
// collect and Slurm resources; every expanded point is checked with the
// scenario loader before anything runs.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "random/rng.hpp"
#include "scenario/reader.hpp"
#include "sweep/sweep.hpp"
#include "talentsim/errors.hpp"

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
  if (v.is_string() || v.is_table() || v.is_array()) {
    toml::table t;
    t.insert("v", v);
    std::ostringstream out;
    out << toml::toml_formatter{t, toml::toml_formatter::default_flags &
                                       ~toml::format_flags::allow_literal_strings &
                                       ~toml::format_flags::indentation};
    std::string s = out.str();
    const auto eq = s.find("= ");
    s = eq == std::string::npos ? s : s.substr(eq + 2);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    if (v.is_table()) {
      fail_at(&v, file, key, "a table value is not supported in a sweep; sweep its keys instead");
    }
    return s;
  }
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

// The base scenario, resolved (every key explicit, relative paths made
// absolute), so the sweep directory is self-contained.
std::string read_base(const std::string& base, const std::string& sweep_file, Reader& r) {
  try {
    if (base.starts_with("embedded:")) {
      const std::string name = base.substr(9);
      for (const EmbeddedScenario& e : embedded_scenarios()) {
        if (e.name == name) return to_toml(load_scenario_text(e.text, base));
      }
      r.fail("base", "no embedded scenario named '" + name + "'");
    }
    fs::path path(base);
    if (path.is_relative()) path = fs::path(sweep_file).parent_path() / path;
    return to_toml(load_scenario(path.lexically_normal().string()));
  } catch (const scenario_error& e) {
    if (e.key() == "base") throw;
    r.fail("base", std::string("the base scenario is invalid: ") + e.what());
  }
}

}  // namespace

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
  const std::string base = root.string("base");
  plan.base_text = read_base(base, path, root);
  plan.base_dir = fs::absolute(fs::path(path).parent_path()).lexically_normal().string();

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
      plan.seeds.push_back(static_cast<std::uint64_t>(s.as_integer()->get()));
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
    for (const std::string& line : s.extra) {
      if (!line.starts_with("#SBATCH")) r.fail("extra", "each extra line must start with #SBATCH");
    }
    r.finish();
  }
  root.finish();

  // Names of dimensions must be unique (they become dataset dimensions).
  for (std::size_t i = 0; i < plan.dims.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (plan.dims[i].name == plan.dims[j].name) {
        root.fail("", "two dimensions are named '" + plan.dims[i].name + "'");
      }
    }
  }

  // Every point through the scenario loader, before anything runs.
  for (std::size_t p = 0; p < plan.points(); ++p) {
    try {
      (void)load_scenario_text(plan.base_text, "base scenario", plan.overrides_of(p),
                               plan.base_dir);
    } catch (const scenario_error& e) {
      for (const auto& [key, node] : origin) {
        if (e.file().find("--set " + key + "=") == 0 || e.key() == key) {
          fail_at(node, path, "",
                  "point " + std::to_string(p) + " (" + e.file() + "): " + e.key() +
                      (e.key().empty() ? "" : ": ") + e.message());
        }
      }
      throw scenario_error(path, 0, 0, "", "point " + std::to_string(p) + ": " + e.what());
    }
  }
  return plan;
}

}  // namespace talentsim::detail
