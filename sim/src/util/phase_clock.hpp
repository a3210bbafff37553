#pragma once
// Wall-clock time per phase for `run --profile` (PhaseTimes): each call adds
// the time since the previous call to the counter it is given.

#include <chrono>

namespace talentsim::detail {

class PhaseClock {
 public:
  void operator()(double& phase) noexcept {
    const Clock::time_point now = Clock::now();
    phase += std::chrono::duration<double>(now - last_).count();
    last_ = now;
  }
  //! Adds to *phase when it is not null (a phase's parts, timed only when
  //! the caller asks).
  void operator()(double* phase) noexcept {
    if (phase != nullptr) (*this)(*phase);
  }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_ = Clock::now();
};

}  // namespace talentsim::detail
