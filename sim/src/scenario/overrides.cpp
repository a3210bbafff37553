// `--set key.path=value`: edits the parsed document before validation, so an
// override goes through exactly the checks a value in the file would.

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "scenario/load_detail.hpp"
#include "talentsim/errors.hpp"
#include "util/suggest.hpp"

namespace talentsim {

Override parse_override(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    throw user_error("--set expects key.path=value, got '" + std::string(text) + "'");
  }
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
  };
  return {trim(text.substr(0, eq)), trim(text.substr(eq + 1))};
}

Override string_override(std::string path, std::string_view value) {
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return {std::move(path), quoted + "\""};
}

namespace detail {
namespace {

[[noreturn]] void fail_override(const Override& o, const std::string& message) {
  throw scenario_error("--set " + o.path + "=" + o.value, 0, 0, "", message);
}

// Splits a dotted path; segments may be quoted ("Google DeepMind").
std::vector<std::string> split_path(const Override& o) {
  std::vector<std::string> parts;
  std::string current;
  bool quoted = false, was_quoted = false;
  for (char c : o.path) {
    if (c == '"') {
      quoted = !quoted;
      was_quoted = true;
    } else if (c == '.' && !quoted) {
      if (current.empty() && !was_quoted) fail_override(o, "empty segment in key path");
      parts.push_back(current);
      current.clear();
      was_quoted = false;
    } else {
      current += c;
    }
  }
  if (quoted) fail_override(o, "unbalanced quote in key path");
  if (current.empty() && !was_quoted) fail_override(o, "empty segment in key path");
  parts.push_back(current);
  return parts;
}

// The element of an array of tables that a path segment names: by `name`
// (or `label` for pinned researchers), or by position.
toml::table* find_element(toml::array& arr, const std::string& segment, const Override& o,
                          const std::string& where) {
  std::vector<std::string_view> names;
  for (auto& item : arr) {
    toml::table* t = item.as_table();
    if (t == nullptr) continue;
    for (const char* key : {"name", "label"}) {
      if (const auto* n = t->get_as<std::string>(key)) {
        if (n->get() == segment) return t;
        names.push_back(n->get());
      }
    }
  }
  std::size_t index = 0;
  const auto [ptr, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
  if (ec == std::errc() && ptr == segment.data() + segment.size() && index < arr.size() &&
      arr[index].is_table()) {
    return arr[index].as_table();
  }
  fail_override(
      o, "no entry named '" + segment + "' in '" + where + "'" + did_you_mean(segment, names));
}

toml::node_view<toml::node> parse_value(const Override& o, toml::table& holder) {
  try {
    const std::string text = "v = " + o.value;
    const std::string source = "--set " + o.path + "=" + o.value;
    holder = toml::parse(std::string_view(text), std::string_view(source));
  } catch (const toml::parse_error&) {
    // A number TOML does not take (1e400, .5, 1.): a number all the same,
    // or a clear error when no double holds it.
    const std::string& t = o.value;
    char* end = nullptr;
    errno = 0;
    const double x = t.empty() ? 0.0 : std::strtod(t.c_str(), &end);
    const bool numeric = !t.empty() && end == t.c_str() + t.size() &&
                         t.find_first_of("0123456789") != std::string::npos &&
                         t.find_first_of("xXpP") == std::string::npos;
    if (numeric && (errno == ERANGE || !std::isfinite(x))) {
      fail_override(o, "the number " + t +
                           " is out of range (a double holds magnitudes from 2.2e-308 to "
                           "1.8e308)");
    }
    if (numeric) {
      holder = toml::table{{"v", x}};
    } else {
      // Not a TOML value: take it as a bare string (paths, names).
      holder = toml::table{{"v", o.value}};
    }
  }
  return holder["v"];
}

}  // namespace

std::vector<std::string> apply_overrides(toml::table& doc, const std::vector<Override>& overrides) {
  std::vector<std::string> canonical;
  for (const Override& o : overrides) {
    const std::vector<std::string> parts = split_path(o);
    toml::table* table = &doc;
    std::string where;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      const std::string& seg = parts[i];
      toml::node* child = table->get(seg);
      if (child == nullptr) {
        table->insert(seg, toml::table{});
        child = table->get(seg);
      }
      where = join_key(where, seg);
      if (auto* t = child->as_table()) {
        table = t;
      } else if (auto* arr = child->as_array()) {
        if (i + 1 == parts.size() - 1) {
          fail_override(o, "'" + where + "' is a list; name an entry, e.g. " + where + ".<name>." +
                               parts.back());
        }
        table = find_element(*arr, parts[++i], o, where);
        // Name the element as the loader's messages do: by name, pinned
        // researchers by label, timeline events by position.
        const auto* name = table->get_as<std::string>("name");
        const auto* label = where == "pinned" ? table->get_as<std::string>("label") : nullptr;
        std::string position;
        for (std::size_t k = 0; k < arr->size(); ++k) {
          if ((*arr)[k].as_table() == table) position = std::to_string(k);
        }
        where = join_key(where, name ? name->get() : label ? label->get() : position);
      } else {
        fail_override(o, "'" + where + "' is a value, not a table");
      }
    }
    toml::table holder;
    auto value = parse_value(o, holder);
    table->insert_or_assign(parts.back(), *value.node());
    canonical.push_back(join_key(where, parts.back()));
  }
  return canonical;
}

}  // namespace detail
}  // namespace talentsim
