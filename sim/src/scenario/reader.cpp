#include "scenario/reader.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "talentsim/errors.hpp"
#include "util/suggest.hpp"

namespace talentsim::detail {
namespace {

bool is_bare_key(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::string describe_type(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

void check_range(const toml::node& node, const std::string& file, const std::string& key,
                 double value, const Range& range) {
  if (!range.contains(value)) {
    fail_at(&node, file, key, "must be " + range.describe() + ", got " + format_number(value));
  }
}

}  // namespace

std::string format_number(double x) {
  std::ostringstream out;
  out.precision(10);
  out << x;
  return out.str();
}

std::string join_key(std::string_view prefix, std::string_view segment) {
  std::string out(prefix);
  if (!out.empty()) out.push_back('.');
  const bool bare = is_bare_key(segment);
  if (!bare) out.push_back('"');
  out.append(segment);
  if (!bare) out.push_back('"');
  return out;
}

void fail_at(const toml::node* node, const std::string& file, const std::string& key,
             const std::string& message) {
  std::uint32_t line = 0, column = 0;
  std::string where = file;
  if (node != nullptr) {
    const toml::source_region& src = node->source();
    line = src.begin.line;
    column = src.begin.column;
    if (src.path && !src.path->empty() && *src.path != "<schema default>") where = *src.path;
  }
  throw scenario_error(where, line, column, key, message);
}

double as_number(const toml::node& node, const std::string& file, const std::string& key) {
  double value = 0;
  if (const auto* i = node.as_integer()) {
    value = static_cast<double>(i->get());
  } else if (const auto* f = node.as_floating_point()) {
    value = f->get();
  } else {
    fail_at(&node, file, key, "expected a number, got " + describe_type(node));
  }
  if (!std::isfinite(value))
    fail_at(&node, file, key, "must be a finite number, got " + format_number(value));
  if (std::abs(value) > MAX_MAGNITUDE) {
    fail_at(&node, file, key,
            "must be at most 1e18 in magnitude (so that products of a few values stay finite), "
            "got " +
                format_number(value));
  }
  return value;
}

Distribution parse_dist(const toml::node& node, const std::string& file, const std::string& key,
                        const Range& support) {
  if (node.is_number()) {
    const double value = as_number(node, file, key);
    check_range(node, file, key, value, support);
    return Distribution::constant(value);
  }
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    fail_at(&node, file, key,
            "expected a number or a distribution table { dist = \"...\", ... }, got " +
                describe_type(node));
  }
  Reader r(*table, key, {"distribution"}, file);
  const std::string family = r.string("dist");
  const std::vector<std::string_view> families = {"constant",  "uniform", "normal",
                                                  "lognormal", "pareto",  "categorical"};
  std::vector<std::string_view> takes;
  if (family == "constant")
    takes = {"value"};
  else if (family == "uniform")
    takes = {"low", "high"};
  else if (family == "normal")
    takes = {"mean", "sd"};
  else if (family == "lognormal")
    takes = {"mu", "sigma", "tail_above", "tail_shape"};
  else if (family == "pareto")
    takes = {"scale", "shape"};
  else if (family == "categorical")
    takes = {"values", "shares"};
  else {
    r.fail("dist", "unknown distribution '" + family +
                       "'; allowed: constant, uniform, normal, lognormal, pareto, categorical" +
                       did_you_mean(family, families));
  }
  // Reject parameters of other families before reading, with what this one takes.
  for (const auto& [k, v] : *table) {
    const std::string_view name = k.str();
    if (name == "dist" || name == "min" || name == "max") continue;
    if (std::find(takes.begin(), takes.end(), name) != takes.end()) continue;
    if (find_key("distribution", name) != nullptr) {
      std::string list;
      for (auto t : takes) list += (list.empty() ? "" : ", ") + std::string(t);
      fail_at(&v, file, join_key(key, name),
              "'" + std::string(name) + "' does not apply to a " + family +
                  " distribution (it takes " + list + ", and optional min, max)");
    }
  }
  const auto require = [&](std::string_view k) {
    if (!r.has(k)) r.fail(k, "missing '" + std::string(k) + "' for a " + family + " distribution");
    return r.real(k);
  };

  Distribution::Family fam;
  if (family == "constant") {
    fam = Constant{require("value")};
  } else if (family == "uniform") {
    const double low = require("low"), high = require("high");
    if (!(high > low)) r.fail("high", "must be greater than low (" + format_number(low) + ")");
    fam = Uniform{low, high};
  } else if (family == "normal") {
    const double mean = require("mean"), sd = require("sd");
    fam = Normal{mean, sd};
  } else if (family == "lognormal") {
    const double mu = require("mu"), sigma = require("sigma");
    const double above = r.optional_real("tail_above").value_or(0.0);
    const double shape = r.optional_real("tail_shape").value_or(0.0);
    if ((above > 0) != (shape > 0)) {
      r.fail(above > 0 ? "tail_above" : "tail_shape",
             "a Pareto tail needs both tail_above and tail_shape");
    }
    fam = LogNormal{mu, sigma, above, shape};
  } else if (family == "pareto") {
    const double scale = require("scale"), shape = require("shape");
    fam = Pareto{scale, shape};
  } else {
    Categorical cat;
    const toml::node* shares = r.node("shares");
    const toml::node* values = r.node("values");
    if (shares == nullptr) r.fail("shares", "missing 'shares' for a categorical distribution");
    if (values == nullptr || !values->is_array() || !shares->is_array()) {
      fail_at(shares, file, join_key(key, "shares"),
              "a numeric categorical needs 'values' and 'shares' as arrays of equal length");
    }
    for (const auto& v : *values->as_array())
      cat.values.push_back(as_number(v, file, join_key(key, "values")));
    for (const auto& s : *shares->as_array())
      cat.shares.push_back(as_number(s, file, join_key(key, "shares")));
    if (cat.values.empty() || cat.values.size() != cat.shares.size()) {
      fail_at(shares, file, join_key(key, "shares"),
              "'values' and 'shares' must be non-empty arrays of equal length");
    }
    double total = 0;
    for (double s : cat.shares) {
      if (s < 0) fail_at(shares, file, join_key(key, "shares"), "shares must be >= 0");
      total += s;
    }
    if (std::abs(total - 1.0) > 1e-6) {
      fail_at(shares, file, join_key(key, "shares"),
              "shares must sum to 1, got " + format_number(total));
    }
    fam = std::move(cat);
  }
  const double lo = r.optional_real("min").value_or(-std::numeric_limits<double>::infinity());
  const double hi = r.optional_real("max").value_or(std::numeric_limits<double>::infinity());
  if (lo > hi) r.fail("max", "must be >= min (" + format_number(lo) + ")");
  r.finish();

  Distribution d(std::move(fam), lo, hi);
  // Draws that overflow (a Pareto shape of 0.001, a lognormal sigma of 700)
  // would turn sums and products into inf and NaN.
  const double reach_lo = d.reachable_low(), reach_hi = d.reachable_high();
  if (!(std::abs(reach_lo) <= MAX_MAGNITUDE) || !(std::abs(reach_hi) <= MAX_MAGNITUDE)) {
    fail_at(&node, file, key,
            "draws of this " + family + " reach " +
                format_number(std::abs(reach_hi) >= std::abs(reach_lo) ? reach_hi : reach_lo) +
                ", beyond 1e18 in magnitude; clamp it with min/max or change its parameters");
  }
  // Every draw must lie in the key's range; a lognormal without min is > 0.
  const bool open_zero = std::holds_alternative<LogNormal>(d.family()) && std::isinf(lo);
  const double low = d.support_low(), high = d.support_high();
  bool low_in = false;
  if (open_zero)
    low_in = support.lo <= 0;
  else if (std::isinf(low))
    low_in = std::isinf(support.lo);
  else
    low_in = support.contains(low);
  const bool high_ok = std::isinf(high) ? std::isinf(support.hi) : support.contains(high);
  if (!low_in || !high_ok) {
    fail_at(&node, file, key,
            "draws must be " + support.describe() + " but this " + family + " ranges over [" +
                format_number(low) + ", " + format_number(high) +
                "]; clamp it with min/max or change its parameters");
  }
  return d;
}

std::vector<double> parse_label_shares(const toml::node& node, const std::string& file,
                                       const std::string& key,
                                       const std::vector<std::string>& labels,
                                       std::string_view what) {
  std::vector<std::string_view> names(labels.begin(), labels.end());
  const auto index_of = [&](const toml::node& at, std::string_view label) -> std::size_t {
    const auto it = std::find(labels.begin(), labels.end(), label);
    if (it == labels.end()) {
      fail_at(&at, file, key,
              "unknown " + std::string(what) + " '" + std::string(label) + "'" +
                  did_you_mean(label, names));
    }
    return static_cast<std::size_t>(it - labels.begin());
  };
  std::vector<double> shares(labels.size(), 0.0);
  if (const auto* s = node.as_string()) {
    shares[index_of(node, s->get())] = 1.0;
    return shares;
  }
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    fail_at(&node, file, key,
            "expected a " + std::string(what) +
                " name or { dist = \"categorical\", shares = { ... } }, got " +
                describe_type(node));
  }
  Reader r(*table, key, {"distribution"}, file);
  const std::string family = r.string("dist");
  if (family != "categorical") {
    r.fail("dist", "must be \"categorical\" here (a share per " + std::string(what) + "), got \"" +
                       family + "\"");
  }
  const toml::node* shares_node = r.node("shares");
  if (shares_node == nullptr || !shares_node->is_table()) {
    fail_at(shares_node ? shares_node : &node, file, join_key(key, "shares"),
            "expected a table { <" + std::string(what) + "> = share, ... }");
  }
  r.finish();
  double total = 0;
  for (const auto& [k, v] : *shares_node->as_table()) {
    const std::string share_key = join_key(join_key(key, "shares"), k.str());
    const double share = as_number(v, file, share_key);
    if (share < 0 || share > 1)
      fail_at(&v, file, share_key, "must be in [0, 1], got " + format_number(share));
    shares[index_of(v, k.str())] = share;
    total += share;
  }
  if (std::abs(total - 1.0) > 1e-6) {
    fail_at(shares_node, file, join_key(key, "shares"),
            "shares must sum to 1, got " + format_number(total));
  }
  return shares;
}

Reader::Reader(const toml::table& table, std::string path, std::vector<std::string_view> patterns,
               std::string file, const Schema* schema)
    : table_(table),
      path_(std::move(path)),
      patterns_(std::move(patterns)),
      schema_(schema != nullptr ? schema : &scenario_schema()),
      file_(std::move(file)) {}

bool Reader::has(std::string_view key) const {
  return table_.contains(key);
}

const KeySpec& Reader::spec(std::string_view key) const {
  for (std::string_view p : patterns_) {
    if (const KeySpec* s = find_key(*schema_, p, key)) return *s;
  }
  throw internal_error("scenario loader reads key '" + std::string(key) +
                       "' that the schema does not list");
}

const toml::node* Reader::node(std::string_view key) {
  (void)spec(key);
  const toml::node* n = table_.get(key);
  if (n != nullptr) used_.emplace_back(key);
  return n;
}

const toml::node* Reader::node_or_default(std::string_view key) {
  const KeySpec& s = spec(key);
  if (const toml::node* n = node(key)) return n;
  if (s.required) {
    fail_node(&table_, key, "missing required key '" + std::string(key) + "'");
  }
  if (s.default_toml.empty()) return nullptr;
  const std::string text = "v = " + std::string(s.default_toml);
  defaults_.push_back(toml::parse(std::string_view(text), std::string_view("<schema default>")));
  return defaults_.back().get("v");
}

std::int64_t Reader::integer(std::string_view key) {
  const toml::node* n = node_or_default(key);
  if (n == nullptr) throw internal_error("no default for integer key " + std::string(key));
  const std::string k = key_path(key);
  std::int64_t value = 0;
  if (const auto* i = n->as_integer()) {
    value = i->get();
  } else if (const auto* f = n->as_floating_point()) {
    const double x = f->get();
    if (!std::isfinite(x) || x != std::floor(x) || std::abs(x) > 9.0e15) {
      fail_at(n, file_, k, "expected an integer, got " + format_number(x));
    }
    value = static_cast<std::int64_t>(x);
  } else {
    fail_at(n, file_, k, "expected an integer, got " + describe_type(*n));
  }
  check_range(*n, file_, k, static_cast<double>(value), spec(key).range);
  return value;
}

double Reader::real(std::string_view key) {
  const toml::node* n = node_or_default(key);
  if (n == nullptr) throw internal_error("no default for number key " + std::string(key));
  const double value = as_number(*n, file_, key_path(key));
  check_range(*n, file_, key_path(key), value, spec(key).range);
  return value;
}

std::optional<double> Reader::optional_real(std::string_view key) {
  if (!has(key)) {
    (void)spec(key);
    return std::nullopt;
  }
  return real(key);
}

bool Reader::boolean(std::string_view key) {
  const toml::node* n = node_or_default(key);
  if (n == nullptr) throw internal_error("no default for boolean key " + std::string(key));
  const auto* b = n->as_boolean();
  if (b == nullptr) {
    fail_at(n, file_, key_path(key), "expected true or false, got " + describe_type(*n));
  }
  return b->get();
}

std::string Reader::string(std::string_view key) {
  const toml::node* n = node_or_default(key);
  if (n == nullptr) return {};
  const auto* s = n->as_string();
  if (s == nullptr) fail_at(n, file_, key_path(key), "expected a string, got " + describe_type(*n));
  return s->get();
}

std::vector<std::string> Reader::string_list(std::string_view key) {
  const toml::node* n = node_or_default(key);
  std::vector<std::string> out;
  if (n == nullptr) return out;
  const auto* arr = n->as_array();
  if (arr == nullptr) {
    fail_at(n, file_, key_path(key), "expected an array of strings, got " + describe_type(*n));
  }
  for (const auto& item : *arr) {
    const auto* s = item.as_string();
    if (s == nullptr) {
      fail_at(&item, file_, key_path(key),
              "expected an array of strings, found " + describe_type(item));
    }
    out.push_back(s->get());
  }
  return out;
}

Distribution Reader::dist(std::string_view key) {
  const toml::node* n = node_or_default(key);
  if (n == nullptr) throw internal_error("no default for distribution key " + std::string(key));
  return parse_dist(*n, file_, key_path(key), spec(key).range);
}

const toml::table* Reader::subtable(std::string_view key) {
  const toml::node* n = node(key);
  if (n == nullptr) {
    if (spec(key).required)
      fail_node(&table_, key, "missing required table '" + std::string(key) + "'");
    return nullptr;
  }
  const auto* t = n->as_table();
  if (t == nullptr) fail_at(n, file_, key_path(key), "expected a table, got " + describe_type(*n));
  return t;
}

std::vector<const toml::table*> Reader::tables(std::string_view key) {
  std::vector<const toml::table*> out;
  const toml::node* n = node(key);
  if (n == nullptr) {
    if (spec(key).required) {
      fail_node(&table_, key, "missing required array of tables '" + std::string(key) + "'");
    }
    return out;
  }
  const auto* arr = n->as_array();
  if (arr == nullptr) {
    fail_at(n, file_, key_path(key),
            "expected an array of tables ([[" + std::string(key) + "]]), got " + describe_type(*n));
  }
  for (const auto& item : *arr) {
    const auto* t = item.as_table();
    if (t == nullptr) {
      fail_at(&item, file_, key_path(key), "expected tables, found " + describe_type(item));
    }
    out.push_back(t);
  }
  return out;
}

void Reader::fail(std::string_view key, const std::string& message) const {
  const toml::node* n = table_.get(key);
  fail_node(n != nullptr ? n : &table_, key, message);
}

void Reader::fail_node(const toml::node* node, std::string_view key,
                       const std::string& message) const {
  fail_at(node, file_, key.empty() ? path_ : key_path(key), message);
}

void Reader::finish() const {
  for (const auto& [k, v] : table_) {
    const std::string_view name = k.str();
    if (std::find(used_.begin(), used_.end(), name) != used_.end()) continue;
    std::vector<std::string_view> candidates;
    for (std::string_view p : patterns_) {
      for (std::string_view c : keys_of(*schema_, p)) candidates.push_back(c);
    }
    std::string where = path_.empty() ? "at the top level" : "in '" + path_ + "'";
    fail_at(&v, file_, key_path(name),
            "unknown key '" + std::string(name) + "' " + where + did_you_mean(name, candidates));
  }
}

}  // namespace talentsim::detail
