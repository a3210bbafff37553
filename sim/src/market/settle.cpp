// Phase 5: acceptance. Every held offer moves its researcher, in ascending
// researcher order; a researcher kept by a counter-offer gets the raised
// package. Signing bonuses are paid from cash now. The offer book is
// consumed: it is opened again, empty, for the next step's candidates.

#include <tbb/parallel_sort.h>

#include <algorithm>

#include "engine/phases.hpp"

namespace talentsim::detail {

void settle_moves(OfferBook& book, State& s, Ledger& ledger, StepLog& log) {
  for (const Offer& o : book.offers) ++s.F.offers_made[static_cast<std::size_t>(o.firm)];
  tbb::parallel_sort(book.touched.begin(), book.touched.end());
  const double h = s.contract_years();
  // Slots are in ascending researcher order.
  for (const std::uint32_t c : book.touched) {
    const std::int32_t r = book.who[c];
    const auto ri = static_cast<std::size_t>(r);
    const std::int32_t held = book.held[c];
    const std::int32_t from = s.R.employer[ri];
    if (held >= 0) {
      const Offer& o = book.offers[static_cast<std::size_t>(held)];
      const auto f = static_cast<std::size_t>(o.firm);
      const FirmParams& p = s.F.params[f];
      s.leave_firm(r, true);
      const double signing = o.value * p.signing_share * h;
      s.join_firm(r, o.firm, o.value * (1.0 - p.signing_share - p.equity_share), signing,
                  o.value * p.equity_share * h);
      ledger.pay_signing(s.F, f, signing);
      ++s.F.offers_accepted[f];
      log.record(s, from >= 0 ? EventKind::poach : EventKind::hire, r, from, o.firm, o.outreach);
    } else if (book.stay_raise[c] > 0 && from >= 0) {
      // Kept by a counter-offer: the whole package is re-cut at the new value.
      const double value = book.stay_raise[c];
      const FirmParams& p = s.F.params[static_cast<std::size_t>(from)];
      const double old_signing = s.R.signing[ri];
      s.leave_firm(r, false);
      --s.F.departures[static_cast<std::size_t>(from)];
      --s.F.hires[static_cast<std::size_t>(from)];
      // The signing bonus of the current contract was paid when it started;
      // the counter's new signing part is paid now, on top.
      const double signing = value * p.signing_share * h;
      s.join_firm(r, from, value * (1.0 - p.signing_share - p.equity_share), signing,
                  value * p.equity_share * h);
      const double paid = std::max(0.0, signing - old_signing);
      ledger.pay_signing(s.F, static_cast<std::size_t>(from), paid);
      log.record(s, EventKind::retention, r, from, from);
    }
  }
  book.touched.clear();
}

}  // namespace talentsim::detail
