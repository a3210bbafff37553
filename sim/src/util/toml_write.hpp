#pragma once
// Writing TOML that reads back exactly: floats in the shortest form that
// round-trips (0.1, not 0.10000000000000001), so that files written by
// talentsim (resolved scenarios, sweep plans) diff cleanly.

#include <toml++/toml.h>

#include <string>

namespace talentsim::detail {

//! The shortest decimal text of `x` that parses back to the same double,
//! with a decimal point or exponent so that TOML reads it as a float.
std::string toml_float(double x);

//! A TOML basic string: quoted, with every control character escaped.
std::string toml_string(std::string_view s);

//! A key: bare when it may be, quoted otherwise.
std::string toml_key(std::string_view k);

//! One value (scalar, array or inline table) as TOML text.
std::string toml_value(const toml::node& v);

//! A whole document: scalars first, then sub-tables as [headers] and arrays
//! of tables as [[headers]], keys in the table's order.
std::string toml_document(const toml::table& t);

}  // namespace talentsim::detail
