// Phase 5: acceptance. Every held offer moves its researcher, in ascending
// researcher order; a researcher kept by a counter-offer gets the raised
// package. Signing bonuses are paid from cash now.

#include <tbb/parallel_sort.h>

#include <algorithm>

#include "market/valuation.hpp"

namespace talentsim::detail {

void settle_moves(Simulation::World& w) {
  tbb::parallel_sort(w.touched.begin(), w.touched.end());
  const double h = w.contract_years();
  for (std::int32_t r : w.touched) {
    const auto ri = static_cast<std::size_t>(r);
    const std::int32_t held = w.held[ri];
    const std::int32_t from = w.R.employer[ri];
    if (held >= 0) {
      const Offer& o = w.offers[static_cast<std::size_t>(held)];
      const auto f = static_cast<std::size_t>(o.firm);
      const FirmParams& p = w.F.params[f];
      w.leave_firm(r, true);
      const double signing = o.value * p.signing_share * h;
      w.join_firm(r, o.firm, o.value * (1.0 - p.signing_share - p.equity_share), signing,
                  o.value * p.equity_share * h);
      w.pay_signing(f, signing);
      ++w.F.offers_accepted[f];
      w.record(from >= 0 ? EventKind::poach : EventKind::hire, r, from, o.firm, o.outreach);
    } else if (w.stay_raise[ri] > 0 && from >= 0) {
      // Kept by a counter-offer: the whole package is re-cut at the new value.
      const double value = w.stay_raise[ri];
      const FirmParams& p = w.F.params[static_cast<std::size_t>(from)];
      const double old_signing = w.R.signing[ri];
      w.leave_firm(r, false);
      --w.F.departures[static_cast<std::size_t>(from)];
      --w.F.hires[static_cast<std::size_t>(from)];
      // The signing bonus of the current contract was paid when it started;
      // the counter's new signing part is paid now, on top.
      const double signing = value * p.signing_share * h;
      w.join_firm(r, from, value * (1.0 - p.signing_share - p.equity_share), signing,
                  value * p.equity_share * h);
      const double paid = std::max(0.0, signing - old_signing);
      w.pay_signing(static_cast<std::size_t>(from), paid);
      w.record(EventKind::retention, r, from, from);
    }
    w.held[ri] = -1;
    w.stay_raise[ri] = 0;
    w.touched_mark[ri] = 0;
  }
  w.touched.clear();
}

}  // namespace talentsim::detail
