#pragma once
// How numbers and times are shown to people (summaries, inspect) and stamped
// into files.

#include <cstdint>
#include <string>

namespace talentsim::detail {

//! "$1.23B", "$45.6M", "$780k".
std::string format_money(double usd);
//! "1,234,567".
std::string format_count(std::int64_t n);
//! "45s", "3m20s", "2h05m" ("--" when unknown).
std::string format_duration(double seconds);
//! The current UTC time as ISO 8601, e.g. "2026-11-28T15:00:00Z".
std::string iso_now();

}  // namespace talentsim::detail
