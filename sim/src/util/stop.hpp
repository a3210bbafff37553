#pragma once
// SIGINT and SIGTERM ask a long computation to stop at the next safe point
// (after a step). The flag is the one piece of process-wide state: a signal
// handler can safely do nothing else.

namespace talentsim::detail {

//! Installs the handlers for its lifetime and restores the previous ones.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
};

//! True once SIGINT or SIGTERM arrived while a StopSignals was alive, or
//! request_stop() was called, and until clear_stop_request().
bool stop_requested() noexcept;
//! What SIGINT and SIGTERM do (async-signal-safe).
void request_stop() noexcept;
//! Forgets a stop request (an embedding program starting a new run).
void clear_stop_request() noexcept;

}  // namespace talentsim::detail
