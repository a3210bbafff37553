#include "util/toml_write.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "talentsim/errors.hpp"

namespace talentsim::detail {
namespace {

bool is_bare(std::string_view k) {
  if (k.empty()) return false;
  for (char c : k) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// An array written as [[headers]]: non-empty, tables only.
bool is_table_array(const toml::node& v) {
  const auto* a = v.as_array();
  if (a == nullptr || a->empty()) return false;
  for (const auto& x : *a)
    if (!x.is_table()) return false;
  return true;
}

// A value written after `key = ` (not a section).
bool is_inline(const toml::node& v) {
  return !v.is_table() && !is_table_array(v);
}

void write_table(std::ostringstream& out, const toml::table& t, const std::string& path,
                 bool header) {
  bool any_inline = false;
  for (const auto& [k, v] : t) any_inline = any_inline || is_inline(v);
  if (header && (any_inline || t.empty())) out << "\n[" << path << "]\n";
  for (const auto& [k, v] : t) {
    if (is_inline(v)) out << toml_key(k.str()) << " = " << toml_value(v) << "\n";
  }
  for (const auto& [k, v] : t) {
    const std::string sub = (path.empty() ? "" : path + ".") + toml_key(k.str());
    if (const auto* table = v.as_table()) {
      write_table(out, *table, sub, true);
    } else if (is_table_array(v)) {
      for (const auto& x : *v.as_array()) {
        out << "\n[[" << sub << "]]\n";
        write_table(out, *x.as_table(), sub, false);
      }
    }
  }
}

}  // namespace

std::string toml_float(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  if (ec != std::errc()) throw internal_error("toml_float: to_chars failed");
  std::string s(buf, end);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04X", static_cast<unsigned>(c));
          out += esc;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string toml_key(std::string_view k) {
  return is_bare(k) ? std::string(k) : toml_string(k);
}

std::string toml_value(const toml::node& v) {
  if (const auto* s = v.as_string()) return toml_string(s->get());
  if (const auto* i = v.as_integer()) return std::to_string(i->get());
  if (const auto* f = v.as_floating_point()) return toml_float(f->get());
  if (const auto* b = v.as_boolean()) return b->get() ? "true" : "false";
  if (const auto* a = v.as_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < a->size(); ++i) {
      out += (i == 0 ? " " : ", ") + toml_value((*a)[i]);
    }
    return out + (a->empty() ? "]" : " ]");
  }
  if (const auto* t = v.as_table()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [k, x] : *t) {
      out += (first ? " " : ", ") + toml_key(k.str()) + " = " + toml_value(x);
      first = false;
    }
    return out + (t->empty() ? "}" : " }");
  }
  throw internal_error("toml_value: dates and times are not written by talentsim");
}

std::string toml_document(const toml::table& t) {
  std::ostringstream out;
  write_table(out, t, "", false);
  return out.str();
}

}  // namespace talentsim::detail
