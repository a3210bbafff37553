#pragma once
// The settlement of a step's moves as settle_moves() made it before
// apply_moves() (docs/performance.md): leave_firm and join_firm, the signing
// bonus and the event, one move after the other. The unit test holds
// apply_moves() to it bit for bit; the micro-benchmark times both.

#include <vector>

#include "engine/phases.hpp"

namespace talentsim::detail::testing {

inline void apply_moves_one_by_one(State& s, const std::vector<Move>& moves, Ledger& ledger,
                                   StepLog& log) {
  for (const Move& mv : moves) {
    const std::int32_t from = s.R.employer[static_cast<std::size_t>(mv.r)];
    if (mv.kind == EventKind::retention) {
      const auto f = static_cast<std::size_t>(from);
      s.leave_firm(mv.r, false);
      --s.F.departures[f];
      --s.F.hires[f];
      s.join_firm(mv.r, from, mv.salary, mv.signing, mv.equity);
      ledger.pay_signing(s.F, f, mv.paid);
      log.record(s, EventKind::retention, mv.r, from, from);
    } else {
      s.leave_firm(mv.r, true);
      s.join_firm(mv.r, mv.to, mv.salary, mv.signing, mv.equity);
      ledger.pay_signing(s.F, static_cast<std::size_t>(mv.to), mv.paid);
      ++s.F.offers_accepted[static_cast<std::size_t>(mv.to)];
      log.record(s, mv.kind, mv.r, from, mv.to, mv.outreach);
    }
  }
}

}  // namespace talentsim::detail::testing
