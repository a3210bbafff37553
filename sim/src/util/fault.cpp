#include "util/fault.hpp"

#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

namespace talentsim::detail {
namespace {

struct Plan {
  std::string name;
  long count = 0;
  int signal = SIGKILL;  // ":stop" stops instead (the process keeps what it holds)
};

const Plan& plan() {
  static const Plan p = [] {
    Plan out;
    if (const char* env = std::getenv("TALENTSIM_FAULT")) {
      const std::string s(env);
      const auto colon = s.find(':');
      out.name = s.substr(0, colon);
      out.count = colon == std::string::npos ? 1 : std::atol(s.c_str() + colon + 1);
      if (s.ends_with(":stop")) out.signal = SIGSTOP;
      if (s.ends_with(":term")) out.signal = SIGTERM;
    }
    return out;
  }();
  return p;
}

std::atomic<long> seen{0};

}  // namespace

void fault_point(const char* name) noexcept {
  const Plan& p = plan();
  if (p.name.empty() || p.name != name) return;
  if (++seen == p.count) ::raise(p.signal);
}

}  // namespace talentsim::detail
