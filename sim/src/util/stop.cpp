#include "util/stop.hpp"

#include <csignal>

namespace talentsim::detail {
namespace {

volatile std::sig_atomic_t requested = 0;
struct sigaction old_int {
}, old_term{};

extern "C" void on_stop_signal(int) {
  requested = 1;
}

}  // namespace

StopSignals::StopSignals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
}

bool stop_requested() noexcept {
  return requested != 0;
}

void request_stop() noexcept {
  requested = 1;
}

void clear_stop_request() noexcept {
  requested = 0;
}

}  // namespace talentsim::detail
