#include "util/format.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace talentsim::detail {

std::string format_money(double usd) {
  char buf[32];
  if (!std::isfinite(usd)) return "n/a";
  if (usd >= 1e9) {
    std::snprintf(buf, sizeof buf, "$%.2fB", usd / 1e9);
  } else if (usd >= 1e6) {
    std::snprintf(buf, sizeof buf, "$%.1fM", usd / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "$%.0fk", usd / 1e3);
  }
  return buf;
}

std::string format_count(std::int64_t n) {
  const std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string iso_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace talentsim::detail

namespace talentsim::detail {

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e9) return "--";
  const auto s = static_cast<long long>(seconds + 0.5);
  char buf[48];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  }
  return buf;
}

}  // namespace talentsim::detail
