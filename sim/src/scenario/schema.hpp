#pragma once
// The scenario schema: every key the loader accepts, with its type, unit,
// default, range and meaning. It is the single source of truth: the loader
// takes defaults and ranges from it, unknown-key errors suggest from it, and
// the key reference in docs/scenarios.md is generated from it.

#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace talentsim::detail {

enum class KeyType {
  integer,
  real,
  boolean,
  string,
  string_list,
  dist,        // number or distribution table
  label_dist,  // a label (string) or a categorical distribution over labels
  table,
  tables,  // array of tables
  array,   // array of values (read by hand)
};

struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
  bool hi_open = false;

  bool contains(double x) const noexcept;
  //! Human text such as "> 0", "[0, 1]", "any".
  std::string describe() const;
};

struct KeySpec {
  std::string_view table;  // e.g. "market", "firms[]", "firm" (firm parameters)
  std::string_view key;
  KeyType type;
  std::string_view unit;          // "" when dimensionless
  std::string_view default_toml;  // TOML literal; "" = no default
  bool required;
  Range range;
  std::string_view allowed;  // allowed values for strings, in words
  std::string_view meaning;
};

using Schema = std::vector<KeySpec>;

//! Every key of a scenario, grouped by table, in documentation order.
const Schema& scenario_schema();
//! Every key of a sweep file (sim/src/sweep/sweep_schema.cpp).
const Schema& sweep_schema();
//! The spec of `key` in `table`, or nullptr.
const KeySpec* find_key(const Schema& schema, std::string_view table, std::string_view key);
const KeySpec* find_key(std::string_view table, std::string_view key);
//! Keys of one table.
std::vector<std::string_view> keys_of(const Schema& schema, std::string_view table);
//! Name of a type as documented ("number or distribution", ...).
std::string_view type_name(KeyType type);
//! The Markdown key reference (docs embed it verbatim).
std::string schema_markdown(const Schema& schema);
std::string schema_markdown();

}  // namespace talentsim::detail
