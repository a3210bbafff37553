#pragma once
// Reading one TOML table against the schema: typed getters that take
// defaults and ranges from the schema, precise errors with file:line:column
// and the key path, and a final check that rejects unknown keys.

#include <toml++/toml.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/schema.hpp"
#include "talentsim/distribution.hpp"

namespace talentsim::detail {

//! The largest magnitude of any number or draw in a scenario: products of a
//! few such values (output, pay, budgets) stay far inside a double's range.
inline constexpr double MAX_MAGNITUDE = 1e18;

//! A number as messages show it: up to 10 significant digits, no padding.
std::string format_number(double x);

//! Joins key path segments, quoting those that are not bare TOML keys.
std::string join_key(std::string_view prefix, std::string_view segment);

//! Throws scenario_error located at `node` (or at `fallback` when `node` has
//! no source position).
[[noreturn]] void fail_at(const toml::node* node, const std::string& file, const std::string& key,
                          const std::string& message);

//! Parses a distribution. `support` is the range every draw must lie in.
Distribution parse_dist(const toml::node& node, const std::string& file, const std::string& key,
                        const Range& support);

//! Parses a label or a categorical distribution over `labels`; returns shares
//! aligned with `labels`. `what` names the labels in messages ("country").
std::vector<double> parse_label_shares(const toml::node& node, const std::string& file,
                                       const std::string& key,
                                       const std::vector<std::string>& labels,
                                       std::string_view what);

class Reader {
 public:
  //! `patterns`: schema tables whose keys this table may hold.
  Reader(const toml::table& table, std::string path, std::vector<std::string_view> patterns,
         std::string file, const Schema* schema = nullptr);

  const std::string& file() const noexcept { return file_; }
  const std::string& path() const noexcept { return path_; }
  const toml::table& table() const noexcept { return table_; }
  bool has(std::string_view key) const;
  std::string key_path(std::string_view key) const { return join_key(path_, key); }

  //! The user's node for `key` (marking it read), or nullptr when absent.
  const toml::node* node(std::string_view key);
  //! The user's node, else the schema default, else nullptr; checks `required`.
  const toml::node* node_or_default(std::string_view key);

  std::int64_t integer(std::string_view key);
  double real(std::string_view key);
  std::optional<double> optional_real(std::string_view key);
  bool boolean(std::string_view key);
  std::string string(std::string_view key);
  std::vector<std::string> string_list(std::string_view key);
  Distribution dist(std::string_view key);
  //! nullptr when absent.
  const toml::table* subtable(std::string_view key);
  //! Empty when absent.
  std::vector<const toml::table*> tables(std::string_view key);

  [[noreturn]] void fail(std::string_view key, const std::string& message) const;
  [[noreturn]] void fail_node(const toml::node* node, std::string_view key,
                              const std::string& message) const;

  //! Rejects every key that was not read.
  void finish() const;

 private:
  const KeySpec& spec(std::string_view key) const;

  const toml::table& table_;
  std::string path_;
  std::vector<std::string_view> patterns_;
  const Schema* schema_;
  std::deque<toml::table> defaults_;  // parsed schema defaults, alive as long as the reader
  std::string file_;
  std::vector<std::string> used_;
};

//! Reads a number (integer or float) with a type check, no range check.
double as_number(const toml::node& node, const std::string& file, const std::string& key);

}  // namespace talentsim::detail
